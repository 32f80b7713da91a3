"""What learnapp keeps about LTI platforms beyond django-lti's own models.

django-lti (`lti_tool`) holds the registrations, deployments, signing keys and the platform's
users, contexts and memberships as the launches describe them. Here: which origins may frame
the tool for a platform, the nonces already spent, and which learnapp class stands for a
platform's course.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
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


class LinkedClass(models.Model):
    """The learnapp class for one course (context) of one platform."""

    registration = models.ForeignKey(
        LtiRegistration, on_delete=models.CASCADE, related_name="linked_classes"
    )
    context_id = models.CharField(max_length=255)
    classroom = models.OneToOneField(Classroom, on_delete=models.CASCADE, related_name="lti_link")

    class Meta:
        verbose_name_plural = "linked classes"
        constraints = [
            models.UniqueConstraint(
                fields=["registration", "context_id"], name="lti_one_class_per_context"
            )
        ]

    def __str__(self) -> str:
        return f"{self.classroom} ← {self.context_id}"


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
