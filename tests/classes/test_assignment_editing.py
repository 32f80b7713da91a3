"""The assignment form (defaults, required fields, the error summary) and editing after the
first attempt (what locks, what stays editable), with class-wide and per-learner extensions."""

import zoneinfo
from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from learnapp.classes.forms import default_times
from learnapp.classes.models import Assignment, Extension
from learnapp.learning.models import Attempt

FMT = "%Y-%m-%dT%H:%M"


def _local(value: datetime, zone: str = "UTC") -> str:
    return value.astimezone(zoneinfo.ZoneInfo(zone)).strftime(FMT)


def _form_data(assignment: Assignment, **changes) -> dict:
    """What the edit form posts when nothing is touched (disabled fields send nothing)."""
    data = {
        "title": assignment.title,
        "opens_at": _local(assignment.opens_at),
        "due_at": _local(assignment.due_at),
        "closes_at": _local(assignment.closes_at),
        "accept_late": "on" if assignment.accept_late else "",
        "results_visibility": assignment.results_visibility,
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


@pytest.fixture
def started(people, assignment, as_user):
    """The assignment after learner_a started it; the instructor's client is returned."""
    as_user(people["learner_a"]).post(f"/assignments/{assignment.pk}/start/")
    assert Attempt.objects.filter(assignment=assignment).count() == 1
    return as_user(people["instructor_x"])


# -- the form ----------------------------------------------------------------------------------


def test_a_new_assignment_opens_now_is_due_in_a_week_and_closes_when_due(
    people, classroom, as_user, client
):
    as_user(people["instructor_x"])
    client.cookies["tz"] = "Pacific/Auckland"  # set by static/js/timezone.js in a browser
    page = client.get(f"/classes/{classroom.pk}/assignments/new/").text
    now = timezone.now()
    opens = _local(now, "Pacific/Auckland")
    due = _local(now + timedelta(days=7), "Pacific/Auckland")
    assert f'name="opens_at" value="{opens}"' in page
    assert f'name="due_at" value="{due}"' in page
    assert f'name="closes_at" value="{due}"' in page


def test_the_week_is_counted_on_the_local_clock_across_a_change_to_summer_time():
    # 14:00 in Berlin the Friday before the clocks go forward (29 March 2026)...
    with timezone.override(zoneinfo.ZoneInfo("Europe/Berlin")):
        times = default_times(datetime(2026, 3, 27, 13, 0, tzinfo=zoneinfo.ZoneInfo("UTC")))
    # ...is due at 14:00 Berlin time a week later, which is 12:00 UTC, not 13:00.
    assert times["due_at"].astimezone(zoneinfo.ZoneInfo("UTC")).hour == 12
    assert times["closes_at"] == times["due_at"]


def test_required_fields_say_so_and_carry_required_and_aria_required(people, classroom, as_user):
    page = as_user(people["instructor_x"]).get(f"/classes/{classroom.pk}/assignments/new/").text
    # Title, the three times, attempts allowed and results visibility.
    assert page.count('<span class="required-mark">(required)</span>') == 6
    assert 'name="title"' in page and 'aria-required="true"' in page
    title_input = page[page.index('name="title"') - 200 : page.index('name="title"') + 200]
    assert "required" in title_input and 'aria-required="true"' in title_input
    # Checkbox groups are a fieldset with a legend, not a label for nothing.
    assert "<legend>Questions</legend>" in page
    assert 'for=""' not in page


def test_neither_a_test_nor_questions_gets_a_clear_message_in_the_summary(
    people, classroom, as_user
):
    client = as_user(people["instructor_x"])
    now = timezone.now()
    response = client.post(
        f"/classes/{classroom.pk}/assignments/new/",
        {
            "title": "Nothing picked",
            "opens_at": _local(now),
            "due_at": _local(now + timedelta(days=1)),
            "closes_at": _local(now + timedelta(days=1)),
            "attempts_allowed": 1,
            "results_visibility": "immediately",
        },
    )
    assert response.status_code == 400
    page = response.text
    assert "<title>Error: " in page
    summary = page[
        page.index("data-error-summary") : page.index("</ul>", page.index("data-error-summary"))
    ]
    # The shared summary (templates/_error_summary.html), which static/js/forms.js focuses.
    assert 'role="alert"' in page[page.index('class="error-summary"') : page.index("<ul>")]
    assert 'href="#id_pattern"' in summary
    assert (
        "Choose what to assign: a pattern&#x27;s test here, or questions from the bank" in summary
    )
    assert not Assignment.objects.filter(title="Nothing picked").exists()


def test_the_summary_links_each_field_with_a_problem(people, classroom, as_user):
    client = as_user(people["instructor_x"])
    response = client.post(f"/classes/{classroom.pk}/assignments/new/", {"title": ""})
    summary = response.text[response.text.index("data-error-summary") :]
    for field in ("title", "opens_at", "due_at", "closes_at", "attempts_allowed", "pattern"):
        assert f'href="#id_{field}"' in summary


def test_the_question_list_shows_each_question_s_wording_not_its_key(people, classroom, as_user):
    from tests.factories import make_assessment_pool, make_question_set

    pattern, _ = make_question_set(slug="pool", title="Pool")
    make_assessment_pool(pattern)
    page = as_user(people["instructor_x"]).get(f"/classes/{classroom.pk}/assignments/new/").text
    labels = page[
        page.index("<legend>Questions</legend>") : page.index(
            "</fieldset>", page.index("<legend>Questions</legend>")
        )
    ]
    assert "pool-a" not in labels.split("value=")[0]
    assert "Pool · easy: " in labels


# -- after the first attempt -------------------------------------------------------------------


def test_after_the_first_attempt_times_title_and_policies_still_change(started, assignment):
    later = assignment.due_at + timedelta(days=3)
    response = started.post(
        f"/assignments/{assignment.pk}/edit/",
        _form_data(
            assignment,
            title="Renamed",
            due_at=_local(later),
            closes_at=_local(later),
            results_visibility="after_due",
            accept_late="",
        ),
    )
    assert response.status_code == 302, response.text
    assignment.refresh_from_db()
    assert assignment.title == "Renamed"
    assert assignment.due_at == later.replace(second=0, microsecond=0)
    assert assignment.results_visibility == "after_due"
    assert assignment.accept_late is False
    # The attempt in progress follows the new times.
    attempt = Attempt.objects.get(assignment=assignment)
    assert attempt.due_at == assignment.due_at
    assert attempt.deadline_at == assignment.due_at  # no late window any more


@pytest.mark.parametrize(
    ("field", "value"),
    [("attempts_allowed", "5"), ("time_limit_minutes", "30"), ("pattern", "")],
)
def test_a_post_that_changes_a_locked_field_is_refused_and_not_applied(
    started, assignment, field, value
):
    before = Assignment.objects.get(pk=assignment.pk)
    response = started.post(
        f"/assignments/{assignment.pk}/edit/",
        _form_data(assignment, title="Sneaky", **{field: value}),
    )
    assert response.status_code == 400
    assert "Not changed. Learners have started this assignment" in response.text
    after = Assignment.objects.get(pk=assignment.pk)
    assert (after.title, after.attempts_allowed, after.time_limit_minutes, after.pattern_id) == (
        before.title,
        before.attempts_allowed,
        before.time_limit_minutes,
        before.pattern_id,
    )


def test_a_post_of_a_locked_field_unchanged_is_fine(started, assignment):
    response = started.post(
        f"/assignments/{assignment.pk}/edit/",
        _form_data(assignment, attempts_allowed=str(assignment.attempts_allowed)),
    )
    assert response.status_code == 302


def test_the_locked_fields_show_disabled_with_the_reason(started, assignment):
    page = started.get(f"/assignments/{assignment.pk}/edit/").text
    for name in ("attempts_allowed", "time_limit_minutes", "pattern"):
        tag = page[page.index(f'name="{name}"') - 150 : page.index(f'name="{name}"') + 250]
        assert "disabled" in tag, name
    assert page.count("Learners have started this assignment, so this can no longer change") == 4
    title_tag = page[page.index('name="title"') : page.index('name="title"') + 200]
    assert "disabled" not in title_tag


# -- extensions --------------------------------------------------------------------------------


def _dates(days: int) -> dict:
    due = timezone.now() + timedelta(days=days)
    return {"due_at": _local(due), "closes_at": _local(due + timedelta(hours=1))}


def _everyone(data: dict) -> dict:
    return {f"everyone-{name}": value for name, value in data.items()}


def test_an_extension_is_granted_changed_and_removed(people, assignment, as_user):
    client = as_user(people["instructor_x"])
    learner = people["learner_a"]
    url = f"/assignments/{assignment.pk}/"
    assert client.post(url, {"user": learner.pk, **_dates(10)}).status_code == 302
    assert Extension.objects.get().due_at.date() == (timezone.now() + timedelta(days=10)).date()
    # "Change" fills the form with the learner's times.
    page = client.get(f"{url}?extend={learner.pk}").text
    assert f'value="{learner.pk}" selected' in page
    assert client.post(url, {"user": learner.pk, **_dates(12)}).status_code == 302
    assert Extension.objects.count() == 1
    assert Extension.objects.get().due_at.date() == (timezone.now() + timedelta(days=12)).date()
    response = client.post(f"/assignments/{assignment.pk}/extensions/{learner.pk}/remove/")
    assert response.status_code == 302
    assert not Extension.objects.exists()


def test_a_learner_sees_their_own_extended_date(people, assignment, as_user):
    as_user(people["instructor_x"]).post(
        f"/assignments/{assignment.pk}/", {"user": people["learner_a"].pk, **_dates(20)}
    )
    extended = Extension.objects.get().due_at
    page = as_user(people["learner_a"]).get("/assigned/").text
    assert f'datetime="{extended.isoformat()}"' in page
    assert f'datetime="{assignment.due_at.replace(microsecond=0).isoformat()}"' not in page


def test_an_extension_reaches_an_attempt_already_in_progress(people, assignment, as_user):
    assignment.due_at = assignment.closes_at = timezone.now() + timedelta(hours=1)
    assignment.save()
    as_user(people["learner_a"]).post(f"/assignments/{assignment.pk}/start/")
    as_user(people["instructor_x"]).post(
        f"/assignments/{assignment.pk}/", {"user": people["learner_a"].pk, **_dates(3)}
    )
    attempt = Attempt.objects.get()
    assert attempt.deadline_at == Extension.objects.get().closes_at
    assert attempt.due_at == Extension.objects.get().due_at


def test_extending_for_everyone_moves_due_and_close(people, assignment, as_user):
    client = as_user(people["instructor_x"])
    response = client.post(f"/assignments/{assignment.pk}/extend/", _everyone(_dates(9)))
    assert response.status_code == 302
    assignment.refresh_from_db()
    assert assignment.due_at.date() == (timezone.now() + timedelta(days=9)).date()
    assert assignment.closes_at - assignment.due_at == timedelta(hours=1)


def test_extending_for_everyone_refuses_a_close_before_the_due(people, assignment, as_user):
    due = timezone.now() + timedelta(days=9)
    response = as_user(people["instructor_x"]).post(
        f"/assignments/{assignment.pk}/extend/",
        _everyone({"due_at": _local(due), "closes_at": _local(due - timedelta(hours=1))}),
    )
    assert response.status_code == 400
    assert "The close time cannot come before the due time." in response.text
    assert Assignment.objects.get(pk=assignment.pk).due_at == assignment.due_at


@pytest.mark.parametrize("role", ["instructor_y", "learner_a"])
def test_nobody_else_grants_moves_or_removes_extensions(people, assignment, as_user, role):
    Extension.objects.create(
        assignment=assignment,
        user=people["learner_a"],
        due_at=assignment.due_at + timedelta(days=1),
        closes_at=assignment.closes_at + timedelta(days=1),
    )
    client = as_user(people[role])
    before = (assignment.due_at, Extension.objects.get().due_at)
    response = client.post(f"/assignments/{assignment.pk}/extend/", _everyone(_dates(30)))
    assert response.status_code == 404
    assert (
        client.post(
            f"/assignments/{assignment.pk}/extensions/{people['learner_a'].pk}/remove/"
        ).status_code
        == 404
    )
    assert client.post(f"/assignments/{assignment.pk}/edit/", {"title": "x"}).status_code == 404
    assert (Assignment.objects.get().due_at, Extension.objects.get().due_at) == before
