"""An instructor writes a question of their own, fixes its problem, and asks it in a quiz."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from learnapp.catalog.models import Question
from tests.authoring.conftest import BROKEN
from tests.factories import ClassroomFactory, PatternFactory, make_instructor

from .conftest import serious_accessibility_violations
from .test_classes import log_in

pytestmark = pytest.mark.browser

SCREENSHOTS = "/tmp/authoring-screens"


def test_an_instructor_writes_a_question_and_uses_it_in_a_quiz(
    browser, live_server, transactional_db
):
    teacher_user = make_instructor(username="ivy")
    PatternFactory(title="API key management")
    classroom = ClassroomFactory(instructor=teacher_user, name="Keys 101")
    page = log_in(browser, live_server, "ivy")

    page.goto("/authoring/")
    expect(page.get_by_role("heading", name="Your questions")).to_be_visible()
    assert serious_accessibility_violations(page) == []
    page.get_by_role("link", name="Write a question").click()
    page.get_by_label("Pattern").select_option(label="API key management")
    source = page.get_by_label("Question (markdown)")
    source.fill(BROKEN)

    # The live preview lists the problem with its line; Save keeps nothing.
    problems = page.locator("#problems")
    expect(problems).to_contain_text("Line 7: exactly one option must be marked")
    assert serious_accessibility_violations(page) == []
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#problems")).to_contain_text("Line 7")
    assert not Question.objects.filter(owner=teacher_user).exists()

    page.get_by_label("Question (markdown)").fill(
        BROKEN.replace("- [ ] `Authorization`", "- [x] `Authorization`")
    )
    expect(page.locator("#problems")).to_have_text("No problems found.")
    preview = page.get_by_role("region", name=re.compile("Preview"))
    expect(preview).to_contain_text("Which header carries an API key?")
    expect(preview.get_by_role("listitem").filter(has_text="(right)")).to_contain_text(
        "Authorization"
    )
    assert serious_accessibility_violations(page) == []
    for width in (390, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=f"{SCREENSHOTS}/editor-{width}.png", full_page=True)
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Saved “header-choice”")).to_be_visible()
    expect(page.get_by_role("link", name="header-choice")).to_be_visible()
    for width in (390, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=f"{SCREENSHOTS}/bank-{width}.png", full_page=True)

    # The question is in the custom quiz picker of the instructor's class.
    page.goto(f"/classes/{classroom.pk}/assignments/new/")
    page.get_by_label("Title").fill("My own quiz")
    page.get_by_label(re.compile("Which header carries an API key")).check()
    now = timezone.localtime()
    fmt = "%Y-%m-%dT%H:%M"
    page.get_by_label("Opens at").fill((now - timedelta(hours=1)).strftime(fmt))
    page.get_by_label("Due at").fill((now + timedelta(days=2)).strftime(fmt))
    page.get_by_label("Closes at").fill((now + timedelta(days=3)).strftime(fmt))
    page.get_by_role("button", name="Assign").click()
    expect(page.get_by_role("heading", name="My own quiz")).to_be_visible()
    question = Question.objects.get(owner=teacher_user)
    assert classroom.assignments.get(title="My own quiz").question_ids == [question.pk]

    page.goto("/authoring/")
    expect(page.get_by_role("link", name="GIFT file of My own quiz")).to_be_visible()
    assert serious_accessibility_violations(page) == []
