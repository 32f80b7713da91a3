"""What learnapp keeps about LTI platforms beyond django-lti's own models.

django-lti (`lti_tool`) holds the registrations, deployments, signing keys and the platform's
users, contexts and memberships as the launches describe them. Here: which origins may frame
the tool for a platform, the nonces already spent, and which learnapp class stands for a
platform's course.
"""

from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from lti_tool.models import LtiRegistration

from learnapp.classes.models import Classroom


def origin_of(url: str) -> str:
    """scheme://host[:port] of a URL, or "" when it has none."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return ""
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}".lower()


def validate_origins(value: str) -> None:
    for origin in value.split():
        if origin_of(origin) != origin.lower().rstrip("/"):
            raise ValidationError(
                "%(origin)s is not an origin: write scheme://host or scheme://host:port, "
                "without a path.",
                params={"origin": origin},
            )


class Platform(models.Model):
    """A registered LMS, as far as embedding goes."""

    registration = models.OneToOneField(
        LtiRegistration, on_delete=models.CASCADE, related_name="learnapp_platform"
    )
    # Canvas's issuer (canvas.instructure.com) is not the address a school's pages are served
    # from (school.instructure.com), so the origins that may frame the tool are stated here.
    frame_origins = models.TextField(
        blank=True,
        validators=[validate_origins],
        help_text="Origins allowed to show learnapp in a frame, separated by spaces, e.g. "
        "https://school.instructure.com. Empty means the issuer's origin.",
    )

    def __str__(self) -> str:
        return str(self.registration)

    def framing_origins(self) -> list[str]:
        origins = [origin.lower().rstrip("/") for origin in self.frame_origins.split()]
        return origins or [o for o in [origin_of(self.registration.issuer)] if o]


class UsedNonce(models.Model):
    """A launch's nonce, spent: the same id_token posted twice is refused the second time."""

    issuer = models.CharField(max_length=255)
    nonce = models.CharField(max_length=255)
    used_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["issuer", "nonce"], name="lti_nonce_used_once")
        ]

    def __str__(self) -> str:
        return self.nonce


# A roster sync asked for this long ago and not finished is taken as lost (no worker ran it):
# the class page says so, and it may be asked for again.
ROSTER_SYNC_GIVEN_UP_AFTER = timedelta(minutes=10)


class LinkedClass(models.Model):
    """The learnapp class for one course (context) of one platform."""

    registration = models.ForeignKey(
        LtiRegistration, on_delete=models.CASCADE, related_name="linked_classes"
    )
    context_id = models.CharField(max_length=255)
    classroom = models.OneToOneField(Classroom, on_delete=models.CASCADE, related_name="lti_link")
    # A learner opened the course before any teacher: the class belongs to a stand-in user
    # nobody can sign in as, until the first teacher (by launch or roster sync) takes it over.
    awaiting_teacher = models.BooleanField(default=False)
    # The roster sync a teacher asks for on the class page runs in the background worker
    # (tasks.sync_roster_in_background): when it was asked for, when it last finished and
    # what it said, for the class page.
    roster_sync_asked_at = models.DateTimeField(null=True, blank=True)
    roster_synced_at = models.DateTimeField(null=True, blank=True)
    roster_sync_outcome = models.CharField(max_length=500, blank=True)
    roster_sync_failed = models.BooleanField(default=False)

    class Meta:
        verbose_name_plural = "linked classes"
        constraints = [
            models.UniqueConstraint(
                fields=["registration", "context_id"], name="lti_one_class_per_context"
            )
        ]

    def __str__(self) -> str:
        return f"{self.classroom} ← {self.context_id}"

    @property
    def roster_sync_unfinished(self) -> bool:
        """A sync was asked for and the worker has not finished it (yet, or at all)."""
        asked, done = self.roster_sync_asked_at, self.roster_synced_at
        return asked is not None and (done is None or done < asked)

    @property
    def roster_sync_waiting(self) -> bool:
        """A sync is on its way: asked for, unfinished, and not so long ago that it is lost."""
        return (
            self.roster_sync_unfinished
            and self.roster_sync_asked_at > timezone.now() - ROSTER_SYNC_GIVEN_UP_AFTER
        )


