"""What learners do: lessons read, practice answers, test attempts.

Every row belongs to a Learner. An anonymous visitor gets a Learner kept in their session; when
they sign up or log in, that Learner's rows move to the account's Learner (see learners.py).
"""

from django.conf import settings
from django.db import models

from learnapp.catalog.models import Difficulty, Pattern, Question, QuestionVersion


class Learner(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.CASCADE, related_name="learner"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"learner {self.pk} ({self.user or 'anonymous'})"


class LessonRead(models.Model):
    learner = models.ForeignKey(Learner, on_delete=models.CASCADE, related_name="lessons_read")
    pattern = models.ForeignKey(Pattern, on_delete=models.CASCADE, related_name="+")
    first_read_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["learner", "pattern"], name="unique_lesson_read")
        ]

    def __str__(self) -> str:
        return f"{self.learner_id} read {self.pattern_id}"


class Mode(models.TextChoices):
    PRACTICE = "practice", "Practice"
    TEST = "test", "Test"


class StrongRule:
    """When a test shows the pattern is strong: m of n right, with at least k hard ones.

    The rule in force is copied onto each attempt when it is graded, so changing it later does
    not rewrite anyone's history.
    """

    MIN_CORRECT = 8
    MIN_HARD_CORRECT = 1

    @classmethod
    def snapshot(cls) -> dict:
        return {"min_correct": cls.MIN_CORRECT, "min_hard_correct": cls.MIN_HARD_CORRECT}


class AttemptQuerySet(models.QuerySet):
    def submitted(self):
        return self.filter(submitted_at__isnull=False)

    def in_progress(self):
        return self.filter(submitted_at__isnull=True)


class Attempt(models.Model):
    """One sitting of "Test this pattern": ten questions, nothing revealed until submitted."""

    learner = models.ForeignKey(Learner, on_delete=models.CASCADE, related_name="attempts")
    pattern = models.ForeignKey(Pattern, on_delete=models.PROTECT, related_name="+")
    # The question versions asked, easy to hard, fixed when the attempt starts.
    version_ids = models.JSONField()
    started_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    score = models.PositiveSmallIntegerField(null=True, blank=True)
    total = models.PositiveSmallIntegerField(default=10)
    # {"easy": [right, asked], "medium": [...], "hard": [...]}
    breakdown = models.JSONField(null=True, blank=True)
    is_strong = models.BooleanField(null=True)
    rule = models.JSONField(null=True, blank=True)
    # Set when an instructor assigned the test (learnapp.classes). The rules that apply are
    # copied here when the attempt starts, so grading needs nothing from the assignment.
    assignment = models.ForeignKey(
        "classes.Assignment",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="attempts",
    )
    due_at = models.DateTimeField(null=True, blank=True)
    # When the server submits the attempt by itself: the time limit or the last moment allowed.
    deadline_at = models.DateTimeField(null=True, blank=True)
    is_late = models.BooleanField(default=False)

    objects = AttemptQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["learner", "pattern", "submitted_at"])]

    def __str__(self) -> str:
        return f"attempt {self.pk} on {self.pattern_id}"

    @property
    def is_submitted(self) -> bool:
        return self.submitted_at is not None

    def results_visible(self, now) -> bool:
        """Self-study results show at once; an assignment decides for its own attempts."""
        if self.assignment_id is None:
            return True
        visibility = self.assignment.results_visibility
        if visibility == "after_due":
            return self.due_at is None or now >= self.due_at
        return visibility == "immediately"

    def is_overdue(self, now) -> bool:
        return not self.is_submitted and self.deadline_at is not None and now >= self.deadline_at

    @property
    def percent(self) -> int:
        return round(100 * (self.score or 0) / self.total) if self.total else 0


class Answer(models.Model):
    learner = models.ForeignKey(Learner, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="+")
    # Copied from the question so progress can be counted per pattern without joins.
    pattern = models.ForeignKey(Pattern, on_delete=models.PROTECT, related_name="+")
    # The exact wording answered: editing the question later never changes this answer.
    question_version = models.ForeignKey(
        QuestionVersion, on_delete=models.PROTECT, related_name="+"
    )
    mode = models.CharField(max_length=10, choices=Mode.choices)
    attempt = models.ForeignKey(
        Attempt, null=True, blank=True, on_delete=models.CASCADE, related_name="answers"
    )
    difficulty = models.CharField(max_length=10, choices=Difficulty.choices)
    choice = models.CharField(max_length=1)
    is_correct = models.BooleanField()
    used_hint = models.BooleanField(default=False)
    time_taken_ms = models.PositiveIntegerField(null=True, blank=True)
    # A practice answer carries the one-time token of the form it came from, so a double click
    # or a retried request finds the answer already there instead of adding a second one.
    form_token = models.CharField(max_length=64, blank=True)
    answered_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["attempt", "question"],
                condition=models.Q(attempt__isnull=False),
                name="one_answer_per_test_question",
            ),
            models.UniqueConstraint(
                fields=["learner", "form_token"],
                condition=~models.Q(form_token=""),
                name="one_answer_per_practice_form",
            ),
        ]
        indexes = [
            models.Index(fields=["learner", "mode", "pattern"]),
            models.Index(fields=["learner", "mode", "question", "answered_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.learner_id} {self.question_id}={self.choice}"
