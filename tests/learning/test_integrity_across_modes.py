"""While an assigned test is open, nothing the learner can open gives its answers away; an
assignment's results visibility holds on every page that shows a score."""

from datetime import timedelta

import pytest
from django.utils import timezone

from learnapp.catalog.models import QuestionVersion
from learnapp.classes.models import Membership
from learnapp.learning.models import Attempt
from tests.factories import (
    AssignmentFactory,
    ClassroomFactory,
    make_assessment_pool,
    right_letter,
    wrong_letter,
)

pytestmark = pytest.mark.django_db

# Everything of a pool item that tells its answer carries this marker (with the item's key).
ANSWER = "ANSWER-"
# The mastery cell of a progress row (the rules list below the table shows every badge).
STRONG_CELL = '<td><span class="badge badge-strong">Strong</span></td>'


@pytest.fixture
def pool(pattern):
    """Exactly one test's worth (3 easy, 4 medium, 3 hard): every draw asks all ten items."""
    questions = make_assessment_pool(pattern, easy=3, medium=4, hard=3)
    for version in QuestionVersion.objects.filter(question__in=questions).select_related(
        "question"
    ):
        key = version.question.key
        version.options = [
            {
                "letter": letter,
                "html": f"Pool option {letter}",
                "feedback_html": f"<p>{ANSWER}FEEDBACK-{key}-{letter}</p>",
            }
            for letter in "ABCD"
        ]
        version.solution_steps = [f"<p>{ANSWER}STEP-{key}</p>"]
        version.final_answer_html = f"<p>{ANSWER}FINAL-{key}</p>"
        version.quick_check_html = f"<p>{ANSWER}QUICK-{key}</p>"
        version.hint_html = f"<p>{ANSWER}HINT-{key}</p>"
        version.common_mistakes = [f"{ANSWER}MISTAKE-{key}"]
        version.save()
    return questions


@pytest.fixture
def assignment(learner_client, pattern, pool):
    classroom = ClassroomFactory(name="Keys 101")
    Membership.objects.create(classroom=classroom, user=learner_client.user)
    return AssignmentFactory(classroom=classroom, pattern=pattern, title="Keys quiz")


def self_study(client, pattern, right: int = 4) -> Attempt:
    """A submitted self-study test: the first `right` questions right, the rest wrong."""
    client.post(f"/patterns/{pattern.slug}/test/")
    attempt = Attempt.objects.latest("pk")
    answer_all(client, attempt, right)
    client.post(f"/tests/{attempt.pk}/submit/")
    return attempt


def answer_all(client, attempt: Attempt, right: int) -> None:
    for number in range(1, attempt.total + 1):
        letter = right_letter(attempt, number) if number <= right else wrong_letter(attempt, number)
        client.post(
            f"/tests/{attempt.pk}/answer/",
            {"number": number, "choice": letter},
            HTTP_ACCEPT="application/json",
        )


def start(client, assignment) -> Attempt:
    response = client.post(f"/assignments/{assignment.pk}/start/")
    attempt = Attempt.objects.get(assignment=assignment, submitted_at__isnull=True)
    assert response.url == f"/tests/{attempt.pk}/q/1/"
    return attempt


