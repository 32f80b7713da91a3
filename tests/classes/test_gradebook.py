"""What the gradebook tells an instructor about each learner."""

import pytest
from django.utils import timezone

from learnapp.classes.assigning import Status
from learnapp.classes.gradebook import Cell
from learnapp.learning.models import Attempt, Learner

pytestmark = pytest.mark.django_db


def submit(user, assignment, score: int, total: int = 10) -> Attempt:
    learner, _ = Learner.objects.get_or_create(user=user)
    return Attempt.objects.create(
        learner=learner,
        pattern=assignment.pattern,
        assignment=assignment,
        total=total,
        score=score,
        submitted_at=timezone.now(),
    )


@pytest.mark.parametrize(
    ("score", "total", "flagged"),
    [
        (6, 10, False),  # exactly 60 %
        (3, 5, False),  # exactly 60 %
        (5, 10, True),
        (1499, 2500, True),  # 59.96 %, which shows as 60.0 once rounded
        (10, 10, False),
    ],
)
def test_needs_help_is_raised_below_60_percent_and_not_at_it(score, total, flagged):
    cell = Cell(status=Status.SUBMITTED, score=score, total=total)
    assert cell.needs_help is flagged


def test_a_learner_at_exactly_60_percent_is_not_flagged_on_the_gradebook(
    people, classroom, assignment, as_user
):
    submit(people["learner_a"], assignment, score=6)
    page = as_user(people["instructor_x"]).get(f"/classes/{classroom.pk}/gradebook/")
    assert "6/10" in page.content.decode()
    assert "Needs help" not in page.content.decode()


def test_the_gradebook_shows_the_best_attempt_when_the_better_one_came_first(
    people, classroom, assignment, as_user
):
    assignment.attempts_allowed = 2
    assignment.save()
    submit(people["learner_a"], assignment, score=9)
    submit(people["learner_a"], assignment, score=3)
    instructor = as_user(people["instructor_x"])
    gradebook = instructor.get(f"/classes/{classroom.pk}/gradebook/").content.decode()
    assert "9/10" in gradebook and "3/10" not in gradebook
    assert "Needs help" not in gradebook
    detail = instructor.get(f"/assignments/{assignment.pk}/").content.decode()
    assert "9 / 10" in detail
