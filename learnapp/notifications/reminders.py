"""Which reminder emails are due, and sending each of them at most once.

Two kinds, to each learner an assignment is for who has not submitted it and has not turned
reminders off:

- "opened": once the assignment is open, if it opened less than a day ago (a worker that was
  down for a week does not mail about long-open work) and is not due within a day;
- "due soon": once the learner's due time (an extension's, if they have one) is less than a day
  away and the assignment is open. It also covers an assignment that opens less than a day
  before it is due, so nobody gets two emails about it within minutes.

Each reminder is a row in Reminder, unique per (assignment, learner, kind). The row is inserted
and the email sent inside one transaction: a second worker trying the same reminder waits on the
row's unique index and then finds it taken; an email that fails to go out rolls the row back, so
the next run tries again.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from learnapp.accounts.profiles import wants_reminders
from learnapp.classes.assigning import window_for
from learnapp.classes.models import Assignment, Extension
from learnapp.learning.models import Attempt

from . import emails
from .models import Reminder

logger = logging.getLogger(__name__)

DUE_SOON = timedelta(hours=24)
OPENED_GRACE = timedelta(hours=24)


@dataclass(frozen=True)
class Due:
    assignment: Assignment
    user: object
    kind: str
    due_at: datetime


def due_reminders(now: datetime) -> list[Due]:
    """Every reminder that should go out at `now` and has not gone out yet."""
    horizon = now + DUE_SOON
    candidates = (
        Assignment.objects.filter(opens_at__lte=now)
        .filter(
            Q(opens_at__gt=now - OPENED_GRACE)
            | Q(due_at__gt=now, due_at__lte=horizon)
            | Q(extensions__due_at__gt=now, extensions__due_at__lte=horizon)
        )
        .select_related("classroom")
        .distinct()
    )
    found = []
    for assignment in candidates:
        found.extend(_due_for(assignment, now))
    return found


def _due_for(assignment: Assignment, now: datetime) -> list[Due]:
    learners = _learners_of(assignment)
    if not learners:
        return []
    extensions = {e.user_id: e for e in Extension.objects.filter(assignment=assignment)}
    submitted = set(
        Attempt.objects.filter(assignment=assignment, submitted_at__isnull=False).values_list(
            "learner__user_id", flat=True
        )
    )
    sent = set(Reminder.objects.filter(assignment=assignment).values_list("user_id", "kind"))
    found = []
    for user in learners:
        if user.pk in submitted or not user.email or not wants_reminders(user):
            continue
        window = window_for(assignment, extensions.get(user.pk))
        if now >= window.last_moment:
            continue
        if now < window.due_at <= now + DUE_SOON:
            kind = Reminder.Kind.DUE_SOON
        elif window.due_at > now + DUE_SOON and now - OPENED_GRACE < assignment.opens_at:
            kind = Reminder.Kind.OPENED
        else:
            continue
        if (user.pk, kind) not in sent:
            found.append(Due(assignment, user, kind, window.due_at))
    return found


def _learners_of(assignment: Assignment) -> list:
    """The class members the assignment is for: everyone, its group, or the learners chosen."""
    users = get_user_model().objects.filter(
        class_memberships__classroom_id=assignment.classroom_id, is_active=True
    )
    if assignment.group_id:
        users = users.filter(learner_groups=assignment.group_id)
    elif assignment.learners.exists():
        users = users.filter(pk__in=assignment.learners.values("pk"))
    return list(users.select_related("profile").order_by("pk").distinct())


def send_due_reminders(now: datetime | None = None) -> int:
    """Send every reminder due at `now`; returns how many this call sent."""
    now = now or timezone.now()
    count = 0
    for due in due_reminders(now):
        if _send_once(due, now):
            count += 1
    return count


def _send_once(due: Due, now: datetime) -> bool:
    try:
        with transaction.atomic():
            Reminder.objects.create(
                assignment=due.assignment, user=due.user, kind=due.kind, sent_at=now
            )
            emails.reminder_message(due.assignment, due.user, due.kind, due.due_at).send()
    except IntegrityError:
        # Another worker sent this one a moment ago.
        return False
    except (OSError, ValueError):
        # The mail server is down or refused it (SMTP errors are OSErrors), or the message
        # could not be built: the row is rolled back so the next run retries, and the other
        # learners' reminders still go out.
        logger.exception("Reminder %s to user %s not sent", due.kind, due.user.pk)
        return False
    return True
