"""Regrade submitted attempts after questions were corrected in content/.

Run it after `manage.py loadcontent` (which reminds you when questions changed). It is
idempotent: each affected attempt is regraded once, and a second run finds nothing to do, so it
is also safe from cron, where it catches attempts that were still open at the first run.

`--by USERNAME` records who made the correction on each regrade record (the admin lists it);
without it the record names no one, as for a run from cron.
"""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from learnapp.learning.regrade import regrade_corrections


class Command(BaseCommand):
    help = (
        "Regrade every submitted attempt graded against an earlier version of a question whose "
        "answer, options, scoring or template has since been corrected."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--by",
            metavar="USERNAME",
            help="the user who corrected the questions, recorded with each regrade",
        )

    def handle(self, *args, **options):
        by = None
        if options.get("by"):
            by = get_user_model().objects.filter(username=options["by"]).first()
            if by is None:
                raise CommandError(f"No user is called {options['by']!r}; nothing was regraded.")
        report = regrade_corrections(by=by)
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
