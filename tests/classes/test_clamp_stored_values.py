"""Dates and limits saved before the forms checked ranges no longer break the pages that show them."""

from datetime import UTC, datetime

import pytest

from learnapp.classes.clamp import LATEST, clamp_stored_values
from learnapp.classes.models import Assignment, Extension

pytestmark = pytest.mark.django_db

FAR_FUTURE = datetime(9999, 12, 31, 23, 59, tzinfo=UTC)


@pytest.mark.parametrize("zone", ["Pacific/Kiritimati", "Pacific/Pago_Pago"])
def test_an_assignment_stored_closing_in_the_year_9999_opens_after_the_clamp(
    people, assignment, as_user, zone
):
    # As an old row would be: saved without the forms' checks.
    Assignment.objects.filter(pk=assignment.pk).update(
        due_at=FAR_FUTURE, closes_at=FAR_FUTURE, time_limit_minutes=99999999999 // 1000
    )
    Extension.objects.create(
        assignment=assignment, user=people["learner_a"], due_at=FAR_FUTURE, closes_at=FAR_FUTURE
    )

    assert clamp_stored_values(Assignment, Extension) == 5

    stored = Assignment.objects.get(pk=assignment.pk)
    assert (stored.due_at, stored.closes_at) == (LATEST, LATEST)
    assert stored.time_limit_minutes == 24 * 60
    instructor = as_user(people["instructor_x"])
    instructor.cookies["tz"] = zone
    page = instructor.get(f"/assignments/{assignment.pk}/")
    assert page.status_code == 200
    assert "2099" in page.content.decode()
    learner = as_user(people["learner_a"])
    learner.cookies["tz"] = zone
    assert learner.get("/assigned/").status_code == 200
    # A second run finds nothing left to change.
    assert clamp_stored_values(Assignment, Extension) == 0
