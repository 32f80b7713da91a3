import logging

import pytest
from django.contrib.auth import get_user_model

from learnapp.classes.access import teaches
from learnapp.classes.models import Classroom, Membership
from learnapp.learning.models import Attempt
from learnapp.lti.models import LinkedClass, Teaching
from tests.factories import UserFactory, make_question_set, right_letter
from tests.lti.platform import INSTRUCTOR, LEARNER, TEACHING_ASSISTANT

pytestmark = pytest.mark.django_db

NAME_CLAIMS = ("name", "given_name", "family_name", "email")


def roster_rows(page: str) -> dict[str, str]:
    """The class page's learners: each row's heading cell, by the name its link shows."""
    return {
        row.split("</a>")[0].rsplit(">", 1)[-1]: row.split("</th>")[0]
        for row in page.split('<th scope="row">')[1:]
    }


TEST_PAGE = "https://testserver/patterns/keys/test/"


def test_login_redirects_to_the_platform_with_the_oidc_parameters(client, platform):
    auth = platform.login(client, TEST_PAGE)
    assert auth["client_id"] == platform.client_id
    assert auth["login_hint"] == "user-hint-42"
    assert auth["lti_message_hint"] == "message-hint-7"
    assert auth["redirect_uri"] == "http://testserver/lti/launch/"
    assert auth["state"].startswith("state-")
    assert len(auth["nonce"]) >= 32
    assert (auth["response_type"], auth["response_mode"]) == ("id_token", "form_post")
    assert (auth["scope"], auth["prompt"]) == ("openid", "none")


def test_login_also_accepts_a_post(client, platform):
    response = client.post("/lti/login/", platform.login_params(TEST_PAGE))
    assert response.status_code == 302
    assert response["Location"].startswith(platform.auth_login_url + "?")


def test_login_sets_its_state_cookie_for_a_cross_site_frame(client, platform):
    auth = platform.login(client, TEST_PAGE)
    cookie = client.cookies[f"lti1p3-{auth['state']}"]
    assert cookie["samesite"] == "None"
    assert cookie["secure"] is True
    assert "; Partitioned" in cookie.output()


@pytest.mark.parametrize(
    ("overrides", "status", "says"),
    [
        ({"iss": "https://unknown.example"}, 403, "not registered"),
        ({"client_id": "someone-else"}, 403, "not registered"),
        ({"login_hint": None}, 400, "missing login_hint"),
        ({"target_link_uri": None}, 400, "missing target_link_uri"),
    ],
)
def test_a_bad_login_request_is_refused_with_a_reason(client, platform, overrides, status, says):
    response = client.get("/lti/login/", platform.login_params(TEST_PAGE, **overrides))
    assert response.status_code == status
    assert says in response.content.decode()


def test_a_learner_launches_onto_the_test_logged_in_and_submits(client, platform):
    pattern, _ = make_question_set(slug="keys", title="Keys")
    # The instructor opens it first from the course, which makes the class.
    teacher = platform.launch(client, TEST_PAGE, sub="teacher-1", roles=INSTRUCTOR)
    assert teacher.status_code == 302
    client.cookies.clear()

    response = platform.launch(client, TEST_PAGE, sub="learner-1", roles=LEARNER)

    assert response.status_code == 302
    assert response["Location"] == "/patterns/keys/test/"
    page = client.get("/patterns/keys/test/")
    assert page.status_code == 200
    assert "Name of learner-1" in page.content.decode() or "Name" in page.content.decode()
    learner = get_user_model().objects.get(email="learner-1@school.example")
    assert page.wsgi_request.user == learner
    started = client.post("/patterns/keys/test/")
    attempt = Attempt.objects.get(learner__user=learner, pattern=pattern)
    assert started["Location"] == f"/tests/{attempt.pk}/q/1/"
    for number in range(1, 11):
        saved = client.post(
            f"/tests/{attempt.pk}/answer/",
            {"number": number, "choice": right_letter(attempt, number)},
            HTTP_ACCEPT="application/json",
        )
        assert saved.status_code == 200
    submitted = client.post(f"/tests/{attempt.pk}/submit/")
    assert submitted["Location"] == f"/tests/{attempt.pk}/result/"
    attempt.refresh_from_db()
    assert attempt.is_submitted
    assert attempt.score == 10
    assert "10" in client.get(submitted["Location"]).content.decode()


