"""Instructor and learner forms answer junk with a 4xx or a re-rendered form, never a 500."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from learnapp.classes.forms import (
    AssignmentForm,
    ClassroomForm,
    ExtensionForm,
    GroupForm,
    JoinForm,
)

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
