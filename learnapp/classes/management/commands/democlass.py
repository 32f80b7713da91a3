from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from learnapp.catalog.models import Pattern
from learnapp.classes.models import Assignment, Classroom, Membership

DEMO_CLASS = "Demo class"
DEMO_CODE = "DEMOKEYS"


class Command(BaseCommand):
    help = "Give the demo instructor a class with the demo learner in it and one assignment."

    def handle(self, *args, **options):
        User = get_user_model()
        try:
            instructor = User.objects.get(username="instructor")
            learner = User.objects.get(username="learner")
        except User.DoesNotExist:
            raise CommandError("Run 'manage.py demoaccounts' first.") from None
        classroom, _ = Classroom.objects.get_or_create(
            join_code=DEMO_CODE, defaults={"name": DEMO_CLASS, "instructor": instructor}
        )
        Membership.objects.get_or_create(classroom=classroom, user=learner)
        pattern = Pattern.objects.active().filter(slug="api-key-management").first()
        if pattern and not classroom.assignments.exists():
            now = timezone.now()
            Assignment.objects.create(
                classroom=classroom,
                title="API key management test",
                pattern=pattern,
                opens_at=now,
                due_at=now + timedelta(days=7),
                closes_at=now + timedelta(days=10),
                time_limit_minutes=20,
                attempts_allowed=2,
            )
        self.stdout.write(
            f"Demo class '{classroom.name}' (join code {classroom.join_code}) is ready."
        )