def test_the_first_instructor_makes_the_class_and_lands_on_it(client, platform):
    response = platform.launch(client, "", sub="teacher-1", roles=INSTRUCTOR)
    linked = LinkedClass.objects.select_related("classroom__instructor").get()
    assert linked.context_id == "course-101"
    assert linked.classroom.name == "Web APIs 101"
    assert linked.classroom.instructor.profile.display_name == "Name of teacher-1"
    assert response["Location"] == f"/classes/{linked.classroom.pk}/"
    assert client.get(response["Location"]).status_code == 200


def test_one_class_per_platform_and_course_with_teachers_and_learners(client, platform):
    platform.launch(client, sub="teacher-1", roles=INSTRUCTOR)
    client.cookies.clear()
    platform.launch(client, sub="assistant-1", roles=TEACHING_ASSISTANT)
    client.cookies.clear()
    platform.launch(client, sub="learner-1", roles=LEARNER)
    client.cookies.clear()
    platform.launch(client, sub="learner-1", roles=LEARNER)  # again: no second anything

    classroom = Classroom.objects.get()
    assert classroom.instructor.email == "teacher-1@school.example"
    assert {(t.user.email, t.role) for t in Teaching.objects.select_related("user")} == {
        ("teacher-1@school.example", Teaching.Role.INSTRUCTOR),
        ("assistant-1@school.example", Teaching.Role.TEACHING_ASSISTANT),
    }
    assert list(Membership.objects.values_list("user__email", flat=True)) == [
        "learner-1@school.example"
    ]
    assert get_user_model().objects.count() == 3


def test_a_second_teacher_of_the_course_lands_on_the_class_too(client, platform):
    platform.launch(client, sub="teacher-1", roles=INSTRUCTOR)
    client.cookies.clear()
    response = platform.launch(client, "", sub="assistant-1", roles=TEACHING_ASSISTANT)
    classroom = Classroom.objects.get()
    assert response["Location"] == f"/classes/{classroom.pk}/"
    assert client.get(response["Location"]).status_code == 200


def test_another_course_is_another_class(client, platform):
    platform.launch(client, sub="teacher-1", roles=INSTRUCTOR)
    client.cookies.clear()
    platform.launch(client, sub="teacher-1", roles=INSTRUCTOR, context_id="course-202")
    assert Classroom.objects.count() == 2
    assert get_user_model().objects.count() == 1


def test_a_learner_can_launch_before_any_teacher_and_the_first_teacher_owns_the_class(
    client, platform
):
    make_question_set(slug="keys", title="Keys")
    response = platform.launch(client, TEST_PAGE, sub="learner-1", roles=LEARNER)

    assert response.status_code == 302
    assert response["Location"] == "/patterns/keys/test/"
    page = client.get("/patterns/keys/test/")
    assert page.status_code == 200
    learner = page.wsgi_request.user
    classroom = Classroom.objects.get()
    assert classroom.name == "Web APIs 101"
    assert Membership.objects.filter(classroom=classroom, user=learner).exists()
    # Nobody can sign in as the class's owner until a teacher comes, and nobody teaches it.
    stand_in = classroom.instructor
    assert not stand_in.is_active and not stand_in.has_usable_password()
    assert stand_in != learner
    assert not teaches(learner, classroom)
    client.cookies.clear()

    teacher_launch = platform.launch(client, sub="teacher-1", roles=INSTRUCTOR)

    classroom.refresh_from_db()
    assert classroom.instructor.email == "teacher-1@school.example"
    assert teacher_launch["Location"] == classroom.get_absolute_url()
    assert client.get(teacher_launch["Location"]).status_code == 200
    assert not get_user_model().objects.filter(pk=stand_in.pk).exists()
    assert Classroom.objects.count() == 1
    assert list(Membership.objects.values_list("user__email", flat=True)) == [
        "learner-1@school.example"
    ]
    client.cookies.clear()
    platform.launch(client, sub="teacher-2", roles=INSTRUCTOR)  # the second teacher co-teaches
    classroom.refresh_from_db()
    assert classroom.instructor.email == "teacher-1@school.example"


