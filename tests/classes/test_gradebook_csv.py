"""The gradebook download: what a spreadsheet shows when the instructor opens it."""

import csv
import io

import pytest
from django.utils import timezone

from learnapp.classes.models import Membership
from learnapp.csvexport import csv_download, spreadsheet_safe
from learnapp.learning.models import Attempt, Learner
from tests.factories import AssignmentFactory, UserFactory, make_question_set

pytestmark = pytest.mark.django_db


def download(client, classroom) -> list[list[str]]:
    response = client.get(f"/classes/{classroom.pk}/gradebook.csv")
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def submitted(user, assignment, score: int, total: int = 10) -> Attempt:
    learner, _ = Learner.objects.get_or_create(user=user)
    return Attempt.objects.create(
        learner=learner,
        pattern=assignment.pattern,
        assignment=assignment,
        total=total,
        score=score,
        submitted_at=timezone.now(),
    )


@pytest.mark.parametrize("username", ["+1+1", "-2+3", "@A1", "=1+1"])
def test_a_username_that_looks_like_a_formula_reaches_the_csv_as_text(
    people, classroom, assignment, as_user, username
):
    user = UserFactory(username=username, first_name="=HYPERLINK(1)")
    Membership.objects.create(classroom=classroom, user=user)
    submitted(user, assignment, score=7)
    rows = download(as_user(people["instructor_x"]), classroom)
    row = next(r for r in rows if r[0].endswith(username))
    assert row[0] == "'" + username
    assert row[1] == "'=HYPERLINK(1)"
    assert row[3:6] == ["7", "10", "70.0"]  # numbers stay numbers


def test_an_assignment_title_that_looks_like_a_formula_reaches_the_header_as_text(
    people, classroom, assignment, as_user
):
    assignment.title = "@SUM(A1:A9)"
    assignment.save()
    header = download(as_user(people["instructor_x"]), classroom)[0]
    assert header[3] == "'@SUM(A1:A9) score"


@pytest.mark.parametrize("text", ["=1+1", "+1", "-2+3", "@A1", "\tx", "\rx"])
def test_text_starting_a_formula_is_quoted(text):
    assert spreadsheet_safe(text) == "'" + text


@pytest.mark.parametrize("value", [-3, 0.5, 0, 12, "", "learner_a", "a=b", "Ann-Marie"])
def test_numbers_and_ordinary_text_are_left_alone(value):
    assert spreadsheet_safe(value) == value


def test_a_negative_number_is_written_as_a_number():
    response = csv_download([["score", "share"], [-3, 0.5]], "numbers.csv")
    assert b"".join(response.streaming_content).decode().splitlines() == [
        "score,share",
        "-3,0.5",
    ]


def test_the_needs_help_column_holds_0_or_1(people, classroom, as_user):
    pattern, _ = make_question_set(slug="keys", title="Keys")
    assignment = AssignmentFactory(classroom=classroom, pattern=pattern, title="Keys test")
    scores = {"sixty": 6, "fifty": 5, "full": 10}
    for username, score in scores.items():
        user = UserFactory(username=username)
        Membership.objects.create(classroom=classroom, user=user)
        submitted(user, assignment, score=score)
    rows = download(as_user(people["instructor_x"]), classroom)
    assert rows[0][2] == "needs_help"
    needs_help = {row[0]: row[2] for row in rows[1:]}
    # learner_a has not started an assignment that is still open: nothing to flag yet.
    assert needs_help == {"sixty": "0", "fifty": "1", "full": "0", "learner_a": "0"}
