"""A custom quiz of every question type, end to end: the learner's review, item analysis in
words whatever letters each learner saw, the gradebook's exact partial score and both CSVs."""

import csv
import io

import pytest

from learnapp.classes.gradebook import item_analysis
from learnapp.classes.models import Assignment, Membership
from learnapp.learning.models import Attempt
from tests.factories import UserFactory, make_assessment_pool, shown_letter

pytestmark = pytest.mark.django_db

STEPS = [{"letter": x, "html": f"Step {x}", "feedback_html": ""} for x in "ABCD"]


@pytest.fixture
def quiz(classroom, assignment):
    """Question 1 single (B right), 2 multiple (A and C, partial), 3 numeric (12.5 %, 0.1
    either way), 4 ordering (A, B, C, D)."""
    pool = make_assessment_pool(assignment.pattern)
    _single, multiple, numeric, ordering = (q.current_version for q in pool[:4])
    multiple.qtype, multiple.scoring, multiple.correct_letter = "multiple", "partial", ""
    multiple.answer_spec = {"correct": ["A", "C"], "scoring": "partial"}
    numeric.qtype, numeric.options, numeric.correct_letter = "numeric", [], ""
    numeric.answer_spec = {
        "value": "12.5",
        "tolerance": "0.1",
        "relative_tolerance": None,
        "unit": "",
        "percent": True,
        "accept_fraction": True,
    }
    ordering.qtype, ordering.correct_letter, ordering.options = "ordering", "", STEPS
    ordering.answer_spec = {"correct": ["A", "B", "C", "D"], "scoring": "all-or-nothing"}
    for version in (multiple, numeric, ordering):
        version.save()
    return Assignment.objects.create(
        classroom=classroom,
        title="Every type",
        question_ids=[q.pk for q in pool[:4]],
        opens_at=assignment.opens_at,
        due_at=assignment.due_at,
        closes_at=assignment.closes_at,
    )


def take(client, quiz, single: str, ticked: str, typed: str, order: str) -> Attempt:
    """Answer in canonical letters, sent as this attempt shows them."""
    client.post(f"/assignments/{quiz.pk}/start/")
    attempt = Attempt.objects.latest("pk")

    def answer(data):
        response = client.post(f"/tests/{attempt.pk}/answer/", data, HTTP_ACCEPT="application/json")
        assert response.status_code == 200, response.content

    answer({"number": 1, "choice": shown_letter(attempt, 1, single)})
    answer({"number": 2, "choices": [shown_letter(attempt, 2, c) for c in ticked]})
    answer({"number": 3, "value": typed})
    answer({"number": 4, "order": [shown_letter(attempt, 4, c) for c in order]})
    client.post(f"/tests/{attempt.pk}/submit/")
    attempt.refresh_from_db()
    return attempt


def test_every_type_in_a_custom_quiz_reaches_review_item_analysis_gradebook_and_csv(
    people, classroom, quiz, as_user
):
    learners = [people["learner_a"], *UserFactory.create_batch(3)]
    Membership.objects.bulk_create([Membership(classroom=classroom, user=u) for u in learners[1:]])
    # learner_a: single right, half the multiple (A only), "12.5 %" right, order wrong.
    first = take(as_user(learners[0]), quiz, "B", "A", "12.5 %", "ABDC")
    assert (first.score, first.total) == (2.5, 4)
    # Three others choose the same wrong things, each under their own letters.
    others = [take(as_user(u), quiz, "C", "AD", "0.2", "BACD") for u in learners[1:]]
    assert all(a.score == 0 for a in others)
    assert (
        len({shown_letter(a, 1, "C") for a in [first, *others]}) > 1
        or len({tuple(a.items.get(number=2).option_order) for a in [first, *others]}) > 1
    )

    # The learner's review speaks their letters and their partial credit.
    review = as_user(learners[0]).get(f"/tests/{first.pk}/result/").content.decode()
    assert "2.5" in review
    # The instructor's item analysis names wrong answers by text, the same for everyone.
    stats = {s.question.pk: s for s in item_analysis(quiz)}
    by_number = [stats[pk] for pk in quiz.question_ids]
    assert by_number[0].most_chosen_wrong == ("Pool option C", 3)
    assert by_number[1].most_chosen_wrong == ("Pool option A + Pool option D", 3)
    assert by_number[2].most_chosen_wrong == ("0.2", 3)
    assert by_number[3].most_chosen_wrong == ("Step B → Step A → Step C → Step D", 3)
    assert by_number[1].points == 0.5 and by_number[2].right == 1

    instructor = as_user(people["instructor_x"])
    book = instructor.get(f"/classes/{classroom.pk}/gradebook/").content.decode()
    assert "2.5/4" in book
    gradebook_csv = instructor.get(f"/classes/{classroom.pk}/gradebook.csv")
    rows = list(csv.reader(io.StringIO(b"".join(gradebook_csv.streaming_content).decode())))
    column = rows[0].index("Every type score")
    learner_row = next(row for row in rows if row[0] == "learner_a")
    assert learner_row[column : column + 3] == ["2.5", "4", "62.5"]

    answers_csv = instructor.get(f"/assignments/{quiz.pk}/answers.csv")
    answers = [
        row
        for row in csv.DictReader(io.StringIO(b"".join(answers_csv.streaming_content).decode()))
        if row["username"] == "learner_a"
    ]
    assert [r["type"] for r in answers] == ["single", "multiple", "numeric", "ordering"]
    assert [r["credit"] for r in answers] == ["1", "0.5", "1", "0"]
    assert answers[1]["answer_as_shown"] == shown_letter(first, 2, "A")
    assert answers[2]["answer_as_shown"] == "12.5 %"
    assert answers[2]["answer_as_graded"] == "12.5"
    assert answers[3]["answer_as_graded"] == "A → B → D → C"
