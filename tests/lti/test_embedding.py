"""Framing: only an LTI-launched session's pages, only by its platform, cookies fit for frames."""

import pytest

from learnapp.lti.models import Platform
from tests.factories import UserFactory, make_question_set
from tests.lti.platform import INSTRUCTOR, LEARNER

pytestmark = pytest.mark.django_db


def frame_ancestors(response) -> str:
    policy = response["Content-Security-Policy"]
    (directive,) = [d.strip() for d in policy.split(";") if "frame-ancestors" in d]
    return directive


def test_pages_of_a_launched_session_may_be_framed_by_the_platform_only(client, platform):
    make_question_set(slug="keys", title="Keys")
    response = platform.launch(client, "https://testserver/patterns/keys/", roles=INSTRUCTOR)
    for path in [response["Location"], "/patterns/keys/test/", "/classes/"]:
        page = client.get(path)
        assert page.status_code == 200
        assert frame_ancestors(page) == "frame-ancestors https://lms.example.test"
        assert "X-Frame-Options" not in page
        # The rest of the policy is the site's: still no inline script.
        assert "script-src 'self' 'nonce-" in page["Content-Security-Policy"]


def test_the_launch_sends_session_and_csrf_cookies_that_survive_in_a_frame(client, platform):
    response = platform.launch(client, roles=INSTRUCTOR)
    for name in ["sessionid", "csrftoken"]:
        assert response.cookies[name]["samesite"] == "None", name
        assert response.cookies[name]["secure"] is True, name
        # Kept under the LMS's site where third-party cookies are blocked (CHIPS).
        assert response.cookies[name].output().endswith("; Partitioned"), name


def test_a_session_that_was_not_launched_keeps_the_site_policy(client, platform):
    client.force_login(UserFactory())
    page = client.get("/classes/")
    assert frame_ancestors(page) == "frame-ancestors 'none'"
    assert page["X-Frame-Options"] == "DENY"
    assert page.cookies.get("sessionid") is None or page.cookies["sessionid"]["samesite"] != "None"


def test_an_ordinary_log_in_keeps_lax_cookies(client, platform):
    user = UserFactory(username="plain")
    user.set_password("a-long-enough-password-1")
    user.save()
    response = client.post(
        "/accounts/login/", {"username": "plain", "password": "a-long-enough-password-1"}
    )
    assert response.status_code == 302
    assert response.cookies["sessionid"]["samesite"] == "Lax"


def test_the_origins_set_for_a_platform_are_the_ones_that_may_frame(client, platform):
    platform.register("--frame-origin=https://school.instructure.com")
    assert Platform.objects.get().frame_origins == "https://school.instructure.com"
    response = platform.launch(client, roles=INSTRUCTOR)
    page = client.get(response["Location"])
    assert frame_ancestors(page) == "frame-ancestors https://school.instructure.com"


def test_logging_out_ends_the_framing(client, platform):
    platform.launch(client, roles=INSTRUCTOR)
    client.post("/accounts/logout/")
    assert frame_ancestors(client.get("/")) == "frame-ancestors 'none'"


def test_a_learner_session_is_framed_too(client, platform):
    platform.launch(client, sub="teacher", roles=INSTRUCTOR)
    client.cookies.clear()
    response = platform.launch(client, sub="learner", roles=LEARNER)
    assert frame_ancestors(client.get(response["Location"])) == (
        "frame-ancestors https://lms.example.test"
    )


def test_a_message_after_a_form_in_the_frame_comes_back_to_the_frame(client, platform):
    # Messages ride in a cookie until shown: a SameSite=Lax one would not come back from inside
    # the LMS's frame, and "Roster synced…" (or any message) would never be seen there.
    from learnapp.classes.models import Classroom

    platform.launch(client, roles=INSTRUCTOR)
    classroom = Classroom.objects.get()
    response = client.post(f"/lti/classes/{classroom.pk}/roster-sync/")
    cookie = response.cookies["messages"]
    assert (cookie["samesite"], cookie["secure"]) == ("None", True)
    assert cookie.output().endswith("; Partitioned")
    shown = client.get(response["Location"])
    assert "The roster could not be synced" in shown.content.decode()
    # Shown once: the cookie is removed the same way it was set, or a partitioned one would stay.
    removed = shown.cookies["messages"]
    assert removed["max-age"] == 0 and removed.output().endswith("; Partitioned")
