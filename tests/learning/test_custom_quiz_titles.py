"""A custom quiz's pages are named after its assignment, not after one pattern it draws from."""

import re

import pytest

from learnapp.classes.models import Membership
from learnapp.learning.models import Attempt
from tests.factories import (
    AssignmentFactory,
    ClassroomFactory,
    make_assessment_pool,
    make_instructor,
)

pytestmark = pytest.mark.django_db


def title_of(page: str) -> str:
    return re.search(r"<title>(.*?)</title>", page, re.S)[1].strip()


@pytest.fixture
def classroom(learner_client):
    classroom = ClassroomFactory(instructor=make_instructor(), name="Keys 101")
    Membership.objects.create(classroom=classroom, user=learner_client.user)
    return classroom


def attempt_at(client, assignment) -> Attempt:
    client.post(f"/assignments/{assignment.pk}/start/")
    return Attempt.objects.get(assignment=assignment)


def test_a_custom_quizs_pages_carry_the_assignments_title(learner_client, classroom, pattern):
    pool = make_assessment_pool(pattern)
    quiz = AssignmentFactory(
        classroom=classroom, pattern=None, question_ids=[q.pk for q in pool[:3]], title="Walk quiz"
    )
    attempt = attempt_at(learner_client, quiz)

    question = learner_client.get(f"/tests/{attempt.pk}/q/1/").text
    assert title_of(question) == "Test question 1 of 3 · Walk quiz · learnapp"
    submit = learner_client.get(f"/tests/{attempt.pk}/submit/").text
    assert title_of(submit) == "Submit your test · Walk quiz · learnapp"
    assert '<p class="eyebrow">Walk quiz</p>' in submit
    learner_client.post(f"/tests/{attempt.pk}/submit/")
    result = learner_client.get(f"/tests/{attempt.pk}/result/").text
    assert title_of(result) == "Your result · Walk quiz · learnapp"
    assert 'aria-current="page">Walk quiz: result</a>' in result
    for page in (question, submit, result):
        assert "Test · Keys" not in page and "· Keys ·" not in title_of(page)


def test_a_patterns_assigned_test_is_still_named_by_its_pattern(learner_client, classroom, pattern):
    assigned = AssignmentFactory(classroom=classroom, pattern=pattern, title="Keys test")
    attempt = attempt_at(learner_client, assigned)
    question = learner_client.get(f"/tests/{attempt.pk}/q/1/").text
    assert title_of(question) == "Test question 1 of 10 · Keys · learnapp"
    submit = learner_client.get(f"/tests/{attempt.pk}/submit/").text
    assert title_of(submit) == "Submit your test · Keys · learnapp"
    assert '<p class="eyebrow">Test · Keys</p>' in submit
    learner_client.post(f"/tests/{attempt.pk}/submit/")
    result = learner_client.get(f"/tests/{attempt.pk}/result/").text
    assert title_of(result) == "Your result · Keys · learnapp"
    assert f'<a href="{pattern.get_absolute_url()}">Keys</a>' in result
