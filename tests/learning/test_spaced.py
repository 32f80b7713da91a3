"""Spaced review: missed questions and self-checks come back as cards, scheduled by FSRS."""

import itertools
import re
from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client
from django.utils import timezone
from fsrs import Scheduler

from learnapp.classes.models import Membership
from learnapp.learning import spaced
from learnapp.learning.models import Attempt, Learner, ReviewCard
from learnapp.learning.visibility import ResultsVisibility, released_q, results_released
from tests.factories import (
    AssignmentFactory,
    ClassroomFactory,
    UserFactory,
    make_question_set,
    shown_letter,
)

pytestmark = pytest.mark.django_db

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
PASSWORD = "correct horse battery staple"


class Clock:
    def __init__(self, now):
        self.now = now

    def advance(self, **delta):
        self.now += timedelta(**delta)


@pytest.fixture(autouse=True)
def clock(monkeypatch):
    """A fixed clock for every reader of timezone.now(), and FSRS without fuzzing."""
    fixed = Clock(START)
    monkeypatch.setattr(timezone, "now", lambda: fixed.now)
    monkeypatch.setattr(spaced, "SCHEDULER", Scheduler(enable_fuzzing=False))
    return fixed


def token_of(page: str) -> str:
    return re.search(r'name="form_token" value="([^"]+)"', page).group(1)


def practise(client, number, choice, slug="keys"):
    page = client.get(f"/patterns/{slug}/practice/{number}/").content.decode()
    client.post(
        f"/patterns/{slug}/practice/{number}/", {"choice": choice, "form_token": token_of(page)}
    )


def due_page(client) -> str:
    return client.get("/review/due/").content.decode()


def review(client, choice: str, page: str | None = None):
    """Answer the card on the review page (B is right in make_question_set)."""
    page = page or due_page(client)
    card_id = re.search(r'action="/review/due/(\d+)/"', page).group(1)
    return client.post(f"/review/due/{card_id}/", {"choice": choice, "form_token": token_of(page)})


def card() -> ReviewCard:
    return ReviewCard.objects.get()


# -- which misses become cards -------------------------------------------------------------------


def test_a_question_missed_in_practice_is_due_for_review_at_once(client, pattern):
    practise(client, 3, "A")
    assert card().question.position == 3
    assert card().due == START
    assert "Due for review (1)" in client.get("/").content.decode()
    assert "Due for review (1)" in client.get("/progress/").content.decode()
    assert "Stem of question 3?" in due_page(client)


def test_a_question_answered_right_makes_no_card(client, pattern):
    practise(client, 3, "B")
    assert not ReviewCard.objects.exists()
    assert "Due for review" not in client.get("/").content.decode()
    assert "Nothing is due" in due_page(client)


def test_missing_a_question_again_keeps_one_card(client, pattern):
    practise(client, 3, "A")
    practise(client, 3, "C")
    assert ReviewCard.objects.count() == 1


def test_a_self_study_test_mistake_becomes_a_card_when_submitted(client, pattern):
    client.post("/patterns/keys/test/")
    attempt = Attempt.objects.get()
    for number, choice in ((1, "B"), (2, "A")):  # question 1 right, question 2 wrong
        client.post(
            f"/tests/{attempt.pk}/answer/",
            {"number": number, "choice": shown_letter(attempt, number, choice)},
            HTTP_ACCEPT="application/json",
        )
    assert not ReviewCard.objects.exists()  # nothing is told before the test is submitted
    client.post(f"/tests/{attempt.pk}/submit/")
    assert card().attempt_id == attempt.pk
    assert card().question_id == attempt.items.get(number=2).question_id
    assert "Due for review (1)" in client.get("/").content.decode()


def assigned_attempt(learner_client, pattern, visibility, wrong_number=4):
    classroom = ClassroomFactory()
    Membership.objects.create(classroom=classroom, user=learner_client.user)
    assignment = AssignmentFactory(
        classroom=classroom, pattern=pattern, title="Keys quiz", results_visibility=visibility
    )
    learner_client.post(f"/assignments/{assignment.pk}/start/")
    attempt = Attempt.objects.get()
    learner_client.post(
        f"/tests/{attempt.pk}/answer/",
        {"number": wrong_number, "choice": shown_letter(attempt, wrong_number, "C")},
        HTTP_ACCEPT="application/json",
    )
    return attempt


@pytest.mark.parametrize(
    ("visibility", "after_due", "served"),
    [
        ("immediately", False, True),
        ("after_due", False, False),
        ("after_due", True, True),
        ("never", True, False),
    ],
)
def test_an_assigned_test_card_waits_for_the_results(
    learner_client, pattern, clock, visibility, after_due, served
):
    attempt = assigned_attempt(learner_client, pattern, visibility)
    learner_client.post(f"/tests/{attempt.pk}/submit/")
    if after_due:
        clock.now = attempt.due_at + timedelta(minutes=1)
    stem = f"Stem of question {attempt.items.get(number=4).question.position}?"
    assert ReviewCard.objects.count() == 1
    home = learner_client.get("/").content.decode()
    assert ("Due for review (1)" in home) is served
    assert (stem in due_page(learner_client)) is served
    # Posting to the card before its results are out finds nothing to review.
    response = learner_client.post(f"/review/due/{card().pk}/", {"choice": "A"})
    assert (response.status_code == 404) is not served


