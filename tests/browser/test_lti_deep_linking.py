"""Deep linking in Chromium: an instructor picks learnapp content inside the platform's frame.

The platform of test_lti_launch (a local server framing learnapp) sends a deep-linking request
instead of a resource-link launch; the picker opens in the frame, and the signed answer is
posted back to the platform's return URL by the page's static script, under the site's CSP
(form-action widened to the platform for that one page).
"""

from urllib.parse import parse_qs

import jwt
import pytest
from playwright.sync_api import expect

from learnapp.lti import keys
from tests.browser.conftest import serious_accessibility_violations
from tests.browser.test_lti_launch import LmsServer, auto_post, open_course
from tests.factories import make_question_set
from tests.lti.platform import INSTRUCTOR, LTI

pytestmark = pytest.mark.browser

DL = "https://purl.imsglobal.org/spec/lti-dl/claim/"


class DeepLinkingLms(LmsServer):
    """The same platform, whose launches are deep-linking requests."""

    def authorize(self, auth: dict) -> bytes:
        self.seen = auth
        sub, roles, _ = self.users[auth["login_hint"]]
        claims = self.platform.claims(
            auth["nonce"],
            sub=sub,
            roles=roles,
            **{
                LTI + "message_type": "LtiDeepLinkingRequest",
                LTI + "resource_link": None,
                DL + "deep_linking_settings": {
                    "deep_link_return_url": f"{self.origin}/deep_link_return",
                    "accept_types": ["ltiResourceLink"],
                    "accept_presentation_document_targets": ["iframe", "window"],
                    "data": "browser-data",
                },
            },
        )
        token = self.platform.sign(claims)
        return auto_post(auth["redirect_uri"], {"id_token": token, "state": auth["state"]})


@pytest.fixture
def lms(transactional_db, monkeypatch, live_server):
    server = DeepLinkingLms(live_server.url)
    server.platform.register()
    server.platform.serve_keyset(monkeypatch)
    yield server
    server.httpd.shutdown()
    server.httpd.server_close()


def test_an_instructor_picks_a_test_in_the_frame_and_the_platform_receives_it(
    browser, live_server, lms
):
    make_question_set(slug="keys", title="Keys", assessment_title="Keys test")
    received: list[str] = []
    page = open_course(browser, lms, sub="teacher-1", roles=INSTRUCTOR)

    def platform_return(route):
        received.append(route.request.post_data or "")
        route.fulfill(
            status=200,
            content_type="text/html",
            body="<!doctype html><html lang='en'><title>Added</title><h1>Item added</h1></html>",
        )

    # The fake platform serves no favicon, and Chromium reports its 404 when it gets to it:
    # errors are counted by where they come from.
    learnapp_errors: list[str] = []
    page.on(
        "console",
        lambda m: (
            learnapp_errors.append(m.text)
            if m.type == "error" and m.location["url"].startswith(live_server.url)
            else None
        ),
    )
    page.context.route(f"{lms.origin}/deep_link_return", platform_return)
    frame = page.frame_locator("iframe")
    expect(frame.get_by_role("heading", name="Add learnapp content to your course")).to_be_visible()
    tool = next(f for f in page.frames if f.url.startswith(live_server.url))
    assert serious_accessibility_violations(tool) == []

    frame.get_by_role("radio", name="Test: Keys test").check()
    frame.get_by_role("button", name="Add to the course").click()

    expect(frame.get_by_role("heading", name="Item added")).to_be_visible()
    [body] = received
    token = parse_qs(body)["JWT"][0]
    kid = jwt.get_unverified_header(token)["kid"]
    key = next(k for k in keys.jwks()["keys"] if k["kid"] == kid)
    claims = jwt.decode(
        token, jwt.PyJWK(key).key, algorithms=["RS256"], audience=lms.platform.issuer
    )
    [item] = claims[DL + "content_items"]
    assert item["url"] == f"{live_server.url}/patterns/keys/test/"
    assert item["lineItem"]["scoreMaximum"] == 10
    assert claims[DL + "data"] == "browser-data"
    assert learnapp_errors == []
    assert not [e for e in page.console_errors if "Content Security Policy" in e]
    page.context.close()
