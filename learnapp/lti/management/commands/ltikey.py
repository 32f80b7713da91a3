from django.core.management.base import BaseCommand
from lti_tool.models import Key

from learnapp.lti import keys


class Command(BaseCommand):
    help = (
        "The tool's signing keys. 'rotate' makes a new key that signs from now on, while the "
        "old one stays published; 'retire' unpublishes every key but the newest; 'list' shows them."
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["list", "rotate", "retire"])

    def handle(self, *args, action: str, **options):
        if action == "rotate":
            key = keys.rotate()
            self.stdout.write(f"New signing key {key}. The old keys stay published until 'retire'.")
        elif action == "retire":
            count = keys.retire_old()
            self.stdout.write(
                f"Retired {count} key(s); {keys.signing_key()} signs and is published."
            )
        signing = keys.signing_key()
        for key in Key.objects.order_by("datetime_created"):
            state = (
                "signing" if key.pk == signing.pk else ("published" if key.is_active else "retired")
            )
            self.stdout.write(f"{key}  {key.datetime_created:%Y-%m-%d %H:%M}  {state}")