def test_the_user_is_found_by_issuer_and_subject_never_by_email(client, platform):
    existing = UserFactory(username="mallory-target", email="learner-1@school.example")
    platform.launch(client, sub="teacher-1", roles=INSTRUCTOR)
    client.cookies.clear()
    platform.launch(client, sub="learner-1", roles=LEARNER)
    launched = client.get("/assigned/").wsgi_request.user
    assert launched.pk != existing.pk
    assert launched.username.startswith("lti-")
    assert not launched.has_usable_password()


def test_the_same_subject_on_the_next_launch_is_the_same_user_with_current_names(client, platform):
    platform.launch(client, sub="teacher-1", roles=INSTRUCTOR)
    client.cookies.clear()
    platform.launch(client, sub="teacher-1", roles=INSTRUCTOR, name="Dr. Renamed", email="new@s.ex")
    (user,) = get_user_model().objects.all()
    assert user.email == "new@s.ex"
    assert user.profile.display_name == "Dr. Renamed"


def test_a_launch_with_the_names_we_have_writes_no_user_row(client, platform):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    platform.launch(client, sub="learner-1", roles=LEARNER)
    client.cookies.clear()
    with CaptureQueriesContext(connection) as again:
        platform.launch(client, sub="learner-1", roles=LEARNER)
    user_writes = [q["sql"] for q in again if q["sql"].startswith('UPDATE "auth_user"')]
    # The launch logged the user in (last_login is recorded); the names, unchanged, are not
    # saved again.
    assert any("last_login" in sql for sql in user_writes), user_writes
    assert all("first_name" not in sql for sql in user_writes), user_writes


def test_the_class_names_its_lms_people_never_by_our_user_names(client, platform):
    # learner-2's platform withholds names and email (a privacy setting); learner-1's does not.
    platform.launch(client, sub="learner-2", roles=LEARNER, **dict.fromkeys(NAME_CLAIMS))
    assert ">My account</a>" in client.get("/assigned/").content.decode()  # the navigation
    client.cookies.clear()
    platform.launch(client, sub="learner-1", roles=LEARNER)
    client.cookies.clear()
    platform.launch(client, sub="teacher-1", roles=INSTRUCTOR)
    # The next launch withholds teacher-1's names: the ones we have stay.
    platform.launch(client, sub="teacher-1", roles=INSTRUCTOR, **dict.fromkeys(NAME_CLAIMS))

    page = client.get(Classroom.objects.get().get_absolute_url()).content.decode()

    rows = roster_rows(page)
    assert "from the LMS" in rows["LMS user learner-2"]
    assert "from the LMS" in rows["Name of learner-1"]
    assert "Name of teacher-1" in page
    assert "lti-" not in page.replace("/lti/", "")


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/patterns/keys/test/",
        "//evil.example/patterns/keys/test/",
        "https://testserver/accounts/password/",
        "https://testserver/lti/launch/",
        "javascript:alert(1)",
    ],
)
def test_a_target_that_is_not_a_learnapp_page_opens_the_class(client, platform, target):
    response = platform.launch(client, target, sub="teacher-1", roles=INSTRUCTOR)
    assert response.status_code == 302
    assert response["Location"] == Classroom.objects.get().get_absolute_url()


def test_a_learner_whose_target_is_not_a_page_lands_on_their_assignments(client, platform):
    platform.launch(client, sub="teacher-1", roles=INSTRUCTOR)
    client.cookies.clear()
    response = platform.launch(client, "https://evil.example/", sub="learner-1", roles=LEARNER)
    assert response["Location"] == "/assigned/"


