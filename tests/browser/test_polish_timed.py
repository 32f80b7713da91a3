"""Timed tests and what every page shares, in a real Chromium: time left said at 5 minutes and
1 minute, a result that says the time ran out, a focus ring that can be seen, region names that
tell regions apart."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from learnapp.learning.models import Attempt

from .conftest import serious_accessibility_violations

pytestmark = pytest.mark.browser

TEST = "/patterns/api-key-management/test/"


def start(page) -> Attempt:
    page.goto(TEST)
    page.get_by_role("button", name="Start the test").click()
    expect(page.locator("form[data-ready]")).to_have_count(1)
    return Attempt.objects.get()


def time_left(attempt: Attempt, seconds: float) -> None:
    Attempt.objects.filter(pk=attempt.pk).update(
        deadline_at=timezone.now() + timedelta(seconds=seconds)
    )


def test_time_left_is_said_as_it_passes_5_minutes_and_1_minute_not_every_second(
    page, shipped_content
):
    attempt = start(page)
    announce = page.locator("[data-time-announce]")
    time_left(attempt, 302)
    page.reload()
    expect(page.locator("[data-time-left]")).to_have_text(re.compile(r"^5:0\d$"))
    assert announce.inner_text() == ""  # loaded above 5 minutes: nothing said yet
    expect(announce).to_have_text("5 minutes left.", timeout=6000)
    assert announce.get_attribute("role") == "status"
    # The ticking clock itself is in no live region.
    assert page.evaluate(
        "!document.querySelector('[data-time-left]').closest('[aria-live], [role=status]')"
    )

    time_left(attempt, 62)
    page.reload()
    page.wait_for_timeout(500)
    assert announce.inner_text() == ""  # 5 minutes is not said again below it
    expect(announce).to_have_text("1 minute left.", timeout=6000)
    page.wait_for_timeout(1500)
    expect(announce).to_have_text("1 minute left.")


def test_an_attempt_the_clock_submits_says_the_time_ran_out_and_what_was_unanswered(
    page, shipped_content
):
    attempt = start(page)
    item = attempt.items.filter(question_version__qtype="single").order_by("number").first()
    time_left(attempt, 6)
    page.goto(f"/tests/{attempt.pk}/q/{item.number}/")
    expect(page.locator("form[data-ready]")).to_have_count(1)
    page.locator('input[name="choice"]').first.check()
    expect(page.locator("[data-save-status]")).to_have_text("Saved.")
    # The page reloads when the clock reaches 0:00 and the server submits the attempt.
    expect(page.get_by_role("heading", name="Time ran out")).to_be_visible(timeout=15000)
    others = [n for n in range(1, attempt.total + 1) if n != item.number]
    listed = ", ".join(str(n) for n in others[:-1]) + f" and {others[-1]}"
    expect(page.locator(".time-ran-out")).to_contain_text(f"Questions {listed} had no answer.")
    assert serious_accessibility_violations(page) == []


def test_a_test_the_learner_submits_in_time_says_nothing_about_time(page, shipped_content):
    attempt = start(page)
    time_left(attempt, 600)
    page.goto(f"/tests/{attempt.pk}/submit/")
    page.get_by_role("button", name="Submit the test").click()
    expect(page.get_by_role("heading", name=re.compile("You scored"))).to_be_visible()
    expect(page.get_by_role("heading", name="Time ran out")).to_have_count(0)


def contrast_with_white(rgb: str) -> float:
    r, g, b = (int(v) / 255 for v in re.findall(r"\d+", rgb)[:3])

    def linear(c):
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    luminance = 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b)
    return 1.05 / (luminance + 0.05)


def test_the_focus_ring_stands_out_against_white_on_links_fields_and_date_fields(
    page, transactional_db
):
    page.goto("/accounts/login/")
    page.evaluate(
        "document.querySelector('form').insertAdjacentHTML('beforeend',"
        " '<input type=datetime-local id=when aria-label=When>')"
    )
    for selector in ["a.brand", "#id_username", "#when"]:
        page.locator(selector).focus()
        page.keyboard.press("Shift+Tab")
        page.keyboard.press("Tab")  # by keyboard, so :focus-visible holds
        style = page.locator(selector).evaluate(
            "el => { const s = getComputedStyle(el);"
            " return {focused: document.activeElement === el, color: s.outlineColor,"
            " width: parseFloat(s.outlineWidth), style: s.outlineStyle}; }"
        )
        assert style["focused"], selector
        assert style["style"] != "none" and style["width"] >= 2, (selector, style)
        assert contrast_with_white(style["color"]) >= 3, (selector, style)


LANDMARK_RULES = "{runOnly: ['landmark-unique', 'region', 'aria-allowed-role']}"


def landmark_problems(page) -> list[str]:
    results = page.evaluate(f"async () => await axe.run(document, {LANDMARK_RULES})")
    return [f"{v['id']}: {[n['target'] for n in v['nodes']]}" for v in results["violations"]]


def test_regions_on_the_learners_pages_have_names_that_tell_them_apart(page, shipped_content):
    for url in [
        "/patterns/api-key-management/practice/1/",
        "/progress/",
        "/sandbox/playground/",
        "/sandbox/log/",
        "/accounts/signup/",
    ]:
        page.goto(url)
        assert landmark_problems(page) == [], url
    attempt = start(page)
    assert landmark_problems(page) == []
    page.goto(f"/tests/{attempt.pk}/submit/")
    page.get_by_role("button", name="Submit the test").click()
    expect(page.get_by_role("heading", name=re.compile("You scored"))).to_be_visible()
    assert landmark_problems(page) == []
