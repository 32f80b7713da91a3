"""An LTI launch in Chromium, inside a course page of a fake platform that frames learnapp.

The platform is a tiny HTTP server of this test on 127.0.0.1; learnapp is the live test server
on localhost, another site, so everything happens in a cross-site frame: the state cookie, the
session after the launch, the CSRF-protected test form. The platform's course page frames
learnapp's login URL; its authorization endpoint signs an id_token and posts it back with a
self-submitting form, as Canvas and Moodle do. (Chromium's local network protection refuses
a public page framing localhost, so the platform is a real local server rather than addresses
answered by Playwright.)
"""

import html
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from playwright.sync_api import expect

from learnapp.learning.models import Attempt
from tests.browser.conftest import AXE, serious_accessibility_violations
from tests.factories import make_question_set
from tests.lti.platform import INSTRUCTOR, LEARNER, FakePlatform

pytestmark = pytest.mark.browser


def course_page(tool_url: str) -> bytes:
    # No favicon to ask the platform for: this fake one answers 404 to anything but its pages,
    # which the browser may report as a console error, or not, depending on timing.
    return f"""<!doctype html><html lang="en"><head><title>Web APIs 101</title>
<link rel="icon" href="data:,"></head>
<body><h1>Web APIs 101</h1>
<iframe title="learnapp" src="{html.escape(tool_url)}" width="1000" height="800"></iframe>
</body></html>""".encode()


def auto_post(url: str, fields: dict) -> bytes:
    inputs = "".join(
        f'<input type="hidden" name="{k}" value="{html.escape(v)}">' for k, v in fields.items()
    )
    return f"""<!doctype html><html lang="en"><head><title>Launching</title>
<link rel="icon" href="data:,"></head><body>
<form method="post" action="{html.escape(url)}">{inputs}</form>
<script>document.forms[0].submit()</script></body></html>""".encode()


class LmsServer:
    """The platform's pages: /course?sub=..&roles=..&target=.. and /auth (the OIDC endpoint)."""

    def __init__(self, tool_url: str):
        self.tool_url = tool_url
        self.seen: dict = {}
        self.users: dict = {}  # login_hint -> (sub, roles, target)
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                url = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                if url.path == "/course":
                    body = course_page(server.course_frame(query["sub"], query.get("target", "")))
                elif url.path == "/auth":
                    body = server.authorize(query)
                else:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.platform = FakePlatform(origin=self.origin)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def course_frame(self, sub: str, target: str) -> str:
        return f"{self.tool_url}/lti/login/?" + urlencode(
            self.platform.login_params(target or f"{self.tool_url}/lti/launch/", login_hint=sub)
        )

    def authorize(self, auth: dict) -> bytes:
        self.seen = auth
        sub, roles, target = self.users[auth["login_hint"]]
        claims = self.platform.claims(auth["nonce"], sub=sub, roles=roles, target=target)
        token = self.platform.sign(claims)
        return auto_post(auth["redirect_uri"], {"id_token": token, "state": auth["state"]})


@pytest.fixture
def lms(transactional_db, monkeypatch, live_server):
    server = LmsServer(live_server.url)
    server.platform.register()
    server.platform.serve_keyset(monkeypatch)
    yield server
    server.httpd.shutdown()
    server.httpd.server_close()


def open_course(browser, lms, *, sub, roles, target=""):
    """A browser at the platform's course page, which frames learnapp for `sub`."""
    lms.users[sub] = (sub, roles, target)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.add_init_script(path=str(AXE))
    page = context.new_page()
    errors: list[str] = []
    # With where it came from: a failed load names the resource.
    page.on(
        "console",
        lambda m: (
            errors.append(f"{m.text} ({m.location.get('url')})") if m.type == "error" else None
        ),
    )
    page.console_errors = errors
    page.goto(f"{lms.origin}/course?" + urlencode({"sub": sub, "target": target}))
    return page


def test_a_learner_launches_from_the_course_and_takes_the_test_inside_the_frame(
    browser, live_server, lms
):
    make_question_set(slug="keys", title="Keys")
    target = f"{live_server.url}/patterns/keys/test/"
    teacher = open_course(browser, lms, sub="teacher-1", roles=INSTRUCTOR)
    expect(
        teacher.frame_locator("iframe").get_by_role("heading", name="Web APIs 101")
    ).to_be_visible()
    teacher.context.close()

    page = open_course(browser, lms, sub="learner-1", roles=LEARNER, target=target)
    frame = page.frame_locator("iframe")
    expect(frame.get_by_role("button", name="Start the test")).to_be_visible()
    assert lms.seen["redirect_uri"] == f"{live_server.url}/lti/launch/"
    assert lms.seen["login_hint"] == "learner-1"
    # Logged in, inside the frame, as the platform's user.
    expect(frame.get_by_role("button", name="Log out")).to_be_visible()
    tool = next(f for f in page.frames if f.url.startswith(live_server.url))
    assert serious_accessibility_violations(tool) == []

    frame.get_by_role("button", name="Start the test").click()
    for number in range(1, 11):
        expect(
            frame.get_by_role("heading", name=re.compile(f"Question {number} of 10"))
        ).to_be_visible()
        frame.locator('input[name="choice"]').nth(1).check()
        name = "Save and next →" if number < 10 else "Review and submit"
        frame.get_by_role("button", name=name).click()
    frame.get_by_role("button", name="Submit the test").click()
    expect(
        frame.get_by_role("heading", name=re.compile(r"You scored [\d.]+ of 10"))
    ).to_be_visible()

    attempt = Attempt.objects.select_related("learner__user").get()
    assert attempt.is_submitted
    assert attempt.learner.user.email == "learner-1@school.example"
    assert page.console_errors == []
    page.context.close()


def test_a_learner_first_then_the_teacher_whose_messages_show_inside_the_frame(
    browser, live_server, lms
):
    make_question_set(slug="keys", title="Keys")
    target = f"{live_server.url}/patterns/keys/test/"
    # No teacher has opened learnapp from the course yet: the learner gets in all the same.
    page = open_course(browser, lms, sub="learner-1", roles=LEARNER, target=target)
    expect(
        page.frame_locator("iframe").get_by_role("button", name="Start the test")
    ).to_be_visible()
    page.context.close()

    teacher = open_course(browser, lms, sub="teacher-1", roles=INSTRUCTOR)
    frame = teacher.frame_locator("iframe")
    expect(frame.get_by_role("heading", name="Web APIs 101")).to_be_visible()
    expect(frame.get_by_text("made this class · you")).to_be_visible()
    expect(frame.get_by_role("link", name="Name of learner-1")).to_be_visible()
    # A form's message comes back to the frame (its cookie is sent cross-site too).
    frame.get_by_role("button", name="Sync roster from the LMS").click()
    expect(frame.get_by_role("status")).to_contain_text("The roster could not be synced")
    assert teacher.console_errors == []
    teacher.context.close()


def test_learnapp_is_not_framed_by_a_site_that_is_not_registered(browser, live_server, lms):
    # The same course page, but learnapp's lesson list in the frame without a launch: the
    # site's own policy (frame-ancestors 'none') stands.
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{lms.origin}/course?" + urlencode({"sub": "nobody", "target": ""}))
    lms.users["nobody"] = ("nobody", LEARNER, "")
    page.evaluate("url => { document.querySelector('iframe').src = url }", f"{live_server.url}/")
    page.wait_for_timeout(1000)
    frame = page.frames[1]
    assert not frame.url.startswith(live_server.url) or "learnapp" not in frame.content()
    context.close()
