"""A learner practises, takes a full test and reads the review, in a real Chromium."""

import re

import pytest
from playwright.sync_api import expect

from learnapp.learning.models import Answer, Attempt

from .conftest import serious_accessibility_violations

pytestmark = pytest.mark.browser

PRACTICE = "/patterns/api-key-management/practice/"


def tab_to(page, name: str, limit: int = 60) -> None:
    """Press Tab until the focused element's text is `name`: how a keyboard user gets there."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        text = page.evaluate("document.activeElement && document.activeElement.innerText")
        if text and text.strip() == name:
            return
    raise AssertionError(f"Tab never reached {name!r}")


def start_test(page) -> None:
    page.goto("/patterns/api-key-management/test/")
    page.get_by_role("button", name="Start the test").click()
    expect(page.locator("form[data-ready]")).to_have_count(1)


def go_to_single_choice_question(page) -> int:
    """The first question of the draw with radio buttons (the draw mixes types)."""
    attempt = Attempt.objects.get()
    item = attempt.items.filter(question_version__qtype="single").order_by("number").first()
    page.goto(f"/tests/{attempt.pk}/q/{item.number}/")
    expect(page.locator("form[data-ready]")).to_have_count(1)
    return item.number


def tab_until(page, condition: str, limit: int = 120) -> None:
    """Press Tab until `condition` (JavaScript over `el`, the focused element) holds."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(
            f"(() => {{ const el = document.activeElement; return !!(el && ({condition})); }})()"
        ):
            return
    raise AssertionError(f"Tab never reached an element where {condition}")


def answer_by_keyboard(page, with_js: bool = True) -> str:
    """Answer the question on screen with the keyboard alone, whatever its type."""
    qtype = page.locator("form[data-test-form]").get_attribute("data-qtype")
    if qtype == "single":
        if with_js:
            keys_ready(page)
            page.keyboard.press("b")
        else:
            tab_until(page, "el.name === 'choice'")
            page.keyboard.press("Space")
    elif qtype == "multiple":
        tab_until(page, "el.name === 'choices'")
        page.keyboard.press("Space")
    elif qtype == "numeric":
        tab_until(page, "el.name === 'value'")
        page.keyboard.type("12")
        if with_js:
            page.keyboard.press("Tab")  # leaving the field saves it
    elif qtype == "ordering":
        tab_until(page, "el.name === 'move' && el.value.startsWith('down:')")
        page.keyboard.press("Enter")
        if with_js:
            expect(page.locator("[data-save-status]")).to_have_text("Saved.")
        else:
            # Without JavaScript the button posts the form and the page comes back in order.
            expect(page.locator("form[data-test-form]")).to_have_count(1)
    if with_js:
        expect(page.locator("[data-save-status]")).to_have_text("Saved.")
    return qtype


def next_by_keyboard(page, number: int) -> None:
    name = "Save and next →" if number < 10 else "Review and submit"
    tab_to(page, name, limit=120)
    page.keyboard.press("Enter")


def test_a_learner_practises_with_and_without_a_hint(page, shipped_content):
    page.goto(PRACTICE + "1/")
    # The seed's hint is the last of three tiers, opened one at a time.
    page.get_by_role("button", name="Show a hint (1 of 3)").click()
    page.get_by_role("button", name="Show the next hint (2 of 3)").click()
    page.get_by_role("button", name="Show the next hint (3 of 3)").click()
    expect(page.get_by_text("API keys are like secret passwords for access")).to_be_visible()
    page.get_by_label("To control who can access the AI service").check()
    page.get_by_role("button", name="Check answer").click()
    expect(page.get_by_role("heading", name="Right!")).to_be_visible()
    assert page.url.endswith(PRACTICE + "1/")  # feedback arrived in place
    assert serious_accessibility_violations(page) == []

    page.get_by_role("link", name="Next question →").click()
    expect(page.get_by_role("heading", name=re.compile("Question 2 of 10"))).to_be_visible()
    page.get_by_label("Key: YOUR_API_KEY").check()
    page.get_by_role("button", name="Check answer").click()
    expect(page.get_by_role("heading", name="Not quite.")).to_be_visible()
    feedback = page.locator("#feedback")
    expect(feedback).to_contain_text("Correct answer")
    expect(feedback).to_contain_text("A made-up header name")  # the chosen option's feedback
    expect(feedback).to_contain_text("Common mistakes")

    answers = list(
        Answer.objects.order_by("answered_at").values_list("choice", "is_correct", "used_hint")
    )
    assert answers == [("D", True, True), ("B", False, False)]
    assert page.console_errors == []


def test_a_full_test_survives_a_reload_and_ends_in_a_review(page, shipped_content):
    page.goto("/patterns/api-key-management/")
    page.get_by_role("link", name="Test this pattern").click()
    page.get_by_role("button", name="Start the test").click()
    for number in range(1, 11):
        heading = page.get_by_role("heading", name=re.compile(f"Question {number} of 10"))
        expect(heading).to_be_visible()
        if number == 6:
            # Half way: a reload finds every answer so far kept on the server.
            page.reload()
            expect(heading).to_be_visible()
            expect(page.get_by_text("5 of 10 answered")).to_be_visible()
            page.get_by_role("link", name="Question 5: answered").click()
            expect(page.locator("[data-save-status]")).to_have_text("Saved.")
            page.get_by_role("link", name="Question 6: not answered").click()
        answer_by_keyboard(page)
        if number < 10:
            page.get_by_role("button", name="Save and next →").click()
        else:
            page.get_by_role("button", name="Review and submit").click()
    expect(page.get_by_role("heading", name="Ready to submit?")).to_be_visible()
    expect(page.get_by_text("All 10 questions are answered")).to_be_visible()
    assert serious_accessibility_violations(page) == []
    page.get_by_role("button", name="Submit the test").click()

    expect(page.get_by_role("heading", name=re.compile(r"You scored [\d.]+ of 10"))).to_be_visible()
    expect(page.get_by_role("heading", name=re.compile("strong"))).to_be_visible()
    expect(page.get_by_role("heading", name="Review all 10 questions")).to_be_visible()
    expect(page.locator(".review-item")).to_have_count(10)
    attempt = Attempt.objects.get()
    assert attempt.is_submitted and attempt.answers.count() == 10
    assert serious_accessibility_violations(page) == []
    assert page.console_errors == []


