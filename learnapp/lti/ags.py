"""Grade passback (LTI Assignment and Grade Services): scores from learnapp to the LMS.

Three steps, each its own function:

1. `tie_launch`: a resource-link launch that carries the AGS claim and opens something
   gradable (a pattern's test or an assignment of the class) ties the resource link to a
   learnapp assignment (a pattern's test makes or reuses the class's assignment for that
   pattern) and keeps the line item's URL; a learner's launch also keeps their LTI user id.
2. `score_changed`: whenever a learner's score on such an assignment changes (a submission, a
   regrade, an instructor's override), their LmsScore row becomes pending, and after the
   transaction commits a background task is queued (tasks.post_score).
3. `send`: the task posts the learner's current grade for the assignment (the one the
   gradebook shows: their best submitted attempt, an override counting instead of the score)
   to `<lineitem>/scores`. A failure is retried with a growing wait, for up to a day; then the
   score is marked failed. Sending the current grade rather than the one that queued the task
   makes it idempotent: a second run, or a run for an older change, sends the same thing or
   nothing.

Results visibility is learnapp's own rule for its pages: the LMS receives the score when it is
graded, whatever the assignment's results policy (the LMS has its own for its gradebook).
"""

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from urllib.parse import urlencode, urlsplit, urlunsplit

from django.db import transaction
from django.db.models import F
from django.http import HttpRequest
from django.urls import Resolver404, resolve
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from lti_tool.models import LtiLaunch

from learnapp.catalog.models import Pattern
from learnapp.classes.feedback import counted_score
from learnapp.classes.models import Assignment, Classroom
from learnapp.learning.models import Attempt
from learnapp.learning.points import to_fraction

from .models import GradedLink, LmsScore

log = logging.getLogger("learnapp.lti")

AGS_CLAIM = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
SCORE_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
LINEITEM_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"
SCORE_TYPE = "application/vnd.ims.lis.v1.score+json"
LINEITEM_TYPE = "application/vnd.ims.lis.v2.lineitem+json"
LINEITEM_CONTAINER_TYPE = "application/vnd.ims.lis.v2.lineitemcontainer+json"
TARGET_CLAIM = "https://purl.imsglobal.org/spec/lti/claim/target_link_uri"

RETRY_FOR = timedelta(days=1)
FIRST_WAIT = timedelta(minutes=1)
LONGEST_WAIT = timedelta(hours=1)
# Answers that a retry will not change: the line item is gone, or the score was refused.
FINAL_STATUSES = {400, 404, 410, 422}
# How long a line item made by learnapp for a pattern's test stays open in learnapp: the LMS
# keeps the course's own dates.
LINKED_ASSIGNMENT_OPEN_FOR = timedelta(days=365)


# -- 1. the launch ------------------------------------------------------------------------------


@dataclass(frozen=True)
class AgsEndpoint:
    scopes: list[str]
    lineitem: str
    lineitems: str


def _url(value) -> str | None:
    """A service URL from the claim: http(s), at most 2000 characters; "" when absent."""
    if value is None:
        return ""
    if not isinstance(value, str) or len(value) > 2000:
        return None
    return value if urlsplit(value).scheme in ("http", "https") and urlsplit(value).netloc else None


def endpoint_of(lti_launch: LtiLaunch) -> AgsEndpoint | None:
    """The launch's AGS claim when it lets learnapp post scores; None otherwise."""
    claim = lti_launch.get_claim(AGS_CLAIM)
    if not isinstance(claim, dict):
        return None
    scopes = claim.get("scope")
    if not isinstance(scopes, list) or not all(isinstance(s, str) for s in scopes):
        return None
    lineitem, lineitems = _url(claim.get("lineitem")), _url(claim.get("lineitems"))
    if lineitem is None or lineitems is None or SCORE_SCOPE not in scopes:
        return None
    if not lineitem and not (lineitems and LINEITEM_SCOPE in scopes):
        return None  # nowhere to post a score, and no right to make a line item
    return AgsEndpoint(scopes=scopes, lineitem=lineitem, lineitems=lineitems)


