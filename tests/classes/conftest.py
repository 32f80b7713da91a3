import pytest

from learnapp.classes.models import Membership
from tests.factories import (
    AssignmentFactory,
    ClassroomFactory,
    UserFactory,
    make_instructor,
    make_question_set,
)


@pytest.fixture
def people(db):
    """The cast of the permission tests: two learners, two instructors, an admin."""
    return {
        "learner_a": UserFactory(username="learner_a"),
        "learner_b": UserFactory(username="learner_b"),
        "instructor_x": make_instructor(username="instructor_x"),
        "instructor_y": make_instructor(username="instructor_y"),
        "admin": UserFactory(username="admin", is_superuser=True, is_staff=True),
    }


@pytest.fixture
def classroom(people):
    classroom = ClassroomFactory(instructor=people["instructor_x"], name="Keys 101")
    Membership.objects.create(classroom=classroom, user=people["learner_a"])
    return classroom


@pytest.fixture
def assignment(classroom):
    pattern, _ = make_question_set(slug="keys", title="Keys")
    return AssignmentFactory(classroom=classroom, pattern=pattern, title="Keys test")


@pytest.fixture
def as_user(client):
    def log_in(user):
        client.logout()
        if user is not None:
            client.force_login(user)
        return client

    return log_in
