"""Which questions a test asks: a draw from the pattern's assessment pool, stored on the attempt.

A pattern with an assessment pool (content/.../assessment.md) has a blueprint, such as 3 easy,
4 medium and 3 hard; each test draws that many items of each difficulty, preferring items this
learner has not been asked in any earlier attempt (self-study or assigned), at random among
equals. A pattern without a pool asks its ten practice questions, as before pools existed.

Every item gets its own variant seed (for a template) and option order, stored with the attempt
(`AttemptItem`), so resuming, reviewing and grading show exactly what the learner saw.
"""

import random
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count

from learnapp.catalog.models import Pattern, Pool, Question, QuestionVersion
from learnapp.catalog.variants import option_order

from .models import Attempt, AttemptItem, Learner

DIFFICULTY_ORDER = {"easy": 0, "medium": 1, "hard": 2}
# Seeds are stored in a BigIntegerField; 31 bits keep them readable and portable.
SEED_LIMIT = 2**31


@dataclass(frozen=True)
class PoolItem:
    question_id: int
    version_id: int
    difficulty: str


def choose(
    pool: Iterable[PoolItem], blueprint: dict[str, int], seen: set[int], rng: random.Random
) -> list[PoolItem]:
    """The items of one test, easy to hard: unseen items first, random among equals."""
    chosen: list[PoolItem] = []
    pool = list(pool)
    for level in DIFFICULTY_ORDER:
        fresh = [item for item in pool if item.difficulty == level and item.question_id not in seen]
        stale = [item for item in pool if item.difficulty == level and item.question_id in seen]
        rng.shuffle(fresh)
        rng.shuffle(stale)
        chosen += (fresh + stale)[: blueprint.get(level, 0)]
    return chosen


def _drawable():
    """The questions a test may ask: active, with a current version."""
    return Question.objects.active().exclude(current_version=None)


def pattern_pool(pattern: Pattern) -> tuple[list[PoolItem], bool]:
    """The items a test of this pattern draws from, and whether it is a real pool (one query).

    Without a blueprint (older content, no assessment.md) the test is the practice set, in full.
    """
    questions = _drawable().filter(pattern=pattern)
    questions = questions.assessment() if pattern.blueprint else questions.practice()
    rows = questions.values_list("pk", "current_version_id", "difficulty", "position")
    items = sorted(rows, key=lambda row: (DIFFICULTY_ORDER[row[2]], row[3]))
    return [PoolItem(pk, version_id, level) for pk, version_id, level, _ in items], bool(
        pattern.blueprint
    )


def test_sizes(patterns: Iterable[Pattern | None]) -> dict[int, int]:
    """How many questions a test of each pattern asks, by pattern id, in one query for all
    (None, a custom quiz's pattern, is left out): the blueprint's count of each difficulty as
    far as the pool has them (choose), or without a blueprint the whole practice set."""
    patterns = {pattern.pk: pattern for pattern in patterns if pattern is not None}
    counts = {
        (row["pattern_id"], row["pool"], row["difficulty"]): row["n"]
        for row in _drawable()
        .filter(pattern_id__in=patterns)
        .values("pattern_id", "pool", "difficulty")
        .annotate(n=Count("pk"))
    }
    sizes = {}
    for pk, pattern in patterns.items():
        if pattern.blueprint:
            sizes[pk] = sum(
                min(count, counts.get((pk, Pool.ASSESSMENT, level), 0))
                for level, count in pattern.blueprint.items()
            )
        else:
            sizes[pk] = sum(
                n for (of, pool, _), n in counts.items() if (of, pool) == (pk, Pool.PRACTICE)
            )
    return sizes


def seen_questions(learner: Learner, question_filter: dict) -> set[int]:
    """Questions this learner was asked in any earlier attempt (one query)."""
    return set(
        AttemptItem.objects.filter(attempt__learner=learner, **question_filter)
        .values_list("question_id", flat=True)
        .distinct()
    )


def draw_for_pattern(
    learner: Learner, pattern: Pattern, rng: random.Random | None = None
) -> tuple[list[PoolItem], set[int]]:
    """A test's items for this learner, and the questions they had already seen (two queries)."""
    rng = rng or random.SystemRandom()
    pool, is_pool = pattern_pool(pattern)
    seen = seen_questions(learner, {"question__pattern": pattern})
    if not is_pool:
        return pool, seen
    return choose(pool, pattern.blueprint, seen, rng), seen


def create_attempt(
    learner: Learner,
    pattern_id: int,
    picked: list[PoolItem],
    seen: set[int],
    rng: random.Random | None = None,
    **fields,
) -> Attempt:
    """Store a new attempt with its items: four queries (versions, attempt, items, savepoint).

    Each item gets a seed for its variant and its option order from that seed (unless the
    content marks the options as ordered).
    """
    rng = rng or random.SystemRandom()
    versions = QuestionVersion.objects.only("pk", "options", "ordered", "qtype").in_bulk(
        [item.version_id for item in picked]
    )
    with transaction.atomic():
        attempt = Attempt.objects.create(
            learner=learner,
            pattern_id=pattern_id,
            total=len(picked),
            new_items=sum(1 for item in picked if item.question_id not in seen),
            **fields,
        )
        rows = []
        for number, item in enumerate(picked, start=1):
            seed = rng.randrange(SEED_LIMIT)
            rows.append(
                AttemptItem(
                    attempt=attempt,
                    number=number,
                    question_id=item.question_id,
                    question_version_id=item.version_id,
                    difficulty=item.difficulty,
                    seed=seed,
                    option_order=option_order(versions[item.version_id], seed),
                )
            )
        AttemptItem.objects.bulk_create(rows)
    return attempt
