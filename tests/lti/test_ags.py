"""Grade passback: a learner launched from an LMS course with grades has their score posted back.

The fake platform's token and line-item endpoints answer through requests (Session.request is
replaced for the platform's URLs only): the token endpoint checks the tool's client assertion
against the tool's published keys, the scores endpoint checks the bearer token it issued.
"""

from datetime import datetime, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.tasks import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from learnapp.classes.models import Assignment, Classroom
from learnapp.learning.models import Attempt, Ruling
from learnapp.learning.regrade import rule_on_item
from learnapp.lti.models import GradedLink, LmsScore
from tests.factories import AssignmentFactory, make_question_set, right_letter, wrong_letter
from tests.lti.grade_service import FakeServices, install
from tests.lti.platform import INSTRUCTOR, LEARNER

pytestmark = pytest.mark.django_db

TEST_PAGE = "https://testserver/patterns/keys/test/"
AGS = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
SCORE_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
LINEITEM_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"
LINEITEMS = "https://lms.example.test/api/lti/courses/101/line_items"
LINEITEM = f"{LINEITEMS}/7"
TASK_PATH = "learnapp.lti.tasks.post_score"


@pytest.fixture
def lms(platform, monkeypatch):
    return install(FakeServices(platform), monkeypatch)


def ags_claim(lineitem=LINEITEM, scopes=(SCORE_SCOPE, LINEITEM_SCOPE)) -> dict:
    claim = {"scope": list(scopes), "lineitems": LINEITEMS}
    if lineitem:
        claim["lineitem"] = lineitem
    return {AGS: claim}


@pytest.fixture
def graded_class(client, platform, lms):
    """The instructor has opened the graded link to the Keys test once (which makes the class)."""
    pattern, _ = make_question_set(slug="keys", title="Keys")
    response = platform.launch(client, TEST_PAGE, sub="teacher-1", roles=INSTRUCTOR, **ags_claim())
    assert response.status_code == 302
    client.cookies.clear()
    return pattern


def launch_learner(client, platform, sub="learner-1", target=TEST_PAGE, **claims):
    client.cookies.clear()
    response = platform.launch(client, target, sub=sub, roles=LEARNER, **claims)
    assert response.status_code == 302, response.content.decode()[:300]
    return response


def take_assignment(client, assignment, right: int, capture) -> Attempt:
    """Start the assignment from the learner's list, answer `right` of 10 right, submit."""
    started = client.post(f"/assignments/{assignment.pk}/start/")
    attempt = Attempt.objects.get(pk=started["Location"].split("/")[2])
    for number in range(1, attempt.total + 1):
        letter = right_letter if number <= right else wrong_letter
        saved = client.post(
            f"/tests/{attempt.pk}/answer/",
            {"number": number, "choice": letter(attempt, number)},
            HTTP_ACCEPT="application/json",
        )
        assert saved.status_code == 200
    with capture(execute=True):  # the task is queued once the submission is committed
        submitted = client.post(f"/tests/{attempt.pk}/submit/")
    assert submitted["Location"] == f"/tests/{attempt.pk}/result/"
    attempt.refresh_from_db()
    return attempt


def parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_login_launch_test_submit_and_the_worker_posts_the_score(
    client, platform, lms, graded_class, run_queued_tasks, django_capture_on_commit_callbacks
):
    [assignment] = Assignment.objects.all()
    assert (assignment.pattern, assignment.classroom.name) == (graded_class, "Web APIs 101")
    link = GradedLink.objects.get()
    assert (link.resource_link_id, link.lineitem, link.assignment) == (
        "link-1",
        LINEITEM,
        assignment,
    )

    response = launch_learner(client, platform, **ags_claim())

    # The graded link opens the assignment, not a self-study test that would not count.
    assert response["Location"] == "/assigned/"
    assert "Keys test" in client.get("/assigned/").content.decode()
    score = LmsScore.objects.get()
    assert (score.lti_user_id, score.status, score.link) == ("learner-1", "", link)
    before = timezone.now()
    attempt = take_assignment(
        client, assignment, right=7, capture=django_capture_on_commit_callbacks
    )
    assert lms.scores == []  # the request queued it; the worker sends it

    [run] = run_queued_tasks()

    assert (run.task_path, run.return_value) == (TASK_PATH, "sent")
    [posted] = lms.scores
    assert posted["url"] == f"{LINEITEM}/scores"
    assert posted["headers"]["Content-Type"] == "application/vnd.ims.lis.v1.score+json"
    assert posted["headers"]["Authorization"] == f"Bearer {lms.tokens[0]}"
    body = posted["body"]
    assert {k: v for k, v in body.items() if k != "timestamp"} == {
        "userId": "learner-1",
        "scoreGiven": 7.0,
        "scoreMaximum": 10,
        "activityProgress": "Completed",
        "gradingProgress": "FullyGraded",
    }
    assert before <= parse_time(body["timestamp"]) <= timezone.now()
    [token_request] = lms.token_requests
    assert token_request["scope"] == SCORE_SCOPE
    assert lms.calls_without_timeout == 0
    score.refresh_from_db()
    assert (score.status, score.score_given, score.score_maximum) == ("sent", 7.0, 10)
    assert score.attempt == attempt
    assert run_queued_tasks() == []  # nothing left to send


def test_a_platform_error_leaves_the_score_pending_with_a_retry_queued(
    client, platform, lms, graded_class, run_queued_tasks, django_capture_on_commit_callbacks
):
    assignment = Assignment.objects.get()
    launch_learner(client, platform, **ags_claim())
    lms.score_status = 500
    take_assignment(client, assignment, right=4, capture=django_capture_on_commit_callbacks)

    [run] = run_queued_tasks()

    assert run.return_value == "pending"
    score = LmsScore.objects.get()
    assert (score.status, score.tries) == ("pending", 1)
    assert "HTTP 500" in score.last_error
    [retry] = DBTaskResult.objects.filter(task_path=TASK_PATH, status=TaskResultStatus.READY)
    wait = retry.run_after - timezone.now()
    assert timedelta(seconds=50) < wait <= timedelta(seconds=60)
    assert abs(retry.run_after - score.next_try_at) < timedelta(seconds=1)
    assert run_queued_tasks() == []  # not due yet

    # The platform is back when the retry is due: the score goes through.
    lms.score_status = 200
    DBTaskResult.objects.filter(pk=retry.pk).update(run_after=timezone.now())
    LmsScore.objects.update(next_try_at=timezone.now())
    [again] = run_queued_tasks()
    assert again.return_value == "sent"
    assert len(lms.scores) == 2
    assert LmsScore.objects.get().status == "sent"


def test_an_unexpected_error_while_sending_is_retried_like_a_platform_error(
    client,
    platform,
    lms,
    graded_class,
    run_queued_tasks,
    django_capture_on_commit_callbacks,
    monkeypatch,
    caplog,
):
    from learnapp.lti import ags

    real_payload = ags.score_payload

    def broken(*args):
        raise RuntimeError("the payload could not be built")

    monkeypatch.setattr(ags, "score_payload", broken)
    assignment = Assignment.objects.get()
    launch_learner(client, platform, **ags_claim())
    take_assignment(client, assignment, right=6, capture=django_capture_on_commit_callbacks)

    [run] = run_queued_tasks()  # the task itself does not fail

    assert run.return_value == "pending"
    score = LmsScore.objects.get()
    assert (score.status, score.tries) == ("pending", 1)
    assert "RuntimeError" in score.last_error
    assert "RuntimeError: the payload could not be built" in caplog.text  # with its traceback
    [retry] = DBTaskResult.objects.filter(task_path=TASK_PATH, status=TaskResultStatus.READY)
    assert timedelta(seconds=50) < retry.run_after - timezone.now() <= timedelta(seconds=60)

    # Fixed by the time the retry is due: it goes through.
    monkeypatch.setattr(ags, "score_payload", real_payload)
    DBTaskResult.objects.filter(pk=retry.pk).update(run_after=timezone.now())
    LmsScore.objects.update(next_try_at=timezone.now())
    [again] = run_queued_tasks()
    assert again.return_value == "sent"
    assert [posted["body"]["scoreGiven"] for posted in lms.scores] == [6.0]

    # Still broken after a day: failed, like the rest, and no retry queued.
    monkeypatch.setattr(ags, "score_payload", broken)
    ags.send_again([score.pk])
    LmsScore.objects.update(pending_since=timezone.now() - timedelta(days=1, minutes=1))
    assert ags.send(score.pk).status == "failed"
    assert LmsScore.objects.get().status == "failed"


