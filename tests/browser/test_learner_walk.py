"""What a new learner's walk (lesson, practice with hints, a test, progress, the sandbox's
metrics) found in the way at phone and desktop widths, checked in Chromium so it stays fixed."""

import re

import pytest
import requests
from playwright.sync_api import expect

from tests.factories import make_assessment_pool, make_question_set

from .conftest import serious_accessibility_violations
from .test_worked_example import lesson  # noqa: F401  (the API key lesson, as shipped)

pytestmark = pytest.mark.browser

WIDTHS = [390, 1280]


@pytest.fixture
def keys(transactional_db):
    pattern, _ = make_question_set(slug="keys", title="Keys")
    make_assessment_pool(pattern)
    return pattern


@pytest.mark.parametrize("width", WIDTHS)
def test_the_hint_button_clears_the_check_button_and_one_hint_is_not_a_list(page, keys, width):
    page.set_viewport_size({"width": width, "height": 900})
    page.goto("/patterns/keys/practice/2/")
    check = page.get_by_role("button", name="Check answer").bounding_box()
    hint = page.get_by_role("button", name="Show a hint").bounding_box()
    # The two buttons were drawn touching, one under the other, as if they were one control.
    assert hint["y"] - (check["y"] + check["height"]) >= 8, (check, hint)

    page.get_by_role("button", name="Show a hint").click()
    shown = page.locator("#hint")
    expect(shown).to_contain_text("SECRET-HINT-2")
    expect(shown.locator("ol, li")).to_have_count(0)
    assert serious_accessibility_violations(page) == []
    assert page.console_errors == []


@pytest.mark.parametrize("width", WIDTHS)
def test_the_score_chart_shows_its_100_percent_label_whole(page, keys, width):
    page.set_viewport_size({"width": width, "height": 900})
    page.goto("/patterns/keys/test/")
    page.get_by_role("button", name="Start the test").click()
    expect(page.locator("form[data-ready]")).to_have_count(1)
    page.goto(page.url.rsplit("/q/", 1)[0] + "/submit/")
    page.get_by_role("button", name="Submit the test").click()
    expect(page.get_by_role("heading", name=re.compile("You scored"))).to_be_visible()

    page.goto("/progress/")
    label = page.locator(".chart svg text", has_text="100%")
    # "100%" was drawn from x = 0 of the chart, its "1" under the chart's border.
    overhang = label.evaluate(
        "t => t.ownerSVGElement.getBoundingClientRect().left - t.getBoundingClientRect().left"
    )
    assert overhang < -2, overhang
    assert serious_accessibility_violations(page) == []


@pytest.mark.parametrize("width", WIDTHS)
def test_a_metric_keeps_its_number_and_unit_together(page, live_server, transactional_db, width):
    page.set_viewport_size({"width": width, "height": 900})
    page.goto("/sandbox/")
    page.get_by_label("Name").fill("Walk key")
    page.get_by_role("button", name="Create key").click()
    raw = page.locator("#new-key-value").inner_text().strip()
    bearer = {"Authorization": f"Bearer {raw}"}
    api = live_server.url + "/sandbox/api"
    requests.get(api + "/data", headers={**bearer, "X-Sandbox-Delay-Ms": "1100"}, timeout=10)
    requests.get(api + "/data", headers=bearer, timeout=10)

    page.goto("/sandbox/metrics/")
    latency = page.locator("#latency")
    values = latency.locator("tbody td:first-of-type")
    expect(values.first).to_be_visible()
    lines = values.evaluate_all(
        """cells => cells.map(cell => {
            const range = document.createRange();
            range.selectNodeContents(cell);
            const tops = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
            return [cell.textContent.trim(), tops.size];
        })"""
    )
    assert any(text.endswith(" s") for text, _ in lines), lines  # a value in seconds is there
    assert all(count == 1 for _, count in lines), lines  # "1.10 s", not "1.10" over "s"
    # Rendered text: "not judged" was capitalised word by word into "Not Judged".
    assert latency.locator(".level-none").first.inner_text() == "Not judged"
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert serious_accessibility_violations(page) == []
    assert page.console_errors == []


@pytest.mark.usefixtures("lesson")
@pytest.mark.parametrize("width", WIDTHS)
def test_the_faded_example_s_controls_are_set_like_the_rest_of_the_site(page, width):
    page.set_viewport_size({"width": width, "height": 900})
    page.goto("/patterns/api-key-management/")
    check = page.locator("#try-1").get_by_role("button", name="Check my step")
    other = page.get_by_role("button", name="Practise the questions").or_(
        page.get_by_role("link", name="Practise the questions")
    )
    font = "el => getComputedStyle(el).fontFamily"
    assert check.evaluate(font) == other.first.evaluate(font)
    label = page.locator("#try-1 .worked-label")
    assert label.evaluate(font) == other.first.evaluate(font)


def test_a_preset_that_needs_a_particular_key_is_marked_without_an_emoji_font(
    page, transactional_db
):
    page.goto("/sandbox/playground/")
    marks = page.locator(".preset-needs")
    assert marks.count() >= 1
    for i in range(marks.count()):
        mark = marks.nth(i)
        # An emoji is drawn only where an emoji font is installed; elsewhere it is an empty box.
        assert mark.inner_text().strip() == ""
        box = mark.locator("svg").bounding_box()
        assert box and box["width"] >= 10 and box["height"] >= 10
    assert page.console_errors == []


LONG_CODE = "<code>status=401 url=https://api.example.com/v1/chat?key=sk-live-2b7e...f3a9</code>"


def test_a_long_code_option_stays_inside_the_result_s_review_on_a_phone(page, transactional_db):
    pattern, _ = make_question_set(slug="logs", title="Logs")
    options = [
        {"letter": letter, "html": f"{LONG_CODE} {letter}", "feedback_html": ""}
        for letter in "ABCD"
    ]
    make_assessment_pool(pattern, options=options)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/patterns/logs/test/")
    page.get_by_role("button", name="Start the test").click()
    expect(page.locator("form[data-ready]")).to_have_count(1)
    page.goto(page.url.rsplit("/q/", 1)[0] + "/submit/")
    page.get_by_role("button", name="Submit the test").click()
    expect(page.get_by_role("heading", name=re.compile("You scored"))).to_be_visible()
    assert page.locator(".review-options code").count() >= 4
    # The option's URL ran 36 px past the card, and the whole page scrolled sideways.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
