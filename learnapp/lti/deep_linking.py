"""Deep linking: an instructor picks learnapp content from inside the LMS.

A deep-linking launch (LtiDeepLinkingRequest), validated like any launch, opens a picker: a
pattern's lesson, practice or test, or one of the class's assignments. The choice goes back to
the platform as a deep-linking response, a JWT signed with the tool's key (pylti1p3's DeepLink
makes and signs it) holding one ltiResourceLink content item, with a line item when the item is
graded. The browser posts it to the platform's return URL from a form that a static script
submits; without JavaScript the form shows a Continue button.

Between the launch and the choice, what the platform asked for (its return URL, its opaque
`data`, the deployment) waits in the session under a random key, used once.
"""

import secrets
from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.csp import CSP
from lti_tool.models import LtiLaunch, LtiRegistration
from pylti1p3.deep_link import DeepLink
from pylti1p3.deep_link_resource import DeepLinkResource
from pylti1p3.lineitem import LineItem

from learnapp.catalog.models import Pattern
from learnapp.classes.models import Assignment, Classroom
from learnapp.learning.draw import test_sizes

from .models import origin_of
from .provisioning import launch_role
from .tool import LaunchRefused

SESSION_KEY = "lti_deep_links"
KEEP_AT_MOST = 5  # requests waiting for a choice in one session (tabs, retries)
RESOURCE_LINK = "ltiResourceLink"
DL_CLAIM = "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"


@dataclass(frozen=True)
class Choice:
    """One thing the picker offers."""

    value: str  # the form's value: lesson:<slug>, practice:<slug>, test:<slug>, assignment:<id>
    title: str
    path: str
    maximum: int | None = None  # a graded item's score maximum (its number of questions)
    shown: str = ""  # how the picker names it under its pattern's heading

    @property
    def graded(self) -> bool:
        return self.maximum is not None


def check_request(lti_launch: LtiLaunch) -> dict:
    """The deep-linking settings, if an instructor asked for something learnapp can give."""
    roles = lti_launch.roles_claim
    if not isinstance(roles, list) or not all(isinstance(role, str) for role in roles):
        raise LaunchRefused(400, "The launch's roles claim is not a list of roles.")
    if not launch_role(roles):  # "" for a learner, None for anyone else
        raise LaunchRefused(
            403,
            "Only the course's instructors and teaching assistants can add learnapp content "
            "to the course.",
        )
    asked = lti_launch.get_claim(DL_CLAIM)
    return_url = asked.get("deep_link_return_url") if isinstance(asked, dict) else None
    if not isinstance(return_url, str) or not origin_of(return_url):
        raise LaunchRefused(400, "The deep-linking request does not say where to send the choice.")
    accepted = asked.get("accept_types") or []
    if RESOURCE_LINK not in accepted:
        raise LaunchRefused(
            400,
            "The platform asked for content learnapp does not offer here: learnapp gives links "
            "to its pages (LTI resource links).",
            detail=f"accept_types={accepted!r}",
        )
    return asked


def remember(request: HttpRequest, lti_launch: LtiLaunch, asked: dict, classroom) -> str:
    """Keep the request for the picker; the key to find it with."""
    key = secrets.token_urlsafe(16)
    waiting = dict(request.session.get(SESSION_KEY, {}))
    while len(waiting) >= KEEP_AT_MOST:
        waiting.pop(next(iter(waiting)))
    waiting[key] = {
        "registration": lti_launch.registration.pk,
        "deployment_id": lti_launch.get_claim(
            "https://purl.imsglobal.org/spec/lti/claim/deployment_id"
        ),
        "return_url": asked["deep_link_return_url"],
        "data": asked.get("data"),
        "classroom": classroom.pk,
        "user": request.user.pk,
    }
    request.session[SESSION_KEY] = waiting
    return key


def waiting_request(request: HttpRequest, key: str) -> dict | None:
    entry = request.session.get(SESSION_KEY, {}).get(key)
    if entry is None or entry["user"] != request.user.pk:
        return None
    return entry


def forget(request: HttpRequest, key: str) -> None:
    waiting = dict(request.session.get(SESSION_KEY, {}))
    waiting.pop(key, None)
    request.session[SESSION_KEY] = waiting


