"""An instructor and a learner use a class end to end, each in their own browser."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.factories import UserFactory, make_instructor

from .conftest import AXE, serious_accessibility_violations
from .test_learning import answer_by_keyboard

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery staple"


def log_in(browser, live_server, username):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    context.add_init_script(path=str(AXE))
    page = context.new_page()
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    return page


def test_an_instructor_assigns_a_test_and_grades_it(browser, live_server, shipped_content):
    make_instructor(username="ivy")
    UserFactory(username="lee")
    teacher = log_in(browser, live_server, "ivy")
    teacher.goto("/classes/")
    teacher.get_by_label("Name").fill("Keys 101")
    teacher.get_by_role("button", name="Create a class").click()
    expect(teacher.get_by_role("heading", name="Keys 101")).to_be_visible()
    code = teacher.locator(".join-code").first.inner_text()
    assert serious_accessibility_violations(teacher) == []

    learner = log_in(browser, live_server, "lee")
    learner.goto("/classes/join/")
    learner.get_by_label("Join code").fill(code)
    learner.get_by_role("button", name="Join").click()
    expect(learner.get_by_text("You joined “Keys 101”")).to_be_visible()

    teacher.get_by_role("link", name="New assignment").first.click()
    teacher.get_by_label("Title").fill("API keys test")
    teacher.get_by_label("Pattern's test").select_option(label="API key management")
    now = timezone.localtime()
    fmt = "%Y-%m-%dT%H:%M"
    teacher.get_by_label("Opens at").fill((now - timedelta(hours=1)).strftime(fmt))
    teacher.get_by_label("Due at").fill((now + timedelta(days=2)).strftime(fmt))
    teacher.get_by_label("Closes at").fill((now + timedelta(days=3)).strftime(fmt))
    assert serious_accessibility_violations(teacher) == []
    teacher.get_by_role("button", name="Assign").click()
    expect(teacher.get_by_role("heading", name="API keys test")).to_be_visible()

    learner.goto("/assigned/")
    expect(learner.get_by_text("Not started")).to_be_visible()
    learner.screenshot(path="/tmp/shots/assigned.png", full_page=True)
    assert serious_accessibility_violations(learner) == []
    learner.get_by_role("button", name=re.compile("Start")).click()
    for number in range(1, 11):
        expect(
            learner.get_by_role("heading", name=re.compile(f"Question {number} of 10"))
        ).to_be_visible()
        expect(learner.locator("form[data-ready]")).to_have_count(1)
        answer_by_keyboard(learner)  # whatever type the draw asks here
        name = "Save and next →" if number < 10 else "Review and submit"
        learner.get_by_role("button", name=name).click()
    learner.get_by_role("button", name="Submit the test").click()
    score = learner.get_by_role("heading", name=re.compile(r"You scored [\d.]+ of 10"))
    expect(score).to_be_visible()
    scored = re.search(r"You scored ([\d.]+) of 10", score.inner_text()).group(1)

    teacher.get_by_role("link", name="Gradebook").click()
    expect(teacher.locator(".grade-cell").first).to_contain_text(f"{scored}/10")
    teacher.screenshot(path="/tmp/shots/gradebook.png", full_page=True)
    assert serious_accessibility_violations(teacher) == []
    with teacher.expect_download() as download:
        teacher.get_by_role("link", name="Download CSV").click()
    csv_text = download.value.path().read_text(encoding="utf-8")
    # The CSV carries the score as a number with more places than the page shows (2.8333).
    row = re.search(r"^lee,[^,]*,([01]),([\d.]+),10,", csv_text, re.MULTILINE)
    assert row and row.group(1) == str(0 if float(scored) >= 6 else 1)
    assert abs(float(row.group(2)) - float(scored)) < 0.01

    teacher.get_by_role("link", name="API keys test").click()
    teacher.get_by_role("link", name="Item analysis").click()
    expect(teacher.get_by_role("heading", name="Item analysis")).to_be_visible()
    expect(teacher.locator("table.data-table > tbody > tr")).to_have_count(10)
    teacher.screenshot(path="/tmp/shots/items.png", full_page=True)
    assert serious_accessibility_violations(teacher) == []

    # The instructor's pages on a phone: nothing wider than the screen, nothing serious for axe.
    from learnapp.classes.models import Assignment, Classroom

    classroom, assignment = Classroom.objects.get(), Assignment.objects.get()
    teacher.set_viewport_size({"width": 390, "height": 800})
    for path in (
        f"/classes/{classroom.pk}/",
        f"/classes/{classroom.pk}/assignments/new/",
        f"/classes/{classroom.pk}/gradebook/",
        f"/assignments/{assignment.pk}/",
        f"/assignments/{assignment.pk}/items/",
    ):
        teacher.goto(path)
        assert teacher.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), path
        assert serious_accessibility_violations(teacher) == [], path