def test_a_successful_launch_is_logged_without_the_token(client, platform, caplog):
    caplog.set_level(logging.INFO, logger="learnapp.lti")
    response = platform.launch(client, sub="teacher-1", roles=INSTRUCTOR)
    assert "LTI launch" in caplog.text
    assert response.id_token.split(".")[2] not in caplog.text


def test_a_repeat_launch_costs_a_bounded_number_of_queries(
    client, platform, django_assert_max_num_queries
):
    platform.launch(client, sub="teacher-1", roles=INSTRUCTOR)
    client.cookies.clear()
    auth = platform.login(client, "https://testserver/lti/launch/")
    # 48 on SQLite, of which about half are savepoints. Per launch: the tool key and the
    # registration (twice: login lookup and signature), the deployment (twice), the nonce
    # (prune, insert); django-lti's sync of user, context, membership and resource link (a read
    # and a write each); our lookup of the linked user, the user's names, profile, linked class,
    # Instructors group, teaching row; the session (insert, update for the framing origins),
    # last_login, the learner record joined at log-in, the platform's frame origins. A budget,
    # so that a query per role or per claim shows up.
    with django_assert_max_num_queries(50):
        response = platform.launch(client, auth=auth, sub="teacher-1", roles=INSTRUCTOR)
    assert response.status_code == 302


def test_framing_a_launched_session_adds_no_query_to_a_page(client, platform):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    make_question_set(slug="keys", title="Keys")
    client.force_login(UserFactory())
    client.get("/patterns/keys/")
    with CaptureQueriesContext(connection) as plain:
        client.get("/patterns/keys/")
    client.logout()
    platform.launch(client, sub="teacher-1", roles=INSTRUCTOR)
    client.get("/patterns/keys/")
    with CaptureQueriesContext(connection) as framed:
        page = client.get("/patterns/keys/")
    assert "frame-ancestors https://lms.example.test" in page["Content-Security-Policy"]
    # The framing reads the session the page loads anyway (cached_db: the cache, not the db).
    assert len(framed) <= len(plain)


def test_an_assignment_opens_for_its_instructor_and_in_the_list_for_a_learner(client, platform):
    from tests.factories import AssignmentFactory

    platform.launch(client, sub="teacher-1", roles=INSTRUCTOR)
    assignment = AssignmentFactory(classroom=Classroom.objects.get())
    target = f"https://testserver/assignments/{assignment.pk}/"
    client.cookies.clear()
    teacher = platform.launch(client, target, sub="teacher-1", roles=INSTRUCTOR)
    assert teacher["Location"] == f"/assignments/{assignment.pk}/"
    assert client.get(teacher["Location"]).status_code == 200
    client.cookies.clear()
    learner = platform.launch(client, target, sub="learner-1", roles=LEARNER)
    assert learner["Location"] == "/assigned/"


def test_a_lesson_and_practice_open_as_named(client, platform):
    make_question_set(slug="keys", title="Keys")
    platform.launch(client, sub="teacher-1", roles=INSTRUCTOR)
    for path in ["/patterns/keys/", "/patterns/keys/practice/", "/patterns/keys/practice/3/"]:
        client.cookies.clear()
        response = platform.launch(client, f"https://testserver{path}", roles=LEARNER)
        assert response["Location"] == path


class TestOverHttps:
    """As in production: pylti1p3 also keys its launch data by a session-id cookie."""

    def test_a_launch_over_https_works(self, client, platform):
        platform.secure = True
        auth = platform.login(client, "https://testserver/lti/launch/")
        assert auth["redirect_uri"] == "https://testserver/lti/launch/"
        assert "lti1p3-session-id" in client.cookies
        assert "; Partitioned" in client.cookies["lti1p3-session-id"].output()
        response = platform.launch(client, auth=auth, sub="teacher-1", roles=INSTRUCTOR)
        assert response.status_code == 302
        assert response["Location"] == Classroom.objects.get().get_absolute_url()

    def test_blocked_cookies_over_https_offer_a_new_window(self, client, platform):
        platform.secure = True
        auth = platform.login(client, "https://testserver/lti/launch/")
        client.cookies.clear()
        response = platform.launch(client, auth=auth, sub="teacher-1", roles=INSTRUCTOR)
        assert response.status_code == 403
        assert "Open learnapp in a new window" in response.content.decode()
        assert "login_hint=user-hint-42" in response.content.decode()


