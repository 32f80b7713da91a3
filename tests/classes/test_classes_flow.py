import csv
import io
from datetime import timedelta

import pytest
from django.utils import timezone

from learnapp.classes.models import Assignment, Classroom, Membership
from learnapp.learning.models import Answer, Attempt
from tests.factories import right_letter, wrong_letter

pytestmark = pytest.mark.django_db


def answer_all(client, attempt, right: int):
    for number in range(1, attempt.total + 1):
        letter = right_letter(attempt, number) if number <= right else wrong_letter(attempt, number)
        client.post(
            f"/tests/{attempt.pk}/answer/",
            {"number": number, "choice": letter},
            HTTP_ACCEPT="application/json",
        )


def test_an_instructor_runs_a_class_from_creation_to_gradebook(client, people, as_user):
    from tests.factories import make_question_set

    make_question_set(slug="keys", title="Keys")
    instructor = as_user(people["instructor_x"])
    response = instructor.post("/classes/new/", {"name": "Keys 101"})
    classroom = Classroom.objects.get(name="Keys 101")
    assert response.url == f"/classes/{classroom.pk}/"
    page = instructor.get(response.url).content.decode()
    assert classroom.join_code in page

    learner = as_user(people["learner_a"])
    response = learner.post("/classes/join/", {"code": classroom.join_code.lower()})
    assert response.url == "/assigned/"
    assert Membership.objects.filter(classroom=classroom, user=people["learner_a"]).exists()

    instructor = as_user(people["instructor_x"])
    now = timezone.localtime()
    fmt = "%Y-%m-%dT%H:%M"
    response = instructor.post(
        f"/classes/{classroom.pk}/assignments/new/",
        {
            "title": "Keys test",
            "pattern": classroom.pk
            and __import__("learnapp.catalog.models", fromlist=["Pattern"])
            .Pattern.objects.get(slug="keys")
            .pk,
            "opens_at": (now - timedelta(hours=1)).strftime(fmt),
            "due_at": (now + timedelta(days=1)).strftime(fmt),
            "closes_at": (now + timedelta(days=2)).strftime(fmt),
            "accept_late": "on",
            "attempts_allowed": 2,
            "results_visibility": "immediately",
        },
    )
    assignment = Assignment.objects.get()
    assert response.status_code == 302, response.content.decode()

    learner = as_user(people["learner_a"])
    page = learner.get("/assigned/").content.decode()
    assert "Keys test" in page and "Not started" in page
    response = learner.post(f"/assignments/{assignment.pk}/start/")
    attempt = Attempt.objects.get(assignment=assignment)
    assert response.url == f"/tests/{attempt.pk}/q/1/"
    answer_all(learner, attempt, right=7)
    learner.post(f"/tests/{attempt.pk}/submit/")
    assert "You scored 7 of 10" in learner.get(f"/tests/{attempt.pk}/result/").content.decode()
    assert "Submitted" in learner.get("/assigned/").content.decode()

    instructor = as_user(people["instructor_x"])
    gradebook = instructor.get(f"/classes/{classroom.pk}/gradebook/").content.decode()
    assert "7/10" in gradebook
    response = instructor.get(f"/classes/{classroom.pk}/gradebook.csv")
    assert response.streaming
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:4] == ["username", "name", "needs_help", "Keys test score"]
    assert rows[1][0] == "learner_a"
    assert rows[1][3:8] == ["7", "10", "70.0", "0", "submitted"]
    items = instructor.get(f"/assignments/{assignment.pk}/items/").content.decode()
    assert "100.0%" in items and "0.0%" in items  # questions 1-7 right, 8-10 wrong


def test_attempts_are_limited(client, people, assignment, as_user):
    learner = as_user(people["learner_a"])
    learner.post(f"/assignments/{assignment.pk}/start/")
    attempt = Attempt.objects.get()
    learner.post(f"/tests/{attempt.pk}/submit/")
    response = learner.post(f"/assignments/{assignment.pk}/start/", follow=True)
    assert "used your only attempt" in response.content.decode()
    assert Attempt.objects.count() == 1


def test_a_closed_or_unopened_assignment_cannot_be_started(people, assignment, as_user):
    learner = as_user(people["learner_a"])
    assignment.opens_at = timezone.now() + timedelta(hours=1)
    assignment.save()
    assert (
        "not open yet"
        in learner.post(f"/assignments/{assignment.pk}/start/", follow=True).content.decode()
    )
    assignment.opens_at = timezone.now() - timedelta(days=3)
    assignment.due_at = timezone.now() - timedelta(days=2)
    assignment.closes_at = timezone.now() - timedelta(days=1)
    assignment.save()
    assert (
        "closed"
        in learner.post(f"/assignments/{assignment.pk}/start/", follow=True).content.decode()
    )
    assert "Missed" in learner.get("/assigned/").content.decode()
    assert not Attempt.objects.exists()


