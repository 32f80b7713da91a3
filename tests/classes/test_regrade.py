"""An instructor gives everyone full credit for a question, or drops it, from item analysis."""

import csv
import io
from fractions import Fraction

import pytest

from learnapp.learning.models import Attempt, ItemRuling, RegradeRecord
from learnapp.learning.progress import progress_by_pattern
from learnapp.learning.regrade import rule_on_item
from tests.factories import make_instructor, shown_letter

pytestmark = pytest.mark.django_db


def take(client, assignment, right: set[int], submit: bool = True) -> Attempt:
    """Start the assignment, answer every question (B is right) right if its number is in
    `right`, else wrong (A), as this attempt shows the options; submit unless told not to."""
    client.post(f"/assignments/{assignment.pk}/start/")
    attempt = Attempt.objects.latest("pk")
    for number in range(1, attempt.total + 1):
        client.post(
            f"/tests/{attempt.pk}/answer/",
            {
                "number": number,
                "choice": shown_letter(attempt, number, "B" if number in right else "A"),
            },
            HTTP_ACCEPT="application/json",
        )
    if submit:
        client.post(f"/tests/{attempt.pk}/submit/")
    attempt.refresh_from_db()
    return attempt


def question_of(attempt: Attempt, number: int) -> int:
    return attempt.items.get(number=number).question_id


def regrade_url(assignment, question_id: int) -> str:
    return f"/assignments/{assignment.pk}/items/{question_id}/regrade/"


@pytest.fixture
def learner(as_user, people):
    return as_user(people["learner_a"])


SIX_RIGHT = {1, 2, 3, 5, 6, 8}  # 4, 7, 9 and 10 wrong


def test_full_credit_raises_the_score_notes_it_and_reaches_gradebook_and_csv(
    people, assignment, as_user
):
    attempt = take(as_user(people["learner_a"]), assignment, SIX_RIGHT)
    assert attempt.score == 6
    question = question_of(attempt, 4)

    instructor = as_user(people["instructor_x"])
    response = instructor.post(regrade_url(assignment, question), {"ruling": "full_credit"})
    assert response.status_code == 302 and response.url == f"/assignments/{assignment.pk}/items/"

    attempt.refresh_from_db()
    assert attempt.score == 7 and attempt.total == 10
    record = RegradeRecord.objects.get(attempt=attempt)
    assert (record.reason, record.number, record.question_id) == ("full_credit", 4, question)
    assert record.regraded_by == people["instructor_x"]
    assert (record.old_score, record.new_score) == (6, 7)
    assert record.regraded_at is not None

    rows = list(
        csv.reader(
            io.StringIO(
                b"".join(
                    instructor.get(
                        f"/classes/{assignment.classroom_id}/gradebook.csv"
                    ).streaming_content
                ).decode()
            )
        )
    )
    assert rows[1][rows[0].index("Keys test score")] == "7"
    assert (
        "Full credit for everyone"
        in instructor.get(f"/assignments/{assignment.pk}/items/").content.decode()
    )

    page = as_user(people["learner_a"]).get(f"/tests/{attempt.pk}/result/").content.decode()
    assert "You scored 7 of 10" in page
    assert "Question 4 was regraded on" in page
    assert "everyone gets full credit; your score went from 6 to 7." in page
    assert "Your instructor gave everyone full credit for this question." in page


def test_the_same_decision_twice_regrades_and_records_nothing_more(people, assignment, as_user):
    attempt = take(as_user(people["learner_a"]), assignment, SIX_RIGHT)
    question = question_of(attempt, 4)
    instructor = as_user(people["instructor_x"])
    instructor.post(regrade_url(assignment, question), {"ruling": "full_credit"})
    instructor.post(regrade_url(assignment, question), {"ruling": "full_credit"})
    assert rule_on_item(assignment, question, "full_credit", people["instructor_x"]) == 0

    attempt.refresh_from_db()
    assert attempt.score == 7
    assert RegradeRecord.objects.filter(attempt=attempt).count() == 1