def test_a_dropped_connection_loses_no_answer(page, shipped_content):
    start_test(page)
    number = go_to_single_choice_question(page)
    page.context.set_offline(True)
    page.locator('input[name="choice"]').nth(2).check()
    status = page.locator("[data-save-status]")
    expect(status).to_contain_text("Not saved yet")
    assert not Answer.objects.exists()
    page.context.set_offline(False)
    expect(status).to_have_text("Saved.", timeout=10_000)
    # Stored as written: the third option shown, in this attempt's order.
    item = Attempt.objects.get().items.get(number=number)
    assert Answer.objects.get().choice == item.option_order[2]


def test_a_choice_made_offline_is_sent_after_a_reload(page, shipped_content):
    start_test(page)
    number = go_to_single_choice_question(page)
    page.context.set_offline(True)
    page.locator('input[name="choice"]').nth(1).check()
    expect(page.locator("[data-save-status]")).to_contain_text("Not saved yet")
    page.context.set_offline(False)
    page.on("dialog", lambda dialog: dialog.accept())  # "leave the page?" while unsaved
    page.reload()
    expect(page.locator("[data-save-status]")).to_have_text("Saved.", timeout=10_000)
    item = Attempt.objects.get().items.get(number=number)
    assert Answer.objects.get().choice == item.option_order[1]


def keys_ready(page) -> None:
    """Wait until the page's scripts listen for keys, as a person would before typing."""
    expect(page.locator("html[data-choice-keys=ready]")).to_have_count(1)


def test_the_whole_flow_works_with_the_keyboard_alone(page, shipped_content, every_type_drawn):
    page.goto(PRACTICE + "1/")
    keys_ready(page)
    page.keyboard.press("4")  # chooses D
    page.keyboard.press("Enter")  # submits the focused form
    expect(page.get_by_role("heading", name="Right!")).to_be_visible()
    tab_to(page, "Next question →")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name=re.compile("Question 2 of 10"))).to_be_visible()

    take_a_full_test_by_keyboard(page, with_js=True)


@pytest.fixture
def every_type_drawn(monkeypatch):
    """Draws that take the pool's multiple-answer, numeric and ordering items first.

    The draw prefers unseen items, so counting every single-choice item as seen does it, with
    the real draw (the live server runs in this process).
    """
    from learnapp.catalog.models import Question
    from learnapp.learning import draw

    real = draw.choose

    def choose(pool, blueprint, seen, rng):
        single = Question.objects.filter(current_version__qtype="single").values_list(
            "pk", flat=True
        )
        return real(pool, blueprint, set(seen) | set(single), rng)

    monkeypatch.setattr(draw, "choose", choose)


def take_a_full_test_by_keyboard(page, with_js: bool) -> None:
    page.goto("/patterns/api-key-management/test/")
    tab_to(page, "Start the test")
    page.keyboard.press("Enter")
    seen = set()
    for number in range(1, 11):
        expect(
            page.get_by_role("heading", name=re.compile(f"Question {number} of 10"))
        ).to_be_visible()
        if with_js:
            expect(page.locator("form[data-ready]")).to_have_count(1)
            # axe on each widget: radios, checkboxes, the number field, the ordering list.
            assert serious_accessibility_violations(page) == []
        seen.add(answer_by_keyboard(page, with_js))
        next_by_keyboard(page, number)
    # The shipped pool's blueprint draws every type it has into each test.
    assert seen == {"single", "multiple", "numeric", "ordering"}
    expect(page.get_by_role("heading", name="Ready to submit?")).to_be_visible()
    tab_to(page, "Submit the test", limit=120)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name=re.compile(r"You scored [\d.]+ of 10"))).to_be_visible()
    assert Attempt.objects.get().answers.count() == 10
    if with_js:
        # The review of every type, partial credit included.
        assert serious_accessibility_violations(page) == []


def test_a_full_test_of_every_question_type_works_by_keyboard_without_javascript(
    browser, live_server, shipped_content, every_type_drawn
):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    try:
        take_a_full_test_by_keyboard(context.new_page(), with_js=False)
    finally:
        context.close()


@pytest.mark.parametrize("width", [390, 1280])
def test_learning_pages_have_no_serious_accessibility_violations(page, shipped_content, width):
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(PRACTICE + "3/")
    assert serious_accessibility_violations(page) == []
    page.goto("/patterns/api-key-management/test/")
    assert serious_accessibility_violations(page) == []
    page.get_by_role("button", name="Start the test").click()
    expect(
        page.get_by_role("heading", level=1, name=re.compile(r"^Question 1 of 10"))
    ).to_be_visible()
    assert serious_accessibility_violations(page) == []
    page.goto("/progress/")
    assert serious_accessibility_violations(page) == []
    page.goto("/review/")
    assert serious_accessibility_violations(page) == []
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
