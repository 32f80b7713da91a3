"""Time per test question: the sum over visits, shown to the instructor in seconds or minutes."""

import pytest

from learnapp.classes.models import Membership
from learnapp.learning.models import Answer, Attempt
from learnapp.learning.templatetags.learning import duration_ms
from tests.factories import AssignmentFactory, ClassroomFactory

pytestmark = pytest.mark.django_db


def start(client) -> Attempt:
    client.post("/patterns/keys/test/")
    return Attempt.objects.latest("pk")


def autosave(client, attempt, number, choice, elapsed):
    return client.post(
        f"/tests/{attempt.pk}/answer/",
        {"number": number, "choice": choice, "elapsed_ms": elapsed},
        HTTP_ACCEPT="application/json",
    )


def save_and_next(client, attempt, number, choice, **extra):
    return client.post(
        f"/tests/{attempt.pk}/answer/", {"number": number, "choice": choice, "go": "next", **extra}
    )


def test_save_and_next_adds_to_the_time_autosave_stored(client, pattern):
    attempt = start(client)
    autosave(client, attempt, 1, "A", 3000)
    save_and_next(client, attempt, 1, "A", elapsed_ms=2000)
    assert Answer.objects.get().time_taken_ms == 5000
    # A second visit, changing the answer, adds again; a plain form (no script) keeps the sum.
    autosave(client, attempt, 1, "C", 4000)
    save_and_next(client, attempt, 1, "C")
    assert Answer.objects.get().time_taken_ms == 9000


def test_the_instructor_sees_time_in_seconds_or_minutes(client, learner_client, pattern):
    classroom = ClassroomFactory()
    Membership.objects.create(classroom=classroom, user=learner_client.user)
    assignment = AssignmentFactory(classroom=classroom, pattern=pattern)
    learner_client.post(f"/assignments/{assignment.pk}/start/")
    attempt = Attempt.objects.get()
    autosave(learner_client, attempt, 1, "B", 40_000)
    save_and_next(learner_client, attempt, 1, "B", elapsed_ms=2_000)
    autosave(learner_client, attempt, 2, "B", 3_600_000)
    autosave(learner_client, attempt, 2, "B", 65_000)
    client.force_login(classroom.instructor)
    page = client.get(f"/classes/{classroom.pk}/learners/{learner_client.user.pk}/")
    body = page.content.decode()
    assert "42 s" in body
    assert "61 min 5 s" in body
    assert " ms<" not in body


@pytest.mark.parametrize(
    ("milliseconds", "shown"),
    [
        (None, "—"),
        (0, "0 s"),
        (499, "0 s"),
        (59_400, "59 s"),
        (60_000, "1 min"),
        (90_500, "1 min 30 s"),
    ],
)
def test_durations_read_as_seconds_or_minutes(milliseconds, shown):
    assert duration_ms(milliseconds) == shown


@pytest.mark.parametrize(
    "elapsed", ["99999999999999999999", "²", "-5", "1.5", "3600001", "1e9", "١٢" * 20]
)
@pytest.mark.parametrize("json", [True, False])
def test_an_impossible_elapsed_time_is_a_400_with_a_reason(client, pattern, elapsed, json):
    attempt = start(client)
    headers = {"HTTP_ACCEPT": "application/json"} if json else {}
    response = client.post(
        f"/tests/{attempt.pk}/answer/",
        {"number": 1, "choice": "B", "elapsed_ms": elapsed},
        **headers,
    )
    assert response.status_code == 400
    reason = response.json()["error"] if json else response.content.decode()
    assert "elapsed_ms" in reason
    assert not Answer.objects.exists()


def test_an_hour_on_one_report_is_taken(client, pattern):
    attempt = start(client)
    assert autosave(client, attempt, 1, "B", "3600000").status_code == 200
    assert Answer.objects.get().time_taken_ms == 3_600_000
