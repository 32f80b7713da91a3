"""Grade passback in Chromium: a learner takes a graded link's test inside the LMS's frame, the
worker posts the score to the platform, and the instructor sees it marked sent in the gradebook.

The course page and the OIDC endpoint are test_lti_launch's local platform, whose launches here
carry the Assignment and Grade Services claim; the platform's token endpoint and line item
answer through mocked requests (tests/lti/grade_service.py), in the worker's process.
"""

import re
from urllib.parse import urlencode

import pytest
from playwright.sync_api import expect

from learnapp.lti.models import LmsScore
from tests.browser.conftest import AXE, serious_accessibility_violations
from tests.browser.test_lti_launch import LmsServer, auto_post
from tests.factories import make_question_set
from tests.lti.grade_service import LINEITEMS_PATH, FakeServices, install
from tests.lti.platform import INSTRUCTOR, LEARNER

pytestmark = pytest.mark.browser

AGS = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
SCORE_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"


class GradedLms(LmsServer):
    """The same platform, whose link to learnapp is a graded one (a column of its gradebook)."""

    def authorize(self, auth: dict) -> bytes:
        self.seen = auth
        sub, roles, target = self.users[auth["login_hint"]]
        lineitems = f"{self.origin}{LINEITEMS_PATH}"
        claims = self.platform.claims(
            auth["nonce"],
            sub=sub,
            roles=roles,
            target=target,
            **{AGS: {"scope": [SCORE_SCOPE], "lineitems": lineitems, "lineitem": f"{lineitems}/7"}},
        )
        token = self.platform.sign(claims)
        return auto_post(auth["redirect_uri"], {"id_token": token, "state": auth["state"]})


@pytest.fixture
def graded_lms(transactional_db, monkeypatch, live_server):
    server = GradedLms(live_server.url)
    server.platform.register()
    server.platform.serve_keyset(monkeypatch)
    server.services = install(FakeServices(server.platform), monkeypatch)
    yield server
    server.httpd.shutdown()
    server.httpd.server_close()


def open_course(browser, lms, *, sub, roles, target):
    lms.users[sub] = (sub, roles, target)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.add_init_script(path=str(AXE))
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.console_errors = errors
    page.goto(f"{lms.origin}/course?" + urlencode({"sub": sub, "target": target}))
    return page


def test_a_learner_s_score_reaches_the_lms_and_the_instructor_sees_it_sent(
    browser, live_server, graded_lms, run_queued_tasks
):
    make_question_set(slug="keys", title="Keys")
    target = f"{live_server.url}/patterns/keys/test/"
    teacher = open_course(browser, graded_lms, sub="teacher-1", roles=INSTRUCTOR, target=target)
    expect(teacher.frame_locator("iframe").get_by_role("heading", name="Keys")).to_be_visible()
    teacher.context.close()

    page = open_course(browser, graded_lms, sub="learner-1", roles=LEARNER, target=target)
    frame = page.frame_locator("iframe")
    # The graded link opens the learner's assignments, where the test counts for the course.
    frame.get_by_role("button", name="Start Keys test").click()
    for number in range(1, 11):
        expect(
            frame.get_by_role("heading", name=re.compile(f"Question {number} of 10"))
        ).to_be_visible()
        frame.locator('input[name="choice"]').nth(1).check()
        name = "Save and next →" if number < 10 else "Review and submit"
        frame.get_by_role("button", name=name).click()
    frame.get_by_role("button", name="Submit the test").click()
    expect(frame.get_by_role("heading", name=re.compile(r"[\d.]+ of 10"))).to_be_visible()
    assert page.console_errors == []
    page.context.close()

    [run] = run_queued_tasks()

    assert run.return_value == "sent"
    [posted] = graded_lms.services.scores
    assert posted["body"]["userId"] == "learner-1"
    assert posted["body"]["scoreMaximum"] == 10
    assert LmsScore.objects.get().status == "sent"

    teacher = open_course(browser, graded_lms, sub="teacher-1", roles=INSTRUCTOR, target="")
    frame = teacher.frame_locator("iframe")
    frame.get_by_role("link", name="Gradebook").click()
    expect(frame.get_by_text("LMS: sent")).to_be_visible()
    expect(frame.get_by_text("scores go to the LMS")).to_be_visible()
    tool = next(f for f in teacher.frames if f.url.startswith(live_server.url))
    assert serious_accessibility_violations(tool) == []
    assert teacher.console_errors == []
    teacher.context.close()
