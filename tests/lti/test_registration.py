"""Registering a platform (command and admin) and the tool's keys (JWKS, rotate, retire)."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from lti_tool.models import Key, LtiDeployment, LtiRegistration

from tests.factories import UserFactory
from tests.lti.platform import FakePlatform

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def add_args(**changes) -> list[str]:
    options = {
        "name": "Canvas at School",
        "issuer": "https://canvas.instructure.com",
        "client-id": "10000000000042",
        "deployment-id": "7:abc",
        "auth-login-url": "https://sso.canvaslms.com/api/lti/authorize_redirect",
        "auth-token-url": "https://sso.canvaslms.com/login/oauth2/token",
        "keyset-url": "https://sso.canvaslms.com/api/lti/security/jwks",
    } | changes
    return ["ltiplatform", "add", *[f"--{key}={value}" for key, value in options.items()]]


def test_adding_a_platform_is_idempotent_and_updates_it(tool_key):
    run(*add_args())
    run(*add_args())
    out = run(*add_args(name="Canvas (renamed)"))
    registration = LtiRegistration.objects.get()
    assert registration.name == "Canvas (renamed)"
    assert registration.is_active
    (deployment,) = LtiDeployment.objects.all()
    assert (deployment.deployment_id, deployment.is_active) == ("7:abc", True)
    assert "Updated Canvas (renamed)" in out


def test_list_shows_the_urls_to_paste_into_the_lms(settings, tool_key):
    settings.SITE_URL = "https://learn.example.com"
    run(*add_args(**{"frame-origin": "https://school.instructure.com"}))
    out = run("ltiplatform", "list")
    assert "Canvas at School" in out
    assert "client ID: 10000000000042" in out
    assert "deployments: 7:abc" in out
    assert "may frame learnapp: https://school.instructure.com" in out
    assert "Login (OIDC initiation) URL: https://learn.example.com/lti/login/" in out
    assert "Launch / redirect URL: https://learn.example.com/lti/launch/" in out
    assert "Public keyset (JWKS) URL: https://learn.example.com/lti/jwks/" in out
    assert "Deep linking URL: https://learn.example.com/lti/launch/" in out


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ({"keyset-url": "not a url"}, "valid URL"),
        ({"frame-origin": "https://school.example/path"}, "is not an origin"),
    ],
)
def test_bad_values_are_refused_by_the_command(change, says):
    with pytest.raises(CommandError, match=says):
        run(*add_args(**change))
    assert not LtiRegistration.objects.exists()


def test_the_first_use_makes_one_signing_key_and_publishes_it(client):
    assert not Key.objects.exists()
    first = client.get("/lti/jwks/").json()
    second = client.get("/lti/jwks/").json()
    assert first == second
    (key,) = first["keys"]
    assert (key["kty"], key["alg"], key["use"]) == ("RSA", "RS256", "sig")
    assert "d" not in key  # the private part never leaves
    assert Key.objects.count() == 1


def test_rotating_keeps_the_old_key_published_until_it_is_retired(client, tool_key):
    old_kid = str(tool_key)
    out = run("ltikey", "rotate")
    kids = [k["kid"] for k in client.get("/lti/jwks/").json()["keys"]]
    new_kid = str(Key.objects.latest())
    assert set(kids) == {old_kid, new_kid}
    assert f"{new_kid}" in out and "signing" in out

    run("ltikey", "retire")
    kids = [k["kid"] for k in client.get("/lti/jwks/").json()["keys"]]
    assert kids == [new_kid]
    assert "retired" in run("ltikey", "list")


def test_the_newest_key_signs_after_a_rotation(tool_key):
    from learnapp.lti.keys import signing_key

    run("ltikey", "rotate")
    assert signing_key() == Key.objects.latest()
    assert signing_key() != tool_key


def test_login_without_a_client_id_finds_the_only_registration_of_the_issuer(client, platform):
    auth = platform.login(client, "https://testserver/", client_id=None)
    assert auth["client_id"] == platform.client_id


def test_login_without_a_client_id_is_refused_when_the_issuer_has_several(client, platform):
    second = FakePlatform()
    second.client_id = "second-client"
    second.register()
    response = client.get(
        "/lti/login/", platform.login_params("https://testserver/", client_id=None)
    )
    assert response.status_code == 403


def test_the_admin_registers_a_platform_with_its_frame_origins(client, tool_key):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    page = client.get("/admin/lti_tool/ltiregistration/add/")
    assert page.status_code == 200
    assert "learnapp_platform-0-frame_origins" in page.content.decode()
    assert client.get("/admin/lti/linkedclass/").status_code == 200


def test_a_platform_registered_in_the_admin_can_launch(client, tool_key, monkeypatch):
    admin = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin)
    platform = FakePlatform(origin="https://moodle.school.example")
    form = {
        "name": "Moodle at School",
        "uuid": "6f1c1c9e-0b7e-4d39-9d1e-1f0c1a2b3c4d",
        "issuer": platform.issuer,
        "client_id": platform.client_id,
        "audience": "",
        "auth_url": platform.auth_login_url,
        "token_url": platform.auth_token_url,
        "keyset_url": platform.keyset_url,
        "is_active": "on",
        "public_key": "",
        "private_key": "",
        "deployments-TOTAL_FORMS": "1",
        "deployments-INITIAL_FORMS": "0",
        "deployments-0-deployment_id": platform.deployment_id,
        "deployments-0-is_active": "on",
        "deployments-0-pns_url": "",
        "learnapp_platform-TOTAL_FORMS": "1",
        "learnapp_platform-INITIAL_FORMS": "0",
        "learnapp_platform-0-frame_origins": "https://moodle.school.example/path",
    }
    response = client.post("/admin/lti_tool/ltiregistration/add/", form)
    assert response.status_code == 200  # the frame origin with a path is refused
    assert "is not an origin" in response.content.decode()
    form["learnapp_platform-0-frame_origins"] = "https://moodle.school.example"
    response = client.post("/admin/lti_tool/ltiregistration/add/", form)
    assert response.status_code == 302, response.content.decode()[:3000]

    client.logout()
    platform.serve_keyset(monkeypatch)
    launched = platform.launch(
        client,
        sub="teacher-1",
        roles=["http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"],
    )
    assert launched.status_code == 302
    page = client.get(launched["Location"])
    assert "frame-ancestors https://moodle.school.example" in page["Content-Security-Policy"]
