"""Multiple answer, numeric entry and ordering questions in a test: saved, scored, reviewed."""

import re
from fractions import Fraction

import pytest

from learnapp.learning.models import Answer, Attempt
from tests.factories import shown_letter

pytestmark = pytest.mark.django_db

SECRETS = re.compile(r"SECRET-|correct|answer_spec|tolerance|7\.25", re.IGNORECASE)


@pytest.fixture
def typed(versions):
    """Question 1: tick A and C (partial credit); 4: 7.25 %; 8: put steps A, B, C, D in order."""
    multiple, numeric, ordering = versions[0], versions[3], versions[7]
    multiple.qtype, multiple.scoring = "multiple", "partial"
    multiple.answer_spec = {"correct": ["A", "C"], "scoring": "partial"}
    multiple.correct_letter = ""
    numeric.qtype, numeric.options, numeric.correct_letter = "numeric", [], ""
    numeric.answer_spec = {
        "value": "7.25",
        "tolerance": "0.005",
        "relative_tolerance": None,
        "unit": "",
        "percent": True,
        "accept_fraction": True,
    }
    ordering.qtype, ordering.correct_letter = "ordering", ""
    ordering.options = [{"letter": x, "html": f"Step {x}", "feedback_html": ""} for x in "ABCD"]
    ordering.answer_spec = {"correct": ["A", "B", "C", "D"], "scoring": "all-or-nothing"}
    for version in (multiple, numeric, ordering):
        version.save()
    return versions


def start(client) -> Attempt:
    client.post("/patterns/keys/test/")
    return Attempt.objects.latest("pk")


def post(client, attempt, data, json=True):
    extra = {"HTTP_ACCEPT": "application/json"} if json else {}
    return client.post(f"/tests/{attempt.pk}/answer/", data, **extra)


def shown(attempt, number, canonical: str) -> list[str]:
    return [shown_letter(attempt, number, letter) for letter in canonical]


def test_each_type_shows_its_own_keyboard_operable_widget(client, typed):
    attempt = start(client)
    multiple = client.get(f"/tests/{attempt.pk}/q/1/").content.decode()
    assert multiple.count('type="checkbox" name="choices"') == 4
    numeric = client.get(f"/tests/{attempt.pk}/q/4/").content.decode()
    assert 'name="value"' in numeric and 'inputmode="decimal"' in numeric
    assert '<label for="answer-value">Your answer (in %)</label>' in numeric
    ordering = client.get(f"/tests/{attempt.pk}/q/8/").content.decode()
    assert ordering.count('name="order"') == 4
    assert ordering.count('name="move" value="up:') == 4
    assert ordering.count('name="move" value="down:') == 4


def test_multiple_answer_earns_partial_credit_exactly(client, typed):
    attempt = start(client)
    # A (right) and B (wrong) ticked: max(0, 1 - 1) / 2 = 0; A and C: 1; A alone: 1/2.
    assert post(client, attempt, {"number": 1, "choices": shown(attempt, 1, "A")}).json()["saved"]
    answer = Answer.objects.get()
    assert (answer.response, answer.credit, answer.is_correct) == (["A"], Fraction(1, 2), False)
    post(client, attempt, {"number": 1, "choices": shown(attempt, 1, "CA")})
    answer.refresh_from_db()
    assert (answer.response, answer.credit, answer.is_correct) == (["A", "C"], 1, True)


def test_unticking_every_box_clears_the_answer(client, typed):
    attempt = start(client)
    post(client, attempt, {"number": 1, "choices": shown(attempt, 1, "A")})
    post(client, attempt, {"number": 1, "clear": "1"})
    assert not Answer.objects.exists()


@pytest.mark.parametrize(
    ("typed_text", "credit"), [("7.25", 1), ("7.25 %", 1), ("0.0725", 1), ("7.3", 0)]
)
def test_a_numeric_answer_is_read_as_the_content_says(client, typed, typed_text, credit):
    attempt = start(client)
    assert post(client, attempt, {"number": 4, "value": typed_text}).status_code == 200
    answer = Answer.objects.get()
    assert (answer.response, answer.credit) == (typed_text, credit)


