"""Regrade submitted attempts after questions were corrected in content/.

Run it after `manage.py loadcontent` (which reminds you when questions changed). It is
idempotent: each affected attempt is regraded once, and a second run finds nothing to do, so it
is also safe from cron, where it catches attempts that were still open at the first run.
"""

from django.core.management.base import BaseCommand

from learnapp.learning.regrade import regrade_corrections


class Command(BaseCommand):
    help = (
        "Regrade every submitted attempt graded against an earlier version of a question whose "
        "answer, options, scoring or template has since been corrected."
    )

    def handle(self, *args, **options):
        report = regrade_corrections()
        self.stdout.write(
            self.style.SUCCESS(
                f"Regraded {report.regraded} attempt{'s' if report.regraded != 1 else ''} "
                f"({report.records} corrected question{'s' if report.records != 1 else ''})."
            )
        )
        for attempt_id, key in report.skipped:
            # The stored response cannot be read against the new version: a human decides.
            self.stdout.write(
                f"attempt {attempt_id}: question {key} changed its type or option letters, so it "
                "cannot be regraded automatically; its instructor can give full credit or drop "
                "it from the item analysis page."
            )
