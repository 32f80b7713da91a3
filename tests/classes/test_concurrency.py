"""Limits that must hold when many requests arrive at the same moment (PostgreSQL only)."""

import pytest
from django.test import Client
from django.utils import timezone

from learnapp.accounts.roles import is_instructor
from learnapp.classes.models import InstructorInvite, Membership
from learnapp.learning.models import Attempt, Learner
from tests.classes.concurrency import at_once, needs_postgresql
from tests.factories import AssignmentFactory, ClassroomFactory, UserFactory, make_question_set

pytestmark = [needs_postgresql, pytest.mark.django_db(transaction=True)]

SIMULTANEOUS = 24


def logged_in_clients(user, count: int) -> list[Client]:
    """`count` browsers sharing one log-in, as tabs or a script replaying the cookie would."""
    first = Client()
    first.force_login(user)
    clients = [first]
    for _ in range(count - 1):
        client = Client()
        client.cookies = first.cookies
        clients.append(client)
    return clients


@pytest.mark.parametrize(("allowed", "used"), [(1, 0), (3, 2)])
def test_simultaneous_starts_never_exceed_the_attempts_allowed(allowed, used):
    pattern, _ = make_question_set()
    learner_user = UserFactory()
    classroom = ClassroomFactory()
    Membership.objects.create(classroom=classroom, user=learner_user)
    assignment = AssignmentFactory(classroom=classroom, pattern=pattern, attempts_allowed=allowed)
    learner = Learner.objects.create(user=learner_user)
    for _ in range(used):
        Attempt.objects.create(
            learner=learner,
            pattern=pattern,
            assignment=assignment,
            total=10,
            score=3,
            submitted_at=timezone.now(),
        )
    url = f"/assignments/{assignment.pk}/start/"

    responses = at_once(
        [lambda c=c: c.post(url) for c in logged_in_clients(learner_user, SIMULTANEOUS)]
    )

    assert all(r.status_code == 302 for r in responses)
    assert Attempt.objects.filter(assignment=assignment).count() == allowed
    # Every request that got in was sent to the one new attempt.
    new = Attempt.objects.get(assignment=assignment, submitted_at__isnull=True)
    assert {r.url for r in responses} == {f"/tests/{new.pk}/q/1/"}


def test_a_single_use_invitation_makes_exactly_one_instructor():
    invite = InstructorInvite.objects.create(created_by=UserFactory(is_superuser=True))
    users = UserFactory.create_batch(SIMULTANEOUS)
    clients = [logged_in_clients(user, 1)[0] for user in users]
    url = f"/classes/invite/{invite.token}/"

    responses = at_once([lambda c=c: c.post(url) for c in clients])

    assert sorted(r.status_code for r in responses) == [302] + [404] * (SIMULTANEOUS - 1)
    instructors = [user for user in users if is_instructor(user)]
    assert len(instructors) == 1
    invite.refresh_from_db()
    assert invite.used_by == instructors[0]
