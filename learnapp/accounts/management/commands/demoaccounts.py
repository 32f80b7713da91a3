from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand

from learnapp.accounts.roles import INSTRUCTORS_GROUP

# Published in the README so that anyone trying the site can sign in. Development only.
DEMO_ACCOUNTS = [
    ("learner", "learn-demo-2026", "Lee Learner", False),
    ("instructor", "teach-demo-2026", "Ivy Instructor", True),
]


class Command(BaseCommand):
    help = "Create (or reset) the demo learner and instructor accounts."

    def handle(self, *args, **options):
        User = get_user_model()
        instructors, _ = Group.objects.get_or_create(name=INSTRUCTORS_GROUP)
        for username, password, full_name, is_instructor in DEMO_ACCOUNTS:
            first, last = full_name.split(" ", 1)
            user, created = User.objects.get_or_create(
                username=username,
                defaults={
                    "first_name": first,
                    "last_name": last,
                    "email": f"{username}@example.com",
                },
            )
            user.set_password(password)
            user.save(update_fields=["password"])
            if is_instructor:
                user.groups.add(instructors)
            self.stdout.write(f"{'Created' if created else 'Reset'} demo account '{username}'.")
