"""The API key lesson's faded example: the learner's last step, checked by the server."""

from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import expect

from learnapp.catalog.parsing import parse_lesson
from tests.catalog.test_worked import API_KEY_LESSON
from tests.factories import PatternFactory

from .conftest import serious_accessibility_violations

pytestmark = pytest.mark.browser


@pytest.fixture
def lesson(transactional_db):
    # The shipped lesson file alone: the rest of the tree is not needed to read one lesson.
    parsed = parse_lesson(API_KEY_LESSON, (Path(settings.CONTENT_DIR) / API_KEY_LESSON).read_text())
    return PatternFactory(
        slug="api-key-management",
        title="API key management",
        lesson_html=parsed.html,
        toc=[{"level": e.level, "id": e.id, "title": e.title} for e in parsed.toc],
        faded_examples=parsed.faded_examples,
    )


def choose_and_check(page, text: str) -> None:
    example = page.locator("#try-1")
    example.get_by_label(text).check()
    example.get_by_role("button", name="Check my step").click()


@pytest.mark.parametrize("width", [390, 1280])
def test_a_wrong_last_step_gets_feedback_and_a_right_one_is_checked(page, lesson, width):
    page.set_viewport_size({"width": width, "height": 900})
    page.goto("/patterns/api-key-management/")
    example = page.locator("#try-1")
    expect(example.locator(".worked-label")).to_have_text("Try the last step")
    # The answer is not in the page before the learner answers.
    assert "110 / 2,000 = 5.5%" not in page.content()

    choose_and_check(page, "Many expired keys still in use")
    feedback = example.locator(".faded-feedback")
    expect(feedback).to_contain_text("Not quite: try the step again")
    expect(feedback).to_contain_text("fewer than the 5 this course counts as")
    assert page.url.endswith("/patterns/api-key-management/")  # swapped in place

    choose_and_check(page, "Invalid key errors over 5%")
    expect(feedback).to_contain_text("Right: your step is checked")
    expect(feedback).to_contain_text("110 / 2,000 = 5.5%")
    assert serious_accessibility_violations(page) == []
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert page.console_errors == []


def test_without_javascript_the_check_opens_as_a_page(browser, live_server, lesson):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto("/patterns/api-key-management/")
        choose_and_check(page, "None: it misses")
        expect(page.get_by_role("heading", level=1)).to_have_text("Try the last step")
        expect(page.locator(".feedback-wrong")).to_contain_text("110 / 2,000 is 5.5%")
        choose_and_check(page, "Invalid key errors over 5%")
        expect(page.locator(".feedback-right")).to_contain_text("Right: your step is checked")
        page.get_by_role("link", name="Back to the lesson: API key management").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("API key management")
    finally:
        context.close()


def test_the_check_page_has_no_serious_accessibility_violations(page, lesson):
    page.goto("/patterns/api-key-management/try/1/?answer=A")
    assert serious_accessibility_violations(page) == []
