"""What learners do: lessons read, practice answers, test attempts.

Every row belongs to a Learner. An anonymous visitor gets a Learner kept in their session; when
they sign up or log in, that Learner's rows move to the account's Learner (see learners.py).
"""

from django.conf import settings
from django.db import models
from django.utils import timezone

from learnapp.catalog.models import Difficulty, Pattern, Question, QuestionVersion

from .points import FractionField
from .visibility import results_released


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

    ASKED = 10

    @classmethod
    def snapshot(cls, asked: int = ASKED, hard_asked: int | None = None) -> dict:
        """The rule for a sitting of `asked` questions, `hard_asked` of them hard.

        A pattern's test asks ten; an instructor's custom quiz may ask fewer, or no hard
        question: the same share is needed (8 of 10 is 5 of 6, rounded up), and a hard question
        only when one was asked. Never "8 of 6 right".
        """
        needed = -(-cls.MIN_CORRECT * asked // cls.ASKED) if asked else 0
        hard_needed = cls.MIN_HARD_CORRECT
        if hard_asked is not None:
            hard_needed = min(hard_needed, hard_asked)
        return {"min_correct": needed, "min_hard_correct": hard_needed}

    @classmethod
    def for_tally(cls, counted) -> dict:
        """The rule for what a tally (grading.Tally) shows was asked."""
        return cls.snapshot(counted.total, counted.breakdown["hard"][1])


class AttemptQuerySet(models.QuerySet):
    def submitted(self):
        return self.filter(submitted_at__isnull=False)

    def in_progress(self):
        return self.filter(submitted_at__isnull=True)


class Attempt(models.Model):
    """One sitting of "Test this pattern": ten questions, nothing revealed until submitted.

    What was asked (which items, which variant, which option order) is in `items`, fixed when
    the attempt starts.
    """

    learner = models.ForeignKey(Learner, on_delete=models.CASCADE, related_name="attempts")
    pattern = models.ForeignKey(Pattern, on_delete=models.PROTECT, related_name="+")
    started_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    # The sum of the answers' credits, exact: partial credit makes thirds and sevenths.
    score = FractionField(null=True, blank=True)
    total = models.PositiveSmallIntegerField(default=10)
    # How many of the items drawn had not been asked in any earlier attempt of this learner: a
    # strong result from a draw they had already seen in full says little (see progress.py).
    # None for attempts started before draws were recorded.
    new_items = models.PositiveSmallIntegerField(null=True, blank=True)
    # {"easy": [points, asked, fully_right], "medium": [...], "hard": [...]}, points as text
    # ("5/2"); attempts graded before partial credit have [right, asked].
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
        return results_released(self.assignment.results_visibility, self.due_at, now)

    def is_overdue(self, now) -> bool:
        return not self.is_submitted and self.deadline_at is not None and now >= self.deadline_at

    @property
    def percent(self) -> int:
        return round(100 * (self.score or 0) / self.total) if self.total else 0


class AttemptItem(models.Model):
    """One question of an attempt exactly as this learner sees it.

    Resume, review, grading, item analysis and exports all read these rows, so they show what
    the learner saw even after the content changes: the version, the template's variant (seed)
    and the option order.
    """

    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="items")
    number = models.PositiveSmallIntegerField()  # 1, 2, 3... in the order asked
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="+")
    question_version = models.ForeignKey(
        QuestionVersion, on_delete=models.PROTECT, related_name="+"
    )
    difficulty = models.CharField(max_length=10, choices=Difficulty.choices)
    # The template variant; a question without a template shows the same whatever the seed.
    seed = models.BigIntegerField(default=0)
    # The canonical option letters in the order shown: the learner's "A" is option_order[0].
    # For an ordering question, the steps in the order first shown.
    option_order = models.JSONField(default=list)

    class Meta:
        ordering = ["attempt", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["attempt", "number"], name="unique_attempt_item_number"
            ),
            models.UniqueConstraint(
                fields=["attempt", "question"], name="unique_attempt_item_question"
            ),
        ]

    def __str__(self) -> str:
        return f"attempt {self.attempt_id} #{self.number}: {self.question_id}"


class Answer(models.Model):
    # Neither the learner nor the attempt has an index of its own: the indexes below begin with
    # the learner, and one_answer_per_test_question with the attempt (an answer outside a test
    # has none to find it by). Every answer written, on every Check and autosave, updates each
    # index of this, the busiest table.
    learner = models.ForeignKey(
        Learner, on_delete=models.CASCADE, related_name="answers", db_index=False
    )
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="+")
    # Copied from the question so progress can be counted per pattern without joins.
    pattern = models.ForeignKey(Pattern, on_delete=models.PROTECT, related_name="+")
    # The exact wording answered: editing the question later never changes this answer.
    question_version = models.ForeignKey(
        QuestionVersion, on_delete=models.PROTECT, related_name="+"
    )
    mode = models.CharField(max_length=10, choices=Mode.choices)
    attempt = models.ForeignKey(
        Attempt,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="answers",
        db_index=False,
    )
    difficulty = models.CharField(max_length=10, choices=Difficulty.choices)
    # A single-choice answer's canonical letter ("" for other question types).
    choice = models.CharField(max_length=1, blank=True)
    # The whole response in canonical letters, whatever the type: "B", ["A", "C"], "4.5",
    # ["C", "A", "B"]. A regrade recomputes `credit` from this and the attempt's item.
    response = models.JSONField(null=True, blank=True)
    # Exact credit from 0 to 1; `is_correct` is credit == 1, for readers that only need that.
    credit = FractionField(default=0)
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


