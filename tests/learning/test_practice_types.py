"""Practice with every question type: single, multiple answer, numeric, ordering, templates.

The shipped practice sets are the seed's single-choice questions, so these tests load a small
content tree (tests/factories.py) whose practice set has one question of each type.
"""

import re
from fractions import Fraction

import pytest
from django.core import signing
from django.utils import timezone

from learnapp.catalog.loader import load
from learnapp.catalog.models import Pattern, Question
from learnapp.catalog.variants import variant
from learnapp.learning.models import Answer
from learnapp.learning.practising import practice_item
from learnapp.learning.progress import progress_by_pattern
from learnapp.learning.views import FORM_SALT
from tests.factories import PRACTICE_TYPES_SLUG, write_practice_types_tree

pytestmark = pytest.mark.django_db

SINGLE, MULTIPLE, NUMERIC, ORDERING, TEMPLATE, NUMERIC_TEMPLATE = 1, 2, 3, 4, 5, 6
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def every_type(db, tmp_path):
    load(write_practice_types_tree(tmp_path / "content"))


def url(number: int, query: str = "") -> str:
    return f"/patterns/{PRACTICE_TYPES_SLUG}/practice/{number}/{query}"


class Shown:
    """A practice page as the learner got it: its HTML, form token and variant seed."""

    def __init__(self, client, number: int, query: str = ""):
        response = client.get(url(number, query))
        assert response.status_code == 200
        self.number = number
        self.html = response.content.decode()
        self.token = re.search(r'name="form_token" value="([^"]+)"', self.html).group(1)
        self.seed = signing.loads(self.token, salt=FORM_SALT).get("s", 0)
        self.question = Question.objects.get(key=_key(number))

    @property
    def steps(self) -> list[str]:
        return re.findall(r'data-step="([A-H])"', self.html)

    def right_order(self) -> list[str]:
        """The shown letters of the steps, in the right order."""
        order = practice_item(self.question, self.seed).option_order
        return ["ABCDEFGH"[order.index(canonical)] for canonical in "ABCD"]

    def answer_value(self) -> Fraction:
        return Fraction(variant(self.question.current_version, self.seed).answer["value"])


def _key(number: int) -> str:
    return {
        SINGLE: "pt-single",
        MULTIPLE: "pt-multiple",
        NUMERIC: "pt-numeric",
        ORDERING: "pt-ordering",
        TEMPLATE: "pt-template",
        NUMERIC_TEMPLATE: "pt-numeric-template",
    }[number]


def check(client, shown: Shown, fields: dict, query: str = "", **extra):
    return client.post(url(shown.number, query), {"form_token": shown.token, **fields}, **extra)


def decimal(value: Fraction, places: int = 4) -> str:
    return f"{float(value):.{places}f}"


# -- every type, right, wrong and partly right, by plain form and by htmx ------------------------


@pytest.mark.parametrize("extra", [{}, HTMX], ids=["plain-form", "htmx"])
def test_multiple_answer_scores_right_partial_and_wrong_with_feedback_per_option(
    client, every_type, extra
):
    shown = Shown(client, MULTIPLE)
    assert 'type="checkbox" name="choices"' in shown.html

    right = check(client, shown, {"choices": ["A", "C"]}, **extra).content.decode()
    assert "Right!" in right

    partial = check(client, shown, {"choices": ["A"]}, **extra).content.decode()
    assert "Partly right: 0.5 of 1." in partial

    wrong = check(client, shown, {"choices": ["A", "B", "D"]}, **extra).content.decode()
    assert "Not quite." in wrong
    # Each ticked wrong option's feedback line, and which options were right.
    assert "MULTI-FEEDBACK-B" in wrong and "MULTI-FEEDBACK-D" in wrong
    assert re.search(r"<dt>Right options</dt><dd>A, C</dd>", wrong)
    assert re.search(r"<dt>You ticked</dt><dd>A, B, D</dd>", wrong)

    rows = list(Answer.objects.order_by("pk").values_list("response", "credit", "is_correct"))
    assert rows == [
        (["A", "C"], Fraction(1), True),
        (["A"], Fraction(1, 2), False),
        (["A", "B", "D"], Fraction(0), False),
    ]