def target_view(request: HttpRequest, target: str):
    """The learnapp view a target link URI names (a ResolverMatch), or None: None for another
    site's URL, as for a path that names no view."""
    if not target or not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return None
    try:
        return resolve(urlsplit(target).path)
    except Resolver404:
        return None


def _assignment_for(match, classroom: Classroom, link: GradedLink | None, title: str):
    """The class's assignment a gradable target stands for, made for a pattern's test."""
    if match.view_name == "classes:assignment":
        return classroom.assignments.filter(pk=match.kwargs["assignment_id"]).first()
    if match.view_name != "learning:test_intro":
        return None
    pattern = Pattern.objects.active().filter(slug=match.kwargs["slug"]).first()
    if pattern is None:
        return None
    if link is not None and (link.assignment.classroom_id, link.assignment.pattern_id) == (
        classroom.pk,
        pattern.pk,
    ):
        return link.assignment
    found = classroom.assignments.filter(pattern=pattern).order_by("-pk").first()
    if found is not None:
        return found
    now = timezone.now()
    return Assignment.objects.create(
        classroom=classroom,
        title=(title or f"{pattern.title}: test")[:160],
        pattern=pattern,
        opens_at=now,
        due_at=now + LINKED_ASSIGNMENT_OPEN_FOR,
        closes_at=now + LINKED_ASSIGNMENT_OPEN_FOR,
    )


