"""Instructor and learner forms answer junk with a 4xx or a re-rendered form, never a 500."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from learnapp.classes.assigning import Window, attempt_deadline
from learnapp.classes.forms import (
    AssignmentForm,
    ClassroomForm,
    ExtensionForm,
    GroupForm,
    JoinForm,
)
from learnapp.classes.models import Assignment, Extension
from learnapp.learning.models import Attempt

pytestmark = pytest.mark.django_db

junk = st.one_of(
    st.text(max_size=30), st.sampled_from(["", "0", "-5", "2026-13-45T99:99", "x" * 500])
)
form = st.dictionaries(
    st.sampled_from(
        sorted(
            {
                name
                for form in (AssignmentForm, ClassroomForm, ExtensionForm, GroupForm, JoinForm)
                for name in form.base_fields
            }
        )
    ),
    junk,
    max_size=8,
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=form)
def test_class_forms_never_fail_on_junk(people, classroom, assignment, as_user, data):
    instructor = as_user(people["instructor_x"])
    for url in (
        "/classes/new/",
        f"/classes/{classroom.pk}/groups/",
        f"/classes/{classroom.pk}/assignments/new/",
        f"/assignments/{assignment.pk}/",
        f"/assignments/{assignment.pk}/edit/",
    ):
        assert instructor.post(url, data).status_code < 500, url
    learner = as_user(people["learner_b"])
    assert learner.post("/classes/join/", data).status_code < 500


# -- values that parse but no class could mean -------------------------------------------------

FAR_ZONES = ["Pacific/Pago_Pago", "Pacific/Kiritimati", "Asia/Tokyo", "UTC"]


def assignment_data(assignment, **changes) -> dict:
    """A valid assignment form for the class, with `changes` typed over it."""
    now = timezone.now()
    fmt = "%Y-%m-%dT%H:%M"
    return {
        "title": "Keys test",
        "pattern": assignment.pattern_id,
        "opens_at": (now - timedelta(hours=1)).strftime(fmt),
        "due_at": (now + timedelta(days=1)).strftime(fmt),
        "closes_at": (now + timedelta(days=2)).strftime(fmt),
        "accept_late": "on",
        "attempts_allowed": "1",
        "results_visibility": "immediately",
        **changes,
    }


@pytest.mark.parametrize("zone", FAR_ZONES)
def test_an_extension_to_the_year_9999_is_refused_with_a_reason(people, assignment, as_user, zone):
    instructor = as_user(people["instructor_x"])
    instructor.cookies["tz"] = zone
    response = instructor.post(
        f"/assignments/{assignment.pk}/",
        {
            "user": people["learner_a"].pk,
            "due_at": "9999-12-31T23:59",
            "closes_at": "9999-12-31T23:59",
        },
    )
    assert response.status_code == 400
    assert "Choose a date in the years 2000 to 2099" in response.content.decode()
    assert not Extension.objects.exists()


@pytest.mark.parametrize("zone", FAR_ZONES)
def test_an_assignment_closing_in_the_year_9999_is_refused_with_a_reason(
    people, classroom, assignment, as_user, zone
):
    instructor = as_user(people["instructor_x"])
    instructor.cookies["tz"] = zone
    response = instructor.post(
        f"/classes/{classroom.pk}/assignments/new/",
        assignment_data(assignment, closes_at="9999-12-31T23:59"),
    )
    assert response.status_code == 400
    assert "Choose a date in the years 2000 to 2099" in response.content.decode()
    assert Assignment.objects.count() == 1


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("time_limit_minutes", "99999999999", "less than or equal to 1440"),
        ("time_limit_minutes", "0", "greater than or equal to 1"),
        ("attempts_allowed", "99999999", "less than or equal to 100"),
        ("attempts_allowed", "0", "greater than or equal to 1"),
    ],
)
def test_limits_out_of_range_are_refused_with_a_reason(
    people, classroom, assignment, as_user, field, value, reason
):
    instructor = as_user(people["instructor_x"])
    for url in (f"/classes/{classroom.pk}/assignments/new/", f"/assignments/{assignment.pk}/edit/"):
        response = instructor.post(url, assignment_data(assignment, **{field: value}))
        assert response.status_code == 400, url
        assert reason in response.content.decode(), url
    assert Assignment.objects.get().time_limit_minutes is None


def test_a_learner_can_start_an_assignment_with_an_enormous_stored_time_limit(
    people, assignment, as_user
):
    # Stored before the form checked ranges. PostgreSQL's integer column holds at most 2**31-1.
    huge = 99999999999 if connection.vendor == "sqlite" else 2**31 - 1
    Assignment.objects.filter(pk=assignment.pk).update(time_limit_minutes=huge)
    response = as_user(people["learner_a"]).post(f"/assignments/{assignment.pk}/start/")
    assert response.status_code == 302
    attempt = Attempt.objects.get()
    assert attempt.deadline_at == assignment.closes_at  # the window ends first


def test_the_deadline_of_an_enormous_time_limit_is_the_window_end():
    now = timezone.now()
    window = Window(now, now + timedelta(days=1), now + timedelta(days=2), accept_late=True)
    assert attempt_deadline(window, 99999999999, now) == window.closes_at
    assert attempt_deadline(window, 30, now) == now + timedelta(minutes=30)
    assert attempt_deadline(window, None, now) == window.closes_at


extreme = st.sampled_from(
    [
        "9999-12-31T23:59",
        "0001-01-01T00:00",
        "1999-12-31T23:59",
        "2100-01-01T00:00",
        "2099-12-31T23:59",
        "99999999999",
        "99999999",
        "1441",
        "1440",
        "²",
        "-1",
        "0",
        "1e3",
        "",
    ]
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    changes=st.dictionaries(
        st.sampled_from(
            ["opens_at", "due_at", "closes_at", "time_limit_minutes", "attempts_allowed"]
        ),
        extreme,
        min_size=1,
        max_size=3,
    ),
    zone=st.sampled_from(FAR_ZONES),
)
def test_instructor_forms_with_extreme_values_never_fail_and_what_they_accept_works(
    people, classroom, assignment, as_user, changes, zone
):
    instructor = as_user(people["instructor_x"])
    instructor.cookies["tz"] = zone
    created = instructor.post(
        f"/classes/{classroom.pk}/assignments/new/", assignment_data(assignment, **changes)
    )
    assert created.status_code in (302, 400), created.status_code
    dates = {k: v for k, v in changes.items() if k in ("due_at", "closes_at")}
    extension = {"user": people["learner_a"].pk, "due_at": "", "closes_at": ""} | dates
    assert instructor.post(f"/assignments/{assignment.pk}/", extension).status_code < 500
    if created.status_code == 302:
        new = Assignment.objects.latest("pk")
        for url in (f"/assignments/{new.pk}/", f"/classes/{classroom.pk}/gradebook/"):
            assert instructor.get(url).status_code == 200, url
        learner = as_user(people["learner_a"])
        for tz in FAR_ZONES:
            learner.cookies["tz"] = tz
            assert learner.get("/assigned/").status_code == 200
        assert learner.post(f"/assignments/{new.pk}/start/").status_code == 302


@pytest.mark.parametrize("field", ["learners", "questions"])
@pytest.mark.parametrize("posted_id", [str(2**64), "٣", "-1"])
def test_an_id_no_row_could_have_is_not_a_valid_choice(
    people, classroom, assignment, as_user, field, posted_id
):
    # 2**64 overflowed SQLite's integer inside Django's `id IN (...)`: a 500.
    instructor = as_user(people["instructor_x"])
    response = instructor.post(
        f"/classes/{classroom.pk}/assignments/new/",
        assignment_data(assignment, **{field: [posted_id]}),
    )
    assert response.status_code == 400
    assert "is not a valid value" in response.content.decode()
    assert Assignment.objects.count() == 1


def test_a_group_member_id_no_row_could_have_is_not_a_valid_choice(people, classroom, as_user):
    instructor = as_user(people["instructor_x"])
    response = instructor.post(
        f"/classes/{classroom.pk}/groups/",
        {"name": "Table 1", "members": [str(2**63)]},
        follow=True,
    )
    assert response.status_code == 200
    assert "is not a valid value" in response.content.decode()
    assert not classroom.groups.filter(name="Table 1").exists()
