"""Roster sync from the LMS (Names and Role Provisioning Services) against the fake platform."""

import pytest
import requests
from django.contrib.auth import get_user_model
from django.core.management import call_command
from lti_tool.models import LtiUser

from learnapp.classes.models import Classroom, Membership
from learnapp.lti.models import Teaching
from learnapp.lti.services import NRPS_SCOPE
from tests.factories import make_instructor
from tests.lti.fake_services import FakeHttpResponse, FakeServices
from tests.lti.platform import INSTRUCTOR, LEARNER, TEACHING_ASSISTANT

pytestmark = pytest.mark.django_db

NRPS_CLAIM = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
MEMBERS_URL = "https://lms.example.test/api/lti/courses/101/names_and_roles"
PAGE_2 = MEMBERS_URL + "?page=2"
LAUNCH_URL = "https://testserver/lti/launch/"


def member(user_id, roles=LEARNER, **fields):
    return {
        "status": "Active",
        "user_id": user_id,
        "name": f"Member {user_id}",
        "given_name": "Member",
        "family_name": user_id,
        "email": f"{user_id}@school.example",
        "roles": roles,
        **fields,
    }


@pytest.fixture
def services(platform, client, monkeypatch):
    services = FakeServices(platform, client)
    services.install(monkeypatch)
    services.routes[("GET", MEMBERS_URL)] = FakeHttpResponse(
        200,
        {
            "id": MEMBERS_URL,
            "context": {"id": "course-101", "label": "CS101", "title": "Web APIs 101"},
            "members": [
                member("teacher-1", INSTRUCTOR),
                member("learner-1"),  # launched before: the same user, names updated
                member("learner-2"),  # never launched
            ],
        },
        headers={"Link": f'<{MEMBERS_URL}?page=1>; rel="first", <{PAGE_2}>; rel="next"'},
    )
    services.routes[("GET", PAGE_2)] = FakeHttpResponse(
        200,
        {
            "id": MEMBERS_URL,
            "members": [
                member("learner-3", name="Ada Lovelace"),
                member("ta-1", TEACHING_ASSISTANT),
                member("gone-1", status="Inactive"),
                member("mentor-1", ["http://purl.imsglobal.org/vocab/lis/v2/membership#Mentor"]),
            ],
        },
    )
    return services


def launch(client, platform, sub, roles):
    claims = {NRPS_CLAIM: {"context_memberships_url": MEMBERS_URL, "service_versions": ["2.0"]}}
    response = platform.launch(client, LAUNCH_URL, sub=sub, roles=roles, **claims)
    assert response.status_code == 302, response.content.decode()[:400]
    return response


@pytest.fixture
def classroom(client, platform):
    launch(client, platform, "learner-0", INSTRUCTOR)  # not the roster's teacher-1: no matter
    client.cookies.clear()
    launch(client, platform, "learner-1", LEARNER)
    client.cookies.clear()
    launch(client, platform, "teacher-1", INSTRUCTOR)  # the client stays logged in as them
    return Classroom.objects.get(lti_link__context_id="course-101")


def lti_user(sub):
    return LtiUser.objects.get(sub=sub).auth_user


@pytest.fixture
def sync(client, run_queued_tasks, django_capture_on_commit_callbacks):
    """The teacher's "Sync roster from the LMS", then the worker's run; the class page after."""

    def sync(classroom, failures_expected: bool = False) -> str:
        with django_capture_on_commit_callbacks(execute=True):
            asked = client.post(f"/lti/classes/{classroom.pk}/roster-sync/", follow=True)
        assert asked.status_code == 200
        sync.runs = run_queued_tasks(failures_expected)
        return client.get(classroom.get_absolute_url()).content.decode()

    return sync


