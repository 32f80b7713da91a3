"""Launches that must not get in: each answers 4xx with a page saying why, logged without the token."""

import logging
import time

import pytest
from django.contrib.auth import get_user_model

from learnapp.lti.models import UsedNonce
from tests.lti.platform import INSTRUCTOR, LEARNER, new_key

pytestmark = pytest.mark.django_db


def post(client, token, state):
    data = {key: value for key, value in {"id_token": token, "state": state}.items() if value}
    return client.post("/lti/launch/", data)


def assert_refused(response, status, says, caplog, token=""):
    assert response.status_code == status
    page = response.content.decode()
    assert says in page, page
    assert get_user_model().objects.count() == 0
    assert "LTI launch refused" in caplog.text
    if token:
        # Neither the token nor its signature (the part that makes it usable) is logged.
        assert token not in caplog.text
        signature = token.split(".")[2]
        assert not signature or signature not in caplog.text


@pytest.fixture
def auth(client, platform):
    return platform.login(client, "https://testserver/lti/launch/")


@pytest.fixture(autouse=True)
def _warnings(caplog):
    caplog.set_level(logging.INFO, logger="learnapp.lti")


def test_a_token_signed_with_another_key_is_refused(client, platform, auth, caplog):
    other_pem, _ = new_key("attacker-key")
    # Same kid as the platform's real key: only the signature itself can tell.
    token = platform.sign(platform.claims(auth["nonce"], roles=INSTRUCTOR), key_pem=other_pem)
    response = post(client, token, auth["state"])
    assert_refused(response, 403, "signature", caplog, token)


def test_a_tampered_claim_breaks_the_signature(client, platform, auth, caplog):
    token = platform.sign(platform.claims(auth["nonce"], roles=INSTRUCTOR))
    header, _body, signature = token.split(".")
    forged = platform.sign(platform.claims(auth["nonce"], roles=INSTRUCTOR, sub="admin"))
    token = f"{header}.{forged.split('.')[1]}.{signature}"
    assert_refused(post(client, token, auth["state"]), 403, "signature", caplog, token)


def test_a_token_for_another_audience_is_refused(client, platform, auth, caplog):
    token = platform.sign(platform.claims(auth["nonce"], roles=INSTRUCTOR, aud="another-tool"))
    assert_refused(post(client, token, auth["state"]), 403, "audience", caplog, token)


def test_several_audiences_without_learnapp_as_authorized_party_are_refused(
    client, platform, auth, caplog
):
    claims = platform.claims(
        auth["nonce"], roles=INSTRUCTOR, aud=[platform.client_id, "another-tool"], azp="another"
    )
    token = platform.sign(claims)
    assert_refused(post(client, token, auth["state"]), 403, "authorized party", caplog, token)


def test_an_expired_token_is_refused(client, platform, auth, caplog):
    past = int(time.time()) - 600
    claims = platform.claims(auth["nonce"], roles=INSTRUCTOR, iat=past - 60, exp=past)
    token = platform.sign(claims)
    assert_refused(post(client, token, auth["state"]), 403, "expired", caplog, token)


def test_a_token_without_an_expiry_is_refused(client, platform, auth, caplog):
    token = platform.sign(platform.claims(auth["nonce"], roles=INSTRUCTOR, exp=None))
    assert_refused(post(client, token, auth["state"]), 403, "validity", caplog, token)


def test_a_replayed_launch_is_refused(client, platform, auth, caplog):
    token = platform.sign(platform.claims(auth["nonce"], roles=INSTRUCTOR))
    assert post(client, token, auth["state"]).status_code == 302
    client.logout()
    response = post(client, token, auth["state"])
    assert response.status_code == 403
    assert "already been used" in response.content.decode()
    assert token.split(".")[2] not in caplog.text
    assert UsedNonce.objects.count() == 1


def test_a_nonce_the_tool_never_issued_is_refused(client, platform, auth, caplog):
    token = platform.sign(platform.claims("made-up-nonce", roles=INSTRUCTOR))
    assert_refused(post(client, token, auth["state"]), 403, "nonce", caplog, token)


def test_an_unknown_deployment_is_refused_and_not_recorded(client, platform, auth, caplog):
    from lti_tool.models import LtiDeployment

    claims = platform.claims(auth["nonce"], roles=INSTRUCTOR)
    claims["https://purl.imsglobal.org/spec/lti/claim/deployment_id"] = "deployment-unknown"
    token = platform.sign(claims)
    assert_refused(post(client, token, auth["state"]), 403, "deployment", caplog, token)
    assert list(LtiDeployment.objects.values_list("deployment_id", flat=True)) == ["deployment-1"]


def test_an_inactive_deployment_is_refused(client, platform, auth, caplog):
    from lti_tool.models import LtiDeployment

    LtiDeployment.objects.update(is_active=False)
    token = platform.sign(platform.claims(auth["nonce"], roles=INSTRUCTOR))
    assert_refused(post(client, token, auth["state"]), 403, "deployment", caplog, token)


def test_an_unknown_issuer_is_refused(client, platform, auth, caplog):
    token = platform.sign(platform.claims(auth["nonce"], roles=INSTRUCTOR, iss="https://x.test"))
    assert_refused(post(client, token, auth["state"]), 403, "not registered", caplog, token)


