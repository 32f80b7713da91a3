"""At phone width (390 px), in a real Chromium: wide tables say that they scroll and can be
scrolled by keyboard, the score chart's labels can be read, and a long code line scrolls inside
its block instead of widening the page."""

import re

import pytest
from playwright.sync_api import expect

from learnapp.classes.models import Membership
from tests.factories import AssignmentFactory, ClassroomFactory, UserFactory

from .conftest import serious_accessibility_violations

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
PASSWORD = "correct horse battery staple"


def page_fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def says_it_scrolls(page, label: str) -> None:
    region = page.get_by_role("region", name=label)
    expect(region).to_have_attribute("tabindex", "0")
    assert region.evaluate("el => el.scrollWidth > el.clientWidth")
    hint = region.locator("xpath=preceding-sibling::*[1]")
    expect(hint).to_have_text(re.compile("Scroll sideways"))
    expect(hint).to_be_visible()
    # By keyboard: focus the region and press the arrow key.
    region.focus()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    page.wait_for_function(
        'label => document.querySelector(`[aria-label="${label}"]`).scrollLeft > 0', arg=label
    )


def test_the_progress_page_at_phone_width(page, shipped_content):
    page.set_viewport_size(PHONE)
    page.goto("/patterns/api-key-management/test/")
    page.get_by_role("button", name="Start the test").click()
    expect(page.locator("form[data-ready]")).to_have_count(1)
    page.goto(page.url.rsplit("/q/", 1)[0] + "/submit/")
    page.get_by_role("button", name="Submit the test").click()
    expect(page.get_by_role("heading", name=re.compile("You scored"))).to_be_visible()

    page.goto("/progress/")
    says_it_scrolls(page, "Progress by pattern")
    # Every label of the chart is drawn at least 11 px high.
    heights = page.locator(".chart svg text").evaluate_all(
        "texts => texts.map(t => t.getBoundingClientRect().height)"
    )
    assert heights and min(heights) >= 11, heights
    assert page_fits(page)
    assert serious_accessibility_violations(page) == []
    assert page.console_errors == []


def test_the_gradebook_at_phone_width(browser, live_server, transactional_db):
    classroom = ClassroomFactory(name="Keys 101")
    classroom.instructor.set_password(PASSWORD)
    classroom.instructor.save()
    Membership.objects.create(classroom=classroom, user=UserFactory(username="lee"))
    for n in range(6):
        AssignmentFactory(classroom=classroom, title=f"Weekly quiz {n + 1}")
    context = browser.new_context(base_url=live_server.url, viewport=PHONE)
    try:
        page = context.new_page()
        page.goto("/accounts/login/")
        page.get_by_label("Username").fill(classroom.instructor.username)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.goto(f"/classes/{classroom.pk}/gradebook/")
        says_it_scrolls(page, "Gradebook")
        assert page_fits(page)
    finally:
        context.close()


def test_a_table_that_fits_says_nothing_about_scrolling(page, shipped_content):
    page.goto("/progress/")  # 1280 px: the table fits
    expect(page.locator("[data-scroll-hint]").first).to_be_hidden()


@pytest.mark.parametrize(
    "url",
    [
        "/patterns/auth-headers-status-codes/practice/9/",  # a long code line in the question
        "/patterns/api-key-management/practice/2/",  # long options
        "/patterns/auth-headers-status-codes/practice/3/",  # a long header in inline code
    ],
)
def test_questions_never_widen_the_page_at_phone_width(page, shipped_content, url):
    page.set_viewport_size(PHONE)
    page.goto(url)
    assert page_fits(page)
    for block in page.locator(".question-card pre").all():
        assert block.evaluate("el => getComputedStyle(el).overflowX") == "auto"
        assert block.evaluate("el => el.getBoundingClientRect().right <= window.innerWidth")
