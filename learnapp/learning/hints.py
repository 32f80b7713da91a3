"""Tiered hints: which tiers a learner opened, recorded once each, and counted for instructors."""

from django.db.models import Count, Exists, OuterRef

from learnapp.catalog.models import Question

from .models import HintUse, Learner


def tiers_to_show(requested: int, already_shown: int, available: int) -> int:
    """How many tiers to show after asking for tier `requested`: tiers open one at a time, so a
    request past the next one (an edited form) shows only the next."""
    return max(already_shown, min(requested, already_shown + 1, available))


def record_hint_use(learner: Learner, question: Question, tiers: int) -> None:
    """Tiers 1..`tiers` of the question's hint were shown; each is recorded once (one INSERT),
    however often it is asked for again (a double click, a reload)."""
    HintUse.objects.bulk_create(
        [HintUse(learner=learner, question=question, tier=tier) for tier in range(1, tiers + 1)],
        ignore_conflicts=True,
    )


def hint_counts(learner: Learner | int) -> dict[int, int]:
    """Hint tiers opened per question id: one query."""
    return dict(
        HintUse.objects.filter(learner=learner)
        .values("question_id")
        .annotate(used=Count("pk"))
        .values_list("question_id", "used")
    )


def merge_hint_uses(source: Learner, target: Learner) -> None:
    """A visitor's hint uses join their account; a tier both opened stays counted once."""
    also_in_target = HintUse.objects.filter(
        learner=target, question_id=OuterRef("question_id"), tier=OuterRef("tier")
    )
    HintUse.objects.filter(learner=source).filter(Exists(also_in_target)).delete()
    HintUse.objects.filter(learner=source).update(learner=target)


def hints_used(user) -> tuple[list[dict], int]:
    """For an instructor's view of one learner: hint tiers opened per practice question, in
    course order, and in all (one query)."""
    rows = list(
        HintUse.objects.filter(learner__user=user)
        .values("question__key", "question__position", "question__pattern__title")
        .annotate(used=Count("pk"))
        .order_by("question__pattern__position", "question__position")
    )
    return rows, sum(row["used"] for row in rows)
