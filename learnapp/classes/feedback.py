"""An instructor's comment on a learner's attempt, and a grade that overrides its score.

The override stands beside the computed score (a regrade never touches it) and is what the
gradebook, the CSV and the learner's result count. Every change of it is recorded: who, when,
the grade before and after, and why.
"""

from fractions import Fraction

from django.db import transaction
from django.utils import timezone

from learnapp.learning.grading import attempt_graded
from learnapp.learning.models import Attempt

from .models import AttemptFeedback, GradeOverrideRecord


def feedback_for(attempt: Attempt) -> AttemptFeedback | None:
    return AttemptFeedback.objects.filter(attempt=attempt).first()


def counted_score(attempt: Attempt, feedback: AttemptFeedback | None) -> Fraction | None:
    """The grade that counts: the instructor's override if there is one, else the score."""
    if feedback is not None and feedback.override_score is not None:
        return feedback.override_score
    return attempt.score


def mark_reviewed(attempt: Attempt) -> None:
    """The instructor has looked at the attempt: it leaves "submissions to look at"."""
    AttemptFeedback.objects.update_or_create(
        attempt=attempt, defaults={"reviewed_at": timezone.now()}
    )


def save_feedback(
    attempt: Attempt, by, comment: str, override: Fraction | None, reason: str
) -> AttemptFeedback:
    """Store the comment and the override; a changed override is recorded with its reason."""
    now = timezone.now()
    with transaction.atomic():
        feedback, _ = AttemptFeedback.objects.select_for_update().get_or_create(attempt=attempt)
        old = feedback.override_score
        if old != override:
            GradeOverrideRecord.objects.create(
                attempt=attempt,
                changed_by=by,
                changed_at=now,
                old_score=old,
                new_score=override,
                reason=reason,
            )
        feedback.comment = comment
        feedback.override_score = override
        feedback.override_reason = reason if override is not None else ""
        feedback.updated_by = by
        feedback.updated_at = now
        feedback.reviewed_at = now
        feedback.save()
        if old != override:
            attempt_graded.send(sender=Attempt, attempt=attempt)
    return feedback
