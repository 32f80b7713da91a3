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
    # The grid's query: each attempt's score, with its learner's user.
    grid = [
        q["sql"]
        for q in queries
        if '"learning_attempt"."score"' in q["sql"] and '"learning_learner"."user_id"' in q["sql"]
    ]
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
