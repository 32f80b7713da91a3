"""Classes, their learners and groups, and the quizzes instructors assign to them."""

import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone

from learnapp.accounts.roles import make_instructor
from learnapp.catalog.models import Pattern
from learnapp.learning.points import FractionField

# The rule over these values is learning's (visibility.results_released): said once, there.
from learnapp.learning.visibility import ResultsVisibility

JOIN_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: codes are read aloud


def new_join_code() -> str:
    return "".join(secrets.choice(JOIN_CODE_ALPHABET) for _ in range(8))


def new_invite_token() -> str:
    return secrets.token_urlsafe(24)


def invite_expiry() -> datetime:
    return timezone.now() + timedelta(days=14)


# What an instructor can set. Beyond these, values are typing slips that broke things: a limit
# of 99999999999 minutes overflowed every learner's deadline, and 9999-12-31 entered from a
# zone behind UTC is past the last date Python can hold once converted to UTC.
MAX_TIME_LIMIT_MINUTES = 24 * 60
MAX_ATTEMPTS_ALLOWED = 100
EARLIEST_YEAR, LATEST_YEAR = 2000, 2099


def validate_class_date(value: datetime) -> None:
    # The year as entered, in the instructor's own zone: no arithmetic that could overflow.
    if not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
        raise ValidationError(
            "Choose a date in the years %(earliest)s to %(latest)s.",
            code="out_of_range",
            params={"earliest": EARLIEST_YEAR, "latest": LATEST_YEAR},
        )


class Classroom(models.Model):
    name = models.CharField(max_length=120)
    instructor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="classes_taught"
    )
    join_code = models.CharField(max_length=12, unique=True, default=new_join_code)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("classes:detail", args=[self.pk])


class ClassTeacher(models.Model):
    """Someone who teaches a class besides its instructor: a co-teacher sees and does what the
    instructor does (classes.access.teaches says so, for every page), and the questions any
    teacher of the class wrote can be asked in its custom quizzes.

    A course opened from an LMS records its teachers in lti.Teaching; access reads both.
    """

    classroom = models.ForeignKey(Classroom, on_delete=models.CASCADE, related_name="co_teachers")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="co_teaching"
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["classroom", "user"], name="unique_co_teacher")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} co-teaches {self.classroom_id}"


class Membership(models.Model):
    classroom = models.ForeignKey(Classroom, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="class_memberships"
    )
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["classroom", "user"], name="unique_membership")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.classroom_id}"


class LearnerGroup(models.Model):
    classroom = models.ForeignKey(Classroom, on_delete=models.CASCADE, related_name="groups")
    name = models.CharField(max_length=80)
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="learner_groups")

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["classroom", "name"], name="unique_group_name")
        ]

    def __str__(self) -> str:
        return self.name


class Assignment(models.Model):
    """A pattern's test, or a quiz of questions picked from the bank, given to a class."""

    classroom = models.ForeignKey(Classroom, on_delete=models.CASCADE, related_name="assignments")
    title = models.CharField(max_length=160)
    # Exactly one of: a pattern (its test) or questions picked from the bank (in this order).
    pattern = models.ForeignKey(Pattern, null=True, blank=True, on_delete=models.PROTECT)
    question_ids = models.JSONField(default=list, blank=True)
    # Who: the whole class, a group, or chosen learners.
    group = models.ForeignKey(LearnerGroup, null=True, blank=True, on_delete=models.SET_NULL)
    learners = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    opens_at = models.DateTimeField(validators=[validate_class_date])
    due_at = models.DateTimeField(validators=[validate_class_date])
    closes_at = models.DateTimeField(validators=[validate_class_date])
    accept_late = models.BooleanField(
        default=True,
        help_text="Accept submissions between the due and the close time, marked late.",
    )
    time_limit_minutes = models.PositiveIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_TIME_LIMIT_MINUTES)],
    )
    attempts_allowed = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(1), MaxValueValidator(MAX_ATTEMPTS_ALLOWED)]
    )
    results_visibility = models.CharField(
        max_length=12, choices=ResultsVisibility.choices, default=ResultsVisibility.IMMEDIATELY
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due_at", "pk"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("classes:assignment", args=[self.pk])

    @property
    def is_custom_quiz(self) -> bool:
        return self.pattern_id is None


class Extension(models.Model):
    """A later due (and close) time for one learner."""

    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="extensions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    due_at = models.DateTimeField(validators=[validate_class_date])
    closes_at = models.DateTimeField(validators=[validate_class_date])

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["assignment", "user"], name="one_extension_per_learner")
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.due_at:%Y-%m-%d %H:%M}"


class InstructorInvite(models.Model):
    token = models.CharField(max_length=64, unique=True, default=new_invite_token)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    used_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    expires_at = models.DateTimeField(default=invite_expiry)
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"invite by {self.created_by_id}"

    def is_usable(self, now: datetime | None = None) -> bool:
        return self.used_at is None and (now or timezone.now()) < self.expires_at

    def claim(self, user) -> bool:
        """Make `user` an instructor if the invitation is still unused; True if they got it.

        One conditional UPDATE decides: of several people accepting at once (a forwarded
        link), the database lets exactly one of them mark it used, and only they are promoted.
        """
        now = timezone.now()
        with transaction.atomic():
            claimed = InstructorInvite.objects.filter(
                pk=self.pk, used_at__isnull=True, expires_at__gt=now
            ).update(used_by=user, used_at=now)
            if claimed:
                make_instructor(user)
        return bool(claimed)


class AttemptFeedback(models.Model):
    """An instructor's word on one learner's attempt: a comment, and perhaps a changed grade.

    The learner sees both on their result page, under the assignment's results policy
    (visibility.results_released), never before. `reviewed_at` is when the instructor last
    opened the attempt: the landing page lists submissions nobody has looked at since.
    """

    attempt = models.OneToOneField(
        "learning.Attempt", on_delete=models.CASCADE, related_name="instructor_feedback"
    )
    comment = models.TextField(blank=True, max_length=4000)
    # The grade that counts instead of the attempt's score, in points out of its total; None
    # when the computed score stands. Kept apart so a regrade never overwrites it.
    override_score = FractionField(null=True, blank=True)
    override_reason = models.CharField(max_length=300, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(null=True, blank=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"feedback on attempt {self.attempt_id}"

    @property
    def is_overridden(self) -> bool:
        return self.override_score is not None


class GradeOverrideRecord(models.Model):
    """One change of an attempt's overridden grade: who, when, from what to what, and why."""

    attempt = models.ForeignKey(
        "learning.Attempt", on_delete=models.CASCADE, related_name="grade_overrides"
    )
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField(default=timezone.now)
    # None on either side: the computed score (no override before, or the override removed).
    old_score = FractionField(null=True, blank=True)
    new_score = FractionField(null=True, blank=True)
    reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["changed_at", "pk"]

    def __str__(self) -> str:
        return f"attempt {self.attempt_id}: {self.old_score} -> {self.new_score}"
