"""Progress and mastery per pattern, computed for all patterns in a fixed number of queries."""

from dataclasses import dataclass, field
from datetime import datetime
from fractions import Fraction

from django.db.models import Count, Q
from django.utils import timezone

from learnapp.catalog.models import Pattern

# The progress page also lists the sandbox challenges. The sandbox builds on learning's models
# only, so this import makes no cycle; it reads, never writes (see completed_for_display).
from learnapp.sandbox import challenges as sandbox_challenges

from .models import Answer, Attempt, Learner, LessonRead, Mode
from .visibility import results_released


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
            "Your latest test that asked at least one question you had not been asked before "
            "showed the pattern is strong: 8 or more of 10 right, with at least one hard "
            "question fully right. A retake of questions you have all seen already does not "
            "count for this.",
        ),
    ]
    FAMILIAR_TEST_SCORE = 6


@dataclass(frozen=True)
class TestResult:
    attempt_id: int
    submitted_at: datetime
    score: Fraction
    total: int
    is_strong: bool
    # At least one item was new to the learner (None, from before draws were stored, counts).
    is_fresh: bool = True

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
    # Assigned tests taken whose results the learner may not see yet.
    pending: int = 0

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
    def last_fresh_test(self) -> TestResult | None:
        """The latest test whose draw was not already seen in full: what "strong" reads."""
        return next((t for t in reversed(self.tests) if t.is_fresh), None)

    @property
    def mastery(self) -> str:
        best, fresh = self.best_test, self.last_fresh_test
        if fresh and fresh.is_strong:
            return Mastery.STRONG
        if (best and best.score >= Mastery.FAMILIAR_TEST_SCORE) or all(
            right > 0 for _, right in self.practice.values()
        ):
            return Mastery.FAMILIAR
        if self.lesson_read or self.practice_answered or self.tests or self.pending:
            return Mastery.PRACTISING
        return Mastery.NOT_STARTED

    @property
    def mastery_label(self) -> str:
        return Mastery.LABELS[self.mastery]


def progress_by_pattern(
    learner: Learner | None, for_instructor: bool = False
) -> dict[int, PatternProgress]:
    """Everything the learner did, per pattern id: three queries however much there is.

    As the learner sees it, unless `for_instructor`: an assigned test whose results are not
    released yet counts as taken, without its score (visibility.py).
    """
    if learner is None:
        return {}
    return progress_for_learners([learner.pk], for_instructor).get(learner.pk, {})


def class_progress(user_ids: list[int]) -> dict[int, dict[int, PatternProgress]]:
    """Progress of many account holders, by user id then pattern id, for their instructor (who
    always sees scores): four queries."""
    learner_to_user = dict(
        Learner.objects.filter(user_id__in=user_ids).values_list("pk", "user_id")
    )
    by_learner = progress_for_learners(list(learner_to_user), for_instructor=True)
    return {learner_to_user[lid]: progress for lid, progress in by_learner.items()}


def progress_for_learners(
    learner_ids: list[int], for_instructor: bool = False
) -> dict[int, dict[int, PatternProgress]]:
    """Progress by learner id then pattern id, in three queries whatever the numbers."""
    progress: dict[int, dict[int, PatternProgress]] = {}
    now = timezone.now()

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
            "pk",
            "learner_id",
            "pattern_id",
            "submitted_at",
            "score",
            "total",
            "is_strong",
            "new_items",
            "assignment__results_visibility",
            "due_at",
        )
    )
    for row in tests:
        pk, learner_id, pattern_id, submitted_at, score, total, is_strong, new = row[:8]
        if not for_instructor and not results_released(row[8], row[9], now):
            # Taken, but nothing of how it went: not its score, not its place in the chart,
            # not what it would make of the mastery level.
            of(learner_id, pattern_id).pending += 1
            continue
        of(learner_id, pattern_id).tests.append(
            TestResult(pk, submitted_at, score or 0, total, bool(is_strong), new is None or new > 0)
        )
    return progress


def progress_page_context(learner: Learner | None, for_instructor: bool = False) -> dict:
    """What the progress page shows for one learner (also shown to their instructor, who sees
    the scores the learner may not see yet).

    Everything is for `learner`, passed in: never the person who asks for the page.
    """
    progress = progress_by_pattern(learner, for_instructor)
    patterns = list(Pattern.objects.active().select_related("section__track"))
    rows = [(pattern, progress.get(pattern.pk)) for pattern in patterns]
    names = {pattern.pk: pattern.title for pattern in patterns}
    tests = sorted(
        ((names.get(pid, "Retired pattern"), t) for pid, p in progress.items() for t in p.tests),
        key=lambda pair: pair[1].submitted_at,
    )
    return {
        "rows": rows,
        "rules": [(Mastery.LABELS[key], key, text) for key, text in Mastery.RULES],
        "chart": score_chart(tests),
        "tests": tests,
        "sandbox_done": sandbox_challenges.completed_for_display(learner),
    }


def score_chart(tests: list) -> dict | None:
    """Coordinates for a server-rendered SVG of test scores over time (no script needed)."""
    if not tests:
        return None
    # `left` leaves room for the widest axis label, "100%", at the SVG's font size.
    width, height, left, top, bottom = 640, 220, 56, 16, 28
    plot_w, plot_h = width - left - 16, height - top - bottom
    step = plot_w / max(len(tests) - 1, 1)
    series: dict[str, list] = {}
    points = []
    for index, (name, test) in enumerate(tests):
        x = left + (index * step if len(tests) > 1 else plot_w / 2)
        y = top + plot_h * (1 - test.percent / 100)
        point = {"x": round(x, 1), "y": round(y, 1), "name": name, "test": test}
        points.append(point)
        series.setdefault(name, []).append(point)
    palette = ["#2c4fd6", "#b3261e", "#17703a", "#8a5a00", "#6b3fa0", "#0b6e79"]
    lines = [
        {
            "name": name,
            "colour": palette[i % len(palette)],
            "points": " ".join(f"{p['x']},{p['y']}" for p in pts),
            "dots": pts,
        }
        for i, (name, pts) in enumerate(series.items())
    ]
    gridlines = [
        {"y": round(top + plot_h * (1 - pct / 100), 1), "label": f"{pct}%"}
        for pct in (0, 25, 50, 75, 100)
    ]
    strong_y = round(top + plot_h * (1 - 80 / 100), 1)
    return {
        "width": width,
        "height": height,
        "left": left,
        "right": width - 16,
        "lines": lines,
        "gridlines": gridlines,
        "strong_y": strong_y,
        "count": len(points),
    }
