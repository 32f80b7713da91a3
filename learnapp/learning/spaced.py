"""Spaced review: what a learner missed comes back, at intervals FSRS chooses.

A card is made for every question missed in practice, for every question missed in a test
(served only once the test's results are visible to the learner, visibility.py), and for each
self-check of a lesson the learner has read. Reviewing a card right schedules it further
(Rating.Good); wrong brings it back soon (Rating.Again). The session serves due cards one at a
time, never two of one pattern in a row when another pattern has a card due.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from fsrs import Card, Rating, Scheduler, State

from learnapp.catalog.models import Pattern
from learnapp.prepared import PendingInsert, PreparedInsert

from .models import Answer, Attempt, Learner, Mode, ReviewCard
from .visibility import items_under_test, released_q

# Fuzzing spreads reviews that would otherwise bunch on one day; tests replace this with
# Scheduler(enable_fuzzing=False) to assert intervals exactly.
SCHEDULER = Scheduler()
# A self-check was just answered in the lesson: it first comes back the next day.
SELF_CHECK_FIRST_DUE = timedelta(days=1)


def servable(learner: Learner | int, now: datetime) -> QuerySet[ReviewCard]:
    """The learner's cards that may be shown now, due or not.

    A card from a test waits until that test's results are visible; a question of an assigned
    test the learner has open waits until it is submitted; retired content is not reviewed.
    """
    return (
        ReviewCard.objects.filter(learner=learner, pattern__retired_at__isnull=True)
        .filter(Q(question__isnull=True) | Q(question__retired_at__isnull=True))
        .filter(Q(attempt__isnull=True) | released_q(now, "attempt__"))
        .exclude(question__in=items_under_test(learner, now).values("question_id"))
    )


def due_count(learner: Learner | None, now: datetime) -> int:
    """How many cards are due: one query (none for a visitor who has done nothing)."""
    if learner is None:
        return 0
    return servable(learner, now).filter(due__lte=now).count()


# -- making cards -----------------------------------------------------------------------------


# fsrs numbers a Card it makes without an id by the clock and then sleeps a millisecond so the
# next one differs; our cards are ReviewCard rows with their own keys, so any id will do, and
# a wrong practice answer does not hold its app server worker for that millisecond (or more).
_UNUSED_ID = 0


def _new_card_fields(due: datetime) -> dict:
    card = Card(card_id=_UNUSED_ID, due=due)
    return {"due": card.due, "state": card.state.value, "step": card.step}


# bulk_create([card], ignore_conflicts=True), compiled once: this runs on every wrong Check.
_INSERT_CARD_IF_NEW = PreparedInsert(ReviewCard, ignore_conflicts=True)


def _missed_card(
    of: Answer | Attempt, question_id: int, at: datetime, attempt_id: int | None = None
) -> ReviewCard:
    """The card of a question missed at `at` (due then), by the learner of an answer or a test,
    in the pattern it belongs to; a test's card keeps its attempt (`attempt_id`)."""
    return ReviewCard(
        learner_id=of.learner_id,
        pattern_id=of.pattern_id,
        question_id=question_id,
        attempt_id=attempt_id,
        created_at=at,
        **_new_card_fields(at),
    )


def practice_miss_card(answer: Answer) -> PendingInsert:
    """A wrong practice answer's card, due at once, to write (run) with the answer: one INSERT
    that leaves a card the learner already has as it is (the review session decides when it
    comes back). grading.record_practice_answer, the one writer of practice answers, skips it
    when it knows there is a card."""
    return _INSERT_CARD_IF_NEW.prepare(_missed_card(answer, answer.question_id, answer.answered_at))


def add_test_misses(attempt: Attempt) -> None:
    """Every question of a submitted attempt answered wrong (or partly right) becomes a card.

    Left unanswered is not a mistake to review, as in "Review my mistakes" (review.py). The
    card keeps the attempt, so it stays out of sight until the learner may see that attempt's
    results (and for good if they never may).
    """
    missed = attempt.answers.filter(is_correct=False).values_list("question_id", flat=True)
    ReviewCard.objects.bulk_create(
        [
            _missed_card(attempt, question_id, attempt.submitted_at, attempt.pk)
            for question_id in missed
        ],
        ignore_conflicts=True,
    )


def follow_regrade(answer: Answer, attempt: Attempt, now: datetime) -> None:
    """A submitted test's answer was regraded: the card its miss made follows the new verdict.

    Made wrong, it becomes a card, as add_test_misses would have made at submission, waiting
    like those for the attempt's results to be visible. Made right, the card this attempt made
    goes, unless the learner missed the question elsewhere too (in practice, or in another
    submitted test, whose miss the one card per question stood for as well): then the card
    stays, now standing for the latest of those misses.
    """
    if not answer.is_correct:
        ReviewCard.objects.bulk_create(
            [_missed_card(attempt, answer.question_id, now, attempt.pk)], ignore_conflicts=True
        )
        return
    card = ReviewCard.objects.filter(
        learner_id=attempt.learner_id, question_id=answer.question_id, attempt_id=attempt.pk
    )
    # The attempt of the latest other miss (None for a practice miss), if there is one.
    other_miss = list(
        Answer.objects.filter(
            learner_id=attempt.learner_id, question_id=answer.question_id, is_correct=False
        )
        .filter(Q(mode=Mode.PRACTICE) | Q(attempt__submitted_at__isnull=False))
        .exclude(pk=answer.pk)
        .order_by("-answered_at", "-pk")
        .values_list("attempt_id", flat=True)[:1]
    )
    if other_miss:
        card.update(attempt_id=other_miss[0])
    else:
        card.delete()


