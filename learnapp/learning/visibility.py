"""What a learner may see of their own test records, decided in one place.

Two rules, asked by every page that shows a score or an answer to a learner (the result page,
progress and its chart, mastery, the lesson's status line, "Assigned to me", "Review my
mistakes"):

- An assigned attempt's results show as its assignment says: right after submitting, after the
  (learner's) due date, or never. A self-study attempt's results show once it is submitted.
  Instructors always see scores: their pages do not ask.
- While a learner has an assigned attempt open, nothing reveals the answer to a question in it:
  the review of an earlier attempt that asked the same question (in any variant) keeps its
  solution and correct answer back, and "Review my mistakes" leaves it out.
"""

from datetime import datetime

from django.db import models


class ResultsVisibility(models.TextChoices):
    IMMEDIATELY = "immediately", "Right after submitting"
    AFTER_DUE = "after_due", "After the due date"
    NEVER = "never", "Never"


def results_released(visibility: str | None, due_at: datetime | None, now: datetime) -> bool:
    """The rule itself, over plain values, for readers that have no Attempt instance.

    `visibility` is None for a self-study attempt.
    """
    if visibility is None:
        return True
    if visibility == ResultsVisibility.AFTER_DUE:
        return due_at is None or now >= due_at
    return visibility == ResultsVisibility.IMMEDIATELY


def released_q(now: datetime, prefix: str = "") -> models.Q:
    """`results_released` as a filter over submitted attempts (`prefix` leads to the attempt),
    for readers that count in the database, such as the "Due for review" badge."""
    assigned = f"{prefix}assignment__"
    return (
        models.Q(**{f"{assigned}isnull": True})
        | models.Q(**{f"{assigned}results_visibility": ResultsVisibility.IMMEDIATELY})
        | (
            models.Q(**{f"{assigned}results_visibility": ResultsVisibility.AFTER_DUE})
            & (
                models.Q(**{f"{prefix}due_at__isnull": True})
                | models.Q(**{f"{prefix}due_at__lte": now})
            )
        )
    )


def items_under_test(learner, now: datetime):
    """The items of the learner's open assigned attempts, as a queryset (see below)."""
    from .models import AttemptItem

    return AttemptItem.objects.filter(
        attempt__learner=learner,
        attempt__assignment__isnull=False,
        attempt__submitted_at__isnull=True,
    ).filter(models.Q(attempt__deadline_at__isnull=True) | models.Q(attempt__deadline_at__gt=now))


def questions_under_test(learner, now: datetime) -> set[int]:
    """The questions of the learner's open assigned attempts (one query).

    Open: started, not submitted and not past its deadline (an attempt whose time ran out is
    submitted on the next request, and its answers can no longer change).
    """
    if learner is None:
        return set()
    return set(items_under_test(learner, now).values_list("question_id", flat=True))