def test_the_wait_between_tries_grows_to_an_hour():
    from learnapp.lti.ags import backoff

    assert [backoff(n).total_seconds() / 60 for n in (1, 2, 3, 4, 7, 8, 30)] == [
        1,
        2,
        4,
        8,
        60,
        60,
        60,
    ]


def test_after_a_day_of_failures_the_score_is_failed_and_no_retry_is_queued(
    client, platform, lms, graded_class, run_queued_tasks, django_capture_on_commit_callbacks
):
    assignment = Assignment.objects.get()
    launch_learner(client, platform, **ags_claim())
    lms.score_status = 503
    take_assignment(client, assignment, right=4, capture=django_capture_on_commit_callbacks)
    run_queued_tasks()
    # A day later, the last retry is due and the platform still fails.
    day_ago = timezone.now() - timedelta(days=1, minutes=1)
    LmsScore.objects.update(pending_since=day_ago, next_try_at=timezone.now())
    DBTaskResult.objects.filter(status=TaskResultStatus.READY).update(run_after=timezone.now())

    [run] = run_queued_tasks()

    assert run.return_value == "failed"
    score = LmsScore.objects.get()
    assert (score.status, score.tries, score.next_try_at) == ("failed", 2, None)
    assert not DBTaskResult.objects.filter(status=TaskResultStatus.READY).exists()
    # The instructor sees it in the gradebook, in words.
    client.force_login(assignment.classroom.instructor)
    page = client.get(f"/classes/{assignment.classroom.pk}/gradebook/").content.decode()
    assert "LMS: failed" in page
    # The admin lists it with the platform's last answer.
    admin = get_user_model().objects.create_superuser("root", "root@example.com", "pw")
    client.force_login(admin)
    listed = client.get("/admin/lti/lmsscore/?status=failed")
    assert listed.status_code == 200
    assert "HTTP 503" in listed.content.decode()
    # Once the platform is back, the admin can send it again.
    lms.score_status = 200
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/admin/lti/lmsscore/",
            {"action": "send_again", "_selected_action": [LmsScore.objects.get().pk]},
        )
    [resent] = run_queued_tasks()
    assert resent.return_value == "sent"
    assert LmsScore.objects.get().status == "sent"
    assert len(lms.scores) == 3


def test_a_regrade_sends_the_new_score_again(
    client, platform, lms, graded_class, run_queued_tasks, django_capture_on_commit_callbacks
):
    assignment = Assignment.objects.get()
    launch_learner(client, platform, **ags_claim())
    attempt = take_assignment(
        client, assignment, right=6, capture=django_capture_on_commit_callbacks
    )
    run_queued_tasks()
    first = lms.scores[0]["body"]
    wrong = attempt.items.order_by("number").last()  # question 10 was answered wrongly

    with django_capture_on_commit_callbacks(execute=True):
        rule_on_item(assignment, wrong.question_id, Ruling.FULL_CREDIT, by=None)
    assert LmsScore.objects.get().status == "pending"
    [run] = run_queued_tasks()

    assert run.return_value == "sent"
    second = lms.scores[1]["body"]
    assert (first["scoreGiven"], second["scoreGiven"]) == (6.0, 7.0)
    assert second["userId"] == "learner-1"
    # Platforms keep the newest score by its timestamp: the regrade's is later.
    assert parse_time(second["timestamp"]) > parse_time(first["timestamp"])
    assert LmsScore.objects.get().status == "sent"


def test_an_instructor_s_override_is_sent_as_the_score(
    client, platform, lms, graded_class, run_queued_tasks, django_capture_on_commit_callbacks
):
    from learnapp.classes.feedback import save_feedback

    assignment = Assignment.objects.get()
    launch_learner(client, platform, **ags_claim())
    attempt = take_assignment(
        client, assignment, right=3, capture=django_capture_on_commit_callbacks
    )
    run_queued_tasks()
    with django_capture_on_commit_callbacks(execute=True):
        save_feedback(attempt, assignment.classroom.instructor, "", 9, "Oral exam")
    run_queued_tasks()
    assert [s["body"]["scoreGiven"] for s in lms.scores] == [3.0, 9.0]