def test_a_multiple_answer_shows_only_the_ticked_options_feedback(client, every_type):
    page = check(client, Shown(client, MULTIPLE), {"choices": ["A", "B"]}).content.decode()
    assert "MULTI-FEEDBACK-B" in page
    assert "MULTI-FEEDBACK-D" not in page
    assert "right, not ticked" in page  # C was right and missed


@pytest.mark.parametrize("extra", [{}, HTMX], ids=["plain-form", "htmx"])
def test_numeric_entry_is_graded_within_its_tolerance_and_shows_the_accepted_value(
    client, every_type, extra
):
    shown = Shown(client, NUMERIC)
    assert 'name="value"' in shown.html and 'inputmode="decimal"' in shown.html

    assert "Right!" in check(client, shown, {"value": "95.04 %"}, **extra).content.decode()
    # The content accepts a fraction of one for a percentage.
    read = check(client, shown, {"value": "0.95"}, **extra).content.decode()
    assert "Right!" in read and "(read as 95 %)" in read

    wrong = check(client, shown, {"value": "5"}, **extra).content.decode()
    assert "Not quite." in wrong
    assert "<dt>Accepted answer</dt><dd>95 % (± 0.05 %)</dd>" in wrong
    assert list(Answer.objects.order_by("pk").values_list("response", "credit")) == [
        ("95.04 %", 1),
        ("0.95", 1),
        ("5", 0),
    ]


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("ninety-five", "is not a number"),
        ("95,5", "Use a point for decimals"),
        ("9.5e1", "without an exponent"),
        ("", "Type a number first."),
    ],
)
@pytest.mark.parametrize("extra", [{}, HTMX], ids=["plain-form", "htmx"])
def test_text_that_is_not_a_number_is_refused_with_a_reason_and_not_recorded(
    client, every_type, typed, reason, extra
):
    response = check(client, Shown(client, NUMERIC), {"value": typed}, **extra)
    page = response.content.decode()
    assert response.status_code == 400
    assert reason in page
    assert not Answer.objects.exists()
    if not extra:
        # Without JavaScript the question comes back with the reason and the text to correct.
        assert 'aria-invalid="true"' in page
        assert f'name="value" value="{typed}"' in page


def test_a_json_client_gets_the_numeric_reason_as_json(client, every_type):
    response = check(
        client, Shown(client, NUMERIC), {"value": "lots"}, HTTP_ACCEPT="application/json"
    )
    assert response.status_code == 400
    assert "is not a number" in response.json()["error"]


@pytest.mark.parametrize("extra", [{}, HTMX], ids=["plain-form", "htmx"])
def test_ordering_is_scored_per_step_and_says_which_steps_are_out_of_place(
    client, every_type, extra
):
    shown = Shown(client, ORDERING)
    right = shown.right_order()
    assert shown.steps != right  # never shown already in order

    assert "Right!" in check(client, shown, {"order": right}, **extra).content.decode()

    first_two_swapped = [right[1], right[0], *right[2:]]
    partial = check(client, shown, {"order": first_two_swapped}, **extra).content.decode()
    assert "Partly right: 0.67 of 1." in partial
    assert partial.count("out of place: belongs at") == 2
    assert partial.count(">in place</span>") == 2
    assert "<dt>Correct order</dt>" in partial

    assert list(Answer.objects.order_by("pk").values_list("credit", flat=True)) == [
        Fraction(1),
        Fraction(2, 3),
    ]
    # Stored canonical, whatever the shuffle: the steps as written are the right order.
    assert Answer.objects.order_by("pk").first().response == ["A", "B", "C", "D"]


def test_an_order_that_is_not_every_step_once_is_refused(client, every_type):
    response = check(client, Shown(client, ORDERING), {"order": ["A", "A", "B", "C"]})
    assert response.status_code == 400
    assert "Put every step in order exactly once" in response.content.decode()
    assert not Answer.objects.exists()