def test_two_first_launches_at_once_make_one_class(client, platform, monkeypatch):
    from lti_tool.models import LtiRegistration

    from learnapp.lti import provisioning
    from tests.factories import ClassroomFactory

    manager = provisioning.LinkedClass.objects
    real = manager.select_for_update

    def other_teacher_first():
        # The other teacher's first launch commits its class between our lookup and insert.
        monkeypatch.setattr(manager, "select_for_update", real)
        LinkedClass.objects.create(
            registration=LtiRegistration.objects.get(),
            context_id="course-101",
            classroom=ClassroomFactory(name="Theirs"),
        )
        return real().none()

    monkeypatch.setattr(manager, "select_for_update", other_teacher_first)
    response = platform.launch(client, sub="teacher-2", roles=INSTRUCTOR)
    assert response.status_code == 302
    assert list(Classroom.objects.values_list("name", flat=True)) == ["Theirs"]
    assert Teaching.objects.get().linked_class.classroom.name == "Theirs"


class TestPlatformKeys:
    def test_the_platforms_keys_are_fetched_once_for_several_launches(self, client, platform):
        platform.launch(client, sub="teacher-1", roles=INSTRUCTOR)
        client.cookies.clear()
        platform.launch(client, sub="teacher-1", roles=INSTRUCTOR)
        assert platform.keyset_fetches == 1

    def test_a_token_signed_with_the_platforms_new_key_fetches_the_keys_again(
        self, client, platform
    ):
        from tests.lti.platform import new_key

        platform.launch(client, sub="teacher-1", roles=INSTRUCTOR)
        platform.kid = "platform-key-2"
        platform.private_pem, platform.public_jwk = new_key(platform.kid)
        client.cookies.clear()
        response = platform.launch(client, sub="teacher-1", roles=INSTRUCTOR)
        assert response.status_code == 302
        assert platform.keyset_fetches == 2

    def test_a_platform_whose_keys_cannot_be_fetched_is_refused_with_a_reason(
        self, client, platform, monkeypatch
    ):
        import requests

        def down(session, url, *args, **kwargs):
            assert kwargs["timeout"]  # never waits for ever on the platform
            raise requests.ConnectTimeout(url)

        monkeypatch.setattr(requests.Session, "get", down)
        response = platform.launch(client, sub="teacher-1", roles=INSTRUCTOR)
        assert response.status_code == 403
        assert "could not read the platform&#x27;s public keys" in response.content.decode()


def test_an_account_signed_up_under_a_guessable_name_never_receives_a_launch(client, platform):
    import hashlib

    # What a name derived from issuer and subject would be: anyone could sign up with it.
    guess = hashlib.sha256(f"{platform.issuer}\nteacher-1".encode()).hexdigest()[:24]
    squatter = UserFactory(username=f"lti-{guess}")
    platform.launch(client, sub="teacher-1", roles=INSTRUCTOR)
    launched = client.get("/classes/").wsgi_request.user
    assert launched.pk != squatter.pk
    assert launched.username.startswith("lti-")


def test_someone_added_by_email_is_not_taken_for_an_lms_user(client, platform):
    platform.launch(client, sub="learner-1", roles=LEARNER)
    client.cookies.clear()
    platform.launch(client, sub="teacher-1", roles=INSTRUCTOR)
    classroom = Classroom.objects.get()
    # Added by name and email (classes/roster.py): the user name is the address's first part,
    # and no password yet.
    added = UserFactory(username="lti-ana", first_name="Ana", last_name="Lima")
    added.set_unusable_password()
    added.save()
    Membership.objects.create(classroom=classroom, user=added)

    page = client.get(classroom.get_absolute_url()).content.decode()

    rows = roster_rows(page)
    assert "lti-ana" in rows["Ana Lima"] and "from the LMS" not in rows["Ana Lima"]
    assert "from the LMS" in rows["Name of learner-1"]
