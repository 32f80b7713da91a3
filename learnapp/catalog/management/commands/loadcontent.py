import sys
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from learnapp.catalog.loader import ContentInvalid, load, validate


class Command(BaseCommand):
    help = "Validate the content tree and load it into the catalog in one transaction."

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", help="content folder (default: content/)")
        parser.add_argument(
            "--check", action="store_true", help="only validate; write nothing to the database"
        )

    def handle(self, *args, path=None, check=False, **options):
        root = Path(path) if path else Path(settings.CONTENT_DIR)
        started = time.monotonic()
        try:
            if check:
                tree = validate(root, progress=self._progress)
            else:
                summary = load(root, progress=self._progress)
        except ContentInvalid as exc:
            for error in exc.errors:
                self.stderr.write(str(error))
            raise CommandError(
                f"{len(exc.errors)} problem(s) found; nothing was loaded."
                if not check
                else f"{len(exc.errors)} problem(s) found."
            ) from None
        elapsed = time.monotonic() - started
        for warning in (tree if check else summary).warnings:
            self.stderr.write(str(warning))
        if check:
            questions = sum(len(p.practice.questions) for p in tree.patterns if p.practice)
            pooled = sum(len(p.assessment.questions) for p in tree.patterns if p.assessment)
            pools = f" and {pooled} assessment pool items" if pooled else ""
            self.stdout.write(
                self.style.SUCCESS(
                    f"OK: {len(tree.patterns)} patterns and {questions} questions{pools} are "
                    f"valid ({elapsed:.1f}s)."
                    + (f" {len(tree.warnings)} warning(s) on stderr." if tree.warnings else "")
                )
            )
        else:
            self.stdout.write(self.style.SUCCESS(f"Loaded {root}: {summary} ({elapsed:.1f}s)"))
            if summary.changed["questions"]:
                # A changed answer key moves grades; regrading is a separate, idempotent step.
                self.stdout.write(
                    "Questions changed: run `manage.py regrade` to regrade submitted attempts "
                    "that were graded against an earlier version (content/README.md)."
                )

    def _progress(self, done: int, total: int) -> None:
        # Only worth showing on a large tree, and only to a person watching.
        if total >= 200 and sys.stderr.isatty():
            self.stderr.write(f"\r  {done}/{total} patterns read", ending="")
            if done == total:
                self.stderr.write("")
