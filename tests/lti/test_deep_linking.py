"""Deep linking: an instructor picks learnapp content in the LMS, and the LMS gets signed links."""

import html
import re

import jwt
import pytest

from learnapp.classes.models import Classroom
from tests.factories import AssignmentFactory, make_assessment_pool, make_question_set
from tests.lti.platform import INSTRUCTOR, LEARNER, LTI, TEACHING_ASSISTANT

pytestmark = pytest.mark.django_db

DL = "https://purl.imsglobal.org/spec/lti-dl/claim/"
RETURN_URL = "https://lms.example.test/courses/101/deep_link_return"
LAUNCH_URL = "https://testserver/lti/launch/"


def dl_claims(**settings) -> dict:
    """What a deep-linking launch carries instead of a resource link."""
    asked = {
        "deep_link_return_url": RETURN_URL,
        "accept_types": ["link", "ltiResourceLink"],
        "accept_presentation_document_targets": ["iframe", "window"],
        "accept_multiple": False,
        "data": "opaque-platform-data-7",
    }
    asked.update(settings)
    return {
        LTI + "message_type": "LtiDeepLinkingRequest",
        LTI + "resource_link": None,
        DL + "deep_linking_settings": {k: v for k, v in asked.items() if v is not None},
    }


def deep_link_launch(client, platform, *, sub="teacher-1", roles=INSTRUCTOR, **settings):
    return platform.launch(client, LAUNCH_URL, sub=sub, roles=roles, **dl_claims(**settings))


def read_response_form(page: str) -> tuple[str, str]:
    """(action, JWT) of the auto-posting form, as the browser would post it."""
    form = re.search(r'<form method="post" action="([^"]+)" data-lti-auto-submit>', page)
    token = re.search(r'<input type="hidden" name="JWT" value="([^"]+)">', page)
    assert form and token, page
    return html.unescape(form.group(1)), html.unescape(token.group(1))


def platform_reads(client, platform, token: str) -> dict:
    """What the platform does with the response: verify it against the tool's JWKS, read it."""
    jwks = client.get("/lti/jwks/").json()
    kid = jwt.get_unverified_header(token)["kid"]
    key = next(k for k in jwks["keys"] if k["kid"] == kid)
    return jwt.decode(
        token,
        jwt.PyJWK(key).key,
        algorithms=["RS256"],
        audience=platform.issuer,
        issuer=platform.client_id,
        options={"require": ["exp", "iat", "nonce"]},
    )


@pytest.fixture
def content(db):
    pattern, _ = make_question_set(slug="keys", title="Keys", assessment_title="Keys test")
    pooled, _ = make_question_set(slug="joins", title="Joins")
    make_assessment_pool(pooled)  # blueprint 3 easy, 4 medium, 3 hard: ten questions a test
    return pattern


def test_an_instructor_picks_a_test_and_the_platform_gets_a_signed_graded_link(
    client, platform, content
):
    response = deep_link_launch(client, platform)
    assert response.status_code == 302
    picker = client.get(response["Location"])
    assert picker.status_code == 200
    page = picker.content.decode()
    assert "Add learnapp content to your course" in page
    for value in ("lesson:keys", "practice:keys", "test:keys", "test:joins"):
        assert f'value="{value}"' in page
    # Under each pattern's heading: its lesson, practice and test, named once each.
    assert ">Test: Keys test <span" in page and "Practice: Practice" not in page
    # The picker is framed by the platform, like a launched page.
    assert "frame-ancestors https://lms.example.test" in picker["Content-Security-Policy"]

    answer = client.post(response["Location"], {"item": "test:keys"})

    assert answer.status_code == 200
    page = answer.content.decode()
    action, token = read_response_form(page)
    assert action == RETURN_URL
    # Posted by a static script with the page's nonce; a Continue button without JavaScript.
    assert re.search(r'<script src="/static/js/lti-deep-link[^"]*\.js" nonce="[^"]+"', page)
    assert "<script>" not in page and "onload" not in page
    assert ">Continue</button>" in page
    policy = answer["Content-Security-Policy"]
    assert "form-action 'self' https://lms.example.test" in policy
    assert "frame-ancestors https://lms.example.test" in policy

    claims = platform_reads(client, platform, token)
    assert claims[LTI + "message_type"] == "LtiDeepLinkingResponse"
    assert claims[LTI + "version"] == "1.3.0"
    assert claims[LTI + "deployment_id"] == platform.deployment_id
    assert claims[DL + "data"] == "opaque-platform-data-7"
    [item] = claims[DL + "content_items"]
    assert item["type"] == "ltiResourceLink"
    assert item["title"] == "Keys test"
    assert item["url"] == "http://testserver/patterns/keys/test/"
    assert item["lineItem"] == {"scoreMaximum": 10, "label": "Keys test", "resourceId": "test:keys"}


