"""Assignment rules: who must do what by when, and what state each learner is in."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from learnapp.catalog.models import Question
from learnapp.learning.grading import AnswerRejected, pattern_test_questions
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


def assignment_questions(assignment: Assignment) -> list[Question]:
    if assignment.pattern_id:
        return pattern_test_questions(assignment.pattern)
    by_id = Question.objects.active().in_bulk(assignment.question_ids)
    return [by_id[pk] for pk in assignment.question_ids if pk in by_id]


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
            f"You have used all {assignment.attempts_allowed} attempt"
            f"{'s' if assignment.attempts_allowed != 1 else ''} this assignment allows.",
            403,
        )
    questions = assignment_questions(assignment)
    if not questions:
        raise AnswerRejected("This quiz has no questions left; tell your instructor.", 409)
    pattern = assignment.pattern or questions[0].pattern
    return Attempt.objects.create(
        learner=learner,
        pattern=pattern,
        assignment=assignment,
        version_ids=[q.current_version_id for q in questions],
        total=len(questions),
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
