"""The instructor's landing page: where instructors arrive after logging in, what it lists,
and a query count that stays the same for 1 class or 50."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from learnapp.classes.models import AttemptFeedback, Membership
from learnapp.learning.models import Attempt, Learner
from tests.factories import AssignmentFactory, ClassroomFactory, UserFactory, make_question_set


def _submit(user, assignment, score, strong=False, minutes_ago=5):
    learner, _ = Learner.objects.get_or_create(user=user)
    return Attempt.objects.create(
        learner=learner,
        pattern=assignment.pattern,
        assignment=assignment,
        score=score,
        is_strong=strong,
        submitted_at=timezone.now() - timedelta(minutes=minutes_ago),
    )


def test_instructors_land_on_their_day_and_learners_keep_theirs(people, client):
    for user, password in (
        (people["instructor_x"], "pw-instructor-1"),
        (people["learner_a"], "pw-learner-1"),
    ):
        user.set_password(password)
        user.save()
    response = client.post(
        "/accounts/login/", {"username": "instructor_x", "password": "pw-instructor-1"}, follow=True
    )
    assert response.redirect_chain[-1][0] == "/teach/"
    assert "Your classes today" in response.text
    client.logout()
    response = client.post(
        "/accounts/login/", {"username": "learner_a", "password": "pw-learner-1"}, follow=True
    )
    assert response.redirect_chain[-1][0] == "/"


def test_it_lists_classes_due_work_new_submissions_and_who_needs_help(
    people, classroom, assignment, as_user
):
    Membership.objects.create(classroom=classroom, user=people["learner_b"])
    assignment.due_at = timezone.now() + timedelta(days=1)
    assignment.save()
    weak = _submit(people["learner_a"], assignment, 4)
    page = as_user(people["instructor_x"]).get("/teach/").text
    assert "Keys 101" in page and "2 learners" in page
    assert "Keys test" in page[page.index("Due this week") :]
    look = page[page.index("Submissions to look at") : page.index("Learners who need help")]
    assert f"/attempts/{weak.pk}/feedback/" in look
    help_ = page[page.index("Learners who need help") :]
    assert "learner_a" in help_ and "below the strong threshold" in help_
    assert "learner_b" in help_ and "not started, due within 2 days" in help_


def test_a_submission_leaves_the_list_once_opened_and_comes_back_when_resubmitted(
    people, assignment, as_user
):
    attempt = _submit(people["learner_a"], assignment, 9, strong=True)
    client = as_user(people["instructor_x"])
    client.get(f"/attempts/{attempt.pk}/feedback/")
    look = client.get("/teach/").text
    assert f"/attempts/{attempt.pk}/feedback/" not in look
    AttemptFeedback.objects.update(reviewed_at=timezone.now() - timedelta(hours=1))
    assert f"/attempts/{attempt.pk}/feedback/" in client.get("/teach/").text


def test_a_strong_learner_or_a_far_deadline_raises_no_flag(people, assignment, as_user):
    assignment.due_at = timezone.now() + timedelta(days=5)
    assignment.closes_at = assignment.due_at
    assignment.save()
    page = as_user(people["instructor_x"]).get("/teach/").text
    assert "Nobody is behind on recent assignments." in page
    _submit(people["learner_a"], assignment, 9, strong=True)
    page = as_user(people["instructor_x"]).get("/teach/").text
    assert "Nobody is behind on recent assignments." in page


def test_another_instructor_s_classes_do_not_show(people, classroom, assignment, as_user):
    _submit(people["learner_a"], assignment, 2)
    page = as_user(people["instructor_y"]).get("/teach/").text
    assert "Keys 101" not in page and "learner_a" not in page


def test_learners_are_refused(people, as_user):
    assert as_user(people["learner_a"]).get("/teach/").status_code == 403


def _classes(instructor, count: int, pattern) -> None:
    for n in range(count):
        classroom = ClassroomFactory(instructor=instructor, name=f"Class {n:02}")
        learners = [UserFactory() for _ in range(2)]
        for user in learners:
            Membership.objects.create(classroom=classroom, user=user)
        assignment = AssignmentFactory(
            classroom=classroom, pattern=pattern, due_at=timezone.now() + timedelta(days=1)
        )
        _submit(learners[0], assignment, 3)


@pytest.mark.parametrize("count", [1, 50])
def test_the_page_takes_the_same_queries_for_1_or_50_classes(people, as_user, count):
    pattern, _ = make_question_set(slug="many", title="Many")
    _classes(people["instructor_x"], count, pattern)
    client = as_user(people["instructor_x"])
    # 10 measured: the session's user and the instructor check (groups), then landing_for:
    # classes, due this week, submissions to look at (with names), recent assignments, chosen
    # learners (and groups' members when a group is assigned), extensions, attempts, members
    # with their profiles.
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/teach/")
    assert response.status_code == 200
    assert response.text.count("Class ") >= count
    assert len(queries) <= 10, len(queries)
    test_the_page_takes_the_same_queries_for_1_or_50_classes.counts[count] = len(queries)
    if len(test_the_page_takes_the_same_queries_for_1_or_50_classes.counts) == 2:
        one, fifty = test_the_page_takes_the_same_queries_for_1_or_50_classes.counts.values()
        assert one == fifty


test_the_page_takes_the_same_queries_for_1_or_50_classes.counts = {}


@pytest.mark.parametrize("count", [1, 50])
def test_a_co_teacher_s_landing_lists_the_classes_they_co_teach_at_the_same_cost(
    people, as_user, count
):
    """instructor_y co-teaches every other class of instructor_x's (and makes none): the page
    lists those, with their submissions, and costs the same for 1 class or 50."""
    from learnapp.classes.models import Classroom, ClassTeacher

    pattern, _ = make_question_set(slug="many", title="Many")
    _classes(people["instructor_x"], count * 2, pattern)
    shared = list(Classroom.objects.order_by("name")[::2])
    ClassTeacher.objects.bulk_create(
        [ClassTeacher(classroom=c, user=people["instructor_y"]) for c in shared]
    )
    client = as_user(people["instructor_y"])
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/teach/")
    page = response.text
    classes = page[page.index("<h2") : page.index("Due this week")]
    assert classes.count("<li>") == count
    assert all(c.name in classes for c in shared)
    assert "Class 01" not in classes  # instructor_x's own, not shared
    assert len(queries) <= 10, len(queries)
    counts = test_a_co_teacher_s_landing_lists_the_classes_they_co_teach_at_the_same_cost.counts
    counts[count] = len(queries)
    if len(counts) == 2:
        one, fifty = counts.values()
        assert one == fifty


test_a_co_teacher_s_landing_lists_the_classes_they_co_teach_at_the_same_cost.counts = {}
