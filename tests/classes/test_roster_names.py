"""Instructors see learners by the names they chose, at no extra query per learner."""

import csv
import io

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from learnapp.accounts.models import Profile
from learnapp.classes.models import LearnerGroup, Membership
from tests.factories import AssignmentFactory, ClassroomFactory, UserFactory, make_instructor

pytestmark = pytest.mark.django_db


@pytest.fixture
def teacher():
    return make_instructor(username="teacher")


@pytest.fixture
def client_of(teacher):
    client = Client()
    client.force_login(teacher)
    return client


def class_of(teacher, size: int):
    classroom = ClassroomFactory(instructor=teacher)
    AssignmentFactory(classroom=classroom)
    group = LearnerGroup.objects.create(classroom=classroom, name="Group A")
    for n in range(size):
        user = UserFactory(username=f"u{classroom.pk}x{n}")
        Profile.objects.create(user=user, display_name=f"Learner Number {n}")
        Membership.objects.create(classroom=classroom, user=user)
        group.members.add(user)
    return classroom


def pages(classroom) -> list[str]:
    return [
        f"/classes/{classroom.pk}/",
        f"/classes/{classroom.pk}/gradebook/",
        f"/classes/{classroom.pk}/gradebook.csv",
        f"/classes/{classroom.pk}/mastery/",
        f"/assignments/{classroom.assignments.get().pk}/",
    ]


def test_names_shown_on_the_instructors_pages_and_in_the_csv(teacher, client_of):
    classroom = ClassroomFactory(instructor=teacher)
    assignment = AssignmentFactory(classroom=classroom)
    ana = UserFactory(username="ana", first_name="Ana", last_name="Old")
    Profile.objects.create(user=ana, display_name="Ana Lima")
    plain = UserFactory(username="plain")  # no profile: the user name stands in
    for user in (ana, plain):
        Membership.objects.create(classroom=classroom, user=user)

    urls = [f"/classes/{classroom.pk}/{page}" for page in ("", "gradebook/", "mastery/")]
    for url in [*urls, f"/assignments/{assignment.pk}/"]:
        page = client_of.get(url).content.decode()
        assert "Ana Lima" in page, url
        assert "Ana Old" not in page, url
        assert ">plain<" in page, url

    learner_page = client_of.get(f"/classes/{classroom.pk}/learners/{ana.pk}/").content.decode()
    assert "<h1>Ana Lima</h1>" in learner_page
    assert "<title>Ana Lima ·" in learner_page
    progress = client_of.get(f"/classes/{classroom.pk}/learners/{ana.pk}/progress/")
    assert "Ana Lima" in progress.content.decode()

    response = client_of.get(f"/classes/{classroom.pk}/gradebook.csv")
    table = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert table[0][:2] == ["username", "name"]
    assert sorted(row[:2] for row in table[1:]) == [["ana", "Ana Lima"], ["plain", "plain"]]


def test_the_gradebook_lists_learners_by_their_shown_name(teacher, client_of):
    classroom = ClassroomFactory(instructor=teacher)
    AssignmentFactory(classroom=classroom)
    for username, name in [("a1", "Zoe"), ("z9", "Abel"), ("m5", "")]:
        user = UserFactory(username=username)
        Profile.objects.create(user=user, display_name=name)
        Membership.objects.create(classroom=classroom, user=user)
    page = client_of.get(f"/classes/{classroom.pk}/gradebook/").content.decode()
    assert page.index("Abel") < page.index(">m5<") < page.index("Zoe")


@pytest.mark.parametrize("index", range(5))
def test_names_cost_no_query_per_learner(teacher, client_of, index):
    small, large = class_of(teacher, 2), class_of(teacher, 25)
    counts = []
    for classroom in (small, large):
        url = pages(classroom)[index]
        with CaptureQueriesContext(connection) as queries:
            response = client_of.get(url)
            body = b"".join(response.streaming_content) if response.streaming else response.content
        assert response.status_code == 200
        assert b"Learner Number 1" in body
        counts.append(len(queries))
    assert counts[0] == counts[1], (pages(small)[index], counts)
