"""Assignment rules: who must do what by when, and what state each learner is in."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from learnapp.catalog.models import Question
from learnapp.learning.draw import PoolItem, create_attempt, draw_for_pattern, seen_questions
from learnapp.learning.grading import AnswerRejected, finish_if_overdue
from learnapp.learning.models import Attempt, Learner

from .models import Assignment, Extension


class Status:
    NOT_STARTED = "not-started"
    IN_PROGRESS = "in-progress"
    SUBMITTED = "submitted"
    LATE = "late"
    MISSED = "missed"
    UPCOMING = "upcoming"

    LABELS = {
        NOT_STARTED: "Not started",
        IN_PROGRESS: "In progress",
        SUBMITTED: "Submitted",
        LATE: "Submitted late",
        MISSED: "Missed",
        UPCOMING: "Not open yet",
    }


@dataclass(frozen=True)
class Window:
    opens_at: datetime
    due_at: datetime
    closes_at: datetime
    accept_late: bool

    @property
    def last_moment(self) -> datetime:
        """After this, nothing can be started or submitted."""
        return self.closes_at if self.accept_late else self.due_at


def window_for(assignment: Assignment, extension: Extension | None) -> Window:
    due, closes = assignment.due_at, assignment.closes_at
    if extension is not None:
        due, closes = max(due, extension.due_at), max(closes, extension.closes_at)
    return Window(assignment.opens_at, due, closes, assignment.accept_late)


def assigned_to(user) -> QuerySet[Assignment]:
    """Assignments for the user's classes: to the whole class, one of their groups, or them."""
    return (
        Assignment.objects.filter(classroom__memberships__user=user)
        .filter(
            Q(group__isnull=True, learners__isnull=True) | Q(group__members=user) | Q(learners=user)
        )
        .distinct()
    )


def status_of(window: Window, attempts: list[Attempt], now: datetime) -> str:
    submitted = [a for a in attempts if a.is_submitted]
    if submitted:
        return Status.LATE if all(a.is_late for a in submitted) else Status.SUBMITTED
    if any(not a.is_submitted for a in attempts):
        return Status.IN_PROGRESS
    if now < window.opens_at:
        return Status.UPCOMING
    if now > window.last_moment:
        return Status.MISSED
    return Status.NOT_STARTED


def custom_quiz_items(assignment: Assignment) -> list[PoolItem]:
    """A custom quiz's questions in the instructor's order: still active, with a version."""
    by_id = Question.objects.active().exclude(current_version=None).in_bulk(assignment.question_ids)
    return [
        PoolItem(pk, by_id[pk].current_version_id, by_id[pk].difficulty)
        for pk in assignment.question_ids
        if pk in by_id
    ]


def draw_for_assignment(assignment: Assignment, learner: Learner) -> tuple[list[PoolItem], set]:
    """A pattern's test draws from its pool; a custom quiz asks its fixed questions.

    Either way each attempt gets its own variant seeds and option order (draw.create_attempt).
    """
    if assignment.pattern_id:
        return draw_for_pattern(learner, assignment.pattern)
    picked = custom_quiz_items(assignment)
    seen = seen_questions(learner, {"question_id__in": [item.question_id for item in picked]})
    return picked, seen


def start_assigned_attempt(assignment: Assignment, user, now: datetime | None = None) -> Attempt:
    """Resume the learner's unfinished attempt, or start one under the assignment's rules."""
    now = now or timezone.now()
    learner, _ = Learner.objects.get_or_create(user=user)
    with transaction.atomic():
        # Simultaneous starts (a double click, several tabs, a script) each counted "no attempt
        # yet" and each made one, beating "Attempts allowed". Locking the learner's row makes
        # them count one after another; SQLite's immediate transactions serialise them anyway.
        learner = Learner.objects.select_for_update().get(pk=learner.pk)
        return _start_locked(assignment, user, learner, now)


def _start_locked(assignment: Assignment, user, learner: Learner, now: datetime) -> Attempt:
    attempts = list(Attempt.objects.filter(assignment=assignment, learner=learner))
    unfinished = next((a for a in attempts if not a.is_submitted), None)
    if unfinished is not None:
        return unfinished
    extension = Extension.objects.filter(assignment=assignment, user=user).first()
    window = window_for(assignment, extension)
    if now < window.opens_at:
        raise AnswerRejected("This assignment is not open yet.", 403)
    if now >= window.last_moment:
        raise AnswerRejected("This assignment is closed; it no longer takes answers.", 403)
    if len(attempts) >= assignment.attempts_allowed:
        raise AnswerRejected(
            "You have used your only attempt at this assignment."
            if assignment.attempts_allowed == 1
            else f"You have used all {assignment.attempts_allowed} attempts this assignment allows.",
            403,
        )
    picked, seen = draw_for_assignment(assignment, learner)
    if not picked:
        raise AnswerRejected("This quiz has no questions left; tell your instructor.", 409)
    pattern_id = (
        assignment.pattern_id
        or (
            Question.objects.filter(pk=picked[0].question_id).values_list("pattern_id", flat=True)[
                0
            ]
        )
    )
    return create_attempt(
        learner,
        pattern_id,
        picked,
        seen,
        assignment=assignment,
        due_at=window.due_at,
        deadline_at=attempt_deadline(window, assignment.time_limit_minutes, now),
    )


def attempt_deadline(window: Window, time_limit_minutes: int | None, now: datetime) -> datetime:
    """The window's last moment, or sooner when the time limit runs out first.

    Compared in seconds rather than by adding the limit to now: a limit stored before forms
    checked ranges (99999999999 minutes) would overflow the date and fail every start.
    """
    last = window.last_moment
    if time_limit_minutes and time_limit_minutes * 60 < (last - now).total_seconds():
        return now + timedelta(minutes=time_limit_minutes)
    return last


def refresh_attempt_windows(assignment: Assignment, user=None) -> int:
    """After the due or close time moved (for everyone, or `user`'s extension): the attempts.

    An attempt copies its due time and deadline when it starts, so an extension granted
    later would not reach a learner already in the test. Unfinished attempts get the new due
    time and a deadline worked out again from when they started (the time limit still runs
    from then); submitted ones are late or not against the new due time. An attempt whose
    time had already run out is submitted first, as it would have been on its next request.
    Returns how many attempts changed.
    """
    attempts = Attempt.objects.filter(assignment=assignment).select_related("learner")
    if user is not None:
        attempts = attempts.filter(learner__user=user)
    extensions = {e.user_id: e for e in Extension.objects.filter(assignment=assignment)}
    changed = 0
    for attempt in attempts:
        finish_if_overdue(attempt)
        window = window_for(assignment, extensions.get(attempt.learner.user_id))
        if attempt.is_submitted:
            fields = {"due_at": window.due_at, "is_late": attempt.submitted_at > window.due_at}
        else:
            deadline = attempt_deadline(window, assignment.time_limit_minutes, attempt.started_at)
            fields = {"due_at": window.due_at, "deadline_at": deadline}
        if any(getattr(attempt, name) != value for name, value in fields.items()):
            for name, value in fields.items():
                setattr(attempt, name, value)
            attempt.save(update_fields=list(fields))
            changed += 1
    return changed