def test_moving_a_step_works_as_a_plain_form_and_keeps_the_variant(client, every_type):
    shown = Shown(client, ORDERING)
    first = shown.steps[0]
    response = check(client, shown, {"order": shown.steps, "move": f"down:{first}"})
    assert response.status_code == 302
    assert response.url.endswith("#steps")
    assert f"variant={shown.seed}" in response.url
    moved = Shown(client, ORDERING, response.url.split("/", 5)[-1].replace("#steps", ""))
    assert moved.seed == shown.seed
    assert moved.steps == [shown.steps[1], first, *shown.steps[2:]]
    assert not Answer.objects.exists()  # moving is not answering


def test_a_single_choice_template_is_graded_against_the_variant_shown(client, every_type):
    shown = Shown(client, TEMPLATE)
    values = variant(shown.question.current_version, shown.seed)
    assert values.options[0]["html"] in shown.html
    assert "Try another version" in shown.html

    wrong = check(client, shown, {"choice": "B"}).content.decode()
    assert "Not quite." in wrong
    # A template's wrong option says which mistake computes it.
    assert "That answer comes from a mistake: counted the failures twice." in wrong
    assert values.options[0]["html"] in wrong  # the correct answer, in this variant's numbers

    assert "Right!" in check(client, shown, {"choice": "A"}).content.decode()


def test_a_numeric_template_is_graded_against_the_seed_in_its_form(client, every_type):
    shown = Shown(client, NUMERIC_TEMPLATE)
    other = next(
        s for s in (Shown(client, NUMERIC_TEMPLATE) for _ in range(20)) if s.seed != shown.seed
    )
    assert other.answer_value() != shown.answer_value()
    page = check(client, shown, {"value": decimal(other.answer_value())}).content.decode()
    assert "Not quite." in page
    page = check(client, shown, {"value": decimal(shown.answer_value())}).content.decode()
    assert "Right!" in page


def test_trying_a_template_again_draws_another_version(client, every_type):
    seeds = {Shown(client, TEMPLATE).seed for _ in range(5)}
    assert len(seeds) > 1
    shown = Shown(client, TEMPLATE)
    page = check(client, shown, {"choice": "A"}).content.decode()
    # The feedback's link reopens the question without a seed: a fresh variant.
    assert f'href="{url(TEMPLATE)}">Try another version</a>' in page


def test_a_link_to_a_variant_shows_that_variant(client, every_type):
    shown = Shown(client, TEMPLATE, "?variant=12345")
    assert shown.seed == 12345
    values = variant(shown.question.current_version, 12345)
    assert values.stem_html in shown.html


@pytest.mark.parametrize("query", ["?variant=abc", "?variant=-1", "?variant=99999999999"])
def test_a_variant_that_is_not_a_seed_is_refused_with_a_reason(client, every_type, query):
    response = client.get(url(TEMPLATE, query))
    assert response.status_code == 400
    assert "must be a whole number from 0" in response.content.decode()


def test_the_hint_of_a_template_is_the_hint_of_the_variant_shown(client, every_type):
    shown = Shown(client, TEMPLATE)
    valid = variant(shown.question.current_version, shown.seed).values["valid"]
    hint = client.post(url(TEMPLATE) + "hint/", {"form_token": shown.token}, **HTMX)
    assert f"HINT for {valid} valid" in hint.content.decode()
    # Without JavaScript the page comes back with the same variant and its hint.
    back = client.post(url(TEMPLATE) + "hint/", {"form_token": shown.token})
    assert f"variant={shown.seed}" in back.url
    assert f"HINT for {valid} valid" in client.get(back.url).content.decode()


@pytest.mark.parametrize(
    ("number", "fields"),
    [
        (SINGLE, {"choice": "B"}),
        (MULTIPLE, {"choices": ["C", "A"]}),
        (NUMERIC, {"value": "95"}),
        (ORDERING, None),
        (TEMPLATE, {"choice": "A"}),
    ],
    ids=["single", "multiple", "numeric", "ordering", "template"],
)
def test_a_double_click_counts_once_for_every_type(client, every_type, number, fields):
    shown = Shown(client, number)
    fields = fields or {"order": shown.right_order()}
    for _ in range(2):
        assert check(client, shown, fields, **HTMX).status_code == 200
    assert Answer.objects.count() == 1
    # Another response from the same form is a new answer.
    if number == NUMERIC:
        check(client, shown, {"value": "94"}, **HTMX)
    elif number == ORDERING:
        check(client, shown, {"order": list(reversed(fields["order"]))}, **HTMX)
    elif number == MULTIPLE:
        check(client, shown, {"choices": ["A"]}, **HTMX)
    else:
        check(client, shown, {"choice": "C"}, **HTMX)
    assert Answer.objects.count() == 2