def text(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


# -- answers held back while an assigned test is open -------------------------------------------


def test_practice_never_shows_a_pool_item(learner_client, pattern, pool):
    stems = [q.current_version.stem_html for q in pool]
    for number in range(1, 11):
        page = text(learner_client, f"/patterns/{pattern.slug}/practice/{number}/")
        assert not any(stem in page for stem in stems)
        assert ANSWER not in page
    assert learner_client.get(f"/patterns/{pattern.slug}/practice/11/").status_code == 404


def test_an_earlier_review_holds_back_the_questions_of_an_open_assigned_test(
    learner_client, pattern, assignment
):
    earlier = self_study(learner_client, pattern)
    assert f"{ANSWER}FINAL-" in text(learner_client, f"/tests/{earlier.pk}/result/")

    attempt = start(learner_client, assignment)
    page = text(learner_client, f"/tests/{earlier.pk}/result/")
    assert ANSWER not in page
    assert "tag-right" not in page and "option-correct" not in page
    assert "Correct answer" not in page and "your answer" not in page
    assert page.count("Held back") == 10
    assert "also in an assigned test you have open" in page

    learner_client.post(f"/tests/{attempt.pk}/submit/")
    assert f"{ANSWER}FINAL-" in text(learner_client, f"/tests/{earlier.pk}/result/")


def test_an_assigned_test_past_its_deadline_no_longer_holds_anything_back(
    learner_client, pattern, assignment
):
    earlier = self_study(learner_client, pattern)
    attempt = start(learner_client, assignment)
    Attempt.objects.filter(pk=attempt.pk).update(deadline_at=timezone.now() - timedelta(minutes=1))
    assert f"{ANSWER}FINAL-" in text(learner_client, f"/tests/{earlier.pk}/result/")


def test_review_my_mistakes_leaves_out_the_questions_of_an_open_assigned_test(
    learner_client, pattern, assignment
):
    self_study(learner_client, pattern, right=4)
    page = text(learner_client, "/review/")
    assert "6 questions you last answered wrong" in page
    # A pool item has no practice page: it leads to the test where it was wrong.
    assert "a test question" in page and "?review=1" not in page

    start(learner_client, assignment)
    page = text(learner_client, "/review/")
    assert "Nothing to review" in page


# -- results visibility everywhere a score shows ------------------------------------------------


def hidden_strong_result(learner_client, assignment, visibility: str) -> Attempt:
    assignment.results_visibility = visibility
    assignment.save(update_fields=["results_visibility"])
    attempt = start(learner_client, assignment)
    answer_all(learner_client, attempt, right=10)
    learner_client.post(f"/tests/{attempt.pk}/submit/")
    attempt.refresh_from_db()
    assert attempt.score == 10 and attempt.is_strong
    return attempt


@pytest.mark.parametrize("visibility", ["never", "after_due"])
def test_a_hidden_result_shows_no_score_anywhere_the_learner_looks(
    learner_client, pattern, assignment, visibility
):
    attempt = hidden_strong_result(learner_client, assignment, visibility)

    result = text(learner_client, f"/tests/{attempt.pk}/result/")
    assert "You scored" not in result and "Your answers are in" in result
    progress = text(learner_client, "/progress/")
    assert "10 / 10" not in progress and STRONG_CELL not in progress
    assert "results not shown yet" in progress
    assert "No tests yet" in progress  # no chart point, no row in its table
    lesson = text(learner_client, f"/patterns/{pattern.slug}/")
    assert "best test" not in lesson and "badge-strong" not in lesson
    assert "Practising" in lesson
    assigned = text(learner_client, "/assigned/")
    assert "your best" not in assigned and "10 / 10" not in assigned
    assert "results" in assigned
    assert "Nothing to review" in text(learner_client, "/review/")


def test_results_after_the_due_date_show_everywhere_once_it_has_passed(
    learner_client, pattern, assignment
):
    attempt = hidden_strong_result(learner_client, assignment, "after_due")
    Attempt.objects.filter(pk=attempt.pk).update(due_at=timezone.now() - timedelta(minutes=1))

    assert "You scored 10 of 10" in text(learner_client, f"/tests/{attempt.pk}/result/")
    progress = text(learner_client, "/progress/")
    assert "10 / 10" in progress and STRONG_CELL in progress
    assert "best test 10/10" in text(learner_client, f"/patterns/{pattern.slug}/")
    assert "your best: 10 / 10" in text(learner_client, "/assigned/")


def test_the_instructor_always_sees_the_score(client, learner_client, pattern, assignment):
    hidden_strong_result(learner_client, assignment, "never")
    client.force_login(assignment.classroom.instructor)
    classroom = assignment.classroom
    progress = text(client, f"/classes/{classroom.pk}/learners/{learner_client.user.pk}/progress/")
    assert "10 / 10" in progress and STRONG_CELL in progress
    assert STRONG_CELL in text(client, f"/classes/{classroom.pk}/mastery/")
    assert "<strong>10/10</strong>" in text(client, f"/classes/{classroom.pk}/gradebook/")
