"""The gradebook's 10,000-cell page: cells built in Python, attempts read as plain values."""

import re
from datetime import timedelta
from fractions import Fraction

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from learnapp.classes.assigning import Status
from learnapp.classes.gradebook import Cell, Row, cell_html
from learnapp.learning.models import Attempt, Learner

pytestmark = pytest.mark.django_db


def test_each_kind_of_cell_reads_as_the_page_showed_it():
    assert cell_html(Cell(Status.SUBMITTED, assigned=False)) == (
        '<span class="muted">not assigned</span>'
    )
    assert cell_html(Cell(Status.SUBMITTED, score=Fraction(15, 2), total=10)) == (
        "<strong>7.5/10</strong>"
    )
    assert cell_html(Cell(Status.LATE, score=Fraction(20, 3), total=10, is_late=True)) == (
        '<strong>6.67/10</strong> <span class="badge badge-medium">late</span>'
    )
    assert cell_html(Cell(Status.MISSED)) == '<span class="status status-missed">Missed</span>'


def test_a_row_lays_out_one_table_cell_per_assignment():
    row = Row(user=None, cells=[Cell(Status.MISSED), Cell(Status.SUBMITTED, assigned=False)])
    assert str(row.cells_html()).count('<td class="grade-cell">') == 2


def test_the_attempts_are_read_without_a_datetime_each(client, submitted_class):
    classroom, instructor = submitted_class
    client.force_login(instructor)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(f"/classes/{classroom.pk}/gradebook/").status_code == 200
    # The grid's query: each attempt's score, with its learner.
    grid = [q["sql"] for q in queries if '"learning_attempt"."score" AS "score"' in q["sql"]]
    assert grid
    # Whether each attempt was submitted is all a cell needs; parsing when was a tenth of
    # the page at 10,000 attempts.
    assert not any(
        re.search(r'"learning_attempt"\."submitted_at"( AS "\w+")?,', sql) for sql in grid
    )


@pytest.fixture
def submitted_class(classroom, assignment, people):
    Attempt.objects.create(
        learner=Learner.objects.create(user=people["learner_a"]),
        pattern=assignment.pattern,
        assignment=assignment,
        score=Fraction(7),
        submitted_at=timezone.now() - timedelta(minutes=1),
    )
    return classroom, classroom.instructor


def test_the_page_shows_every_kind_of_cell_as_the_full_gradebook_has_it(people, classroom):
    """The page builds its rows without a Cell per cell; each kind must read the same."""
    from learnapp.classes.gradebook import build_gradebook, gradebook_page
    from learnapp.classes.models import AttemptFeedback, Extension, Membership
    from tests.factories import AssignmentFactory, UserFactory, make_question_set

    now = timezone.now()
    pattern, _ = make_question_set(slug="mix", title="Mix")
    past = AssignmentFactory(
        classroom=classroom,
        pattern=pattern,
        title="Past",
        opens_at=now - timedelta(days=9),
        due_at=now - timedelta(days=5),
        closes_at=now - timedelta(days=4),
    )
    AssignmentFactory(  # not open yet
        classroom=classroom,
        pattern=pattern,
        title="Later",
        opens_at=now + timedelta(days=1),
        due_at=now + timedelta(days=3),
        closes_at=now + timedelta(days=4),
    )
    chosen = AssignmentFactory(classroom=classroom, pattern=pattern, title="Chosen")
    learners = [people["learner_a"], *UserFactory.create_batch(4)]
    for user in learners[1:]:
        Membership.objects.create(classroom=classroom, user=user)
    chosen.learners.add(learners[0], learners[1])
    rows = {user.pk: Learner.objects.create(user=user) for user in learners}

    def sit(user, assignment, score=None, late=False, submitted=True):
        return Attempt.objects.create(
            learner=rows[user.pk],
            pattern=pattern,
            assignment=assignment,
            total=10,
            score=score,
            is_late=late,
            submitted_at=now - timedelta(days=6) if submitted else None,
        )

    sit(learners[0], past, Fraction(15, 2))
    sit(learners[0], past, Fraction(9))  # the best of two
    sit(learners[1], past, Fraction(4), late=True)  # late, and below the bar
    AttemptFeedback.objects.create(
        attempt=sit(learners[2], past, Fraction(3)), override_score=Fraction(8), comment="ok"
    )
    sit(learners[3], chosen, submitted=False)  # in progress (and not assigned to them)
    sit(learners[0], chosen, Fraction(20, 3))
    # learners[4] missed Past, but has an extension that keeps it open.
    Extension.objects.create(
        assignment=past,
        user=learners[4],
        due_at=now + timedelta(days=1),
        closes_at=now + timedelta(days=2),
    )

    full = build_gradebook(classroom, now=now)
    page = gradebook_page(classroom, now=now)
    assert [a.pk for a in page.assignments] == [a.pk for a in full.assignments]
    assert [(url, needs_help, str(cells)) for url, _name, needs_help, cells in page.rows] == [
        (row.url, row.needs_help, str(row.cells_html())) for row in full.rows
    ]
    statuses = {cell.status for row in full.rows for cell in row.cells}
    assert {Status.SUBMITTED, Status.LATE, Status.MISSED, Status.UPCOMING} <= statuses
    assert {Status.IN_PROGRESS, Status.NOT_STARTED} <= statuses
    shown = "".join(str(cells) for *_, cells in page.rows)
    for text in ("9/10", "4/10", "8/10", "6.67/10", "overridden", "late", "not assigned"):
        assert text in shown
    assert [needs_help for _url, _name, needs_help, _cells in page.rows].count(True) >= 2


def test_the_page_names_and_orders_learners_as_the_full_gradebook_does(classroom):
    """The page reads the learners as plain values; the names and their order must not move."""
    from learnapp.accounts.models import Profile
    from learnapp.accounts.profiles import display_name
    from learnapp.classes.gradebook import build_gradebook, gradebook_page
    from learnapp.classes.models import Membership
    from tests.factories import UserFactory

    chosen = UserFactory(username="zed", first_name="Zed", last_name="Zulu")
    Profile.objects.create(user=chosen, display_name="Ada")  # the chosen name wins
    full_name = UserFactory(username="aaa", first_name="Bea", last_name="")
    bare = UserFactory(username="Cal", first_name="", last_name="")  # no profile, no name
    empty = UserFactory(username="dan", first_name="", last_name="Dunn")
    Profile.objects.create(user=empty, display_name="")  # an empty chosen name falls back
    twin = UserFactory(username="ada2", first_name="ada", last_name="")  # same name, casefolded
    for user in (chosen, full_name, bare, empty, twin):
        Membership.objects.create(classroom=classroom, user=user)

    page = [(url, name) for url, name, _help, _cells in gradebook_page(classroom).rows]
    full = [(row.url, row.user) for row in build_gradebook(classroom).rows]
    assert page == [(url, display_name(user)) for url, user in full]
    assert [name for _url, name in page][:5] == ["ada", "Ada", "Bea", "Cal", "Dunn"]