def test_an_instructor_syncs_the_roster_and_learners_who_never_launched_join(
    client, platform, services, classroom, run_queued_tasks, django_capture_on_commit_callbacks
):
    page = client.get(classroom.get_absolute_url()).content.decode()
    assert "Sync roster from the LMS" in page
    learner_1 = lti_user("learner-1")

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/lti/classes/{classroom.pk}/roster-sync/", follow=True)

    # The request only asks: the worker reads the roster, however many pages it has.
    assert response.status_code == 200
    assert "The roster is being synced from the LMS" in response.content.decode()
    assert services.service_requests == []
    assert "is on its way" in client.get(classroom.get_absolute_url()).content.decode()
    # Asked again before the worker ran: still one sync.
    with django_capture_on_commit_callbacks(execute=True):
        again = client.post(f"/lti/classes/{classroom.pk}/roster-sync/", follow=True)
    assert "A roster sync is already on its way" in again.content.decode()

    [run] = run_queued_tasks()

    assert run.return_value == "synced"
    page = client.get(classroom.get_absolute_url()).content.decode()
    assert "Last roster sync, " in page
    assert "Roster synced from the LMS: 2 learners added, 1 teacher added" in page
    # The token was asked for with the roster scope; both pages were read with it.
    assert services.token_requests[0]["scope"] == NRPS_SCOPE
    assert [url for method, url, _ in services.service_requests] == [MEMBERS_URL, PAGE_2]
    accept = services.service_requests[0][2]["Accept"]
    assert accept == "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"

    learners = set(
        Membership.objects.filter(classroom=classroom).values_list(
            "user__lti_users__sub", flat=True
        )
    )
    assert learners == {"learner-1", "learner-2", "learner-3"}
    # Found by (issuer, user_id): learner-1 is the user their launch made, not a second one.
    assert lti_user("learner-1") == learner_1
    assert get_user_model().objects.filter(email="learner-1@school.example").count() == 1
    ada = lti_user("learner-3")
    assert (ada.email, ada.profile.display_name) == ("learner-3@school.example", "Ada Lovelace")
    assert Teaching.objects.get(user=lti_user("ta-1")).role == "ta"
    assert not LtiUser.objects.filter(sub__in=["gone-1", "mentor-1"], auth_user__isnull=False)

    gradebook = client.get(f"/classes/{classroom.pk}/gradebook/").content.decode()
    assert "Ada Lovelace" in gradebook and "Member learner-2" in gradebook

    # Again: nothing new, nobody doubled.
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/lti/classes/{classroom.pk}/roster-sync/")
    run_queued_tasks()
    again = client.get(classroom.get_absolute_url()).content.decode()
    assert "0 learners added, 0 teachers added, 5 already in the class" in again
    assert Membership.objects.filter(classroom=classroom).count() == 3
    assert len(services.token_requests) == 1  # the token was kept


def test_a_member_the_platform_does_not_name_is_shown_by_their_lms_id(
    client, platform, services, classroom, sync
):
    page_1 = services.routes[("GET", MEMBERS_URL)].json()["members"]
    page_1.append({"status": "Active", "user_id": "learner-9", "roles": LEARNER})
    # learner-1 launched with names; the roster now withholds them: the names stay.
    page_1[1] = {"status": "Active", "user_id": "learner-1", "roles": LEARNER}

    page = sync(classroom)

    assert "LMS user learner-9" in page
    assert "Name of learner-1" in page
    assert "lti-" not in page.replace("/lti/", "")


@pytest.mark.parametrize(
    ("failure", "says"),
    [
        ("timeout", "could not reach"),
        ("token refused", "refused learnapp"),
        ("roster error", "answered with an error"),
    ],
)
def test_a_failed_sync_is_a_message_not_an_error_page(
    client, platform, services, classroom, failure, says, caplog, sync
):
    if failure == "timeout":
        services.fail_with = requests.ConnectTimeout()
    elif failure == "token refused":
        services.token_status = 400
    else:
        services.routes[("GET", PAGE_2)] = FakeHttpResponse(500, {"error": "boom"})
    page = sync(classroom)
    assert "Last roster sync, " in page
    assert "The roster could not be synced" in page
    assert says in page
    assert "roster sync" in caplog.text
    # Nothing half done: the first page's learners were not added either.
    assert not Membership.objects.filter(classroom=classroom, user__lti_users__sub="learner-2")


def test_without_the_service_the_instructor_is_told_how_to_turn_it_on(client, platform, services):
    platform.launch(client, LAUNCH_URL, sub="teacher-1", roles=INSTRUCTOR)  # no NRPS claim
    classroom = Classroom.objects.get(lti_link__context_id="course-101")
    page = client.post(f"/lti/classes/{classroom.pk}/roster-sync/", follow=True).content.decode()
    assert "Names and Role Provisioning service" in page
    assert services.token_requests == []