@pytest.mark.parametrize("text", ["four", "4,5", "1e3", "4.5 apples"])
def test_text_that_is_not_a_number_is_refused_with_a_reason_and_not_saved(client, typed, text):
    attempt = start(client)
    response = post(client, attempt, {"number": 4, "value": text})
    assert response.status_code == 400
    assert response.json()["saved"] is False and response.json()["error"]
    assert not Answer.objects.exists()
    # The plain form shows the question again with the reason and what was typed.
    page = post(client, attempt, {"number": 4, "value": text, "go": "next"}, json=False)
    assert page.status_code == 400
    body = page.content.decode()
    assert 'role="alert"' in body and f'value="{text}"' in body
    assert not Answer.objects.exists()


def test_ordering_scores_the_canonical_order_whatever_was_shown(client, typed):
    attempt = start(client)
    post(client, attempt, {"number": 8, "order": shown(attempt, 8, "ABCD")})
    answer = Answer.objects.get()
    assert (answer.response, answer.credit) == (["A", "B", "C", "D"], 1)
    post(client, attempt, {"number": 8, "order": shown(attempt, 8, "BACD")})
    answer.refresh_from_db()
    assert answer.credit == 0


def test_an_ordering_that_skips_or_repeats_a_step_is_refused(client, typed):
    attempt = start(client)
    response = post(client, attempt, {"number": 8, "order": ["A", "A", "B", "C"]})
    assert response.status_code == 400 and "exactly once" in response.json()["error"]
    assert not Answer.objects.exists()


def test_move_up_and_down_work_as_a_plain_form(client, typed):
    attempt = start(client)
    order = ["A", "B", "C", "D"]  # as shown
    response = post(client, attempt, {"number": 8, "order": order, "move": "up:C"}, json=False)
    assert response.status_code == 302 and response.url.endswith("/q/8/#steps")
    saved = Answer.objects.get()
    item = attempt.items.get(number=8)
    assert [shown_letter(attempt, 8, c) for c in saved.response] == ["A", "C", "B", "D"]
    page = client.get(f"/tests/{attempt.pk}/q/8/").content.decode()
    assert re.findall(r'name="order" value="([A-D])"', page) == ["A", "C", "B", "D"]
    # Moving the first step up changes nothing and is no error.
    post(client, attempt, {"number": 8, "order": ["A", "C", "B", "D"], "move": "up:A"}, json=False)
    saved.refresh_from_db()
    assert [shown_letter(attempt, 8, c) for c in saved.response] == ["A", "C", "B", "D"]
    assert item.option_order  # the shown order the letters refer to is stored


def test_the_review_shows_each_type_in_the_letters_the_learner_saw(client, typed):
    attempt = start(client)
    post(client, attempt, {"number": 1, "choices": shown(attempt, 1, "A")})
    post(client, attempt, {"number": 4, "value": "7.25"})
    post(client, attempt, {"number": 8, "order": shown(attempt, 8, "ABCD")})
    client.post(f"/tests/{attempt.pk}/submit/")
    attempt.refresh_from_db()
    # Half a point for question 1, one each for 4 and 8.
    assert attempt.score == Fraction(5, 2)
    page = client.get(f"/tests/{attempt.pk}/result/").content.decode()
    assert "You scored 2.5 of 10" in page
    assert "Partly right (0.5 of 1)" in page
    correct_multiple = ", ".join(sorted(shown(attempt, 1, "AC")))
    assert f"<dd>{correct_multiple}</dd>" in page
    assert "<dd>7.25</dd>" in page and "<dd>7.25 %</dd>" in page


def test_nothing_about_correctness_reaches_the_browser_before_submission(client, typed):
    attempt = start(client)
    pages = [client.get("/patterns/keys/test/")]
    for number in range(1, 11):
        pages.append(client.get(f"/tests/{attempt.pk}/q/{number}/"))
    pages.append(post(client, attempt, {"number": 1, "choices": shown(attempt, 1, "AB")}))
    pages.append(post(client, attempt, {"number": 4, "value": "5"}))
    pages.append(post(client, attempt, {"number": 8, "order": ["D", "C", "B", "A"]}))
    pages.append(
        post(
            client,
            attempt,
            {"number": 8, "order": ["D", "C", "B", "A"], "move": "up:B"},
            json=False,
        )
    )
    for number in (1, 4, 8):
        pages.append(client.get(f"/tests/{attempt.pk}/q/{number}/"))
    pages.append(client.get(f"/tests/{attempt.pk}/submit/"))
    for response in pages:
        body = response.content.decode()
        assert not SECRETS.search(body), SECRETS.search(body)
        assert "is_correct" not in body and "data-correct" not in body and "data-credit" not in body
