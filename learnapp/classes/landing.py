"""What an instructor sees first after logging in: their classes, what is due this week, the
submissions nobody has looked at, and the learners who need help.

A fixed number of queries whatever the number of classes (the landing test holds it to that).
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Count, F, Q

from learnapp.learning.models import Attempt

from .access import classes_taught_by_exactly, taught_filter
from .assigning import Status, status_of, window_for
from .gradebook import _targets
from .models import Assignment, Classroom, Extension, Membership

DUE_SOON = timedelta(days=7)
# A learner who has not started something due this soon is flagged.
NOT_STARTED_WARNING = timedelta(days=2)
# Results older than this no longer make anyone "need help" here (the gradebook still shows).
RECENT = timedelta(days=14)
SHOWN = 20


@dataclass
class HelpNote:
    user: object
    assignment: Assignment
    reason: str


@dataclass
class Landing:
    classes: list[Classroom]
    due_this_week: list[Assignment]
    to_look_at: list[Attempt]
    more_to_look_at: int
    need_help: list[HelpNote] = field(default_factory=list)


def landing_for(user, now: datetime) -> Landing:
    """Eight or nine queries whatever the number of classes: classes, due this week,
    submissions, recent assignments, who they are for (one or two), extensions, attempts,
    members."""
    classes = list(
        classes_taught_by_exactly(user)
        .annotate(learner_count=Count("memberships", distinct=True))
        .order_by("name")
    )
    taught = Assignment.objects.filter(taught_filter(user, "classroom"))
    due_this_week = list(
        taught.filter(due_at__gte=now, due_at__lt=now + DUE_SOON)
        .select_related("classroom", "pattern")
        .order_by("due_at")
    )
    # Submitted and not opened since (see feedback.mark_reviewed).
    unseen = list(
        Attempt.objects.filter(
            taught_filter(user, "assignment__classroom"), submitted_at__isnull=False
        )
        .filter(
            Q(instructor_feedback__isnull=True)
            | Q(instructor_feedback__reviewed_at__isnull=True)
            | Q(instructor_feedback__reviewed_at__lt=F("submitted_at"))
        )
        .select_related("assignment__classroom", "learner__user__profile")
        .order_by("-submitted_at")[: SHOWN + 1]
    )
    landing = Landing(classes, due_this_week, unseen[:SHOWN], max(len(unseen) - SHOWN, 0))
    landing.need_help = _need_help(taught, now)
    return landing


def _need_help(taught, now: datetime) -> list[HelpNote]:
    """Learners below the strong threshold on a recent assignment, or not started on
    something due within two days."""
    recent = list(
        taught.filter(
            due_at__gte=now - RECENT, due_at__lt=now + NOT_STARTED_WARNING, opens_at__lte=now
        ).select_related("classroom")
    )
    if not recent:
        return []
    targets = _targets(recent)
    extensions = {
        (e.assignment_id, e.user_id): e for e in Extension.objects.filter(assignment__in=recent)
    }
    attempts: dict[tuple[int, int], list] = defaultdict(list)
    for attempt in Attempt.objects.filter(assignment__in=recent).select_related("learner"):
        attempts[(attempt.assignment_id, attempt.learner.user_id)].append(attempt)
    members = defaultdict(list)
    for membership in (
        Membership.objects.filter(classroom__in={a.classroom_id for a in recent})
        .select_related("user__profile")
        .order_by("user__username")
    ):
        members[membership.classroom_id].append(membership.user)
    notes = []
    for assignment in recent:
        target = targets[assignment.pk]
        for member in members[assignment.classroom_id]:
            if target is not None and member.pk not in target:
                continue
            mine = attempts.get((assignment.pk, member.pk), [])
            submitted = [a for a in mine if a.is_submitted]
            window = window_for(assignment, extensions.get((assignment.pk, member.pk)))
            if submitted and not any(a.is_strong for a in submitted):
                notes.append(HelpNote(member, assignment, "below the strong threshold"))
            elif status_of(window, mine, now) == Status.NOT_STARTED and (
                window.due_at - now < NOT_STARTED_WARNING
            ):
                notes.append(HelpNote(member, assignment, "not started, due within 2 days"))
            elif status_of(window, mine, now) == Status.MISSED:
                notes.append(HelpNote(member, assignment, "missed it"))
    return notes[:SHOWN]