def test_the_gradebook_shows_each_score_s_lms_status_in_words(
    client, platform, lms, graded_class, run_queued_tasks, django_capture_on_commit_callbacks
):
    assignment = Assignment.objects.get()
    launch_learner(client, platform, sub="learner-1", **ags_claim())
    take_assignment(client, assignment, right=8, capture=django_capture_on_commit_callbacks)
    run_queued_tasks()
    launch_learner(client, platform, sub="learner-2", **ags_claim())
    lms.score_status = 500
    take_assignment(client, assignment, right=5, capture=django_capture_on_commit_callbacks)
    run_queued_tasks()
    instructor = assignment.classroom.instructor
    client.force_login(instructor)

    page = client.get(f"/classes/{assignment.classroom.pk}/gradebook/").content.decode()

    assert "scores go to the LMS" in page
    cells = page.split('class="grade-cell"')[1:]
    assert len(cells) == 2
    by_score = {("8/10" in c, "5/10" in c): c for c in cells}
    assert "LMS: sent" in by_score[(True, False)]
    assert "LMS: pending" in by_score[(False, True)]
    assert "LMS: failed" not in page


def test_the_gradebook_csv_has_an_lms_column_for_a_linked_assignment_only(
    client, platform, lms, graded_class, run_queued_tasks, django_capture_on_commit_callbacks
):
    import csv
    import io

    assignment = Assignment.objects.get()
    # The link's title comes from the LMS: one that starts like a formula stays text.
    Assignment.objects.filter(pk=assignment.pk).update(title="=HYPERLINK(1)")
    assignment.refresh_from_db()
    AssignmentFactory(classroom=assignment.classroom, title="Local quiz")
    launch_learner(client, platform, sub="learner-1", **ags_claim())
    take_assignment(client, assignment, right=8, capture=django_capture_on_commit_callbacks)
    run_queued_tasks()
    launch_learner(client, platform, sub="learner-2", **ags_claim())
    lms.score_status = 500
    take_assignment(client, assignment, right=5, capture=django_capture_on_commit_callbacks)
    run_queued_tasks()
    launch_learner(client, platform, sub="learner-3", **ags_claim())  # has not taken it
    client.force_login(assignment.classroom.instructor)

    response = client.get(f"/classes/{assignment.classroom.pk}/gradebook.csv")

    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    column = "'=HYPERLINK(1) LMS"
    assert [row[column] for row in rows] == ["sent", "pending", ""]
    assert [row["'=HYPERLINK(1) score"] for row in rows] == ["8", "5", ""]
    assert "Local quiz score" in rows[0]
    assert "Local quiz LMS" not in rows[0]


def test_a_course_without_the_grades_claim_posts_nothing(
    client, platform, lms, run_queued_tasks, django_capture_on_commit_callbacks
):
    pattern, _ = make_question_set(slug="keys", title="Keys")
    platform.launch(client, TEST_PAGE, sub="teacher-1", roles=INSTRUCTOR)  # no AGS claim
    classroom = Classroom.objects.get()
    assignment = AssignmentFactory(classroom=classroom, pattern=pattern)
    response = launch_learner(client, platform, sub="learner-1")
    # A plain link to the test: the learner lands on it, as without grades.
    assert response["Location"] == "/patterns/keys/test/"

    take_assignment(client, assignment, right=5, capture=django_capture_on_commit_callbacks)

    assert run_queued_tasks() == []
    assert lms.scores == [] and lms.token_requests == []
    assert not GradedLink.objects.exists() and not LmsScore.objects.exists()


