"""An instructor sees a learner's progress page as the learner sees it, and changes nothing."""

import re

import pytest

from learnapp.classes.models import Membership
from learnapp.learning.models import Learner
from learnapp.sandbox.challenges import CHALLENGES
from learnapp.sandbox.models import AccessLogEntry, ChallengeCompletion
from tests.factories import ClassroomFactory

pytestmark = pytest.mark.django_db


def log(learner, outcome, status):
    AccessLogEntry.objects.create(
        learner=learner,
        method="GET",
        path="/sandbox/api/data",
        status=status,
        outcome=outcome,
        category="auth",
        latency_ms=1.0,
    )


def done_line(page: str, title: str) -> bool:
    """The challenge is listed as done (a tick and its link), not "(not yet)"."""
    pattern = r'<li><span aria-hidden="true">✓</span> <a href="/sandbox/challenges/#[a-z0-9-]+">'
    return re.search(pattern + re.escape(title) + "</a>", page) is not None


@pytest.fixture
def class_with_learner(learner_client):
    classroom = ClassroomFactory()
    Membership.objects.create(classroom=classroom, user=learner_client.user)
    return classroom


def test_the_instructor_sees_the_learners_challenges_not_their_own(
    client, learner_client, class_with_learner
):
    instructor = class_with_learner.instructor
    mine, _ = Learner.objects.get_or_create(user=instructor)
    ChallengeCompletion.objects.create(learner=mine, challenge="first-200")
    theirs, _ = Learner.objects.get_or_create(user=learner_client.user)
    ChallengeCompletion.objects.create(learner=theirs, challenge="key-in-url")
    log(theirs, "expired_key", 401)  # done in the log, not yet stored as a completion

    client.force_login(instructor)
    rows_before = ChallengeCompletion.objects.count()
    response = client.get(
        f"/classes/{class_with_learner.pk}/learners/{learner_client.user.pk}/progress/"
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert f"2 of {len(CHALLENGES)} done" in page
    assert done_line(page, "Put the key in the URL and see why it fails")
    assert done_line(page, "Meet an expired key")
    assert not done_line(page, "Get a 200")  # the instructor's own challenge
    # Viewing wrote nothing: no completion for the learner, none for the instructor.
    assert ChallengeCompletion.objects.count() == rows_before
    assert not ChallengeCompletion.objects.filter(learner=theirs, challenge="expired-key").exists()


def test_the_learners_own_progress_page_writes_no_challenge_rows(learner_client):
    learner, _ = Learner.objects.get_or_create(user=learner_client.user)
    log(learner, "key_in_url", 400)
    page = learner_client.get("/progress/").content.decode()
    assert f"1 of {len(CHALLENGES)} done" in page
    assert not ChallengeCompletion.objects.exists()