def tie_launch(
    request: HttpRequest, lti_launch: LtiLaunch, user, classroom: Classroom, teaches: bool
) -> Assignment | None:
    """Tie a graded launch's resource link to an assignment; the assignment, or None."""
    endpoint = endpoint_of(lti_launch)
    link_claim = lti_launch.resource_link_claim or {}
    if endpoint is None or not link_claim.get("id"):
        return None
    match = target_view(request, lti_launch.get_claim(TARGET_CLAIM) or "")
    if match is None:
        return None
    registration = lti_launch.registration
    with transaction.atomic():
        # One class's links are tied one at a time: two first launches at once make one
        # assignment for a pattern's test, not two.
        Classroom.objects.select_for_update().filter(pk=classroom.pk).first()
        link = (
            GradedLink.objects.select_related("assignment")
            .filter(registration=registration, resource_link_id=link_claim["id"])
            .first()
        )
        assignment = _assignment_for(match, classroom, link, link_claim.get("title") or "")
        if assignment is None:
            return None
        values = {
            "assignment": assignment,
            "lineitem": endpoint.lineitem or (link.lineitem if link else ""),
            "lineitems": endpoint.lineitems,
            "scopes": endpoint.scopes,
        }
        if link is None:
            link = GradedLink.objects.create(
                registration=registration, resource_link_id=link_claim["id"], **values
            )
        elif any(getattr(link, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(link, name, value)
            link.save()
        if not teaches:
            LmsScore.objects.update_or_create(
                assignment=assignment,
                user=user,
                defaults={"link": link, "lti_user_id": lti_launch.get_claim("sub")},
            )
    return assignment


# -- 2. a score changed -------------------------------------------------------------------------


def score_changed(attempt: Attempt) -> None:
    """Mark the learner's LMS score pending and queue its sending after the commit.

    Two queries for an assignment's attempt in a class without grade passback (no score
    record, no graded link), none for self-study.
    """
    if attempt.assignment_id is None:
        return
    score_ids = list(
        LmsScore.objects.filter(
            assignment_id=attempt.assignment_id, user__learner__id=attempt.learner_id
        ).values_list("pk", flat=True)
    )
    if not score_ids:
        score_ids = _score_for_a_known_lms_user(attempt)
        if not score_ids:
            return
    send_again(score_ids)


def send_again(score_ids: list[int]) -> None:
    """Make these scores pending now and queue their sending once the transaction commits."""
    now = timezone.now()
    LmsScore.objects.filter(pk__in=score_ids).update(
        status=LmsScore.Status.PENDING,
        version=F("version") + 1,
        changed_at=now,
        pending_since=now,
        next_try_at=now,
        tries=0,
        last_error="",
    )
    from .tasks import post_score

    for score_id in score_ids:
        # Robust: the grade is committed by then, and a queue that fails must not turn the
        # learner's submission into an error page; the score stays pending (admin: send again).
        transaction.on_commit(lambda score_id=score_id: post_score.enqueue(score_id), robust=True)


def _score_for_a_known_lms_user(attempt: Attempt) -> list[int]:
    """A score record for a learner the platform knows who took a graded assignment without
    opening its graded link: one who came in by another link of the course, or whom the roster
    sync brought in. Their LTI user id for the link's platform is known (django-lti's LtiUser).
    One query when the assignment has no graded link.
    """
    found = (
        GradedLink.objects.filter(
            assignment_id=attempt.assignment_id,
            registration__users__auth_user__learner__id=attempt.learner_id,
        )
        .order_by("-updated_at", "-pk")
        .values_list("pk", "registration__users__sub", "registration__users__auth_user_id")
        .first()
    )
    if found is None:
        return []
    link_id, sub, user_id = found
    score, _ = LmsScore.objects.get_or_create(
        assignment_id=attempt.assignment_id,
        user_id=user_id,
        defaults={"link_id": link_id, "lti_user_id": sub},
    )
    return [score.pk]


# -- 3. sending ---------------------------------------------------------------------------------


class SendFailed(Exception):
    def __init__(self, detail: str, final: bool = False):
        super().__init__(detail)
        self.detail = detail
        self.final = final


@dataclass(frozen=True)
class Grade:
    attempt: Attempt
    given: Fraction
    maximum: int


def current_grade(score: LmsScore) -> Grade | None:
    """The learner's grade for the assignment as the gradebook counts it: the best submitted
    attempt by its counted grade (an instructor's override, else the score), earliest first."""
    best = None
    for attempt in (
        Attempt.objects.filter(
            assignment_id=score.assignment_id,
            learner__user_id=score.user_id,
            submitted_at__isnull=False,
        )
        .select_related("instructor_feedback")
        .order_by("pk")
    ):
        counted = counted_score(attempt, getattr(attempt, "instructor_feedback", None))
        counted = to_fraction(counted) if counted is not None else Fraction(0)
        if best is None or counted > best.given:
            best = Grade(attempt, counted, attempt.total)
    return best


def scores_url(lineitem: str) -> str:
    """`<lineitem>/scores`, the line item's query (Moodle puts its type id there) kept."""
    parts = urlsplit(lineitem)
    return urlunsplit(parts._replace(path=parts.path.rstrip("/") + "/scores"))


def timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def score_payload(score: LmsScore, grade: Grade) -> dict:
    return {
        "userId": score.lti_user_id,
        "scoreGiven": round(float(grade.given), 6),
        "scoreMaximum": grade.maximum,
        "activityProgress": "Completed",
        "gradingProgress": "FullyGraded",
        "timestamp": timestamp(score.changed_at or timezone.now()),
    }


def _call(registration, scopes, method, url, **kwargs):
    from .services import ServiceError, service_request

    try:
        return service_request(registration, scopes, method, url, **kwargs)
    except ServiceError as error:
        raise SendFailed(
            error.detail or error.message, final=error.status in FINAL_STATUSES
        ) from None


def lineitem_of(link: GradedLink, label: str, maximum: int) -> str:
    """The link's line item URL: the launch's, or found or made in the course's container."""
    if link.lineitem:
        return link.lineitem
    registration = link.registration
    query = urlencode({"resource_link_id": link.resource_link_id})
    separator = "&" if urlsplit(link.lineitems).query else "?"
    found = _call(
        registration,
        [LINEITEM_SCOPE],
        "GET",
        f"{link.lineitems}{separator}{query}",
        accept=LINEITEM_CONTAINER_TYPE,
    )
    try:
        items = found.json()
    except ValueError:
        items = []
    items = items if isinstance(items, list) else []
    url = next(
        (item["id"] for item in items if isinstance(item, dict) and _url(item.get("id"))), ""
    )
    if not url:
        made = _call(
            registration,
            [LINEITEM_SCOPE],
            "POST",
            link.lineitems,
            accept=LINEITEM_TYPE,
            json={
                "scoreMaximum": maximum,
                "label": label[:255],
                "resourceLinkId": link.resource_link_id,
                "resourceId": f"learnapp-assignment-{link.assignment_id}",
            },
            content_type=LINEITEM_TYPE,
        )
        try:
            url = made.json().get("id") or ""
        except (ValueError, AttributeError):
            url = ""
        if not _url(url):
            raise SendFailed(f"line item made at {link.lineitems} has no id")
    GradedLink.objects.filter(pk=link.pk).update(lineitem=url)
    link.lineitem = url
    return url


def backoff(tries: int) -> timedelta:
    """The wait before the next try: a minute, doubling, at most an hour."""
    return min(FIRST_WAIT * 2 ** max(tries - 1, 0), LONGEST_WAIT)


@dataclass(frozen=True)
class Outcome:
    status: str
    retry_at: datetime | None = None


def send(score_id: int) -> Outcome:
    """Post the learner's current grade if it is pending and due; what became of it."""
    now = timezone.now()
    score = (
        LmsScore.objects.select_related("link__registration", "assignment")
        .filter(pk=score_id)
        .first()
    )
    if score is None or score.status != LmsScore.Status.PENDING:
        return Outcome(score.status if score else "gone")
    if score.next_try_at and score.next_try_at > now + timedelta(seconds=5):
        return Outcome("not yet")  # a later try is queued for then
    version = score.version
    try:
        grade = current_grade(score)
        if grade is None or not grade.maximum:
            LmsScore.objects.filter(pk=score.pk, version=version).update(
                status=LmsScore.Status.WAITING, next_try_at=None
            )
            return Outcome("nothing to send")
        lineitem = lineitem_of(score.link, score.assignment.title, grade.maximum)
        _call(
            score.link.registration,
            [SCORE_SCOPE],
            "POST",
            scores_url(lineitem),
            json=score_payload(score, grade),
            content_type=SCORE_TYPE,
        )
    except SendFailed as failure:
        return _not_sent(score, version, now, failure)
    except Exception as error:  # learnapp's fault, or a surprise: retried like the platform's
        log.exception(
            "LTI score for user %s on assignment %s: unexpected error while sending",
            score.user_id,
            score.assignment_id,
        )
        return _not_sent(score, version, now, SendFailed(f"{type(error).__name__}: {error}"))
    LmsScore.objects.filter(pk=score.pk, version=version).update(
        status=LmsScore.Status.SENT,
        sent_version=version,
        sent_at=now,
        tries=score.tries + 1,
        next_try_at=None,
        last_error="",
        score_given=float(grade.given),
        score_maximum=grade.maximum,
        attempt=grade.attempt,
    )
    log.info("LTI score sent for user %s on assignment %s", score.user_id, score.assignment_id)
    return Outcome("sent")


def _not_sent(score: LmsScore, version: int, now: datetime, failure: SendFailed) -> Outcome:
    """Try again later (a minute, doubling, up to an hour), until a day has gone: then failed."""
    tries = score.tries + 1
    failed = failure.final or now - (score.pending_since or now) >= RETRY_FOR
    retry_at = None if failed else now + backoff(tries)
    LmsScore.objects.filter(pk=score.pk, version=version).update(
        status=LmsScore.Status.FAILED if failed else LmsScore.Status.PENDING,
        tries=tries,
        next_try_at=retry_at,
        last_error=failure.detail[:500],
    )
    log.warning(
        "LTI score for user %s on assignment %s not sent (try %s, %s): %s",
        score.user_id,
        score.assignment_id,
        tries,
        "given up" if failed else f"again at {retry_at:%H:%M:%S}",
        failure.detail,
    )
    return Outcome("failed" if failed else "pending", retry_at)