def test_a_dropped_question_leaves_the_total(people, assignment, as_user):
    attempt = take(as_user(people["learner_a"]), assignment, SIX_RIGHT)
    instructor = as_user(people["instructor_x"])
    # Dropping one the learner got right: 6 of 10 becomes 5 of 9.
    instructor.post(regrade_url(assignment, question_of(attempt, 1)), {"ruling": "drop"})

    attempt.refresh_from_db()
    assert (attempt.score, attempt.total) == (5, 9)
    assert attempt.breakdown["easy"] == ["2", 2, 2]
    page = as_user(people["learner_a"]).get(f"/tests/{attempt.pk}/result/").content.decode()
    assert "You scored 5 of 9" in page
    assert "it was dropped and no longer counts; your score went from 6 of 10 to 5 of 9." in page
    assert "it does not count towards your score" in page


def test_withdrawing_a_decision_restores_the_score(people, assignment, as_user):
    attempt = take(as_user(people["learner_a"]), assignment, SIX_RIGHT)
    question = question_of(attempt, 4)
    instructor = as_user(people["instructor_x"])
    instructor.post(regrade_url(assignment, question), {"ruling": "drop"})
    instructor.post(regrade_url(assignment, question), {"ruling": "withdraw"})

    attempt.refresh_from_db()
    assert (attempt.score, attempt.total) == (6, 10)
    assert not ItemRuling.objects.exists()
    assert [r.reason for r in RegradeRecord.objects.all()] == ["drop", "withdrawn"]


def test_full_credit_that_makes_eight_makes_the_pattern_strong(people, assignment, as_user):
    attempt = take(as_user(people["learner_a"]), assignment, {1, 2, 3, 4, 5, 6, 8})
    assert (attempt.score, attempt.is_strong) == (7, False)
    learner = attempt.learner
    assert progress_by_pattern(learner)[assignment.pattern_id].mastery != "strong"

    as_user(people["instructor_x"]).post(
        regrade_url(assignment, question_of(attempt, 9)), {"ruling": "full_credit"}
    )

    attempt.refresh_from_db()
    assert (attempt.score, attempt.is_strong) == (8, True)
    assert progress_by_pattern(learner)[assignment.pattern_id].mastery == "strong"


def test_an_attempt_open_at_the_decision_is_graded_with_it_when_submitted(
    people, assignment, as_user
):
    learner = as_user(people["learner_a"])
    attempt = take(learner, assignment, SIX_RIGHT, submit=False)
    rule_on_item(assignment, question_of(attempt, 4), "full_credit", people["instructor_x"])
    learner.force_login(people["learner_a"])
    learner.post(f"/tests/{attempt.pk}/submit/")

    attempt.refresh_from_db()
    assert attempt.score == 7
    # Graded with the decision from the start: nothing was regraded, nothing to note.
    assert not RegradeRecord.objects.exists()


def test_asking_to_regrade_only_confirms_until_posted(people, assignment, as_user):
    attempt = take(as_user(people["learner_a"]), assignment, SIX_RIGHT)
    instructor = as_user(people["instructor_x"])
    page = instructor.get(regrade_url(assignment, question_of(attempt, 4)) + "?ruling=drop")

    assert page.status_code == 200
    text = page.content.decode()
    assert "This regrades 1 submitted attempt now" in text
    assert 'name="csrfmiddlewaretoken"' in text and 'method="post"' in text
    attempt.refresh_from_db()
    assert attempt.score == 6 and not ItemRuling.objects.exists()


def test_the_decision_needs_the_csrf_token(people, assignment, as_user):
    from django.test import Client

    attempt = take(as_user(people["learner_a"]), assignment, SIX_RIGHT)
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(people["instructor_x"])
    response = strict.post(regrade_url(assignment, question_of(attempt, 4)), {"ruling": "drop"})
    assert response.status_code == 403
    assert not ItemRuling.objects.exists()


