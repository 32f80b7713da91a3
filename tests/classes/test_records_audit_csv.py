"""Every CSV the site writes opens in a spreadsheet as data: text that starts like a formula is
quoted, and numbers, negative ones too, stay numbers."""

import csv
import io
import re
from pathlib import Path

import pytest
from django.utils import timezone

import learnapp
from learnapp.learning.models import Attempt, Learner

pytestmark = pytest.mark.django_db

FORMULAS = ["=1+1", "+1+1", "-2+3", "@A1", "\tx", "\rx"]


def rows_of(response) -> list[list[str]]:
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


@pytest.fixture
def numeric_question_4(assignment):
    version = assignment.pattern.questions.get(position=4).current_version
    version.qtype, version.options, version.correct_letter = "numeric", [], ""
    version.answer_spec = {
        "value": "-5",
        "tolerance": "0",
        "relative_tolerance": None,
        "unit": "",
        "percent": False,
        "accept_fraction": False,
    }
    version.save()
    return assignment


@pytest.mark.parametrize("formula", FORMULAS)
def test_the_answers_csv_quotes_formulas_and_keeps_negative_numbers_numbers(
    people, numeric_question_4, as_user, formula
):
    assignment = numeric_question_4
    user = people["learner_a"]
    user.username, user.first_name, user.last_name = formula, formula, ""
    user.save()
    learner = as_user(user)
    learner.post(f"/assignments/{assignment.pk}/start/")
    attempt = Attempt.objects.latest("pk")
    learner.post(
        f"/tests/{attempt.pk}/answer/", {"number": 4, "value": "-5"}, HTTP_ACCEPT="application/json"
    )
    learner.post(f"/tests/{attempt.pk}/submit/")

    header, *rows = rows_of(
        as_user(people["instructor_x"]).get(f"/assignments/{assignment.pk}/answers.csv")
    )
    row = dict(
        zip(header, next(r for r in rows if r[header.index("question")] == "4"), strict=True)
    )
    assert row["username"] == "'" + formula
    # The shown name is stripped of surrounding white space, which also disarms it.
    assert row["name"] in ("'" + formula, formula.strip())
    assert row["answer_as_graded"] == "-5"  # a number the spreadsheet can add up
    assert row["credit"] == "1"


def test_the_gradebook_csv_keeps_a_negative_score_a_number(people, classroom, assignment, as_user):
    learner, _ = Learner.objects.get_or_create(user=people["learner_a"])
    Attempt.objects.create(
        learner=learner,
        pattern=assignment.pattern,
        assignment=assignment,
        total=10,
        score=-2,
        submitted_at=timezone.now(),
    )
    _header, *rows = rows_of(
        as_user(people["instructor_x"]).get(f"/classes/{classroom.pk}/gradebook.csv")
    )
    row = next(r for r in rows if r[0] == "learner_a")
    assert row[3:6] == ["-2", "10", "-20.0"]


def test_every_csv_the_site_writes_goes_through_the_one_safe_writer():
    # A new download written with csv.writer directly would skip the quoting above.
    root = Path(learnapp.__file__).parent
    writers = [
        str(path.relative_to(root))
        for path in root.rglob("*.py")
        if path.name != "csvexport.py"
        and re.search(r"csv\.(writer|DictWriter)\(|content_type=.text/csv", path.read_text())
    ]
    assert writers == []
