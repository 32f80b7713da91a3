"""Progress and mastery per pattern, computed for all patterns in a fixed number of queries."""

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Count, Q

from .models import Answer, Attempt, Learner, LessonRead, Mode


class Mastery:
    NOT_STARTED = "not-started"
    PRACTISING = "practising"
    FAMILIAR = "familiar"
    STRONG = "strong"

    LABELS = {
        NOT_STARTED: "Not started",
        PRACTISING: "Practising",
        FAMILIAR: "Familiar",
        STRONG: "Strong",
    }
    # Shown to learners on the progress page, so the rule is never a mystery.
    RULES = [
        (NOT_STARTED, "You have not read the lesson, practised or taken the test yet."),
        (PRACTISING, "You have read the lesson, answered a practice question or taken the test."),
        (
            FAMILIAR,
            "You have answered an easy, a medium and a hard practice question right, "
            "or scored 6 or more in a test.",
        ),
        (
            STRONG,
            "Your latest test showed the pattern is strong: 8 or more of 10 right, "
            "with at least one hard question right.",
        ),
    ]
    FAMILIAR_TEST_SCORE = 6


@dataclass(frozen=True)
class TestResult:
    attempt_id: int
    submitted_at: datetime
    score: int
    total: int
    is_strong: bool

    @property
    def percent(self) -> int:
        return round(100 * self.score / self.total) if self.total else 0


@dataclass
class PatternProgress:
    pattern_id: int
    lesson_read: bool = False
    # difficulty -> [questions answered, questions answered right], distinct questions
    practice: dict[str, list[int]] = field(
        default_factory=lambda: {"easy": [0, 0], "medium": [0, 0], "hard": [0, 0]}
    )
    tests: list[TestResult] = field(default_factory=list)

    @property
    def practice_answered(self) -> int:
        return sum(answered for answered, _ in self.practice.values())

    @property
    def practice_right(self) -> int:
        return sum(right for _, right in self.practice.values())

    @property
    def best_test(self) -> TestResult | None:
        return max(self.tests, key=lambda t: (t.score, t.submitted_at), default=None)

    @property
    def last_test(self) -> TestResult | None:
        return self.tests[-1] if self.tests else None

    @property
    def mastery(self) -> str:
        last, best = self.last_test, self.best_test
        if last and last.is_strong:
            return Mastery.STRONG
        if (best and best.score >= Mastery.FAMILIAR_TEST_SCORE) or all(
            right > 0 for _, right in self.practice.values()
        ):
            return Mastery.FAMILIAR
        if self.lesson_read or self.practice_answered or self.tests:
            return Mastery.PRACTISING
        return Mastery.NOT_STARTED

    @property
    def mastery_label(self) -> str:
        return Mastery.LABELS[self.mastery]


def progress_by_pattern(learner: Learner | None) -> dict[int, PatternProgress]:
    """Everything the learner did, per pattern id: three queries however much there is."""
    if learner is None:
        return {}
    return progress_for_learners([learner.pk]).get(learner.pk, {})


def class_progress(user_ids: list[int]) -> dict[int, dict[int, PatternProgress]]:
    """Progress of many account holders, by user id then pattern id: four queries."""
    learner_to_user = dict(
        Learner.objects.filter(user_id__in=user_ids).values_list("pk", "user_id")
    )
    by_learner = progress_for_learners(list(learner_to_user))
    return {learner_to_user[lid]: progress for lid, progress in by_learner.items()}


def progress_for_learners(learner_ids: list[int]) -> dict[int, dict[int, PatternProgress]]:
    """Progress by learner id then pattern id, in three queries whatever the numbers."""
    progress: dict[int, dict[int, PatternProgress]] = {}

    def of(learner_id: int, pattern_id: int) -> PatternProgress:
        mine = progress.setdefault(learner_id, {})
        if pattern_id not in mine:
            mine[pattern_id] = PatternProgress(pattern_id)
        return mine[pattern_id]

    for learner_id, pattern_id in LessonRead.objects.filter(learner_id__in=learner_ids).values_list(
        "learner_id", "pattern_id"
    ):
        of(learner_id, pattern_id).lesson_read = True
    practice = (
        Answer.objects.filter(learner_id__in=learner_ids, mode=Mode.PRACTICE)
        .values("learner_id", "pattern_id", "difficulty")
        .annotate(
            answered=Count("question_id", distinct=True),
            right=Count("question_id", distinct=True, filter=Q(is_correct=True)),
        )
        .order_by()
    )
    for row in practice:
        of(row["learner_id"], row["pattern_id"]).practice[row["difficulty"]] = [
            row["answered"],
            row["right"],
        ]
    tests = (
        Attempt.objects.submitted()
        .filter(learner_id__in=learner_ids)
        # A custom quiz mixes patterns: it says nothing about one pattern's strength.
        .filter(Q(assignment__isnull=True) | Q(assignment__pattern__isnull=False))
        .order_by("submitted_at")
        .values_list(
            "pk", "learner_id", "pattern_id", "submitted_at", "score", "total", "is_strong"
        )
    )
    for pk, learner_id, pattern_id, submitted_at, score, total, is_strong in tests:
        of(learner_id, pattern_id).tests.append(
            TestResult(pk, submitted_at, score, total, bool(is_strong))
        )
    return progress