def add_self_checks(learner: Learner, pattern: Pattern, now: datetime) -> None:
    """The lesson's self-checks, as cards first due a day after reading it."""
    ReviewCard.objects.bulk_create(
        [
            ReviewCard(
                learner=learner,
                pattern=pattern,
                self_check=index,
                created_at=now,
                **_new_card_fields(now + SELF_CHECK_FIRST_DUE),
            )
            for index in range(len(pattern.self_checks or []))
        ],
        ignore_conflicts=True,
    )


def merge_cards(source: Learner, target: Learner) -> None:
    """A visitor's cards join their account; where both have one, the account's stays."""
    same_question = ReviewCard.objects.filter(learner=target, question_id=OuterRef("question_id"))
    same_self_check = ReviewCard.objects.filter(
        learner=target, pattern_id=OuterRef("pattern_id"), self_check=OuterRef("self_check")
    )
    ReviewCard.objects.filter(learner=source).filter(
        Exists(same_question) | Exists(same_self_check)
    ).delete()
    ReviewCard.objects.filter(learner=source).update(learner=target)


# -- the session ------------------------------------------------------------------------------


def pick_next(due: list[tuple[int, int, datetime]], last_pattern_id: int | None) -> int | None:
    """The id of the card to serve next from (card id, pattern id, due) triples.

    Interleaved: never the pattern just reviewed when another one has a card due. Among the
    others, the pattern with the most cards due goes first (so one pattern's pile does not end
    up in a row at the end), then the longest overdue card of it.
    """
    if not due:
        return None
    by_pattern: dict[int, list] = {}
    for card in due:
        by_pattern.setdefault(card[1], []).append(card)
    others = [p for p in by_pattern if p != last_pattern_id] or list(by_pattern)
    pattern = min(others, key=lambda p: (-len(by_pattern[p]), min(c[2] for c in by_pattern[p])))
    return min(by_pattern[pattern], key=lambda c: (c[2], c[0]))[0]


def next_due_card(learner: Learner, now: datetime, last_pattern_id: int | None):
    """The card to review now, with its question and pattern, or None: two queries."""
    due = list(servable(learner, now).filter(due__lte=now).values_list("pk", "pattern_id", "due"))
    chosen = pick_next(due, last_pattern_id)
    if chosen is None:
        return None, 0
    card = ReviewCard.objects.select_related("question__current_version", "pattern").get(pk=chosen)
    return card, len(due)


@dataclass(frozen=True)
class Outcome:
    rating: Rating
    due: datetime
    interval: timedelta


def review(card: ReviewCard, right: bool, now: datetime) -> Outcome:
    """Record one review of the card: right is Rating.Good, wrong Rating.Again."""
    rating = Rating.Good if right else Rating.Again
    fsrs_card = Card(
        card_id=_UNUSED_ID,
        state=State(card.state),
        step=card.step,
        stability=card.stability,
        difficulty=card.difficulty,
        due=card.due,
        last_review=card.last_review,
    )
    fsrs_card, _ = SCHEDULER.review_card(fsrs_card, rating, now)
    card.due = fsrs_card.due
    card.state = fsrs_card.state.value
    card.step = fsrs_card.step
    card.stability = fsrs_card.stability
    card.difficulty = fsrs_card.difficulty
    card.last_review = now
    card.reviews += 1
    card.lapses += not right
    fields = ["due", "state", "step", "stability", "difficulty", "last_review", "reviews"]
    with transaction.atomic():
        # Only the review the page was shown for counts: a second click on the same page
        # finds `reviews` moved on and changes nothing.
        changed = ReviewCard.objects.filter(pk=card.pk, reviews=card.reviews - 1).update(
            **{name: getattr(card, name) for name in fields}, lapses=card.lapses
        )
    if not changed:
        card.refresh_from_db()
    return Outcome(rating, card.due, card.due - now)


def when_text(interval: timedelta) -> str:
    """'in 10 minutes', 'in 3 days': when a reviewed card comes back, for the learner."""
    minutes = round(interval.total_seconds() / 60)
    if minutes < 60:
        return f"in {minutes} minute{'s' if minutes != 1 else ''}"
    hours = round(minutes / 60)
    if hours < 24:
        return f"in {hours} hour{'s' if hours != 1 else ''}"
    days = round(hours / 24)
    return f"in {days} day{'s' if days != 1 else ''}"
