from django.core.management.base import BaseCommand

from learnapp.notifications.reminders import send_due_reminders
from learnapp.notifications.tasks import schedule_reminders


class Command(BaseCommand):
    help = (
        "Send the reminder emails that are due now, once (safe to run while the worker runs: "
        "no reminder goes out twice). With --schedule, queue the worker's periodic run instead."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--schedule",
            action="store_true",
            help="Queue the periodic reminder run for `manage.py db_worker` unless one is queued.",
        )

    def handle(self, *args, schedule: bool, **options):
        if schedule:
            queued = schedule_reminders()
            self.stdout.write(
                "Queued the reminder run for the worker."
                if queued
                else "The reminder run is already queued."
            )
            return
        sent = send_due_reminders()
        self.stdout.write(f"Sent {sent} reminder email{'s' if sent != 1 else ''}.")