def test_a_lesson_is_a_link_without_a_gradebook_column(client, platform, content):
    picker = deep_link_launch(client, platform, data=None)["Location"]
    _, token = read_response_form(client.post(picker, {"item": "lesson:keys"}).content.decode())
    claims = platform_reads(client, platform, token)
    [item] = claims[DL + "content_items"]
    assert (item["title"], item["url"]) == ("Keys", "http://testserver/patterns/keys/")
    assert "lineItem" not in item
    assert DL + "data" not in claims  # the platform sent none, so none is echoed


def test_a_teaching_assistant_picks_one_of_the_class_assignments(client, platform, content):
    # The instructor's first launch makes the class; its assignments are offered.
    platform.launch(client, LAUNCH_URL, sub="teacher-1", roles=INSTRUCTOR)
    classroom = Classroom.objects.get(lti_link__context_id="course-101")
    quiz = AssignmentFactory(
        classroom=classroom, title="Week 3 quiz", pattern=None, question_ids=[1, 2, 3, 4]
    )
    other_class = AssignmentFactory(title="Someone else's quiz")
    client.cookies.clear()

    picker = deep_link_launch(client, platform, sub="ta-1", roles=TEACHING_ASSISTANT)["Location"]
    page = client.get(picker).content.decode()
    assert "Week 3 quiz" in page and "Someone else" not in page

    # Another class's assignment, sent by hand, is not accepted.
    refused = client.post(picker, {"item": f"assignment:{other_class.pk}"})
    assert refused.status_code == 400
    assert "Choose one of the items" in refused.content.decode()

    _, token = read_response_form(
        client.post(picker, {"item": f"assignment:{quiz.pk}"}).content.decode()
    )
    [item] = platform_reads(client, platform, token)[DL + "content_items"]
    assert item["url"] == f"http://testserver/assignments/{quiz.pk}/"
    assert item["lineItem"] == {
        "scoreMaximum": 4,
        "label": "Week 3 quiz",
        "resourceId": f"assignment:{quiz.pk}",
    }


def test_a_choice_is_sent_once(client, platform, content):
    picker = deep_link_launch(client, platform)["Location"]
    assert client.post(picker, {"item": "lesson:keys"}).status_code == 200
    again = client.post(picker, {"item": "lesson:keys"})
    assert again.status_code == 403
    assert "no longer waiting" in again.content.decode()


def test_a_learner_cannot_add_content(client, platform, content):
    platform.launch(client, LAUNCH_URL, sub="teacher-1", roles=INSTRUCTOR)
    client.cookies.clear()
    response = deep_link_launch(client, platform, sub="learner-1", roles=LEARNER)
    assert response.status_code == 403
    assert "Only the course&#x27;s instructors" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_picker_of_another_session_is_refused(client, platform, content):
    picker = deep_link_launch(client, platform)["Location"]
    client.cookies.clear()
    assert client.get(picker).status_code == 403


@pytest.mark.parametrize(
    ("settings", "says"),
    [
        ({"accept_types": ["file", "html"]}, "incomplete"),  # pylti1p3 refuses it first
        ({"deep_link_return_url": "javascript:alert(1)"}, "where to send"),
    ],
)
def test_a_request_learnapp_cannot_answer_is_refused(client, platform, content, settings, says):
    response = deep_link_launch(client, platform, **settings)
    assert response.status_code == 400
    assert says in response.content.decode()


def test_the_picker_costs_the_same_queries_for_any_number_of_patterns(
    client, platform, content, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    classroom_launch = deep_link_launch(client, platform)
    picker_url = classroom_launch["Location"]
    AssignmentFactory(classroom=Classroom.objects.get(), pattern=content, title="Quiz one")
    with CaptureQueriesContext(connection) as few:
        page = client.get(picker_url).content.decode()
    # The sizes it shows: the practice set of ten, the pool's blueprint of ten, the assignment's.
    assert page.count("graded, 10 questions") == 3

    for n in range(4):
        more, _ = make_question_set(slug=f"more-{n}", title=f"More {n}")
        make_assessment_pool(more, easy=1)  # the pool holds 1 easy of 3 asked: 8 questions
        AssignmentFactory(classroom=Classroom.objects.get(), pattern=more, title=f"Quiz {n}")
    with django_assert_max_num_queries(len(few)):
        page = client.get(picker_url).content.decode()
    assert page.count("graded, 8 questions") == 8