class Teaching(models.Model):
    """Someone the platform says teaches a linked class.

    A Classroom has one instructor; the first teacher to launch becomes it, and every teacher
    (that one included) is recorded here with the role the platform gave.
    """

    class Role(models.TextChoices):
        INSTRUCTOR = "instructor", "Instructor"
        TEACHING_ASSISTANT = "ta", "Teaching assistant"

    linked_class = models.ForeignKey(LinkedClass, on_delete=models.CASCADE, related_name="teachers")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="lti_teaching"
    )
    role = models.CharField(max_length=12, choices=Role.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["linked_class", "user"], name="lti_teaching_once")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} teaches {self.linked_class_id} ({self.role})"


def platform_for(registration: LtiRegistration) -> Platform:
    """The registration's embedding settings; the defaults if nobody has set them."""
    try:
        return registration.learnapp_platform
    except Platform.DoesNotExist:
        return Platform(registration=registration)


def registered_frame_origins() -> list[str]:
    """Every active platform's framing origins: who may frame a page before we know the user."""
    registrations = LtiRegistration.objects.active().select_related("learnapp_platform")
    return sorted({origin for r in registrations for origin in platform_for(r).framing_origins()})


class GradedLink(models.Model):
    """A link in a platform's course whose scores go back to the platform's gradebook.

    Made by a launch that carries the Assignment and Grade Services claim and opens something
    gradable (a pattern's test or an assignment): the learnapp assignment the link stands for,
    and the line item (a column of the platform's gradebook) that takes its scores.
    """

    registration = models.ForeignKey(
        LtiRegistration, on_delete=models.CASCADE, related_name="graded_links"
    )
    resource_link_id = models.CharField(max_length=255)
    assignment = models.ForeignKey(
        "classes.Assignment", on_delete=models.CASCADE, related_name="lti_links"
    )
    # The line item's URL; empty when the platform gave only its course's line item container
    # (`lineitems`), in which case learnapp finds or makes the line item before the first score.
    lineitem = models.URLField(max_length=2000, blank=True)
    lineitems = models.URLField(max_length=2000, blank=True)
    scopes = models.JSONField(default=list, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["registration", "resource_link_id"], name="lti_one_graded_link"
            )
        ]

    def __str__(self) -> str:
        return f"{self.resource_link_id} → assignment {self.assignment_id}"


class LmsScore(models.Model):
    """One learner's score on one assignment, as the platform's gradebook is to receive it.

    One row per (assignment, learner), made at the learner's first graded launch. Each change
    of the score (a submission, a regrade, an instructor's override) bumps `version` and makes
    the row pending; the worker sends the learner's current grade for the assignment and marks
    that version sent, or retries with backoff until `pending_since` is a day old (failed).
    """

    class Status(models.TextChoices):
        WAITING = "", "Nothing to send yet"
        PENDING = "pending", "Pending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    link = models.ForeignKey(GradedLink, on_delete=models.CASCADE, related_name="scores")
    assignment = models.ForeignKey(
        "classes.Assignment", on_delete=models.CASCADE, related_name="lms_scores"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="lms_scores"
    )
    lti_user_id = models.CharField(max_length=255)  # the launch's `sub`
    status = models.CharField(max_length=8, choices=Status.choices, blank=True, default="")
    version = models.PositiveIntegerField(default=0)
    sent_version = models.PositiveIntegerField(default=0)
    changed_at = models.DateTimeField(null=True, blank=True)  # the score's timestamp
    pending_since = models.DateTimeField(null=True, blank=True)
    next_try_at = models.DateTimeField(null=True, blank=True)
    tries = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    # What was sent last.
    score_given = models.FloatField(null=True, blank=True)
    score_maximum = models.PositiveIntegerField(null=True, blank=True)
    attempt = models.ForeignKey(
        "learning.Attempt", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["assignment", "user"], name="lti_one_score_per_learner")
        ]
        indexes = [models.Index(fields=["status", "next_try_at"])]

    def __str__(self) -> str:
        return f"{self.user_id} on {self.assignment_id}: {self.status or 'waiting'}"