def test_a_test_card_shows_only_its_own_question(learner_client, pattern):
    attempt = assigned_attempt(learner_client, pattern, ResultsVisibility.IMMEDIATELY)
    learner_client.post(f"/tests/{attempt.pk}/submit/")
    page = due_page(learner_client)
    position = attempt.items.get(number=4).question.position
    others = [i.question.position for i in attempt.items.all() if i.question.position != position]
    assert f"Stem of question {position}?" in page
    assert not any(f"Stem of question {n}?" in page for n in others)
    assert "SECRET" not in page  # no solution, feedback or hint before an answer
    assert f"/tests/{attempt.pk}/" not in page  # no way into the rest of the test


def test_a_question_of_an_open_assigned_test_is_not_reviewed(learner_client, pattern):
    # Missed in practice, then asked in an assigned test the learner has open.
    practise(learner_client, 4, "A")
    assert "Due for review (1)" in learner_client.get("/").content.decode()
    assigned_attempt(learner_client, pattern, ResultsVisibility.IMMEDIATELY)
    assert "Due for review" not in learner_client.get("/").content.decode()
    assert "Nothing is due" in due_page(learner_client)


@pytest.mark.parametrize("visibility", [None, *ResultsVisibility.values])
@pytest.mark.parametrize("due_in", [None, -1, 1])
def test_the_database_filter_agrees_with_the_one_rule(learner_client, pattern, visibility, due_in):
    learner = Learner.objects.get(user=learner_client.user)
    assignment = None
    if visibility:
        assignment = AssignmentFactory(pattern=pattern, results_visibility=visibility)
    now = timezone.now()
    attempt = Attempt.objects.create(
        learner=learner,
        pattern=pattern,
        assignment=assignment,
        submitted_at=now,
        due_at=None if due_in is None else now + timedelta(days=due_in),
    )
    in_db = Attempt.objects.filter(released_q(now), pk=attempt.pk).exists()
    assert in_db is results_released(visibility, attempt.due_at, now)


# -- reviewing -----------------------------------------------------------------------------------


def test_right_schedules_the_card_further_and_wrong_brings_it_back_soon(client, pattern, clock):
    practise(client, 3, "A")
    # A new card: Good moves it to the second learning step, 10 minutes.
    page = review(client, "B").content.decode()
    assert "Right!" in page and "comes back in 10 minutes" in page
    assert card().due == START + timedelta(minutes=10)
    assert "Due for review" not in client.get("/").content.decode()

    clock.advance(minutes=10)
    page = review(client, "B").content.decode()
    assert "comes back in 2 days" in page
    assert card().due == clock.now + timedelta(days=2)

    clock.advance(days=2)
    page = review(client, "A").content.decode()
    assert "Not quite." in page and "comes back in 10 minutes" in page  # relearning step
    assert card().due == clock.now + timedelta(minutes=10)
    assert card().lapses == 1 and card().reviews == 3


def test_wrong_on_a_new_card_brings_it_back_in_one_minute(client, pattern):
    practise(client, 3, "A")
    page = review(client, "C").content.decode()
    assert "comes back in 1 minute" in page
    assert "SECRET-STEP-3" in page  # the solution, at once
    assert card().due == START + timedelta(minutes=1)


def test_a_double_click_reviews_once(client, pattern):
    practise(client, 3, "A")
    page = due_page(client)
    review(client, "B", page)
    second = review(client, "B", page)
    assert second.status_code == 302
    assert card().reviews == 1
    assert card().due == START + timedelta(minutes=10)


def test_an_unreadable_answer_is_refused_and_not_counted(client, pattern):
    practise(client, 3, "A")
    response = review(client, "")
    assert response.status_code == 400
    assert card().reviews == 0


def test_a_forged_token_is_refused(client, pattern):
    practise(client, 3, "A")
    response = client.post(f"/review/due/{card().pk}/", {"choice": "B", "form_token": "x"})
    assert response.status_code == 400
    assert card().reviews == 0


def test_another_learners_card_is_not_found(client, pattern):
    practise(client, 3, "A")
    page = due_page(client)
    other = Client()
    other.force_login(UserFactory())
    response = other.post(
        f"/review/due/{card().pk}/", {"choice": "B", "form_token": token_of(page)}
    )
    assert response.status_code == 404


def test_cards_are_interleaved_across_patterns(client, pattern):
    make_question_set(slug="other", title="Other")
    practise(client, 1, "A")
    practise(client, 2, "A")
    practise(client, 1, "A", slug="other")
    seen = []
    for _ in range(3):
        page = due_page(client)
        seen.append("Other" if "Other ·" in page else "Keys")
        review(client, "B", page)
    assert seen == ["Keys", "Other", "Keys"]
    assert "Nothing is due" in due_page(client)


