"""An instructor's view of a learner's progress is titled for the learner, and its "Last test"
link opens the attempt where the instructor can read it."""

import re

import pytest
from django.test import Client

from learnapp.learning.models import Attempt

from .test_assigned_results import assigned, take  # noqa: F401  (assigned: a fixture)

pytestmark = pytest.mark.django_db


def instructor_client(assignment) -> Client:
    client = Client()
    client.force_login(assignment.classroom.instructor)
    return client


def progress_url(assignment, user) -> str:
    return f"/classes/{assignment.classroom.pk}/learners/{user.pk}/progress/"


def test_the_page_is_titled_for_the_learner_and_the_last_test_opens_for_the_instructor(
    learner_client,
    assigned,  # noqa: F811
):
    attempt = take(learner_client, assigned)
    teacher = instructor_client(assigned)
    page = teacher.get(progress_url(assigned, learner_client.user)).content.decode()
    title = re.search(r"<title>(.*?)</title>", page).group(1)
    assert title.startswith(f"Progress of {learner_client.user.username} · Keys 101")
    assert "My progress" not in title
    link = re.search(rf'href="([^"]+#attempt-{attempt.pk})"', page).group(1)
    assert f"/tests/{attempt.pk}/result/" not in page  # the learner's own page: a 404 for them
    detail = teacher.get(link.split("#")[0])
    assert detail.status_code == 200
    assert f'id="attempt-{attempt.pk}"' in detail.content.decode()


def test_a_self_study_test_is_shown_without_a_link(learner_client, assigned):  # noqa: F811
    learner_client.post("/patterns/keys/test/")
    attempt = Attempt.objects.latest("pk")
    learner_client.post(f"/tests/{attempt.pk}/submit/")
    page = instructor_client(assigned).get(progress_url(assigned, learner_client.user))
    text = page.content.decode()
    assert "(self-study)" in text
    assert f"attempt-{attempt.pk}" not in text and f"/tests/{attempt.pk}/" not in text


def test_the_learner_still_sees_my_progress_with_links_to_their_results(learner_client, assigned):  # noqa: F811
    attempt = take(learner_client, assigned)
    page = learner_client.get("/progress/").content.decode()
    assert "<title>My progress · learnapp</title>" in page
    assert f'href="/tests/{attempt.pk}/result/"' in page
