"""Moving an assignment's times for everyone refuses a year no class could mean, with a reason."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from learnapp.classes.models import Assignment

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("zone", ["Pacific/Pago_Pago", "Pacific/Kiritimati"])
def test_a_class_wide_extension_to_the_year_9999_is_refused_with_a_reason(
    people, assignment, as_user, zone
):
    before = (assignment.due_at, assignment.closes_at)
    instructor = as_user(people["instructor_x"])
    instructor.cookies["tz"] = zone
    response = instructor.post(
        f"/assignments/{assignment.pk}/extend/",
        {"everyone-due_at": "9999-12-31T23:59", "everyone-closes_at": "9999-12-31T23:59"},
    )
    assert response.status_code == 400
    assert "Choose a date in the years 2000 to 2099" in response.content.decode()
    stored = Assignment.objects.get(pk=assignment.pk)
    assert (stored.due_at, stored.closes_at) == before
    # The assignment page still opens for the instructor and the class's learners.
    assert instructor.get(f"/assignments/{assignment.pk}/").status_code == 200
    learner = as_user(people["learner_a"])
    learner.cookies["tz"] = zone
    assert learner.get("/assigned/").status_code == 200


extreme = st.sampled_from(
    ["9999-12-31T23:59", "0001-01-01T00:00", "2100-01-01T00:00", "2099-12-31T23:59", "²", "", "x"]
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    due=extreme,
    closes=extreme,
    zone=st.sampled_from(["Pacific/Pago_Pago", "Pacific/Kiritimati", "UTC"]),
)
def test_class_wide_extensions_with_extreme_values_never_fail(
    people, assignment, as_user, due, closes, zone
):
    instructor = as_user(people["instructor_x"])
    instructor.cookies["tz"] = zone
    response = instructor.post(
        f"/assignments/{assignment.pk}/extend/",
        {"everyone-due_at": due, "everyone-closes_at": closes},
    )
    assert response.status_code in (302, 400), response.status_code
    assert instructor.get(f"/assignments/{assignment.pk}/").status_code == 200
    learner = as_user(people["learner_a"])
    learner.cookies["tz"] = zone
    assert learner.get("/assigned/").status_code == 200
