"""In a real Chromium: a lesson is marked read only when the learner presses the button, and a
test question's time adds up across autosave and "Save and next"."""

import pytest
from playwright.sync_api import expect

from learnapp.learning.models import Answer, Attempt, LessonRead

pytestmark = pytest.mark.browser

LESSON = "/patterns/api-key-management/"


def test_scrolling_to_the_end_of_a_lesson_does_not_mark_it_read(page, shipped_content):
    page.goto(LESSON)
    button = page.get_by_role("button", name="Mark the lesson as read")
    button.scroll_into_view_if_needed()
    page.mouse.wheel(0, 20000)
    page.wait_for_timeout(1500)  # htmx's "revealed" would have posted by now
    expect(button).to_be_visible()
    assert not LessonRead.objects.exists()

    button.click()
    expect(page.get_by_text("Lesson read.")).to_be_visible()
    assert LessonRead.objects.count() == 1


def test_save_and_next_adds_its_time_to_what_autosave_stored(page, shipped_content):
    page.goto(LESSON + "test/")
    page.get_by_role("button", name="Start the test").click()
    expect(page.locator("form[data-ready]")).to_have_count(1)
    attempt = Attempt.objects.get()
    item = (
        attempt.items.filter(question_version__qtype="single", number__lt=attempt.total)
        .order_by("number")
        .first()
    )
    page.goto(f"/tests/{attempt.pk}/q/{item.number}/")
    expect(page.locator("form[data-ready]")).to_have_count(1)
    page.wait_for_timeout(1500)
    page.locator('input[name="choice"]').first.check()
    expect(page.locator("[data-save-status]")).to_have_text("Saved.")
    autosaved = Answer.objects.get(attempt=attempt).time_taken_ms
    assert autosaved >= 1500

    page.wait_for_timeout(1500)
    page.get_by_role("button", name="Save and next →").click()
    expect(page).to_have_url(f"/tests/{attempt.pk}/q/{item.number + 1}/")
    total = Answer.objects.get(attempt=attempt).time_taken_ms
    assert autosaved + 1500 <= total < autosaved + 60_000
