"""A regrade racing a submission loses neither (PostgreSQL only: it needs real row locks)."""

import pytest
from django.db import connections

from learnapp.classes.models import Membership
from learnapp.learning.grading import submit_attempt
from learnapp.learning.models import Attempt, Learner
from learnapp.learning.regrade import rule_on_item
from tests.classes.concurrency import at_once, needs_postgresql
from tests.factories import (
    AssignmentFactory,
    ClassroomFactory,
    UserFactory,
    make_question_set,
    wrong_letter,
)

pytestmark = [needs_postgresql, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("round_", range(5))
def test_a_ruling_made_while_the_learner_submits_counts_in_the_score(client, round_):
    pattern, _ = make_question_set()
    user = UserFactory()
    classroom = ClassroomFactory()
    Membership.objects.create(classroom=classroom, user=user)
    assignment = AssignmentFactory(classroom=classroom, pattern=pattern)
    client.force_login(user)
    client.post(f"/assignments/{assignment.pk}/start/")
    attempt = Attempt.objects.get(assignment=assignment)
    client.post(
        f"/tests/{attempt.pk}/answer/",
        {"number": 4, "choice": wrong_letter(attempt, 4)},
        HTTP_ACCEPT="application/json",
    )
    question = attempt.items.get(number=4).question_id
    learner = Learner.objects.get(user=user)
    connections.close_all()

    at_once(
        [
            lambda: submit_attempt(attempt.pk, learner),
            lambda: rule_on_item(assignment, question, "full_credit", classroom.instructor),
        ]
    )

    attempt.refresh_from_db()
    assert attempt.is_submitted
    assert attempt.score == 1  # the full credit, whichever came first
