"""What a new instructor ran into on a first walk through learnapp: a way to their own
questions, names instead of user names, wording that matched the page, and error summaries
that say everything that stopped a save."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from learnapp.accounts.models import Profile
from learnapp.authoring import bank
from learnapp.classes.models import Extension, Membership
from learnapp.learning.models import Attempt
from tests.authoring.conftest import BROKEN, GOOD
from tests.factories import (
    AssignmentFactory,
    UserFactory,
    make_assessment_pool,
    make_question_set,
)


@pytest.fixture
def ana(classroom):
    user = UserFactory(username="ana")
    Profile.objects.create(user=user, display_name="Ana Lima")
    Membership.objects.create(classroom=classroom, user=user)
    return user


def test_the_teach_page_leads_to_your_questions_and_to_a_new_class(people, as_user):
    page = as_user(people["instructor_x"]).get(reverse("classes:home")).text
    assert f'href="{reverse("authoring:bank")}"' in page
    assert "Create a class</a>" in page


def test_the_classes_page_leads_instructors_to_their_questions_and_their_day(people, as_user):
    page = as_user(people["instructor_x"]).get(reverse("classes:list")).text
    assert f'href="{reverse("authoring:bank")}"' in page
    assert f'href="{reverse("classes:home")}"' in page
    # Learners have no questions of their own to go to.
    learner_page = as_user(people["learner_a"]).get(reverse("classes:list")).text
    assert f'href="{reverse("authoring:bank")}"' not in learner_page


def test_the_class_form_asks_for_a_class_name(people, as_user):
    page = as_user(people["instructor_x"]).get(reverse("classes:list")).text
    assert ">Class name" in page


@pytest.mark.parametrize("view", ["classes:home", "authoring:bank", "authoring:new"])
def test_the_navigation_marks_classes_on_the_instructors_pages(people, as_user, view):
    page = as_user(people["instructor_x"]).get(reverse(view)).text
    assert f'href="{reverse("classes:list")}" aria-current="page">Classes</a>' in page


def test_a_failed_save_sums_up_the_markdown_problems_too(people, as_user):
    page = as_user(people["instructor_x"]).post(
        reverse("authoring:new"), {"pattern": "", "text": BROKEN, "action": "save"}
    )
    assert page.status_code == 400
    summary = page.text.split('class="error-summary"', 1)[1].split("</div>", 1)[0]
    assert "Pattern: Choose the pattern" in summary
    assert 'href="#problems"' in summary and "1 problem in the markdown" in summary
    # And the pattern's own error sits under its field, not only at the top.
    assert 'id="id_pattern_error"' in page.text


def test_the_editor_explains_the_format_on_the_page(people, as_user):
    page = as_user(people["instructor_x"]).get(reverse("authoring:new")).text
    # An instructor has the web page, not the repository.
    assert "content/README.md" not in page and "content/ assessment" not in page
    assert "The question format</summary>" in page


def test_the_assignment_form_names_learners_and_marks_the_instructors_own_questions(
    people, classroom, ana, as_user
):
    teacher = people["instructor_x"]
    pattern = make_assessment_pool_pattern()
    bank.save_question(teacher, pattern, GOOD)
    page = as_user(teacher).get(reverse("classes:assignment_create", args=[classroom.pk])).text
    assert "Ana Lima (ana)</span>" in page
    assert "Yours · Keys · " in page
    assert "Yours · Keys · easy: Pool stem" not in page  # the pool's own questions are not
    assert "Keys · easy: Pool stem" in page


def make_assessment_pool_pattern():
    pattern, _ = make_question_set(slug="keys-pool", title="Keys")
    make_assessment_pool(pattern, easy=1, medium=1, hard=1)
    return pattern


def test_a_missing_title_says_what_to_do(people, classroom, as_user):
    page = as_user(people["instructor_x"]).post(
        reverse("classes:assignment_create", args=[classroom.pk]), {"title": ""}
    )
    assert "Give the assignment a title." in page.text


def test_a_one_question_quiz_reads_in_the_singular(people, classroom, as_user):
    pattern = make_assessment_pool_pattern()
    question = pattern.questions.filter(pool="assessment").first()
    quiz = AssignmentFactory(
        classroom=classroom, pattern=None, question_ids=[question.pk], title="One"
    )
    page = as_user(people["instructor_x"]).get(reverse("classes:assignment", args=[quiz.pk]))
    assert "Custom quiz of 1 question ·" in page.text


def test_extensions_name_the_learner(people, assignment, ana, as_user):
    now = timezone.now()
    Extension.objects.create(
        assignment=assignment,
        user=ana,
        due_at=now + timedelta(days=9),
        closes_at=now + timedelta(days=10),
    )
    page = as_user(people["instructor_x"]).get(reverse("classes:assignment", args=[assignment.pk]))
    assert "<strong>Ana Lima</strong>: due" in page.text
    assert "Ana Lima (ana)</option>" in page.text  # the one-learner menu too


@pytest.fixture
def submitted(people, assignment, as_user):
    learner = as_user(people["learner_a"])
    learner.post(f"/assignments/{assignment.pk}/start/")
    attempt = Attempt.objects.get()
    learner.post(f"/tests/{attempt.pk}/submit/")
    attempt.refresh_from_db()
    return attempt


def test_the_override_example_lies_inside_the_range(people, submitted, as_user):
    page = as_user(people["instructor_x"]).get(f"/attempts/{submitted.pk}/feedback/").text
    assert f"From 0 to {submitted.total}, such as {submitted.total - 1}.5." in page
    # The feedback page leads back to its assignment.
    assert f'<p class="eyebrow"><a href="{submitted.assignment.get_absolute_url()}">' in page


def test_item_analysis_does_not_count_a_quiz_as_ten_questions(people, submitted, as_user):
    page = as_user(people["instructor_x"]).get(
        reverse("classes:items", args=[submitted.assignment.pk])
    )
    assert "9 instead of 10" not in page.text
    assert "out of one question fewer" in page.text
