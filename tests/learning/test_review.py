"""'Review my mistakes' lists practice and (visible) test mistakes, each with its question."""

from datetime import timedelta

import pytest
from django.utils import timezone

from learnapp.classes.models import Membership
from learnapp.learning.models import Attempt
from tests.factories import (
    AssignmentFactory,
    ClassroomFactory,
    PracticeAnswerFactory,
    shown_letter,
)

pytestmark = pytest.mark.django_db


def answer_test(client, attempt, choices: dict[int, str]):
    """Answer by canonical letter (B is right), sent as the letter this attempt shows."""
    for number, choice in choices.items():
        response = client.post(
            f"/tests/{attempt.pk}/answer/",
            {"number": number, "choice": shown_letter(attempt, number, choice)},
            HTTP_ACCEPT="application/json",
        )
        assert response.status_code == 200


def review(client) -> str:
    return client.get("/review/").content.decode()


def test_a_self_study_test_mistake_is_listed_once_submitted_with_its_text(client, pattern):
    client.post("/patterns/keys/test/")
    attempt = Attempt.objects.get()
    answer_test(client, attempt, {1: "B", 2: "A"})  # question 2 wrong
    before = review(client)
    assert "Nothing to review" in before and "Stem of question 2?" not in before

    client.post(f"/tests/{attempt.pk}/submit/")
    page = review(client)
    assert "/patterns/keys/practice/2/?review=1" in page
    assert "Stem of question 2?" in page
    assert "test of Keys" in page
    # Unanswered questions are not mistakes to practise; question 1 was right.
    assert "/patterns/keys/practice/1/?review=1" not in page
    assert "/patterns/keys/practice/3/?review=1" not in page


def test_practice_mistakes_show_the_questions_text(client, pattern, versions):
    learner_answer = PracticeAnswerFactory(question_version=versions[0], is_correct=False)
    session = client.session
    session["learner_id"] = learner_answer.learner_id
    session["learner_user_id"] = None
    session.save()
    page = review(client)
    assert "Keys, question 1" in page and "Stem of question 1?" in page
    assert "wrong in practice" in page


@pytest.mark.parametrize(
    ("visibility", "after_due", "listed"),
    [
        ("immediately", False, True),
        ("after_due", False, False),
        ("after_due", True, True),
        ("never", True, False),
    ],
)
def test_an_assigned_test_mistake_follows_the_results_visibility(
    learner_client, pattern, visibility, after_due, listed
):
    classroom = ClassroomFactory()
    Membership.objects.create(classroom=classroom, user=learner_client.user)
    assignment = AssignmentFactory(
        classroom=classroom, pattern=pattern, title="Keys quiz", results_visibility=visibility
    )
    learner_client.post(f"/assignments/{assignment.pk}/start/")
    attempt = Attempt.objects.get()
    answer_test(learner_client, attempt, {4: "C"})
    learner_client.post(f"/tests/{attempt.pk}/submit/")
    if after_due:
        Attempt.objects.filter(pk=attempt.pk).update(due_at=timezone.now() - timedelta(minutes=1))
    page = review(learner_client)
    assert ("Stem of question 4?" in page) is listed
    assert ("/patterns/keys/practice/4/?review=1" in page) is listed
    if listed:
        assert "wrong in Keys quiz" in page


def test_a_later_right_practice_answer_clears_a_test_mistake(client, pattern):
    client.post("/patterns/keys/test/")
    attempt = Attempt.objects.get()
    answer_test(client, attempt, {2: "A"})
    client.post(f"/tests/{attempt.pk}/submit/")
    assert "Stem of question 2?" in review(client)
    page = client.get("/patterns/keys/practice/2/").content.decode()
    token = page.split('name="form_token" value="')[1].split('"')[0]
    client.post("/patterns/keys/practice/2/", {"choice": "B", "form_token": token})
    assert "Nothing to review" in review(client)


def test_a_stem_with_markup_reads_as_plain_text(client, pattern, versions):
    versions[0].stem_html = "<p>Where does <code>Bearer &lt;key&gt;</code> go?</p>"
    versions[0].save(update_fields=["stem_html"])
    answer = PracticeAnswerFactory(question_version=versions[0], is_correct=False)
    session = client.session
    session["learner_id"] = answer.learner_id
    session["learner_user_id"] = None
    session.save()
    page = review(client)
    assert "Where does Bearer &lt;key&gt; go?" in page
    assert "&amp;lt;" not in page and "<code>Bearer" not in page
