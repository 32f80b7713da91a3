"""The answers CSV: each learner's row per question in the letters they saw, credit as a number."""

import csv
import io

import pytest

from learnapp.learning.models import Attempt
from tests.factories import shown_letter

pytestmark = pytest.mark.django_db


@pytest.fixture
def typed(assignment):
    """Question 1: tick A and C (partial credit); 4: 7.25 %; 8: steps A, B, C, D in order."""
    versions = {q.position: q.current_version for q in assignment.pattern.questions.all()}
    multiple, numeric, ordering = versions[1], versions[4], versions[8]
    multiple.qtype, multiple.scoring, multiple.correct_letter = "multiple", "partial", ""
    multiple.answer_spec = {"correct": ["A", "C"], "scoring": "partial"}
    numeric.qtype, numeric.options, numeric.correct_letter = "numeric", [], ""
    numeric.answer_spec = {
        "value": "7.25",
        "tolerance": "0.005",
        "relative_tolerance": None,
        "unit": "",
        "percent": True,
        "accept_fraction": True,
    }
    ordering.qtype, ordering.correct_letter = "ordering", ""
    ordering.options = [{"letter": x, "html": f"Step {x}", "feedback_html": ""} for x in "ABCD"]
    ordering.answer_spec = {"correct": ["A", "B", "C", "D"], "scoring": "all-or-nothing"}
    for version in (multiple, numeric, ordering):
        version.save()
    return assignment


def rows_of(response) -> list[dict]:
    text = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(text)))


def test_each_row_holds_the_letters_the_learner_saw_and_the_credit_as_a_number(
    people, typed, as_user
):
    learner = as_user(people["learner_a"])
    learner.post(f"/assignments/{typed.pk}/start/")
    attempt = Attempt.objects.latest("pk")

    def answer(data):
        learner.post(f"/tests/{attempt.pk}/answer/", data, HTTP_ACCEPT="application/json")

    # Ticks A (right) and D (wrong) of question 1, as this attempt letters them.
    ticked = [shown_letter(attempt, 1, "A"), shown_letter(attempt, 1, "D")]
    answer({"number": 1, "choices": ticked})
    answer({"number": 2, "choice": shown_letter(attempt, 2, "C")})
    answer({"number": 4, "value": "0.0725"})
    order = [shown_letter(attempt, 8, c) for c in "ABDC"]
    answer({"number": 8, "order": order})
    learner.post(f"/tests/{attempt.pk}/submit/")

    response = as_user(people["instructor_x"]).get(f"/assignments/{typed.pk}/answers.csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = {int(row["question"]): row for row in rows_of(response)}
    assert len(rows) == 10
    first = rows[1]
    assert first["username"] == "learner_a" and first["type"] == "multiple"
    assert first["answer_as_shown"] == ", ".join(sorted(ticked))
    assert first["answer_as_graded"] == "A, D"
    assert first["credit"] == "0"  # one right, one wrong: max(0, 1 - 1) / 2
    assert first["options_shown"] == " ".join(attempt.items.get(number=1).option_order)
    second = rows[2]
    assert (second["answer_as_shown"], second["answer_as_graded"], second["credit"]) == (
        shown_letter(attempt, 2, "C"),
        "C",
        "0",
    )
    # Typed as a fraction of one, read as the percentage the content asks for.
    assert (rows[4]["answer_as_shown"], rows[4]["answer_as_graded"]) == ("0.0725", "7.25")
    assert rows[4]["credit"] == "1" and rows[4]["type"] == "numeric"
    assert rows[8]["answer_as_shown"] == " → ".join(order)
    assert rows[8]["answer_as_graded"] == "A → B → D → C"
    assert rows[3]["answer_as_shown"] == "" and rows[3]["credit"] == "0"


def test_partial_credit_is_exported_as_a_number(people, typed, as_user):
    learner = as_user(people["learner_a"])
    learner.post(f"/assignments/{typed.pk}/start/")
    attempt = Attempt.objects.latest("pk")
    learner.post(
        f"/tests/{attempt.pk}/answer/",
        {"number": 1, "choices": [shown_letter(attempt, 1, "C")]},
        HTTP_ACCEPT="application/json",
    )
    learner.post(f"/tests/{attempt.pk}/submit/")
    response = as_user(people["instructor_x"]).get(f"/assignments/{typed.pk}/answers.csv")
    (row,) = [r for r in rows_of(response) if r["question"] == "1"]
    assert row["credit"] == "0.5"


@pytest.mark.parametrize("who", ["learner_a", "instructor_y", None])
def test_only_the_assignments_instructor_can_download_it(people, typed, as_user, who):
    response = as_user(people.get(who)).get(f"/assignments/{typed.pk}/answers.csv")
    assert response.status_code in (302, 403, 404)


def test_the_item_analysis_page_links_to_it(people, typed, as_user):
    learner = as_user(people["learner_a"])
    learner.post(f"/assignments/{typed.pk}/start/")
    attempt = Attempt.objects.latest("pk")
    learner.post(f"/tests/{attempt.pk}/submit/")
    page = as_user(people["instructor_x"]).get(f"/assignments/{typed.pk}/items/").content.decode()
    assert f'href="/assignments/{typed.pk}/answers.csv"' in page


@pytest.mark.parametrize(("ruling", "counted"), [("full_credit", "1"), ("drop", "")])
def test_a_regrade_decision_shows_in_the_rows_it_changes(people, typed, as_user, ruling, counted):
    learner = as_user(people["learner_a"])
    learner.post(f"/assignments/{typed.pk}/start/")
    attempt = Attempt.objects.latest("pk")
    learner.post(f"/tests/{attempt.pk}/submit/")
    question = attempt.items.get(number=2).question
    instructor = as_user(people["instructor_x"])
    response = instructor.post(
        f"/assignments/{typed.pk}/items/{question.pk}/regrade/", {"ruling": ruling}
    )
    assert response.status_code == 302
    rows = {
        r["question"]: r for r in rows_of(instructor.get(f"/assignments/{typed.pk}/answers.csv"))
    }
    assert (rows["2"]["credit"], rows["2"]["ruling"], rows["2"]["credit_counted"]) == (
        "0",
        ruling,
        counted,
    )
    assert (rows["3"]["ruling"], rows["3"]["credit_counted"]) == ("", "0")


def test_the_rows_take_four_queries_whatever_the_class_size(
    people, classroom, typed, as_user, django_assert_num_queries
):
    from learnapp.classes.answers_csv import answer_rows
    from learnapp.classes.models import Membership
    from tests.factories import UserFactory

    users = UserFactory.create_batch(5)
    Membership.objects.bulk_create([Membership(classroom=classroom, user=u) for u in users])
    for user in users:
        client = as_user(user)
        client.post(f"/assignments/{typed.pk}/start/")
        attempt = Attempt.objects.latest("pk")
        client.post(
            f"/tests/{attempt.pk}/answer/",
            {"number": 2, "choice": "A"},
            HTTP_ACCEPT="application/json",
        )
        client.post(f"/tests/{attempt.pk}/submit/")
    # rulings, attempts with their learners, answers, items with their questions
    with django_assert_num_queries(4):
        rows = list(answer_rows(typed))
    assert len(rows) == 1 + 5 * 10