def test_a_late_submission_is_accepted_and_marked(people, assignment, as_user):
    learner = as_user(people["learner_a"])
    assignment.due_at = timezone.now() - timedelta(minutes=5)
    assignment.save()
    learner.post(f"/assignments/{assignment.pk}/start/")
    attempt = Attempt.objects.get()
    learner.post(f"/tests/{attempt.pk}/submit/")
    attempt.refresh_from_db()
    assert attempt.is_late
    assert "Submitted late" in learner.get("/assigned/").content.decode()


def test_late_work_is_refused_when_the_assignment_says_so(people, assignment, as_user):
    assignment.accept_late = False
    assignment.due_at = timezone.now() - timedelta(minutes=5)
    assignment.save()
    response = as_user(people["learner_a"]).post(
        f"/assignments/{assignment.pk}/start/", follow=True
    )
    assert "closed" in response.content.decode()


def test_an_extension_gives_one_learner_more_time(people, assignment, as_user):
    from learnapp.classes.models import Extension

    assignment.accept_late = False
    assignment.due_at = timezone.now() - timedelta(minutes=5)
    assignment.save()
    Extension.objects.create(
        assignment=assignment,
        user=people["learner_a"],
        due_at=timezone.now() + timedelta(days=1),
        closes_at=timezone.now() + timedelta(days=1),
    )
    response = as_user(people["learner_a"]).post(f"/assignments/{assignment.pk}/start/")
    assert response.status_code == 302 and "/tests/" in response.url


def test_the_time_limit_is_enforced_by_the_server(people, assignment, as_user):
    assignment.time_limit_minutes = 10
    assignment.save()
    learner = as_user(people["learner_a"])
    learner.post(f"/assignments/{assignment.pk}/start/")
    attempt = Attempt.objects.get()
    assert attempt.deadline_at <= timezone.now() + timedelta(minutes=10)
    assert "Time left" in learner.get(f"/tests/{attempt.pk}/q/1/").content.decode()
    learner.post(
        f"/tests/{attempt.pk}/answer/",
        {"number": 1, "choice": right_letter(attempt, 1)},
        HTTP_ACCEPT="application/json",
    )
    Attempt.objects.filter(pk=attempt.pk).update(deadline_at=timezone.now() - timedelta(seconds=1))
    response = learner.post(
        f"/tests/{attempt.pk}/answer/", {"number": 2, "choice": "B"}, HTTP_ACCEPT="application/json"
    )
    assert response.status_code == 409
    assert "Time is up" in response.json()["error"]
    attempt.refresh_from_db()
    assert attempt.is_submitted and attempt.score == 1
    assert attempt.submitted_at <= timezone.now()
    assert Answer.objects.filter(attempt=attempt).count() == 1


@pytest.mark.parametrize(
    ("visibility", "shown"), [("immediately", True), ("after_due", False), ("never", False)]
)
def test_results_show_as_the_assignment_says(people, assignment, as_user, visibility, shown):
    assignment.results_visibility = visibility
    assignment.save()
    learner = as_user(people["learner_a"])
    learner.post(f"/assignments/{assignment.pk}/start/")
    attempt = Attempt.objects.get()
    learner.post(f"/tests/{attempt.pk}/submit/")
    page = learner.get(f"/tests/{attempt.pk}/result/").content.decode()
    assert ("You scored" in page) is shown
    assert ("SECRET-STEP-1" in page) is shown


def test_after_the_first_attempt_the_form_locks_what_the_attempt_uses(people, assignment, as_user):
    instructor = as_user(people["instructor_x"])
    assert "locked-note" not in instructor.get(f"/assignments/{assignment.pk}/edit/").text
    as_user(people["learner_a"]).post(f"/assignments/{assignment.pk}/start/")
    instructor = as_user(people["instructor_x"])
    response = instructor.get(f"/assignments/{assignment.pk}/edit/")
    assert response.status_code == 200
    assert "can no longer change" in response.text


def test_a_group_assignment_reaches_only_the_group(people, classroom, assignment, as_user):
    from learnapp.classes.models import LearnerGroup

    Membership.objects.create(classroom=classroom, user=people["learner_b"])
    group = LearnerGroup.objects.create(classroom=classroom, name="Team B")
    group.members.add(people["learner_b"])
    assignment.group = group
    assignment.save()
    assert "Keys test" not in as_user(people["learner_a"]).get("/assigned/").content.decode()
    assert "Keys test" in as_user(people["learner_b"]).get("/assigned/").content.decode()
    assert (
        as_user(people["learner_a"]).post(f"/assignments/{assignment.pk}/start/").status_code == 404
    )


def test_a_learner_can_leave_and_an_instructor_can_remove(people, classroom, as_user):
    learner = as_user(people["learner_a"])
    learner.post(f"/classes/{classroom.pk}/leave/")
    assert not Membership.objects.exists()
    Membership.objects.create(classroom=classroom, user=people["learner_a"])
    as_user(people["instructor_x"]).post(
        f"/classes/{classroom.pk}/members/{people['learner_a'].pk}/remove/"
    )
    assert not Membership.objects.exists()


