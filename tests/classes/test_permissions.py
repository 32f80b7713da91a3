"""Who may open each URL that takes an id: anonymous, two learners, two instructors, a
co-teacher, an admin.

learner_a is in instructor_x's class and has an attempt at its assignment; learner_b and
instructor_y have nothing to do with it; co_teacher was added to the class by instructor_x and
gets what instructor_x gets, everywhere. "login" means a redirect to the log-in page.
"""

import pytest

from learnapp.classes.models import ClassTeacher, Membership
from learnapp.learning.models import Attempt
from tests.factories import make_instructor

pytestmark = pytest.mark.django_db

ROLES = [
    "anonymous",
    "learner_a",
    "learner_b",
    "instructor_x",
    "co_teacher",
    "instructor_y",
    "admin",
]
INSTRUCTOR_ONLY = {
    "anonymous": "login",
    "learner_a": 404,
    "learner_b": 404,
    "instructor_x": 200,
    "instructor_y": 404,
    "admin": 200,
}
INSTRUCTOR_ACTION = {**INSTRUCTOR_ONLY, "instructor_x": 302, "admin": 302}
# A POST without the form's fields: the people allowed in are told what is missing.
INSTRUCTOR_REFUSED = {**INSTRUCTOR_ONLY, "instructor_x": 400, "admin": 400}
LEARNER_A_ONLY = {role: 404 for role in ROLES} | {"learner_a": 200}
OUTSIDER = {role: 404 for role in ROLES} | {"anonymous": "login"}


def url_for(template: str, ids: dict) -> str:
    return template.format(**ids)


CASES = [
    ("GET", "/classes/{classroom}/", INSTRUCTOR_ONLY),
    ("GET", "/classes/{classroom}/gradebook/", INSTRUCTOR_ONLY),
    ("GET", "/classes/{classroom}/gradebook.csv", INSTRUCTOR_ONLY),
    ("GET", "/classes/{classroom}/mastery/", INSTRUCTOR_ONLY),
    ("GET", "/classes/{classroom}/assignments/new/", INSTRUCTOR_ONLY),
    ("GET", "/classes/{classroom}/learners/{learner_a}/", INSTRUCTOR_ONLY),
    ("GET", "/classes/{classroom}/learners/{learner_a}/progress/", INSTRUCTOR_ONLY),
    # learner_b is in no class of instructor_x: their pages are nobody's business here.
    ("GET", "/classes/{classroom}/learners/{learner_b}/", OUTSIDER),
    ("GET", "/classes/{classroom}/learners/{learner_b}/progress/", OUTSIDER),
    ("GET", "/assignments/{assignment}/", INSTRUCTOR_ONLY),
    ("GET", "/assignments/{assignment}/items/", INSTRUCTOR_ONLY),
    # After the first attempt the form still opens, with what a started attempt uses locked.
    ("GET", "/assignments/{assignment}/edit/", INSTRUCTOR_ONLY),
    ("GET", "/classes/{classroom}/learners/add/", INSTRUCTOR_ONLY),
    ("GET", "/assignments/{assignment}/preview/", INSTRUCTOR_ACTION),
    ("GET", "/attempts/{attempt}/feedback/", INSTRUCTOR_ONLY),
    ("POST", "/assignments/{assignment}/extend/", INSTRUCTOR_REFUSED),
    ("POST", "/classes/{classroom}/teachers/", INSTRUCTOR_REFUSED),
    ("POST", "/classes/{classroom}/groups/", INSTRUCTOR_ACTION),
    ("POST", "/classes/{classroom}/members/{learner_a}/remove/", INSTRUCTOR_ACTION),
    (
        "POST",
        "/assignments/{assignment}/start/",
        {role: 404 for role in ROLES} | {"anonymous": "login", "learner_a": 302},
    ),
    (
        "POST",
        "/classes/{classroom}/leave/",
        {role: 404 for role in ROLES} | {"anonymous": "login", "learner_a": 302},
    ),
    ("GET", "/tests/{attempt}/q/1/", LEARNER_A_ONLY),
    ("GET", "/tests/{attempt}/submit/", LEARNER_A_ONLY),
    ("GET", "/tests/{attempt}/result/", LEARNER_A_ONLY | {"learner_a": 302}),
    ("POST", "/tests/{attempt}/answer/", LEARNER_A_ONLY | {"learner_a": 302}),
]


@pytest.fixture
def world(people, classroom, assignment, as_user):
    people["co_teacher"] = make_instructor(username="co_teacher")
    ClassTeacher.objects.create(classroom=classroom, user=people["co_teacher"])
    learner = as_user(people["learner_a"])
    learner.post(f"/assignments/{assignment.pk}/start/")
    attempt = Attempt.objects.get()
    return {
        "classroom": classroom.pk,
        "assignment": assignment.pk,
        "attempt": attempt.pk,
        "learner_a": people["learner_a"].pk,
        "learner_b": people["learner_b"].pk,
    }


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "template", "expected"), CASES)
def test_only_the_right_people_get_in(people, world, as_user, role, method, template, expected):
    client = as_user(people.get(role))
    url = url_for(template, world)
    data = {"number": 1, "choice": "B", "name": "Group"} if method == "POST" else None
    response = client.post(url, data) if method == "POST" else client.get(url)
    # A co-teacher is the instructor's equal on every page.
    want = expected.get(role, expected["instructor_x"])
    if want == "login":
        assert response.status_code == 302
        assert response.url.startswith("/accounts/login/")
    else:
        assert response.status_code == want, (role, url, response.status_code)


def test_a_removed_learner_loses_access_to_the_class_assignments(people, world, as_user):
    Membership.objects.filter(user=people["learner_a"]).delete()
    client = as_user(people["learner_a"])
    assert client.post(f"/assignments/{world['assignment']}/start/").status_code == 404
