"""A custom quiz picks from the assessment pool, never the practice set, and shuffles per attempt."""

import pytest

from learnapp.classes.models import Assignment, Membership
from learnapp.learning.models import Attempt
from tests.classes.test_bad_input import assignment_data
from tests.factories import UserFactory, make_assessment_pool

pytestmark = pytest.mark.django_db


def test_the_question_bank_offers_pool_items_and_refuses_practice_questions(
    people, classroom, assignment, as_user
):
    pool = make_assessment_pool(assignment.pattern)
    practice = assignment.pattern.questions.practice().first()
    instructor = as_user(people["instructor_x"])
    page = instructor.get(f"/classes/{classroom.pk}/assignments/new/").content.decode()
    assert pool[0].key in page and practice.key not in page

    refused = instructor.post(
        f"/classes/{classroom.pk}/assignments/new/",
        assignment_data(assignment, pattern="", questions=[practice.pk]),
    )
    assert refused.status_code == 400 and "not one of the available choices" in (
        refused.content.decode()
    )
    created = instructor.post(
        f"/classes/{classroom.pk}/assignments/new/",
        assignment_data(assignment, pattern="", questions=[pool[0].pk, pool[15].pk]),
    )
    assert created.status_code == 302
    assert Assignment.objects.latest("pk").question_ids == [pool[0].pk, pool[15].pk]


def test_each_attempt_at_a_custom_quiz_gets_its_own_option_order_and_seed(
    people, classroom, assignment, as_user
):
    pool = make_assessment_pool(assignment.pattern)
    quiz = Assignment.objects.create(
        classroom=classroom,
        title="Pool quiz",
        question_ids=[pool[0].pk],
        opens_at=assignment.opens_at,
        due_at=assignment.due_at,
        closes_at=assignment.closes_at,
    )
    users = UserFactory.create_batch(8)
    Membership.objects.bulk_create([Membership(classroom=classroom, user=u) for u in users])
    for user in users:
        as_user(user).post(f"/assignments/{quiz.pk}/start/")
    items = [a.items.get() for a in Attempt.objects.filter(assignment=quiz)]
    assert len(items) == 8
    assert {i.question_id for i in items} == {pool[0].pk}
    assert len({tuple(i.option_order) for i in items}) > 1
    assert len({i.seed for i in items}) == 8
