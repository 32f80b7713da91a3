"""A hidden assigned result with mistakes in it: the mistakes stay out of "Review my mistakes"
and out of spaced review (its badge, its count on the progress page, its cards) until the
results may be seen, and then they all come back."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from learnapp.learning.models import Attempt, ReviewCard

from .test_integrity_across_modes import answer_all, assignment, pool, start, text  # noqa: F401

pytestmark = pytest.mark.django_db


def hidden_weak_result(learner_client, assignment, visibility: str) -> Attempt:  # noqa: F811
    assignment.results_visibility = visibility
    assignment.save(update_fields=["results_visibility"])
    attempt = start(learner_client, assignment)
    answer_all(learner_client, attempt, right=4)
    learner_client.post(f"/tests/{attempt.pk}/submit/")
    attempt.refresh_from_db()
    assert attempt.score == 4
    # The cards are made at submission; whether they are served is the point here.
    assert ReviewCard.objects.filter(attempt=attempt).count() == 6
    return attempt


@pytest.mark.parametrize("visibility", ["never", "after_due"])
def test_a_hidden_results_mistakes_are_not_served_for_review(
    learner_client,
    pattern,
    assignment,  # noqa: F811
    visibility,
):
    attempt = hidden_weak_result(learner_client, assignment, visibility)
    stems = [item.question_version.stem_html for item in attempt.items.all()]

    for url in ("/", "/progress/", "/review/"):
        assert not re.search(r"Due for review \([1-9]", text(learner_client, url)), url
    due = text(learner_client, "/review/due/")
    assert "Nothing is due" in due and not any(stem in due for stem in stems)
    mistakes = text(learner_client, "/review/")
    assert "Nothing to review" in mistakes and not any(stem in mistakes for stem in stems)
    result = text(learner_client, f"/tests/{attempt.pk}/result/")
    assert "You scored" not in result and "4 of 10" not in result
    for card in ReviewCard.objects.filter(attempt=attempt):
        response = learner_client.post(f"/review/due/{card.pk}/", {"choice": "A"})
        assert response.status_code == 404


def test_once_the_due_date_passes_the_mistakes_come_back(
    learner_client,
    pattern,
    assignment,  # noqa: F811
):
    attempt = hidden_weak_result(learner_client, assignment, "after_due")
    Attempt.objects.filter(pk=attempt.pk).update(due_at=timezone.now() - timedelta(minutes=1))
    assert "Due for review (6)" in text(learner_client, "/")
    assert "Due for review (6)" in text(learner_client, "/progress/")
    assert "6 questions you last answered wrong" in text(learner_client, "/review/")
    assert "6 cards due now" in text(learner_client, "/review/due/")
