"""Practice and test questions by keyboard and screen reader, in a real Chromium: answers
remembered, verdicts announced from regions that stay in the page, shortcuts that act only
where they should."""

import pytest
from playwright.sync_api import expect

from learnapp.learning.models import Answer, Attempt

from .conftest import serious_accessibility_violations

pytestmark = pytest.mark.browser

PRACTICE = "/patterns/api-key-management/practice/"
WRONG = "To improve the accuracy of the AI model"
RIGHT = "To control who can access the AI service"
KEYS_SWITCH = "Choose with the keys 1\N{EN DASH}4 and A\N{EN DASH}D"


def keys_ready(page) -> None:
    expect(page.locator("html[data-choice-keys=ready]")).to_have_count(1)


def test_returning_to_an_answered_question_shows_the_answer_and_its_feedback(page, shipped_content):
    page.goto(PRACTICE + "1/")
    page.get_by_label(WRONG).check()
    page.get_by_role("button", name="Check answer").click()
    expect(page.get_by_role("heading", name="Not quite.")).to_be_visible()

    page.goto(PRACTICE + "2/")
    page.get_by_role("link", name="Question 1, easy: last answered wrong").click()
    expect(page.get_by_text("Your last answer")).to_be_visible()
    expect(page.get_by_role("heading", name="Not quite.")).to_be_visible()
    expect(page.get_by_label(WRONG)).to_be_checked()
    expect(page.get_by_text("1 of 10 answered")).to_be_visible()

    # "Try again" starts afresh: no feedback, nothing ticked.
    page.get_by_role("link", name="Try again").click()
    expect(page.get_by_role("heading", name="Not quite.")).to_have_count(0)
    expect(page.get_by_label(WRONG)).not_to_be_checked()
    assert serious_accessibility_violations(page) == []
    assert page.console_errors == []


def test_the_verdict_is_announced_from_a_region_that_stays_and_focus_moves_to_it(
    page, shipped_content
):
    page.goto(PRACTICE + "1/")
    # Marks on the live regions' elements: a replaced element would lose them.
    page.evaluate(
        "['feedback', 'hint', 'practice-verdict'].forEach(id => document.getElementById(id).kept = true)"
    )
    page.get_by_label(WRONG).check()
    page.get_by_role("button", name="Check answer").click()
    expect(page.get_by_role("heading", name="Not quite.")).to_be_focused()
    expect(page.get_by_role("status").filter(has_text="Not quite.")).to_have_count(1)
    assert page.locator("#practice-verdict").inner_text() == "Not quite."

    page.get_by_role("button", name="Show a hint (1 of 3)").click()
    expect(page.locator("#hint .hint")).to_be_visible()
    assert page.evaluate(
        "['feedback', 'hint', 'practice-verdict'].every(id => document.getElementById(id).kept)"
    )
    assert page.locator("#hint").get_attribute("aria-live") == "polite"
    assert page.locator("#feedback #feedback").count() == 0
    assert page.locator("#hint #hint").count() == 0

    page.get_by_label(RIGHT).check()
    page.get_by_role("button", name="Check answer").click()
    expect(page.locator("#practice-verdict")).to_have_text("Right!")
    expect(page.get_by_role("heading", name="Right!")).to_be_focused()
    assert serious_accessibility_violations(page) == []
    assert page.console_errors == []


def test_letter_keys_act_only_in_the_question_and_can_be_turned_off(page, shipped_content):
    page.goto(PRACTICE + "1/")
    keys_ready(page)
    radios = page.locator('input[name="choice"]')

    # Focus on a navigation link: "c" is not an answer.
    page.get_by_role("link", name="Catalog", exact=True).first.focus()
    page.keyboard.press("c")
    expect(page.locator('input[name="choice"]:checked')).to_have_count(0)

    # On the page itself, or in the question, it is.
    page.evaluate("document.activeElement.blur()")
    page.keyboard.press("c")
    expect(radios.nth(2)).to_be_checked()
    page.keyboard.press("2")
    expect(radios.nth(1)).to_be_checked()

    # Turned off, and still off on the next page.
    switch = page.get_by_label(KEYS_SWITCH)
    switch.uncheck()
    page.evaluate("document.activeElement.blur()")
    page.keyboard.press("a")
    expect(radios.nth(1)).to_be_checked()
    page.goto(PRACTICE + "2/")
    keys_ready(page)
    expect(page.get_by_label(KEYS_SWITCH)).not_to_be_checked()
    expect(page.locator(".choice-keys-help")).to_be_hidden()
    page.keyboard.press("a")
    expect(page.locator('input[name="choice"]:checked')).to_have_count(0)
    page.get_by_label(KEYS_SWITCH).check()
    page.evaluate("document.activeElement.blur()")
    page.keyboard.press("a")
    expect(page.locator('input[name="choice"]').first).to_be_checked()
    assert page.console_errors == []


def test_a_link_with_focus_never_changes_a_saved_test_answer(page, shipped_content):
    page.goto("/patterns/api-key-management/test/")
    page.get_by_role("button", name="Start the test").click()
    expect(page.locator("form[data-ready]")).to_have_count(1)
    attempt = Attempt.objects.get()
    item = attempt.items.filter(question_version__qtype="single").order_by("number").first()
    page.goto(f"/tests/{attempt.pk}/q/{item.number}/")
    expect(page.locator("form[data-ready]")).to_have_count(1)
    keys_ready(page)
    page.keyboard.press("a")
    expect(page.locator("[data-save-status]")).to_have_text("Saved.")
    page.locator(".question-overview a").first.focus()
    page.keyboard.press("c")
    page.wait_for_timeout(300)
    assert Answer.objects.get(attempt=attempt).choice == item.option_order[0]


def test_a_question_page_starts_with_a_skip_link_to_the_question(page, shipped_content):
    page.goto(PRACTICE + "1/")
    keys_ready(page)
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to the question")).to_be_focused()
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    # The first stop after the skip is the first option.
    assert page.evaluate("document.activeElement.name") == "choice"
    # Keys still answer from there.
    page.keyboard.press("b")
    expect(page.locator('input[name="choice"]').nth(1)).to_be_checked()
