"""The result page of an assigned attempt leads on within the assignment, not to self-study."""

import pytest

from learnapp.classes.models import Membership
from learnapp.learning.models import Attempt
from tests.factories import AssignmentFactory, ClassroomFactory

pytestmark = pytest.mark.django_db

# The link that leads from the result back to the class's assignments (the navigation bar's own
# link to /assigned/ does not name the class).
BACK_TO_CLASS = 'href="/assigned/">Back to Keys 101: assigned to me</a>'


@pytest.fixture
def assigned(learner_client, pattern):
    classroom = ClassroomFactory(name="Keys 101")
    Membership.objects.create(classroom=classroom, user=learner_client.user)
    return AssignmentFactory(classroom=classroom, pattern=pattern, title="Keys quiz")


def take(client, assignment) -> Attempt:
    response = client.post(f"/assignments/{assignment.pk}/start/")
    attempt = Attempt.objects.filter(assignment=assignment).latest("pk")
    assert response.url == f"/tests/{attempt.pk}/q/1/"
    client.post(f"/tests/{attempt.pk}/submit/")
    return attempt


def test_take_again_on_an_assigned_result_starts_the_assignments_next_attempt(
    learner_client, assigned
):
    assigned.attempts_allowed = 2
    assigned.save(update_fields=["attempts_allowed"])
    first = take(learner_client, assigned)
    page = learner_client.get(f"/tests/{first.pk}/result/").content.decode()
    assert f'action="/assignments/{assigned.pk}/start/"' in page
    assert "Take the next attempt (1 left)" in page
    assert 'action="/patterns/keys/test/"' not in page  # no ungraded self-study test
    assert BACK_TO_CLASS in page

    response = learner_client.post(f"/assignments/{assigned.pk}/start/")
    second = Attempt.objects.latest("pk")
    assert response.url == f"/tests/{second.pk}/q/1/"
    assert second.assignment_id == assigned.pk and second.pk != first.pk


def test_an_assigned_result_with_no_attempt_left_says_so(learner_client, assigned):
    attempt = take(learner_client, assigned)  # attempts allowed: 1
    page = learner_client.get(f"/tests/{attempt.pk}/result/").content.decode()
    assert "You have used your only attempt at this assignment." in page
    assert "/start/" not in page and 'action="/patterns/keys/test/"' not in page
    assert BACK_TO_CLASS in page


def test_hidden_results_still_lead_back_and_on(learner_client, assigned):
    assigned.results_visibility = "never"
    assigned.attempts_allowed = 3
    assigned.save(update_fields=["results_visibility", "attempts_allowed"])
    attempt = take(learner_client, assigned)
    page = learner_client.get(f"/tests/{attempt.pk}/result/").content.decode()
    assert "Your answers are in" in page
    assert "Take the next attempt (2 left)" in page and BACK_TO_CLASS in page


def test_a_self_study_result_keeps_its_own_take_again(learner_client, pattern):
    learner_client.post("/patterns/keys/test/")
    attempt = Attempt.objects.get()
    learner_client.post(f"/tests/{attempt.pk}/submit/")
    page = learner_client.get(f"/tests/{attempt.pk}/result/").content.decode()
    assert 'action="/patterns/keys/test/"' in page and "Take the test again" in page
    assert "/start/" not in page