def allow_form_action(response: HttpResponse, origin: str) -> None:
    """Let this one response's form post to the platform (the site's policy: 'self' only)."""
    header = str(CSP.HEADER_ENFORCE)
    policy = response.get(header)
    if policy is None:  # the CSP middleware builds the header later, from this copy
        config = dict(getattr(response, "_csp_config", None) or settings.SECURE_CSP)
        config["form-action"] = [*config.get("form-action", []), origin]
        response._csp_config = config
        return
    directives = [d.strip() for d in policy.split(";") if d.strip()]
    response[header] = "; ".join(
        f"{d} {origin}" if d.startswith("form-action") else d for d in directives
    )


def assignment_size(assignment: Assignment, sizes: dict[int, int]) -> int:
    if assignment.is_custom_quiz:
        return len(assignment.question_ids)
    return sizes[assignment.pattern_id]


def choices_for(classroom: Classroom) -> tuple[list[Choice], list[tuple[Pattern, list[Choice]]]]:
    """The class's assignments, and each active pattern's lesson, practice and test."""
    class_assignments = list(
        Assignment.objects.filter(classroom=classroom).select_related("pattern")
    )
    active = list(Pattern.objects.active().order_by("position"))
    sizes = test_sizes(active + [a.pattern for a in class_assignments])
    assignments = [
        Choice(
            f"assignment:{a.pk}",
            a.title,
            reverse("classes:assignment", args=[a.pk]),
            assignment_size(a, sizes),
        )
        for a in class_assignments
    ]
    patterns = []
    for pattern in active:
        slug = pattern.slug
        patterns.append(
            (
                pattern,
                [
                    Choice(
                        f"lesson:{slug}",
                        pattern.title,
                        reverse("catalog:pattern", args=[slug]),
                        shown="Lesson",
                    ),
                    Choice(
                        f"practice:{slug}",
                        pattern.practice_title or f"Practice: {pattern.title}",
                        reverse("learning:practice_start", args=[slug]),
                        shown=f"Practice: {pattern.practice_title}"
                        if pattern.practice_title
                        else "Practice",
                    ),
                    Choice(
                        f"test:{slug}",
                        pattern.assessment_title or f"Test: {pattern.title}",
                        reverse("learning:test_intro", args=[slug]),
                        sizes[pattern.pk],
                        shown=f"Test: {pattern.assessment_title}"
                        if pattern.assessment_title
                        else "Test",
                    ),
                ],
            )
        )
    return assignments, patterns


def find_choice(classroom: Classroom, value: str) -> Choice | None:
    """The one choice the form sent, looked up again (never trusted from the form)."""
    kind, _, ident = value.partition(":")
    if kind == "assignment":
        assignment = (
            Assignment.objects.filter(classroom=classroom, pk=int(ident))
            .select_related("pattern")
            .first()
            if ident.isdigit()
            else None
        )
        if assignment is None:
            return None
        return Choice(
            value,
            assignment.title,
            reverse("classes:assignment", args=[assignment.pk]),
            assignment_size(assignment, test_sizes([assignment.pattern])),
        )
    pattern = Pattern.objects.active().filter(slug=ident).first() if ident else None
    if pattern is None:
        return None
    if kind == "lesson":
        return Choice(value, pattern.title, reverse("catalog:pattern", args=[ident]))
    if kind == "practice":
        return Choice(
            value,
            pattern.practice_title or f"Practice: {pattern.title}",
            reverse("learning:practice_start", args=[ident]),
        )
    if kind == "test":
        return Choice(
            value,
            pattern.assessment_title or f"Test: {pattern.title}",
            reverse("learning:test_intro", args=[ident]),
            test_sizes([pattern])[pattern.pk],
        )
    return None


def response_jwt(request: HttpRequest, entry: dict, choice: Choice) -> str:
    """The signed LtiDeepLinkingResponse carrying the chosen item."""
    registration = LtiRegistration.objects.get(pk=entry["registration"])
    resource = (
        DeepLinkResource()
        .set_type(RESOURCE_LINK)
        .set_title(choice.title)
        .set_url(request.build_absolute_uri(choice.path))
    )
    if choice.graded:
        resource.set_lineitem(
            LineItem()
            .set_score_maximum(choice.maximum)
            .set_label(choice.title)
            .set_resource_id(choice.value)
        )
    deep_link = DeepLink(
        registration.to_registration(),
        entry["deployment_id"],
        {"deep_link_return_url": entry["return_url"], "data": entry["data"]},
    )
    message = deep_link.get_message_jwt([resource])
    if entry["data"] is None:  # echoed only when the platform sent some
        del message["https://purl.imsglobal.org/spec/lti-dl/claim/data"]
    return deep_link.encode_jwt(message)