def test_a_learner_who_came_in_by_another_link_has_the_graded_assignment_s_score_sent(
    client, platform, lms, graded_class, run_queued_tasks, django_capture_on_commit_callbacks
):
    assignment = Assignment.objects.get()
    # The course's plain link to the test (no AGS claim), then the assignment from their list.
    launch_learner(client, platform, sub="learner-9")
    assert not LmsScore.objects.exists()

    take_assignment(client, assignment, right=5, capture=django_capture_on_commit_callbacks)
    run_queued_tasks()

    [posted] = lms.scores
    assert (posted["url"], posted["body"]["userId"]) == (f"{LINEITEM}/scores", "learner-9")
    assert posted["body"]["scoreGiven"] == 5.0


def test_a_claim_without_the_score_scope_is_not_a_graded_link(client, platform, lms):
    make_question_set(slug="keys", title="Keys")
    platform.launch(
        client,
        TEST_PAGE,
        sub="teacher-1",
        roles=INSTRUCTOR,
        **ags_claim(scopes=["https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly"]),
    )
    assert not GradedLink.objects.exists()
    assert not Assignment.objects.exists()


def test_hidden_results_in_learnapp_still_reach_the_lms(
    client, platform, lms, graded_class, run_queued_tasks, django_capture_on_commit_callbacks
):
    assignment = Assignment.objects.get()
    Assignment.objects.filter(pk=assignment.pk).update(results_visibility="never")
    launch_learner(client, platform, **ags_claim())
    attempt = take_assignment(
        client, assignment, right=6, capture=django_capture_on_commit_callbacks
    )
    result = client.get(f"/tests/{attempt.pk}/result/").content.decode()
    assert "6/10" not in result and "6 / 10" not in result
    run_queued_tasks()
    assert lms.scores[0]["body"]["scoreGiven"] == 6.0


def test_a_link_with_only_the_line_item_container_gets_its_line_item_made_once(
    client, platform, lms, run_queued_tasks, django_capture_on_commit_callbacks
):
    make_question_set(slug="keys", title="Keys")
    platform.launch(client, TEST_PAGE, sub="teacher-1", roles=INSTRUCTOR, **ags_claim(lineitem=""))
    assignment = Assignment.objects.get()
    for sub in ("learner-1", "learner-2"):
        launch_learner(client, platform, sub=sub, **ags_claim(lineitem=""))
        take_assignment(client, assignment, right=5, capture=django_capture_on_commit_callbacks)
        run_queued_tasks()

    [made] = lms.lineitems
    assert (made["resourceLinkId"], made["scoreMaximum"], made["label"]) == (
        "link-1",
        10,
        "Keys test",
    )
    assert [s["url"] for s in lms.scores] == [f"{made['id']}/scores"] * 2
    assert GradedLink.objects.get().lineitem == made["id"]


def test_a_second_learner_reuses_the_link_s_assignment(client, platform, lms, graded_class):
    launch_learner(client, platform, sub="learner-1", **ags_claim())
    launch_learner(client, platform, sub="learner-2", **ags_claim())
    assert Assignment.objects.count() == 1
    assert GradedLink.objects.count() == 1
    assert sorted(LmsScore.objects.values_list("lti_user_id", flat=True)) == [
        "learner-1",
        "learner-2",
    ]


def test_the_gradebook_reads_the_lms_statuses_in_one_query_for_the_whole_class(
    client,
    platform,
    lms,
    graded_class,
    run_queued_tasks,
    django_capture_on_commit_callbacks,
    django_assert_num_queries,
):
    assignment = Assignment.objects.get()
    for sub in ("learner-1", "learner-2", "learner-3"):
        launch_learner(client, platform, sub=sub, **ags_claim())
        take_assignment(client, assignment, right=5, capture=django_capture_on_commit_callbacks)
    run_queued_tasks()
    client.force_login(assignment.classroom.instructor)
    url = f"/classes/{assignment.classroom.pk}/gradebook/"
    client.get(url)
    # The ten queries of any class's gradebook (tests/classes/test_scale.py), and the LMS
    # statuses of every learner's scores in one more.
    with django_assert_num_queries(11):
        page = client.get(url).content.decode()
    assert page.count("LMS: sent") == 3