class Ruling(models.TextChoices):
    FULL_CREDIT = "full_credit", "Everyone gets full credit"
    DROP = "drop", "Dropped from the score"


class ItemRuling(models.Model):
    """An instructor's decision about one question of an assignment, for every attempt at it.

    Grading reads it (grading.tally): a full-credit item counts 1 for everyone asked it, a
    dropped one counts for nobody and leaves the total (a score out of 9). Attempts submitted
    before the decision are regraded (regrade.py); later ones are graded with it.
    """

    assignment = models.ForeignKey(
        "classes.Assignment", on_delete=models.CASCADE, related_name="item_rulings"
    )
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="+")
    ruling = models.CharField(max_length=12, choices=Ruling.choices)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["assignment", "question"], name="one_ruling_per_assignment_question"
            )
        ]

    def __str__(self) -> str:
        return f"{self.assignment_id}/{self.question_id}: {self.ruling}"


class RegradeReason(models.TextChoices):
    CORRECTION = "correction", "The question was corrected"
    FULL_CREDIT = "full_credit", "Everyone gets full credit"
    DROP = "drop", "The question was dropped"
    WITHDRAWN = "withdrawn", "A decision about the question was withdrawn"


class RegradeRecord(models.Model):
    """One regrade of one submitted attempt: who, when, why, and the score before and after.

    Written only when something changed, so running a regrade again records nothing.
    """

    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="regrades")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="+")
    # The question's number in this attempt, as the learner saw it.
    number = models.PositiveSmallIntegerField()
    reason = models.CharField(max_length=12, choices=RegradeReason.choices)
    # None: the `regrade` command after a content correction.
    regraded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    regraded_at = models.DateTimeField(default=timezone.now)
    old_score = FractionField()
    new_score = FractionField()
    old_total = models.PositiveSmallIntegerField()
    new_total = models.PositiveSmallIntegerField()
    # For a correction: the version the item was graded against before, and after.
    from_version = models.ForeignKey(
        QuestionVersion, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    to_version = models.ForeignKey(
        QuestionVersion, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["regraded_at", "pk"]

    def __str__(self) -> str:
        return f"attempt {self.attempt_id} #{self.number}: {self.old_score} -> {self.new_score}"


class ReviewCard(models.Model):
    """Something a learner should recall again, scheduled by FSRS (spaced.py).

    Either a question they missed (in practice, or in a test) or one of a lesson's self-checks.
    A card from a test keeps its attempt: it is served only once that attempt's results are
    visible to the learner (visibility.py), so a review never tells early what was wrong.
    """

    learner = models.ForeignKey(Learner, on_delete=models.CASCADE, related_name="review_cards")
    # For interleaving (no two cards of one pattern in a row) and for the self-check's lesson.
    pattern = models.ForeignKey(Pattern, on_delete=models.CASCADE, related_name="+")
    question = models.ForeignKey(
        Question, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    # The position of the lesson's self-check (Pattern.self_checks) for a self-check card.
    self_check = models.PositiveSmallIntegerField(null=True, blank=True)
    attempt = models.ForeignKey(
        Attempt, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    # FSRS's card, column by column (fsrs.Card): when it is next due and what it knows.
    due = models.DateTimeField()
    state = models.PositiveSmallIntegerField(
        default=1
    )  # fsrs.State: 1 learning, 2 review, 3 relearning
    step = models.PositiveSmallIntegerField(null=True, blank=True, default=0)
    stability = models.FloatField(null=True, blank=True)
    difficulty = models.FloatField(null=True, blank=True)
    last_review = models.DateTimeField(null=True, blank=True)
    reviews = models.PositiveIntegerField(default=0)
    lapses = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["learner", "question"],
                condition=models.Q(question__isnull=False),
                name="one_review_card_per_question",
            ),
            models.UniqueConstraint(
                fields=["learner", "pattern", "self_check"],
                condition=models.Q(self_check__isnull=False),
                name="one_review_card_per_self_check",
            ),
            models.CheckConstraint(
                condition=models.Q(question__isnull=True) ^ models.Q(self_check__isnull=True),
                name="review_card_is_a_question_or_a_self_check",
            ),
        ]
        indexes = [models.Index(fields=["learner", "due"])]

    def __str__(self) -> str:
        what = f"q{self.question_id}" if self.question_id else f"self-check {self.self_check}"
        return f"{self.learner_id} {what} due {self.due:%Y-%m-%d %H:%M}"


class HintUse(models.Model):
    """A learner opened tier `tier` of a question's hint: recorded once however often shown."""

    learner = models.ForeignKey(Learner, on_delete=models.CASCADE, related_name="hint_uses")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="+")
    tier = models.PositiveSmallIntegerField()  # 1 for the first (the nudge)
    used_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["learner", "question", "tier"], name="one_hint_use_per_tier"
            )
        ]

    def __str__(self) -> str:
        return f"{self.learner_id} hint {self.tier} of {self.question_id}"