def test_a_wrong_join_code_says_so(people, as_user):
    response = as_user(people["learner_a"]).post("/classes/join/", {"code": "NOPE1234"})
    assert response.status_code == 400
    assert "No class has this code" in response.content.decode()


def test_an_invitation_makes_an_instructor(people, as_user):
    from learnapp.accounts.roles import is_instructor
    from learnapp.classes.models import InstructorInvite

    as_user(people["admin"]).post("/classes/invites/")
    invite = InstructorInvite.objects.get()
    learner = as_user(people["learner_b"])
    learner.post(f"/classes/invite/{invite.token}/")
    people["learner_b"].refresh_from_db()
    assert is_instructor(people["learner_b"])
    assert learner.post("/classes/new/", {"name": "Mine"}).status_code == 302
    # Used once only.
    assert as_user(people["learner_a"]).get(f"/classes/invite/{invite.token}/").status_code == 404


def test_a_learner_cannot_create_a_class(people, as_user):
    assert as_user(people["learner_a"]).post("/classes/new/", {"name": "Nope"}).status_code == 403


def test_needs_help_shows_for_a_low_score_and_clears_after_success(people, assignment, as_user):
    assignment.attempts_allowed = 2
    assignment.save()
    learner = as_user(people["learner_a"])
    for right in (3, 9):
        learner.post(f"/assignments/{assignment.pk}/start/")
        attempt = Attempt.objects.latest("pk")
        answer_all(learner, attempt, right=right)
        learner.post(f"/tests/{attempt.pk}/submit/")
        gradebook = (
            as_user(people["instructor_x"])
            .get(f"/classes/{assignment.classroom.pk}/gradebook/")
            .content.decode()
        )
        assert ("Needs help" in gradebook) is (right == 3)
        detail = as_user(people["instructor_x"]).get(f"/assignments/{assignment.pk}/")
        assert f"{max(right, 3)} / 10" in detail.content.decode()  # the best attempt counts
        learner = as_user(people["learner_a"])


def test_times_show_in_the_viewers_time_zone(people, assignment, as_user):
    assignment.due_at = timezone.now().replace(hour=12, minute=0, second=0, microsecond=0)
    assignment.closes_at = assignment.due_at + timedelta(days=1)
    assignment.save()
    learner = as_user(people["learner_a"])
    learner.cookies["tz"] = "Asia/Tokyo"
    assert "21:00 JST" in learner.get("/assigned/").content.decode()
    learner.cookies["tz"] = "Not/AZone"
    assert "12:00 UTC" in learner.get("/assigned/").content.decode()


def test_the_demo_class_is_ready_after_setup(client):
    from django.core.management import call_command

    from tests.factories import make_question_set

    make_question_set(slug="api-key-management", title="API key management")
    call_command("demoaccounts")
    call_command("democlass")
    call_command("democlass")  # a second run changes nothing
    client.login(username="learner", password="learn-demo-2026")
    assert "API key management test" in client.get("/assigned/").content.decode()
    client.login(username="instructor", password="teach-demo-2026")
    assert "DEMOKEYS" in client.get("/classes/").content.decode()


def test_a_custom_quiz_asks_the_picked_questions_in_order(people, classroom, as_user):
    from tests.factories import make_question_set

    _, versions = make_question_set(slug="bank", title="Bank")
    picked = [versions[8].question, versions[1].question, versions[4].question]
    assignment = Assignment.objects.create(
        classroom=classroom,
        title="Mixed",
        question_ids=[q.pk for q in picked],
        opens_at=timezone.now() - timedelta(hours=1),
        due_at=timezone.now() + timedelta(days=1),
        closes_at=timezone.now() + timedelta(days=2),
    )
    learner = as_user(people["learner_a"])
    learner.post(f"/assignments/{assignment.pk}/start/")
    attempt = Attempt.objects.get()
    assert [i.question_version_id for i in attempt.items.order_by("number")] == [
        q.current_version_id for q in picked
    ]
    assert "Stem of question 9?" in learner.get(f"/tests/{attempt.pk}/q/1/").content.decode()
    # Retiring every picked question leaves nothing to ask: a clear refusal, not an error.
    Attempt.objects.all().delete()
    for question in picked:
        question.retired_at = timezone.now()
        question.save()
    response = learner.post(f"/assignments/{assignment.pk}/start/", follow=True)
    assert "no questions left" in response.content.decode()


def test_the_gradebook_counts_an_attempt_whose_time_ran_out(people, assignment, as_user):
    assignment.time_limit_minutes = 5
    assignment.save()
    learner = as_user(people["learner_a"])
    learner.post(f"/assignments/{assignment.pk}/start/")
    attempt = Attempt.objects.get()
    answer_all(learner, attempt, right=2)
    Attempt.objects.filter(pk=attempt.pk).update(deadline_at=timezone.now() - timedelta(minutes=1))
    gradebook = (
        as_user(people["instructor_x"])
        .get(f"/classes/{assignment.classroom.pk}/gradebook/")
        .content.decode()
    )
    assert "2/10" in gradebook
    attempt.refresh_from_db()
    assert attempt.submitted_at == attempt.deadline_at