@pytest.mark.parametrize(
    ("due", "last", "expected"),
    [
        ([], None, None),
        ([(1, 10, START)], 10, 1),  # unavoidable: the only pattern due
        ([(1, 10, START), (2, 20, START + timedelta(hours=1))], 10, 2),
        # The bigger pile goes first, so it is not left in a row at the end.
        (
            [(1, 10, START), (2, 20, START), (3, 20, START), (4, 30, START - timedelta(days=1))],
            None,
            2,
        ),
    ],
)
def test_pick_next_never_repeats_a_pattern_when_another_is_due(due, last, expected):
    assert spaced.pick_next(due, last) == expected


def test_a_sequence_of_picks_has_no_pattern_twice_in_a_row_when_avoidable():
    due = [(n, pattern, START + timedelta(minutes=n)) for n, pattern in enumerate("AAABBC")]
    last, order = None, []
    while due:
        chosen = spaced.pick_next(due, last)
        card = next(c for c in due if c[0] == chosen)
        order.append(card[1])
        last = card[1]
        due.remove(card)
    assert all(a != b for a, b in itertools.pairwise(order))


# -- self-checks ---------------------------------------------------------------------------------


@pytest.fixture
def self_check_pattern(pattern):
    pattern.self_checks = [
        {"question_html": "<p>Is 12% invalid keys good?</p>", "answer_html": "<p>No: high.</p>"}
    ]
    pattern.save(update_fields=["self_checks"])
    return pattern


def test_a_lessons_self_check_comes_back_the_next_day(client, self_check_pattern, clock):
    client.post("/patterns/keys/read/")
    assert card().self_check == 0 and card().due == START + timedelta(days=1)
    assert "Nothing is due" in due_page(client)

    clock.advance(days=1)
    page = due_page(client)
    assert "Is 12% invalid keys good?" in page and "the lesson's self-check" in page
    card_id = card().pk
    response = client.post(
        f"/review/due/{card_id}/", {"recalled": "yes", "form_token": token_of(page)}
    )
    assert "comes back in 10 minutes" in response.content.decode()
    assert "No: high." in response.content.decode()
    client.post("/patterns/keys/read/")  # reading again adds no second card
    assert ReviewCard.objects.count() == 1


def test_a_self_check_review_needs_a_yes_or_no(client, self_check_pattern, clock):
    client.post("/patterns/keys/read/")
    clock.advance(days=1)
    page = due_page(client)
    response = client.post(f"/review/due/{card().pk}/", {"form_token": token_of(page)})
    assert response.status_code == 400


# -- visitors and accounts -----------------------------------------------------------------------


def test_a_visitors_cards_join_the_account_at_log_in(client, self_check_pattern):
    user = UserFactory(username="grace")
    practise(client, 3, "A")
    client.post("/patterns/keys/read/")
    client.post("/accounts/login/", {"username": "grace", "password": PASSWORD})
    learner = Learner.objects.get(user=user)
    assert ReviewCard.objects.filter(learner=learner).count() == 2
    assert Learner.objects.count() == 1


def test_a_card_both_had_is_kept_once(client, pattern):
    user = UserFactory(username="grace")
    client.force_login(user)
    practise(client, 3, "A")
    client.logout()
    practise(client, 3, "A")
    assert ReviewCard.objects.count() == 2
    client.post("/accounts/login/", {"username": "grace", "password": PASSWORD})
    assert ReviewCard.objects.filter(learner__user=user).count() == 1


# -- cost ----------------------------------------------------------------------------------------


def test_the_due_badge_costs_one_query(learner_client, pattern, django_assert_num_queries):
    practise(learner_client, 3, "A")
    learner_client.get("/")  # the session's learner id is known from here on
    # 1. the user  2. active patterns with section and track  3-5. the learner's progress
    # (lessons read, practice counts, tests)  6. the due count
    with django_assert_num_queries(6):
        page = learner_client.get("/").content.decode()
    assert "Due for review (1)" in page


# -- templates -----------------------------------------------------------------------------------


def test_a_template_comes_back_as_a_fresh_variant_each_time(client, tmp_path, monkeypatch, clock):
    from learnapp.catalog.loader import load
    from learnapp.catalog.models import Question
    from learnapp.catalog.variants import variant
    from learnapp.learning import practising
    from tests.factories import PRACTICE_TYPES_SLUG, write_practice_types_tree

    load(write_practice_types_tree(tmp_path / "content"))
    question = Question.objects.get(key="pt-template")
    seeds = iter([11, 12, 13, 14])
    monkeypatch.setattr(practising.secrets, "randbelow", lambda limit: next(seeds))
    practise(client, question.position, "B", slug=PRACTICE_TYPES_SLUG)  # the seed-11 variant
    assert card().question_id == question.pk

    def stem(seed):
        return variant(question.current_version, seed).stem_html

    page = due_page(client)
    assert stem(12) in page  # not the variant that was missed
    # The right option of the variant on screen is right.
    response = review(client, "A", page).content.decode()
    assert "Right!" in response and stem(12) in response
    clock.advance(minutes=10)
    assert stem(13) in due_page(client)
    assert stem(12) != stem(13)