def test_nothing_ticked_is_refused_with_a_reason(client, every_type):
    response = check(client, Shown(client, MULTIPLE), {}, **HTMX)
    assert response.status_code == 400
    assert "Tick at least one option first." in response.content.decode()
    assert not Answer.objects.exists()


def test_an_answer_to_a_since_corrected_wording_is_refused(client, every_type):
    shown = Shown(client, SINGLE)
    version = shown.question.current_version
    version.pk, version.number = None, 2
    version.save()
    shown.question.current_version = version
    shown.question.save(update_fields=["current_version"])
    response = check(client, shown, {"choice": "B"})
    assert response.status_code == 409
    assert "corrected since you opened it" in response.content.decode()


def test_a_correction_is_graded_at_once_though_the_question_was_kept_in_memory(
    client, every_type, settings
):
    settings.CATALOG_PAGE_TTL = 60  # the question is kept in process memory, as in production
    check(client, Shown(client, SINGLE), {"choice": "B"})  # read, and kept
    question = Question.objects.get(key=_key(SINGLE))
    corrected = question.current_version
    corrected.pk, corrected.number = None, 2
    corrected.save()
    question.current_version = corrected
    question.save(update_fields=["current_version"])

    shown = Shown(client, SINGLE)
    assert signing.loads(shown.token, salt=FORM_SALT)["v"] == corrected.pk
    assert check(client, shown, {"choice": "B"}, **HTMX).status_code == 200
    assert Answer.objects.order_by("pk").last().question_version_id == corrected.pk


def test_a_retired_pattern_stops_taking_answers_at_once_though_its_question_was_kept(
    client, every_type, settings
):
    settings.CATALOG_PAGE_TTL = 60
    shown = Shown(client, SINGLE)
    check(client, shown, {"choice": "B"})
    Pattern.objects.filter(pk=shown.question.pattern_id).update(retired_at=timezone.now())
    assert client.get(url(SINGLE)).status_code == 404
    assert check(client, shown, {"choice": "C"}).status_code == 404
    assert Answer.objects.count() == 1


def test_progress_counts_a_practice_answer_right_only_with_full_credit(
    client, learner_client, every_type
):
    check(learner_client, Shown(learner_client, MULTIPLE), {"choices": ["A"]})  # partly right
    check(learner_client, Shown(learner_client, NUMERIC), {"value": "95"})  # right
    page = learner_client.get(url(SINGLE)).content.decode()
    assert "Question 2, easy: last answered wrong" in page
    assert "Question 3, easy: last answered right" in page
    progress = progress_by_pattern(learner_client.user.learner)
    (row,) = progress.values()
    assert (row.practice_answered, row.practice_right) == (2, 1)


def test_review_my_mistakes_replays_a_question_of_any_type(client, learner_client, every_type):
    ordering = Shown(learner_client, ORDERING)
    # The steps are shuffled per showing: reversing the right order is wrong whatever the shuffle.
    check(learner_client, ordering, {"order": ordering.right_order()[::-1]})
    check(learner_client, Shown(learner_client, MULTIPLE), {"choices": ["B"]})
    review = learner_client.get("/review/").content.decode()
    assert "Every type, question 2" in review and "Every type, question 4" in review
    again = Shown(learner_client, MULTIPLE, "?review=1")
    assert "Review my mistakes · 1 of 2" in again.html
    page = check(learner_client, again, {"choices": ["A", "C"]}, "?review=1").content.decode()
    assert "Right!" in page
    assert url(ORDERING, "?review=1") in page  # next in the queue
    replay = Shown(learner_client, ORDERING, "?review=1")
    assert len(replay.steps) == 4
