"""Practice with every question type, by keyboard alone, with and without JavaScript."""

import re
from fractions import Fraction

import pytest
from django.core import signing
from playwright.sync_api import expect

from learnapp.catalog.models import Question
from learnapp.catalog.variants import variant
from learnapp.learning.models import Answer
from learnapp.learning.practising import practice_item
from learnapp.learning.views import FORM_SALT
from tests.factories import PRACTICE_TYPES_SLUG, write_practice_types_tree

from .conftest import serious_accessibility_violations

pytestmark = pytest.mark.browser

PRACTICE = f"/patterns/{PRACTICE_TYPES_SLUG}/practice/"
KEYS = {
    1: "pt-single",
    2: "pt-multiple",
    3: "pt-numeric",
    4: "pt-ordering",
    5: "pt-template",
    6: "pt-numeric-template",
}


@pytest.fixture
def every_type(transactional_db, tmp_path):
    from learnapp.catalog.loader import load

    load(write_practice_types_tree(tmp_path / "content"))


@pytest.fixture
def page_without_js(browser, live_server):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    yield page
    context.close()


def focused(page, condition: str) -> bool:
    return page.evaluate(
        f"(() => {{ const el = document.activeElement; return !!(el && ({condition})); }})()"
    )


def tab_until(page, condition: str, limit: int = 80) -> None:
    """Press Tab until `condition` (JavaScript over `el`, the focused element) holds."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if focused(page, condition):
            return
    raise AssertionError(f"Tab never reached an element where {condition}")


def seed_on(page) -> int:
    token = page.locator('form[data-practice-form] input[name="form_token"]').get_attribute("value")
    return signing.loads(token, salt=FORM_SALT).get("s", 0)


def right_order(page, question: Question) -> list[str]:
    order = practice_item(question, seed_on(page)).option_order
    return ["ABCDEFGH"[order.index(canonical)] for canonical in "ABCD"]


def put_in_order(page, question: Question, with_js: bool) -> None:
    """Press "Up" on steps until the list is in the right order, by keyboard alone."""
    target = right_order(page, question)
    for _ in range(12):
        shown = page.locator("[data-ordering] [data-step]").evaluate_all(
            "items => items.map(li => li.dataset.step)"
        )
        if shown == target:
            return
        place = next(i for i, (a, b) in enumerate(zip(shown, target, strict=True)) if a != b)
        button = f"up:{target[place]}"
        if not focused(page, f"el.value === '{button}'"):
            tab_until(page, f"el.value === '{button}'")
        page.keyboard.press("Enter")
        if not with_js:
            # The plain form posts and comes back with the step moved, at the list.
            expect(page).to_have_url(re.compile(r"order=[A-D]{4}#steps$"))
    raise AssertionError("the steps never came into order")


def answer_by_keyboard(page, number: int, with_js: bool) -> None:
    """Answer practice question `number` rightly with the keyboard alone, and check it."""
    question = Question.objects.select_related("current_version").get(key=KEYS[number])
    qtype = question.current_version.qtype
    if qtype == "single":
        if with_js:
            expect(page.locator("html[data-choice-keys=ready]")).to_have_count(1)
            # Keys 1-5 and A-E pick an option: the right one is written first in a template.
            page.keyboard.press("a" if question.current_version.is_template else "2")
        else:
            tab_until(page, "el.name === 'choice'")  # option A, the first radio
            if not question.current_version.is_template:
                page.keyboard.press("ArrowDown")  # B
            page.keyboard.press("Space")
    elif qtype == "multiple":
        tab_until(page, "el.name === 'choices' && el.value === 'A'")
        page.keyboard.press("Space")
        tab_until(page, "el.name === 'choices' && el.value === 'C'")
        page.keyboard.press("Space")
    elif qtype == "numeric":
        value = Fraction(variant(question.current_version, seed_on(page)).answer["value"])
        tab_until(page, "el.name === 'value'")
        page.keyboard.type(f"{float(value):.2f}")
    elif qtype == "ordering":
        put_in_order(page, question, with_js)
    if qtype == "numeric":
        page.keyboard.press("Enter")  # Enter in the field sends the form
    else:
        tab_until(page, "el.innerText && el.innerText.trim() === 'Check answer'")
        page.keyboard.press("Enter")


@pytest.mark.parametrize("with_js", [True, False], ids=["javascript", "no-javascript"])
def test_every_question_type_is_practised_by_keyboard_alone(request, page, every_type, with_js):
    page = page if with_js else request.getfixturevalue("page_without_js")
    for number in KEYS:
        page.goto(f"{PRACTICE}{number}/")
        if with_js:
            expect(page.locator("html[data-practice-ready]")).to_have_count(1)
            # axe on each widget: radios, checkboxes, the number field, the ordering list.
            assert serious_accessibility_violations(page) == []
        answer_by_keyboard(page, number, with_js)
        expect(page.get_by_role("heading", name="Right!")).to_be_visible()
        if with_js:
            assert page.url.endswith(f"{PRACTICE}{number}/")  # checked in place
            assert serious_accessibility_violations(page) == []  # and the feedback
    assert Answer.objects.filter(is_correct=True).count() == len(KEYS)
    if with_js:
        assert page.console_errors == []


def test_wrong_and_partial_answers_show_feedback_in_place(page, every_type):
    page.goto(f"{PRACTICE}2/")
    expect(page.locator("html[data-practice-ready]")).to_have_count(1)
    page.get_by_role("checkbox").nth(0).check()
    page.get_by_role("checkbox").nth(1).check()
    page.get_by_role("button", name="Check answer").click()
    expect(page.get_by_role("heading", name="Not quite.")).to_be_visible()
    expect(page.get_by_text("MULTI-FEEDBACK-B")).to_be_visible()
    page.get_by_role("checkbox").nth(1).uncheck()
    page.get_by_role("button", name="Check answer").click()
    expect(page.get_by_role("heading", name="Partly right: 0.5 of 1.")).to_be_visible()

    page.goto(f"{PRACTICE}3/")
    page.get_by_label("Your answer").fill("about ninety")
    page.get_by_role("button", name="Check answer").click()
    expect(page.get_by_role("alert")).to_contain_text("is not a number")
    assert not Answer.objects.filter(question__key="pt-numeric").exists()
    assert serious_accessibility_violations(page) == []


def test_a_template_offers_another_version(page, every_type):
    page.goto(f"{PRACTICE}5/")
    first = seed_on(page)
    seeds = {first}
    for _ in range(3):
        page.get_by_role("link", name="Try another version").click()
        expect(page.locator('form[data-practice-form] input[name="form_token"]')).to_have_count(1)
        seeds.add(seed_on(page))
    assert len(seeds) > 1
