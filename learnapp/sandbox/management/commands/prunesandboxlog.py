"""Delete old sandbox access log rows, and trim every learner's log to its newest rows.

Run it daily from cron (see the README). Requests add rows and nothing else removes them: the
API trims a busy learner's log as it goes, but only roughly, and only for learners who are
still sending requests.
"""

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Count
from django.utils import timezone

from learnapp.sandbox.api import KEEP_PER_LEARNER
from learnapp.sandbox.models import AccessLogEntry

BATCH = 5000


class Command(BaseCommand):
    help = (
        "Delete sandbox access log rows older than --days days (default 30) and trim each "
        f"learner's log to its newest {KEEP_PER_LEARNER} rows."
    )

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=30, help="keep rows this many days")

    def handle(self, *args, days: int, **options) -> str:
        if days < 1:
            raise CommandError("--days must be 1 or more.")
        cutoff = timezone.now() - timedelta(days=days)
        old = 0
        # In batches: one DELETE of a year's backlog would hold its locks for a long time.
        while True:
            batch = list(
                AccessLogEntry.objects.older_than(cutoff).values_list("pk", flat=True)[:BATCH]
            )
            if not batch:
                break
            old += AccessLogEntry.objects.filter(pk__in=batch).delete()[0]
        crowded = (
            AccessLogEntry.objects.values_list("learner_id", flat=True)
            .annotate(rows=Count("pk"))
            .filter(rows__gt=KEEP_PER_LEARNER)
            .order_by()
        )
        trimmed = sum(
            AccessLogEntry.objects.trim(learner_id, KEEP_PER_LEARNER) for learner_id in crowded
        )
        return (
            f"Done! Pruned {old} access log rows older than {days} days and {trimmed} rows "
            f"beyond the newest {KEEP_PER_LEARNER} of a learner."
        )
