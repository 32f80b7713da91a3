"""Small things an instructor walkthrough found on the item analysis, regrade and assignment pages."""

import re

import pytest

from learnapp.catalog.models import Pool, Question, QuestionVersion
from learnapp.classes.gradebook import item_analysis
from learnapp.learning.models import Attempt

pytestmark = pytest.mark.django_db

# One parameter is enough: learners each see their own number of valid requests.
TEMPLATE = {
    "parameters": [
        {
            "name": "valid",
            "kind": "integer",
            "low": "900",
            "high": "990",
            "step": "1",
            "choices": [],
        }
    ],
    "derived": [],
}
STEM = "<p>The log shows {{valid}} valid requests and 12 invalid ones.</p>"
READABLE = re.compile(r"The log shows 9\d\d valid requests and 12 invalid ones\.")


def make_first_question_a_template(assignment) -> QuestionVersion:
    question = assignment.pattern.questions.get(position=1)
    QuestionVersion.objects.filter(pk=question.current_version_id).update(
        stem_html=STEM, template=TEMPLATE
    )
    return question


def submit_an_attempt(client, assignment) -> Attempt:
    client.post(f"/assignments/{assignment.pk}/start/")
    attempt = Attempt.objects.latest("pk")
    client.post(f"/tests/{attempt.pk}/submit/")
    return attempt


def test_item_analysis_shows_a_template_with_example_numbers_and_says_they_vary(
    people, assignment, as_user
):
    make_first_question_a_template(assignment)
    submit_an_attempt(as_user(people["learner_a"]), assignment)
    page = as_user(people["instructor_x"]).get(f"/assignments/{assignment.pk}/items/").text
    assert READABLE.search(page)
    assert "(numbers vary per learner)" in page
    assert page.count("(numbers vary per learner)") == 1  # not on the plain questions
    assert "{{" not in page and "<var>" not in page
    # The same numbers at every visit.
    again = as_user(people["instructor_x"]).get(f"/assignments/{assignment.pk}/items/").text
    assert READABLE.search(page)[0] == READABLE.search(again)[0]


def test_the_regrade_page_shows_a_template_with_example_numbers(people, assignment, as_user):
    question = make_first_question_a_template(assignment)
    submit_an_attempt(as_user(people["learner_a"]), assignment)
    page = (
        as_user(people["instructor_x"])
        .get(f"/assignments/{assignment.pk}/items/{question.pk}/regrade/?ruling=drop")
        .text
    )
    assert READABLE.search(page)
    assert "(numbers vary per learner)" in page
    assert "{{" not in page


def test_the_assignment_forms_question_list_reads_a_template_with_example_numbers(
    people, classroom, assignment, as_user
):
    question = make_first_question_a_template(assignment)
    # The form lists the assessment pool's questions.
    Question.objects.filter(pk=question.pk).update(pool=Pool.ASSESSMENT)
    page = as_user(people["instructor_x"]).get(f"/classes/{classroom.pk}/assignments/new/").text
    assert READABLE.search(page)
    assert "and 12 invalid ones. (numbers vary per learner)" in page
    assert "{{" not in page and "valid valid" not in page


def test_item_stats_of_a_plain_question_do_not_claim_to_vary(people, assignment, as_user):
    submit_an_attempt(as_user(people["learner_a"]), assignment)
    assert not any(item.varies for item in item_analysis(assignment))


@pytest.mark.parametrize(
    ("allowed", "said"),
    [
        (1, "You have used your only attempt at this assignment."),
        (2, "You have used all 2 attempts this assignment allows."),
    ],
)
def test_no_attempt_left_reads_naturally_for_one_attempt_and_for_several(
    people, assignment, as_user, allowed, said
):
    assignment.attempts_allowed = allowed
    assignment.save(update_fields=["attempts_allowed"])
    learner = as_user(people["learner_a"])
    for _ in range(allowed):
        attempt = submit_an_attempt(learner, assignment)
    result = learner.get(f"/tests/{attempt.pk}/result/").text
    assert said in result
    refused = learner.post(f"/assignments/{assignment.pk}/start/", follow=True).text
    assert said in refused
    assert "all 1 attempt" not in result + refused
    assert Attempt.objects.filter(assignment=assignment).count() == allowed


def test_filtering_the_question_list_keeps_what_the_instructor_typed(
    people, classroom, assignment, as_user
):
    from learnapp.classes.models import Assignment

    easy, hard = (
        assignment.pattern.questions.get(position=1),
        assignment.pattern.questions.get(position=10),
    )
    Question.objects.filter(pk__in=[easy.pk, hard.pk]).update(pool=Pool.ASSESSMENT)
    before = Assignment.objects.count()
    response = as_user(people["instructor_x"]).post(
        f"/classes/{classroom.pk}/assignments/new/",
        {
            "title": "Walk quiz",
            "questions": [str(easy.pk)],
            "due_at": "2026-12-24T09:30",
            "attempts_allowed": "3",
            "difficulty": "hard",
            "filter": "1",
        },
    )
    page = response.text
    assert response.status_code == 200
    assert Assignment.objects.count() == before  # filtering assigns nothing
    assert 'value="Walk quiz"' in page
    assert 'value="2026-12-24T09:30"' in page and 'value="3"' in page
    # The ticked question stays listed and ticked; the filter shows the hard one too.
    assert re.search(rf'name="questions" value="{easy.pk}"[^>]*checked', page)
    assert f'name="questions" value="{hard.pk}"' in page
    assert '<option value="hard" selected>' in page
    # Nothing is judged yet: no error summary, no field errors.
    assert "field-error" not in page and "Error:" not in page


def test_the_question_filter_narrows_the_list_and_enter_still_assigns(
    people, classroom, assignment, as_user
):
    easy, hard = (
        assignment.pattern.questions.get(position=1),
        assignment.pattern.questions.get(position=10),
    )
    Question.objects.filter(pk__in=[easy.pk, hard.pk]).update(pool=Pool.ASSESSMENT)
    client = as_user(people["instructor_x"])
    page = client.post(
        f"/classes/{classroom.pk}/assignments/new/", {"difficulty": "hard", "filter": "1"}
    ).text
    assert (
        f'name="questions" value="{hard.pk}"' in page
        and f'name="questions" value="{easy.pk}"' not in page
    )
    # A link with the filter in its query string still narrows the list.
    linked = client.get(f"/classes/{classroom.pk}/assignments/new/?difficulty=easy").text
    assert (
        f'name="questions" value="{easy.pk}"' in linked
        and f'name="questions" value="{hard.pk}"' not in linked
    )
    # Enter in a field presses the form's first submit button: it must assign, not filter.
    form = page[page.index('<form method="post" class="stack-form"') :]
    first_button = re.search(r"<button[^>]*>", form)[0]
    assert 'type="submit"' in first_button and 'name="filter"' not in first_button
