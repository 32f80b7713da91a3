"""Preview as a learner: the instructor clicks through and submits an assignment exactly as a
learner sees it, and nothing is recorded anywhere."""

import pytest

from learnapp.classes.models import Assignment
from learnapp.learning.models import Answer, Attempt, AttemptItem, Learner, LessonRead
from tests.factories import make_question_set


def _counts() -> dict:
    return {
        model.__name__: model.objects.count()
        for model in (Attempt, AttemptItem, Answer, Learner, LessonRead)
    }


def _canonical_right(client, assignment, number: int) -> str:
    """The letter the preview shows for option B (always right in make_question_set)."""
    state = client.session[f"preview:{assignment.pk}"]
    order = state["items"][number - 1][4]
    return "ABCD"[order.index("B")]


def test_a_preview_runs_through_to_the_result_and_records_nothing(people, assignment, as_user):
    client = as_user(people["instructor_x"])
    before = _counts()
    response = client.get(f"/assignments/{assignment.pk}/preview/")
    assert response.status_code == 302
    page = client.get(response.url).text
    assert "Preview as a learner." in page and "Nothing is recorded" in page
    assert "Question 1 of 10" in page
    for number in (1, 2, 3):
        response = client.post(
            f"/assignments/{assignment.pk}/preview/{number}/",
            {
                "number": number,
                "choice": _canonical_right(client, assignment, number),
                "go": "next",
            },
        )
        assert response.status_code == 302
    # Answers are kept: going back shows the one given.
    page = client.get(f"/assignments/{assignment.pk}/preview/1/").text
    assert "3 of 10 answered" in page
    client.post(f"/assignments/{assignment.pk}/preview/4/", {"number": 4, "go": "submit"})
    result = client.get(f"/assignments/{assignment.pk}/preview/result/").text
    assert "You scored 3 of 10" in result
    assert "SECRET-STEP-1" in result  # the review shows solutions, as a learner's would
    assert "Preview as a learner." in result
    assert _counts() == before


def test_the_assignment_page_links_to_the_preview(people, assignment, as_user):
    page = as_user(people["instructor_x"]).get(f"/assignments/{assignment.pk}/").text
    assert f'href="/assignments/{assignment.pk}/preview/"' in page
    assert "Preview as a learner" in page


def test_a_custom_quiz_previews_its_questions_in_order(people, classroom, as_user):
    _pattern, versions = make_question_set(slug="quiz", title="Quiz")
    picked = [versions[4].question_id, versions[0].question_id]
    quiz = Assignment.objects.create(
        classroom=classroom,
        title="Two questions",
        question_ids=picked,
        opens_at=classroom.created_at,
        due_at=classroom.created_at.replace(year=2099),
        closes_at=classroom.created_at.replace(year=2099),
    )
    client = as_user(people["instructor_x"])
    client.get(f"/assignments/{quiz.pk}/preview/")
    assert "Stem of question 5?" in client.get(f"/assignments/{quiz.pk}/preview/1/").text
    assert "Stem of question 1?" in client.get(f"/assignments/{quiz.pk}/preview/2/").text
    assert client.get(f"/assignments/{quiz.pk}/preview/3/").status_code == 404


def _title(page: str) -> str:
    return page[page.index("<title>") + 7 : page.index("</title>")]


def test_preview_pages_are_titled_by_the_assignment_not_by_a_pattern(people, classroom, as_user):
    _pattern, versions = make_question_set(slug="quiz", title="Keys pattern")
    quiz = Assignment.objects.create(
        classroom=classroom,
        title="Friday quiz",
        question_ids=[versions[4].question_id],
        opens_at=classroom.created_at,
        due_at=classroom.created_at.replace(year=2099),
        closes_at=classroom.created_at.replace(year=2099),
    )
    client = as_user(people["instructor_x"])
    client.get(f"/assignments/{quiz.pk}/preview/")
    question = client.get(f"/assignments/{quiz.pk}/preview/1/").text
    assert _title(question) == "Preview: question 1 of 1 · Friday quiz · learnapp"
    client.post(f"/assignments/{quiz.pk}/preview/1/", {"number": 1, "go": "submit"})
    result = client.get(f"/assignments/{quiz.pk}/preview/result/").text
    assert _title(result) == "Preview: result · Friday quiz · learnapp"
    assert "Keys pattern" not in _title(question) + _title(result)
    assert "<h1>Keys pattern" not in question + result


def test_a_bad_answer_is_refused_with_a_reason_not_a_500(people, assignment, as_user):
    client = as_user(people["instructor_x"])
    client.get(f"/assignments/{assignment.pk}/preview/")
    response = client.post(
        f"/assignments/{assignment.pk}/preview/1/", {"number": 1, "choice": "Z", "go": "next"}
    )
    assert response.status_code == 400
    assert "is not an option of this question" in response.text


def test_preview_again_draws_afresh(people, assignment, as_user):
    client = as_user(people["instructor_x"])
    client.get(f"/assignments/{assignment.pk}/preview/")
    client.post(
        f"/assignments/{assignment.pk}/preview/1/",
        {"number": 1, "choice": "A", "go": "next"},
    )
    client.post(f"/assignments/{assignment.pk}/preview/")
    assert client.session[f"preview:{assignment.pk}"]["responses"] == {}


@pytest.mark.parametrize("role", ["instructor_y", "learner_a", "learner_b"])
def test_only_the_class_s_instructor_previews(people, assignment, as_user, role):
    client = as_user(people[role])
    for url in ("preview/", "preview/1/", "preview/result/"):
        assert client.get(f"/assignments/{assignment.pk}/{url}").status_code == 404
    assert client.post(f"/assignments/{assignment.pk}/preview/1/", {"number": 1}).status_code == 404


def test_anonymous_visitors_are_sent_to_log_in(assignment, client):
    response = client.get(f"/assignments/{assignment.pk}/preview/")
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")
