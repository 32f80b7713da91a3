"""An instructor's comment and grade override on a learner's attempt: who may write them,
when the learner sees them (the assignment's results policy), the gradebook, the CSV and
the audit trail; and that instructor pages name questions by their wording, not by keys."""

import csv
import io
from datetime import timedelta
from fractions import Fraction

import pytest
from django.utils import timezone

from learnapp.classes.models import AttemptFeedback, GradeOverrideRecord
from learnapp.learning.models import Attempt


@pytest.fixture
def submitted(people, assignment, as_user):
    """learner_a's submitted attempt (nothing answered: 0 of 10)."""
    learner = as_user(people["learner_a"])
    learner.post(f"/assignments/{assignment.pk}/start/")
    attempt = Attempt.objects.get()
    learner.post(f"/tests/{attempt.pk}/submit/")
    attempt.refresh_from_db()
    assert attempt.is_submitted and attempt.score == 0
    return attempt


def _give(client, attempt, **data):
    return client.post(f"/attempts/{attempt.pk}/feedback/", data)


def test_the_instructor_comments_and_overrides_with_a_reason(people, submitted, as_user):
    client = as_user(people["instructor_x"])
    response = _give(
        client, submitted, comment="Good try.", override_score="7.5", override_reason="Typo"
    )
    assert response.status_code == 302
    feedback = AttemptFeedback.objects.get()
    assert (feedback.comment, feedback.override_score, feedback.override_reason) == (
        "Good try.",
        Fraction(15, 2),
        "Typo",
    )
    record = GradeOverrideRecord.objects.get()
    assert (record.changed_by, record.old_score, record.new_score, record.reason) == (
        people["instructor_x"],
        None,
        Fraction(15, 2),
        "Typo",
    )
    page = client.get(f"/attempts/{submitted.pk}/feedback/").text
    assert "computed score → 7.5" in page


def test_each_change_of_the_override_is_audited_and_saving_the_same_adds_nothing(
    people, submitted, as_user
):
    client = as_user(people["instructor_x"])
    _give(client, submitted, override_score="8", override_reason="Partial credit")
    _give(client, submitted, override_score="8", override_reason="Partial credit", comment="x")
    _give(client, submitted, override_score="", comment="x")
    changes = list(GradeOverrideRecord.objects.values_list("old_score", "new_score"))
    assert changes == [(None, Fraction(8)), (Fraction(8), None)]


@pytest.mark.parametrize(
    ("grade", "reason", "message"),
    [
        ("11", "too much", "from 0 to 10 points"),
        ("-1", "negative", "such as 7 or 7.5"),
        ("1e9", "exponent", "such as 7 or 7.5"),
        ("seven", "words", "such as 7 or 7.5"),
        ("7", "", "Say why the grade is overridden."),
    ],
)
def test_an_override_out_of_range_or_without_a_reason_is_refused(
    people, submitted, as_user, grade, reason, message
):
    response = _give(
        as_user(people["instructor_x"]), submitted, override_score=grade, override_reason=reason
    )
    assert response.status_code == 400
    assert message in response.text
    assert not AttemptFeedback.objects.exclude(override_score=None).exists()
    assert not GradeOverrideRecord.objects.exists()


@pytest.mark.parametrize("role", ["instructor_y", "learner_a", "learner_b"])
def test_nobody_else_reads_or_writes_feedback(people, submitted, as_user, role):
    client = as_user(people[role])
    assert client.get(f"/attempts/{submitted.pk}/feedback/").status_code == 404
    response = _give(client, submitted, comment="hi", override_score="10", override_reason="x")
    assert response.status_code == 404
    assert not AttemptFeedback.objects.exists()


@pytest.mark.parametrize(
    ("visibility", "shown"), [("immediately", True), ("after_due", False), ("never", False)]
)
def test_the_learner_sees_comment_and_override_as_the_results_policy_says(
    people, assignment, submitted, as_user, visibility, shown
):
    assignment.results_visibility = visibility
    assignment.save()
    _give(
        as_user(people["instructor_x"]),
        submitted,
        comment="SEE-ME comment",
        override_score="6",
        override_reason="SEE-ME reason",
    )
    page = as_user(people["learner_a"]).get(f"/tests/{submitted.pk}/result/").text
    assert ("SEE-ME comment" in page) is shown
    assert ("SEE-ME reason" in page) is shown
    assert ("<strong>6 of 10</strong>" in page) is shown