def test_only_a_teacher_of_the_class_can_sync(client, platform, services, classroom):
    client.cookies.clear()
    launch(client, platform, "learner-1", LEARNER)
    assert client.post(f"/lti/classes/{classroom.pk}/roster-sync/").status_code == 404
    client.force_login(make_instructor())
    assert client.post(f"/lti/classes/{classroom.pk}/roster-sync/").status_code == 404
    assert client.get(f"/lti/classes/{classroom.pk}/roster-sync/").status_code == 405
    assert services.token_requests == []


def test_a_class_made_in_learnapp_has_no_sync_button(client):
    owner = make_instructor()
    classroom = Classroom.objects.create(name="Local", instructor=owner)
    client.force_login(owner)
    assert "Sync roster" not in client.get(classroom.get_absolute_url()).content.decode()


def test_the_command_syncs_a_class(client, platform, services, classroom, capsys):
    call_command("ltiroster", "sync", str(classroom.pk))
    assert "2 learners added" in capsys.readouterr().out
    assert Membership.objects.filter(classroom=classroom).count() == 3


def test_a_sync_racing_another_join_is_a_message(
    client, platform, services, classroom, monkeypatch, sync
):
    from django.db import IntegrityError

    from learnapp.lti import nrps

    def clash(*args):
        raise IntegrityError("duplicate key")

    monkeypatch.setattr(nrps, "_user_for", clash)
    assert "at the same moment. Sync again." in sync(classroom)


def test_malformed_members_are_left_out(client, platform, services, classroom, sync):
    services.routes[("GET", PAGE_2)] = FakeHttpResponse(
        200, {"members": [{"user_id": "x" * 300, "roles": LEARNER}, {"roles": LEARNER}, "junk"]}
    )
    page = sync(classroom)
    assert "1 learner added" in page  # learner-2, from the first page
    assert "3 inactive or without a learnapp role left out" in page


def test_a_sync_of_a_class_a_learner_opened_first_gives_it_to_the_first_teacher_listed(
    client, platform, services, capsys
):
    launch(client, platform, "learner-1", LEARNER)
    classroom = Classroom.objects.get(lti_link__context_id="course-101")
    stand_in = classroom.instructor
    assert not stand_in.is_active

    call_command("ltiroster", "sync", str(classroom.pk))

    classroom.refresh_from_db()
    assert classroom.instructor == lti_user("teacher-1")
    assert not get_user_model().objects.filter(pk=stand_in.pk).exists()
    assert Teaching.objects.get(user=lti_user("ta-1")).role == "ta"
    assert Membership.objects.filter(classroom=classroom).count() == 3
    client.force_login(lti_user("teacher-1"))
    page = client.get(classroom.get_absolute_url()).content.decode()
    assert "Sync roster from the LMS" in page and "made this class" in page


def test_a_sync_no_worker_ran_can_be_asked_for_again_later(
    client, platform, services, classroom, django_capture_on_commit_callbacks
):
    from django_tasks_db.models import DBTaskResult

    from learnapp.lti.models import ROSTER_SYNC_GIVEN_UP_AFTER, LinkedClass

    def ask() -> str:
        with django_capture_on_commit_callbacks(execute=True):
            page = client.post(f"/lti/classes/{classroom.pk}/roster-sync/", follow=True)
        return page.content.decode()

    assert "is being synced" in ask()
    assert "already on its way" in ask()
    # No worker ran it; past the time a worker takes, the teacher may ask again.
    linked = LinkedClass.objects.get(classroom=classroom)
    linked.roster_sync_asked_at -= ROSTER_SYNC_GIVEN_UP_AFTER
    linked.save(update_fields=["roster_sync_asked_at"])
    assert "has not run: sync again" in client.get(classroom.get_absolute_url()).content.decode()
    assert "is being synced" in ask()
    assert DBTaskResult.objects.filter(task_path__endswith="sync_roster_in_background").count() == 2


def test_a_sync_that_crashes_says_so_on_the_class_page(
    client, platform, services, classroom, monkeypatch, sync
):
    from django.tasks import TaskResultStatus

    from learnapp.lti import nrps

    def crash(classroom):
        raise RuntimeError("database is locked")

    monkeypatch.setattr(nrps, "sync_roster", crash)

    page = sync(classroom, failures_expected=True)

    assert [run.status for run in sync.runs] == [TaskResultStatus.FAILED]
    assert "stopped on an unexpected error. Sync again." in page
    assert "on its way" not in page