@pytest.mark.parametrize("who", ["instructor_y", "learner_a", "learner_b"])
def test_only_the_assignments_instructor_can_regrade(people, assignment, as_user, who):
    attempt = take(as_user(people["learner_a"]), assignment, SIX_RIGHT)
    url = regrade_url(assignment, question_of(attempt, 4))
    other = as_user(people[who])
    assert other.get(url + "?ruling=drop").status_code == 404
    assert other.post(url, {"ruling": "drop"}).status_code == 404
    attempt.refresh_from_db()
    assert attempt.score == 6 and not ItemRuling.objects.exists()
    # The same page is there for the class's own instructor.
    assert as_user(people["instructor_x"]).get(url + "?ruling=drop").status_code == 200


def test_an_instructor_of_another_class_gets_404_even_with_a_class_of_their_own(
    people, assignment, as_user
):
    attempt = take(as_user(people["learner_a"]), assignment, SIX_RIGHT)
    stranger = make_instructor(username="stranger")
    from tests.factories import AssignmentFactory, ClassroomFactory

    AssignmentFactory(classroom=ClassroomFactory(instructor=stranger), pattern=assignment.pattern)
    response = as_user(stranger).post(
        regrade_url(assignment, question_of(attempt, 4)), {"ruling": "full_credit"}
    )
    assert response.status_code == 404
    assert not ItemRuling.objects.exists()
    assert (
        as_user(people["instructor_x"])
        .post(regrade_url(assignment, question_of(attempt, 4)), {"ruling": "full_credit"})
        .status_code
        == 302
    )


@pytest.mark.parametrize("data", [{}, {"ruling": "everything"}, {"ruling": "x" * 5000}])
def test_a_decision_that_is_not_one_is_refused_with_a_reason(people, assignment, as_user, data):
    attempt = take(as_user(people["learner_a"]), assignment, SIX_RIGHT)
    response = as_user(people["instructor_x"]).post(
        regrade_url(assignment, question_of(attempt, 4)), data
    )
    assert response.status_code == 400
    assert "full credit, drop or withdraw" in response.content.decode()
    assert not ItemRuling.objects.exists()


def test_a_question_the_assignment_never_asked_is_not_found(people, assignment, as_user):
    attempt = take(as_user(people["learner_a"]), assignment, SIX_RIGHT)
    from tests.factories import QuestionVersionFactory

    elsewhere = QuestionVersionFactory().question
    instructor = as_user(people["instructor_x"])
    assert (
        instructor.post(regrade_url(assignment, elsewhere.pk), {"ruling": "drop"}).status_code
        == 404
    )
    assert instructor.post(regrade_url(assignment, 2**70), {"ruling": "drop"}).status_code == 404
    asked = regrade_url(assignment, question_of(attempt, 4))
    assert instructor.get(asked + "?ruling=drop").status_code == 200


def test_partial_scores_stay_exact_through_a_regrade(people, assignment, as_user):
    attempt = take(as_user(people["learner_a"]), assignment, SIX_RIGHT)
    # A score with a half in it, as partial credit makes.
    answer = attempt.answers.get(question_id=question_of(attempt, 7))
    answer.credit = Fraction(1, 2)
    answer.save(update_fields=["credit"])
    rule_on_item(assignment, question_of(attempt, 4), "full_credit", people["instructor_x"])
    attempt.refresh_from_db()
    assert attempt.score == Fraction(15, 2)


def test_the_learner_detail_shows_the_decision_beside_the_answer(people, assignment, as_user):
    attempt = take(as_user(people["learner_a"]), assignment, SIX_RIGHT)
    rule_on_item(assignment, question_of(attempt, 4), "drop", people["instructor_x"])
    page = as_user(people["instructor_x"]).get(
        f"/classes/{assignment.classroom_id}/learners/{people['learner_a'].pk}/"
    )
    text = page.content.decode()
    assert "Dropped from the score" in text and "Score <strong>6 / 9</strong>" in text