def test_after_the_due_date_the_learner_sees_it(people, assignment, submitted, as_user):
    assignment.results_visibility = "after_due"
    assignment.save()
    _give(as_user(people["instructor_x"]), submitted, comment="SEE-ME later")
    Attempt.objects.filter(pk=submitted.pk).update(due_at=timezone.now() - timedelta(minutes=1))
    page = as_user(people["learner_a"]).get(f"/tests/{submitted.pk}/result/").text
    assert "SEE-ME later" in page


def test_a_comment_is_escaped_on_the_learner_s_page(people, submitted, as_user):
    _give(as_user(people["instructor_x"]), submitted, comment="<script>alert(1)</script>")
    page = as_user(people["learner_a"]).get(f"/tests/{submitted.pk}/result/").text
    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_the_gradebook_counts_the_override_and_marks_it(people, classroom, submitted, as_user):
    client = as_user(people["instructor_x"])
    _give(client, submitted, override_score="9", override_reason="Regraded by hand")
    page = client.get(f"/classes/{classroom.pk}/gradebook/").text
    assert '<strong>9/10</strong> <span class="badge badge-overridden">overridden</span>' in page
    # 9 of 10 is not "needs help"; the computed 0 was.
    row = page[page.index("learner_a") :]
    assert "Needs help" not in row[: row.index("</tr>")]


def test_the_csv_has_the_override_its_reason_and_the_comment_neutralised(
    people, classroom, assignment, submitted, as_user
):
    client = as_user(people["instructor_x"])
    _give(
        client,
        submitted,
        override_score="9",
        override_reason="=HYPERLINK(1)",
        comment="+1 well done",
    )
    response = client.get(f"/classes/{classroom.pk}/gradebook.csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    header, line = rows[0], rows[1]
    values = dict(zip(header, line, strict=True))
    title = assignment.title
    assert values[f"{title} score"] == "9"
    assert values[f"{title} overridden"] == "1"
    assert values[f"{title} override reason"] == "'=HYPERLINK(1)"
    assert values[f"{title} comment"] == "'+1 well done"


def test_the_gradebook_query_count_does_not_grow_with_feedback(
    people, classroom, submitted, as_user, django_assert_max_num_queries
):
    client = as_user(people["instructor_x"])
    _give(client, submitted, override_score="9", override_reason="x", comment="c")
    from learnapp.classes.gradebook import build_gradebook

    # users, assignments, groups' members, chosen learners, extensions, attempts with their
    # feedback (one LEFT JOIN), overdue attempts: the same as without feedback.
    with django_assert_max_num_queries(8):
        book = build_gradebook(classroom)
    assert book.rows[0].cells[0].overridden


def test_opening_an_attempt_marks_it_reviewed(people, submitted, as_user):
    as_user(people["instructor_x"]).get(f"/attempts/{submitted.pk}/feedback/")
    assert AttemptFeedback.objects.get().reviewed_at is not None


# -- questions named by their wording ----------------------------------------------------------


def test_the_learner_page_names_questions_by_their_wording(people, classroom, submitted, as_user):
    page = (
        as_user(people["instructor_x"])
        .get(f"/classes/{classroom.pk}/learners/{people['learner_a'].pk}/")
        .text
    )
    assert "Stem of question 1?" in page
    assert "keys-q1" not in page


def test_item_analysis_names_questions_and_answers_by_their_text(people, assignment, as_user):
    learner = as_user(people["learner_a"])
    learner.post(f"/assignments/{assignment.pk}/start/")
    attempt = Attempt.objects.get()
    from tests.factories import wrong_letter

    learner.post(f"/tests/{attempt.pk}/answer/", {"number": 1, "choice": wrong_letter(attempt, 1)})
    learner.post(f"/tests/{attempt.pk}/submit/")
    page = as_user(people["instructor_x"]).get(f"/assignments/{assignment.pk}/items/").text
    assert "Stem of question 1?" in page
    assert "Option A of 1" in page  # the wrong answer chosen, by its text
    assert "keys-q" not in page
