"""A strong result counts for mastery only from a draw the learner had not already seen in full."""

import pytest

from learnapp.learning.models import Attempt, Learner
from learnapp.learning.progress import progress_by_pattern
from tests.factories import make_assessment_pool, right_letter

pytestmark = pytest.mark.django_db


def take(client, right: bool) -> Attempt:
    client.post("/patterns/keys/test/")
    attempt = Attempt.objects.latest("pk")
    for number in range(1, attempt.total + 1):
        letter = right_letter(attempt, number)
        if not right:
            letter = "A" if letter != "A" else "B"
        client.post(
            f"/tests/{attempt.pk}/answer/",
            {"number": number, "choice": letter},
            HTTP_ACCEPT="application/json",
        )
    client.post(f"/tests/{attempt.pk}/submit/")
    attempt.refresh_from_db()
    return attempt


def mastery(client, pattern) -> str:
    learner = Learner.objects.get(user=client.user)
    return progress_by_pattern(learner)[pattern.pk].mastery


def test_a_strong_retake_of_questions_all_seen_before_does_not_make_the_pattern_strong(
    learner_client, pattern
):
    # No pool: every test asks the same ten questions.
    first = take(learner_client, right=False)
    second = take(learner_client, right=True)
    assert (first.new_items, second.new_items, second.is_strong) == (10, 0, True)
    assert mastery(learner_client, pattern) == "familiar"
    page = learner_client.get(f"/tests/{second.pk}/result/").content.decode()
    assert "does not change your mastery level" in page
    progress = learner_client.get("/progress/").content.decode()
    assert "had not been asked before" in progress


def test_a_strong_result_from_a_fresh_draw_makes_the_pattern_strong(learner_client, pattern):
    make_assessment_pool(pattern)
    take(learner_client, right=False)
    second = take(learner_client, right=True)
    assert second.new_items == 10 and second.is_strong
    assert mastery(learner_client, pattern) == "strong"
    # The pool of 20 is now seen in full: a later retake says nothing new either way.
    third = take(learner_client, right=False)
    assert third.new_items == 0
    assert mastery(learner_client, pattern) == "strong"