def test_a_queue_that_fails_after_the_commit_leaves_the_submission_standing(
    client, platform, lms, graded_class, monkeypatch, django_capture_on_commit_callbacks
):
    class BrokenQueue:
        def enqueue(self, *args):
            raise ConnectionError("queue unavailable")

    monkeypatch.setattr("learnapp.lti.tasks.post_score", BrokenQueue())
    assignment = Assignment.objects.get()
    launch_learner(client, platform, **ags_claim())

    attempt = take_assignment(
        client, assignment, right=5, capture=django_capture_on_commit_callbacks
    )

    assert attempt.is_submitted
    assert client.get(f"/tests/{attempt.pk}/result/").status_code == 200
    assert LmsScore.objects.get().status == "pending"  # the admin can send it again


def test_the_periodic_run_queues_a_score_left_pending_with_nothing_queued(
    client,
    platform,
    lms,
    graded_class,
    monkeypatch,
    run_queued_tasks,
    django_capture_on_commit_callbacks,
):
    from learnapp.lti import tasks
    from learnapp.notifications.tasks import schedule_reminders

    assignment = Assignment.objects.get()
    launch_learner(client, platform, **ags_claim())
    real_post_score = tasks.post_score
    with monkeypatch.context() as broken:

        class BrokenQueue:
            def enqueue(self, *args):
                raise ConnectionError("queue unavailable")

        broken.setattr("learnapp.lti.tasks.post_score", BrokenQueue())
        take_assignment(client, assignment, right=8, capture=django_capture_on_commit_callbacks)
    assert tasks.post_score is real_post_score
    assert LmsScore.objects.get().status == "pending"
    assert not DBTaskResult.objects.filter(task_path=TASK_PATH).exists()

    # The worker's periodic run (the reminder run, every few minutes) looks for such scores:
    # a score just marked pending may still have its task on the way, so it waits a while.
    schedule_reminders()
    run_queued_tasks()
    assert lms.scores == []
    LmsScore.objects.update(next_try_at=timezone.now() - timedelta(minutes=20))
    DBTaskResult.objects.filter(status=TaskResultStatus.READY).update(run_after=timezone.now())
    runs = run_queued_tasks()  # the periodic run queues the score's task, which then runs

    assert [run.return_value for run in runs if run.task_path == TASK_PATH] == ["sent"]
    assert [posted["body"]["scoreGiven"] for posted in lms.scores] == [8.0]
    assert LmsScore.objects.get().status == "sent"


def test_the_periodic_run_leaves_scores_whose_task_is_queued_or_waiting_alone(
    client, platform, lms, graded_class, run_queued_tasks, django_capture_on_commit_callbacks
):
    from learnapp.lti.tasks import requeue_stranded_scores

    assignment = Assignment.objects.get()
    launch_learner(client, platform, **ags_claim())
    launch_learner(client, platform, sub="learner-2", **ags_claim())
    lms.score_status = 500
    take_assignment(client, assignment, right=4, capture=django_capture_on_commit_callbacks)
    run_queued_tasks()  # learner-1's first try fails: the retry is queued for a minute later
    assert requeue_stranded_scores() == 0
    LmsScore.objects.update(next_try_at=timezone.now() - timedelta(minutes=20))
    assert requeue_stranded_scores() == 0  # its retry is still queued (the worker was away)
    assert DBTaskResult.objects.filter(status=TaskResultStatus.READY).count() == 1


def test_a_link_to_one_of_the_class_s_assignments_is_tied_to_that_assignment(client, platform, lms):
    pattern, _ = make_question_set(slug="keys", title="Keys")
    platform.launch(client, "", sub="teacher-1", roles=INSTRUCTOR)  # makes the class
    client.cookies.clear()
    classroom = Classroom.objects.get()
    mine = AssignmentFactory(classroom=classroom, pattern=pattern, title="Quiz 3")
    elsewhere = AssignmentFactory(pattern=pattern)  # another class's assignment

    launch_learner(
        client, platform, target=f"https://testserver/assignments/{elsewhere.pk}/", **ags_claim()
    )
    assert not GradedLink.objects.exists()  # not this course's to grade

    response = launch_learner(
        client, platform, target=f"https://testserver/assignments/{mine.pk}/", **ags_claim()
    )
    assert response["Location"] == "/assigned/"
    assert GradedLink.objects.get().assignment == mine
    assert LmsScore.objects.get().assignment == mine
    assert Assignment.objects.count() == 2  # nothing made
