"""A class of learners who can log in, and one timed assignment open now, for the class-at-once
load test (bench/locust/run).

    python -m bench.locust.make_class SLUG LEARNERS PASSWORD

Run with the same environment as the server (DATABASE_URL, DJANGO_SETTINGS_MODULE), after the
content is loaded. Creates an instructor, a class of LEARNERS users named
locust-learner-0000.. with PASSWORD (hashed once with the site's own first password hasher, so
that each log-in costs what a real one does), and an assignment of the pattern SLUG's test with
a 30-minute time limit and one attempt, open since an hour ago. Prints the assignment's id.
"""

import os
import sys
from datetime import timedelta

import django

USERNAME = "locust-learner-{:04d}"


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print("usage: python -m bench.locust.make_class SLUG LEARNERS PASSWORD", file=sys.stderr)
        return 2
    slug, learners, password = argv[0], int(argv[1]), argv[2]
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "learnapp.settings")
    django.setup()

    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.db import transaction
    from django.utils import timezone

    from learnapp.accounts.roles import make_instructor
    from learnapp.catalog.models import Pattern
    from learnapp.classes.models import Assignment, Classroom, Membership

    User = get_user_model()
    pattern = Pattern.objects.get(slug=slug)
    now = timezone.now()
    # One hash for everyone: the same cost per log-in, without a second of hashing per learner.
    hashed = make_password(password)
    with transaction.atomic():
        instructor = User(username="locust-instructor")
        instructor.set_unusable_password()
        instructor.save()
        make_instructor(instructor)
        classroom = Classroom.objects.create(name="Class at once", instructor=instructor)
        users = User.objects.bulk_create(
            [User(username=USERNAME.format(i), password=hashed) for i in range(learners)]
        )
        Membership.objects.bulk_create([Membership(classroom=classroom, user=u) for u in users])
        assignment = Assignment.objects.create(
            classroom=classroom,
            title="Timed test",
            pattern=pattern,
            opens_at=now - timedelta(hours=1),
            due_at=now + timedelta(hours=2),
            closes_at=now + timedelta(hours=4),
            time_limit_minutes=30,
            attempts_allowed=1,
        )
    print(assignment.pk)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
