"""A custom quiz of fewer than ten questions, or with no hard one, is judged by the same share.

An instructor's six-question quiz once told learners they needed "at least 8 of 6 right,
including at least 1 hard question": a verdict nobody could reach.
"""

import pytest

from learnapp.classes.models import Assignment
from learnapp.learning.models import Attempt, StrongRule
from tests.classes.test_classes_flow import answer_all
from tests.factories import make_assessment_pool

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("asked", "hard_asked", "needed", "hard_needed"),
    [(10, 3, 8, 1), (6, 0, 5, 0), (6, 2, 5, 1), (1, 0, 1, 0), (20, 5, 16, 1), (0, 0, 0, 0)],
)
def test_the_rule_asks_the_same_share_of_what_was_asked(asked, hard_asked, needed, hard_needed):
    assert StrongRule.snapshot(asked, hard_asked) == {
        "min_correct": needed,
        "min_hard_correct": hard_needed,
    }


def six_question_quiz(assignment):
    pool = make_assessment_pool(assignment.pattern)
    easy_and_medium = [q.pk for q in pool if q.difficulty != "hard"][:6]
    return Assignment.objects.create(
        classroom=assignment.classroom,
        title="Six, none hard",
        question_ids=easy_and_medium,
        opens_at=assignment.opens_at,
        due_at=assignment.due_at,
        closes_at=assignment.closes_at,
    )


@pytest.mark.parametrize(("right", "strong"), [(6, True), (5, True), (4, False)])
def test_a_six_question_quiz_without_a_hard_question_can_be_strong(
    people, assignment, as_user, right, strong
):
    quiz = six_question_quiz(assignment)
    learner = as_user(people["learner_a"])
    learner.post(f"/assignments/{quiz.pk}/start/")
    attempt = Attempt.objects.get(assignment=quiz)
    answer_all(learner, attempt, right=right)
    response = learner.post(f"/tests/{attempt.pk}/submit/", follow=True)

    attempt.refresh_from_db()
    assert attempt.total == 6 and attempt.is_strong is strong
    page = response.content.decode()
    assert "at least 5 of 6 right." in page
    assert "8 of 6" not in page and "hard question fully right" not in page
