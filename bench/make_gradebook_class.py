"""A class of learners with submitted assignments, and a logged-in session for its instructor.

    python -m bench.make_gradebook_class SLUG LEARNERS ASSIGNMENTS

Run from the repository root with the same environment as the server being measured (settings
module, DJANGO_SECRET_KEY, DATABASE_URL), after the content is loaded. It creates:

- an instructor (in the Instructors group) and a class taught by them;
- LEARNERS users in the class, each with a Learner row;
- ASSIGNMENTS assignments of the pattern SLUG's test, open now (opened a day ago, due in two days,
  closing in four);
- one submitted attempt per learner per assignment, scores 0-10 spread over the class.

It then creates a session in the database for the instructor, as logging in would, so that the
benchmark's HTTP client can send its key as the `sessionid` cookie (the sessions use the cached_db
engine, so the server finds a session another process wrote). Prints "<class id> <session key>"
on stdout. The data is shaped like tests/classes/test_scale.py's make_class.
"""

import os
import sys
from datetime import timedelta

import django


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print(
            "usage: python -m bench.make_gradebook_class SLUG LEARNERS ASSIGNMENTS",
            file=sys.stderr,
        )
        return 2
    slug, learners, assignments = argv[0], int(argv[1]), int(argv[2])
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    django.setup()

    from django.conf import settings
    from django.contrib.auth import (
        BACKEND_SESSION_KEY,
        HASH_SESSION_KEY,
        SESSION_KEY,
        get_user_model,
    )
    from django.contrib.sessions.backends.cached_db import SessionStore
    from django.db import transaction
    from django.utils import timezone

    from learnapp.accounts.roles import make_instructor
    from learnapp.catalog.models import Pattern, Question
    from learnapp.classes.models import Assignment, Classroom, Membership
    from learnapp.learning.models import Attempt, Learner

    User = get_user_model()
    pattern = Pattern.objects.get(slug=slug)
    version_ids = list(
        Question.objects.practice()
        .filter(pattern=pattern)
        .order_by("position")
        .values_list("current_version_id", flat=True)
    )
    if not version_ids or None in version_ids:
        print(f"pattern {slug} has no questions with a current version", file=sys.stderr)
        return 1

    now = timezone.now()
    with transaction.atomic():
        instructor = User(username="bench-instructor", first_name="Bench", last_name="Instructor")
        instructor.set_unusable_password()
        instructor.save()
        make_instructor(instructor)
        classroom = Classroom.objects.create(name="Bench class", instructor=instructor)

        users = []
        for i in range(learners):
            user = User(
                username=f"bench-learner-{i:04d}",
                first_name=f"Learner{i % 37}",
                last_name=f"Family{i:04d}",
            )
            user.set_unusable_password()
            users.append(user)
        users = User.objects.bulk_create(users, batch_size=1000)
        Membership.objects.bulk_create(
            [Membership(classroom=classroom, user=u) for u in users], batch_size=1000
        )
        learner_rows = Learner.objects.bulk_create(
            [Learner(user=u) for u in users], batch_size=1000
        )

        work = Assignment.objects.bulk_create(
            [
                Assignment(
                    classroom=classroom,
                    title=f"Assignment {n}",
                    pattern=pattern,
                    opens_at=now - timedelta(days=1),
                    due_at=now + timedelta(days=2, hours=n),
                    closes_at=now + timedelta(days=4, hours=n),
                )
                for n in range(1, assignments + 1)
            ]
        )
        Attempt.objects.bulk_create(
            [
                Attempt(
                    learner=learner,
                    pattern=pattern,
                    assignment=assignment,
                    submitted_at=now,
                    score=(i + j) % 11,
                    total=10,
                    is_strong=(i + j) % 11 >= 8,
                    breakdown={},
                    rule={},
                    due_at=assignment.due_at,
                )
                for i, learner in enumerate(learner_rows)
                for j, assignment in enumerate(work)
            ],
            batch_size=2000,
        )

    # What django.contrib.auth.login() stores, written straight to the session table.
    session = SessionStore()
    session[SESSION_KEY] = str(instructor.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = instructor.get_session_auth_hash()
    session.create()
    print(classroom.pk, session.session_key)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