def test_a_launch_without_state_is_refused(client, platform, auth, caplog):
    token = platform.sign(platform.claims(auth["nonce"], roles=INSTRUCTOR))
    assert_refused(post(client, token, ""), 400, "no state", caplog, token)


def test_a_tampered_state_cookie_is_refused(client, platform, auth, caplog):
    client.cookies[f"lti1p3-{auth['state']}"] = "state-forged"
    token = platform.sign(platform.claims(auth["nonce"], roles=INSTRUCTOR))
    assert_refused(post(client, token, auth["state"]), 403, "state does not match", caplog, token)


def test_a_state_from_another_login_is_refused(client, platform, auth, caplog):
    token = platform.sign(platform.claims(auth["nonce"], roles=INSTRUCTOR))
    other = platform.login(client, "https://testserver/lti/launch/")
    client.cookies.pop(f"lti1p3-{auth['state']}")
    response = post(client, token, other["state"] + "x")
    assert response.status_code == 403


def test_a_missing_state_cookie_offers_a_new_window(client, platform, auth, caplog):
    # What a browser that blocks cookies in cross-site frames sends back: no cookie at all.
    client.cookies.clear()
    token = platform.sign(platform.claims(auth["nonce"], roles=INSTRUCTOR))
    response = post(client, token, auth["state"])
    assert_refused(response, 403, "did not send back the cookie", caplog, token)
    page = response.content.decode()
    assert "Open learnapp in a new window" in page
    assert 'target="_blank"' in page
    assert "/lti/login/?iss=" in page
    assert "login_hint=user-hint-42" in page


@pytest.mark.parametrize(
    "token",
    [
        "not-a-jwt",
        "a.b.c",
        "eyJhbGciOiJub25lIn0.eyJub25jZSI6IngifQ.",
        "eyJ.eyJ.x",
    ],
)
def test_garbage_tokens_are_refused_not_crashed(client, platform, auth, caplog, token):
    response = post(client, token, auth["state"])
    assert 400 <= response.status_code < 500
    assert get_user_model().objects.count() == 0


def test_an_alg_none_token_is_refused(client, platform, auth, caplog):
    import jwt

    token = jwt.encode(
        platform.claims(auth["nonce"], roles=INSTRUCTOR),
        key=None,
        algorithm="none",
        headers={"kid": platform.kid},
    )
    assert_refused(post(client, token, auth["state"]), 403, "signature", caplog, token)


def test_a_launch_without_a_token_is_refused(client, platform, auth, caplog):
    response = post(client, "", auth["state"])
    assert response.status_code == 400
    assert "no id_token" in response.content.decode()


def test_a_get_to_the_launch_is_refused(client, platform):
    assert client.get("/lti/launch/").status_code == 405


def test_a_learners_deep_linking_request_is_refused(client, platform, auth, caplog):
    dl = "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"
    claims = platform.claims(
        auth["nonce"],
        roles=LEARNER,
        **{
            "https://purl.imsglobal.org/spec/lti/claim/message_type": "LtiDeepLinkingRequest",
            dl: {
                "deep_link_return_url": "https://lms.example.test/dl",
                "accept_types": ["ltiResourceLink"],
                "accept_presentation_document_targets": ["iframe"],
            },
        },
    )
    token = platform.sign(claims)
    assert_refused(post(client, token, auth["state"]), 403, "Only the course", caplog, token)


def test_a_refused_launch_page_may_be_framed_by_registered_platforms_only(client, platform, auth):
    response = post(client, "not-a-jwt", auth["state"])
    policy = response["Content-Security-Policy"]
    assert "frame-ancestors https://lms.example.test" in policy
    assert "X-Frame-Options" not in response


LTI = "https://purl.imsglobal.org/spec/lti/claim/"


@pytest.mark.parametrize(
    ("claims", "says"),
    [
        ({LTI + "context": None}, "which course"),
        ({LTI + "context": "course-101"}, "which course"),
        ({LTI + "context": {"id": 101}}, "which course"),
        ({LTI + "roles": "Instructor"}, "not a list of roles"),
        ({"email": "x" * 300 + "@school.example"}, "malformed: email"),
        ({"name": {"first": "Ada"}}, "malformed: name"),
        ({"sub": "s" * 256}, "malformed: sub"),
        ({LTI + "tool_platform": {"name": "no guid"}}, "tool platform guid"),
        ({LTI + "resource_link": {"id": "r" * 300}}, "resource link id"),
    ],
)
def test_a_signed_launch_with_malformed_claims_is_a_400_not_a_crash(
    client, platform, auth, caplog, claims, says
):
    token = platform.sign(platform.claims(auth["nonce"], roles=INSTRUCTOR) | claims)
    assert_refused(post(client, token, auth["state"]), 400, says, caplog, token)


def test_an_azp_that_is_not_learnapp_is_refused(client, platform, auth, caplog):
    token = platform.sign(platform.claims(auth["nonce"], roles=INSTRUCTOR, azp="another-tool"))
    assert_refused(post(client, token, auth["state"]), 403, "authorized party", caplog, token)


def test_a_role_learnapp_has_no_use_for_is_refused(client, platform, auth, caplog):
    mentor = ["http://purl.imsglobal.org/vocab/lis/v2/membership#Mentor"]
    token = platform.sign(platform.claims(auth["nonce"], roles=mentor))
    assert_refused(post(client, token, auth["state"]), 403, "none of these roles", caplog, token)
