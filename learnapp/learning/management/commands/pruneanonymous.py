"""Delete anonymous learners nobody can come back to, and expired sessions.

A visitor without an account is a Learner found through their session, so once the session is
gone, so is every way back to that Learner: their answers, attempts and sandbox rows only take
space. Run it daily from cron (see the README).
"""

from datetime import timedelta
from importlib import import_module

from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.management.base import BaseCommand, CommandError
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from learnapp.learning.learners import SESSION_KEY
from learnapp.learning.models import Learner

BATCH = 500
DB_SESSION_ENGINES = {
    "django.contrib.sessions.backends.db",
    "django.contrib.sessions.backends.cached_db",
}


def learners_in_live_sessions(now) -> set[int]:
    live = set()
    for session in Session.objects.filter(expire_date__gt=now).iterator():
        learner_id = session.get_decoded().get(SESSION_KEY)
        if isinstance(learner_id, int):
            live.add(learner_id)
    return live


def active_since(cutoff) -> Q:
    """Learners with any row, in any app, that has a date on or after `cutoff`.

    Read from the relations other apps declare on Learner (sandbox keys and their access log,
    say), so that a key still used from a script keeps its owner without learning importing
    the sandbox.
    """
    condition = Q(created_at__gte=cutoff)
    for relation in Learner._meta.related_objects:
        model = relation.related_model
        dates = [f.name for f in model._meta.concrete_fields if isinstance(f, models.DateTimeField)]
        if not dates:
            continue
        recent = Q()
        for name in dates:
            recent |= Q(**{f"{name}__gte": cutoff})
        rows = model._base_manager.filter(**{relation.field.name: OuterRef("pk")}).filter(recent)
        condition |= Exists(rows)
    return condition


class Command(BaseCommand):
    help = (
        "Delete expired sessions, then anonymous learners (no account) that no live session "
        "points to and that have done nothing for --days days (default 30)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=30, help="days without any activity")

    def handle(self, *args, days: int, **options) -> str:
        if days < 1:
            raise CommandError("--days must be 1 or more.")
        if settings.SESSION_ENGINE not in DB_SESSION_ENGINES:
            # Without the sessions in the database there is no telling whose are still live.
            raise CommandError(
                f"Needs database sessions; SESSION_ENGINE is {settings.SESSION_ENGINE}."
            )
        now = timezone.now()
        expired = Session.objects.filter(expire_date__lte=now).count()
        import_module(settings.SESSION_ENGINE).SessionStore.clear_expired()
        live = learners_in_live_sessions(now)
        abandoned = (
            Learner.objects.filter(user__isnull=True)
            .exclude(active_since(now - timedelta(days=days)))
            .values_list("pk", flat=True)
        )
        ids = [pk for pk in abandoned.iterator() if pk not in live]
        removed = 0
        for start in range(0, len(ids), BATCH):
            # Deleting a learner deletes what is theirs (answers, attempts, sandbox rows) too.
            removed += (
                Learner.objects.filter(pk__in=ids[start : start + BATCH])
                .delete()[1]
                .get(Learner._meta.label, 0)
            )
        return (
            f"Done! Removed {expired} expired sessions and {removed} anonymous learners "
            f"inactive for {days} days."
        )
