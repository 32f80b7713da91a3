"""Recording and grading answers, starting and submitting tests. Plain functions over models."""

import random
from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction

from django.db import IntegrityError, connections, transaction
from django.dispatch import Signal
from django.utils import timezone

from learnapp.catalog.models import Pattern
from learnapp.catalog.variants import variant, variant_answer
from learnapp.prepared import Prepared, PreparedInsert

from . import spaced
from .draw import DIFFICULTY_ORDER, create_attempt, draw_for_pattern
from .models import Answer, Attempt, AttemptItem, ItemRuling, Learner, Mode, Ruling, StrongRule
from .points import format_points
from .responses import ResponseError, Sent, canonical_response, credit_against, credit_for

# Sent inside the transaction that changed a submitted attempt's score (its submission, a
# regrade, an instructor's override), with `attempt`: the LMS grade passback listens.
attempt_graded = Signal()

# A day on one question is already a tab left open; the sum stops there.
MAX_TIME_PER_QUESTION_MS = 24 * 60 * 60 * 1000


class AnswerRejected(Exception):
    """A request that cannot be taken: the view answers with `status` and this message."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


# What a practice form that sent nothing is told, by type.
NOTHING_SENT = {
    "single": "Choose one of the options first.",
    "multiple": "Tick at least one option first.",
    "numeric": "Type a number first.",
    "ordering": "Put the steps in order first.",
}


def _response_of(response, choice):
    # Practice answers saved before every type was stored in `response` hold only a letter.
    return response if response is not None else choice


_LATEST_PRACTICE_SQL = (
    'SELECT "latest"."id" FROM "learning_answer" "latest" WHERE "latest"."learner_id" = %s'
    ' AND "latest"."question_id" = %s AND "latest"."mode" = %s'
    ' ORDER BY "latest"."answered_at" DESC, "latest"."id" DESC LIMIT 1'
)
# The learner's latest practice answer to a question, and the first answer sent from one form
# (its token is the form's nonce and ".0"); `is_latest` marks the former. Both are found by an
# index, however many answers the learner has: NOT (form_token = '') is the unique index's own
# condition, which SQLite needs to see before it uses that (partial) index. Only the columns
# that tell a repeat: turning the rows into model instances cost more than the query. Each row
# also says whether the learner has a review card for the question (its unique index), so a
# miss after a miss writes no card.
_FORM_ANSWERS_SQL = (
    'SELECT "learning_answer"."id", "learning_answer"."form_token",'
    ' "learning_answer"."response", "learning_answer"."choice",'
    f' ("learning_answer"."id" = ({_LATEST_PRACTICE_SQL})) AS is_latest,'
    ' EXISTS (SELECT 1 FROM "learning_reviewcard" "card" WHERE "card"."learner_id" = %s'
    ' AND "card"."question_id" = %s) AS has_card'
    f' FROM "learning_answer" WHERE "learning_answer"."id" = ({_LATEST_PRACTICE_SQL})'
    ' OR ("learning_answer"."learner_id" = %s AND NOT ("learning_answer"."form_token" = \'\')'
    ' AND "learning_answer"."form_token" = %s AND "learning_answer"."question_id" = %s'
    ' AND "learning_answer"."mode" = %s)'
)


_RESPONSE_FIELD = Answer._meta.get_field("response")
_INSERT_ANSWER = PreparedInsert(Answer)


def record_practice_answer(
    learner: Learner,
    item: AttemptItem,
    sent: Sent,
    form_token: str,
    used_hint: bool,
    time_taken_ms: int | None,
) -> Answer:
    """Save a practice answer; the same response sent again from the same form counts once.

    `item` is the question as this form showed it (practising.practice_item: the variant's seed
    and the steps' order); `sent` is in the letters shown and is stored canonical, with its
    exact credit, as test answers are. A number that cannot be read is refused, not recorded.

    The form stays on the page after "Check" (htmx swaps only the feedback), so one form token
    can carry several responses: A, "Not quite", then B. Each new response is a new answer; only
    a repeat of the response the form last sent (a double click, a retried request) is a
    duplicate.
    """
    question, version = item.question, item.question_version
    try:
        response = canonical_response(item, version.qtype, sent)
        if response is None:
            raise ResponseError(NOTHING_SENT.get(version.qtype, NOTHING_SENT["single"]))
        credit = credit_for(version.qtype, variant(version, item.seed), response)
    except ResponseError as exc:
        raise AnswerRejected(str(exc)) from None
    prefix = f"{form_token}."
    # A form's responses are numbered from 0 in the order they came (the loop below), so the
    # learner's latest answer and the form's first one say all that is needed, in one query
    # that reads at most two rows (a learner may have answered this question thousands of times,
    # and this runs on every "Check"). Written out once rather than built by the ORM: compiling
    # the subqueries took half of a Check's time.
    mine = (learner.pk, question.pk, Mode.PRACTICE.value)
    connection = connections[Answer.objects.db]
    with connection.cursor() as cursor:
        cursor.execute(
            _FORM_ANSWERS_SQL,
            [*mine, learner.pk, question.pk, *mine, learner.pk, f"{prefix}0", *mine[1:]],
        )
        rows = cursor.fetchall()
    latest = next((row for row in rows if row[4]), None)
    suffix = latest[1].removeprefix(prefix) if latest is not None else ""
    if latest is not None and latest[1].startswith(prefix) and suffix.isdigit():
        # This form gave the learner's latest answer. The same response again is a repeat (a
        # double click, a retried request); an answer in another tab in between would have made
        # it new again, and then the latest answer would not be this form's.
        stored = _RESPONSE_FIELD.from_db_value(latest[2], None, connection)
        if _response_of(stored, latest[3]) == response:
            return Answer.objects.get(pk=latest[0])
        sent_before = int(suffix) + 1
    elif not any(row[1] == f"{prefix}0" for row in rows):
        sent_before = 0  # the form's first response
    else:
        # The form answered before, then another tab did: how many did this form send (rare).
        sent_before = Answer.objects.filter(
            learner=learner, question=question, mode=Mode.PRACTICE, form_token__startswith=prefix
        ).count()
    # The n-th response from this form: two copies of the same request race for the same token,
    # and the unique constraint lets exactly one of them in.
    answer = Answer(
        learner=learner,
        question=question,
        pattern_id=question.pattern_id,
        question_version=version,
        mode=Mode.PRACTICE,
        difficulty=version.difficulty,
        choice=response if version.qtype == "single" else "",
        response=response,
        credit=credit,
        is_correct=credit == 1,
        used_hint=used_hint,
        time_taken_ms=time_taken_ms,
    )
    # A miss becomes a review card, unless the learner has one for the question already (a
    # miss after a miss); the card, as the answer, is worked out before the transaction.
    has_card = any(row[5] for row in rows)
    card = None
    for index in range(sent_before, sent_before + 3):
        answer.form_token = f"{prefix}{index}"
        # answer.save(force_insert=True), compiled once, its values worked out before the
        # transaction: every other writer waits while it is open.
        insert = _INSERT_ANSWER.prepare(answer)
        if not answer.is_correct and not has_card:
            card = card or spaced.practice_miss_card(answer)
        try:
            with transaction.atomic():
                insert.run()
                if card is not None:
                    card.run()
            return answer
        except IntegrityError:
            first = Answer.objects.get(learner=learner, form_token=answer.form_token)
            # The same request twice at once (double click, retry): the first answer stands.
            if _response_of(first.response, first.choice) == response:
                return first
            answer.pk = None  # another response got that place first: take the next one
    raise AnswerRejected("Too many answers at once from this form; reload the question.", 409)


def start_attempt(learner: Learner, pattern: Pattern, rng: random.Random | None = None) -> Attempt:
    """Resume the learner's unfinished self-study test of this pattern, or draw a new one.

    Each retake draws afresh (see draw.py), preferring items the learner has not seen.
    """
    unfinished = (
        Attempt.objects.in_progress()
        .filter(learner=learner, pattern=pattern, assignment__isnull=True)
        .order_by("-started_at")
        .first()
    )
    if unfinished:
        return unfinished
    picked, seen = draw_for_pattern(learner, pattern, rng)
    return create_attempt(learner, pattern.pk, picked, seen, rng)


def attempt_items(attempt: Attempt) -> list[AttemptItem]:
    """The attempt's items in the order asked, with their versions and questions (one query)."""
    return list(attempt.items.select_related("question_version", "question").order_by("number"))


_AUTOSAVE_ITEM_FIELDS = (
    "question_id",
    "difficulty",
    "seed",
    "option_order",
    "question_version__qtype",
    "question_version__answer_spec",
    "question_version__correct_letter",
    "question_version__template",
)


# Autosave's two reads, compiled once (learnapp.prepared). Scoring needs four of the version's
# columns; the rest (HTML, options, solution) are the wide part of the row, and autosave never
# shows them.
_AUTOSAVE_ITEM = Prepared(
    lambda attempt_id, number: (
        AttemptItem.objects.select_related("question_version")
        .only(*_AUTOSAVE_ITEM_FIELDS)
        .filter(attempt_id=attempt_id, number=number)
        .order_by()[:1]
    ),
    int,
    int,
)
# AttemptItem.number is a small integer: no item has a number past this.
MAX_QUESTION_NUMBER = 32767
# What autosave reads of the attempt (saving, the deadline, who and which pattern).
_AUTOSAVE_ATTEMPT_FIELDS = ("learner_id", "pattern_id", "total", "submitted_at", "deadline_at")
# The item with its attempt, found through the learner: autosave's one read before its
# transaction, where reading the attempt and then the item took two.
_AUTOSAVE_TARGET = Prepared(
    lambda attempt_id, learner_id, number: (
        AttemptItem.objects.select_related("question_version", "attempt")
        .only(*_AUTOSAVE_ITEM_FIELDS, *(f"attempt__{name}" for name in _AUTOSAVE_ATTEMPT_FIELDS))
        .filter(attempt_id=attempt_id, attempt__learner_id=learner_id, number=number)
        .order_by()[:1]
    ),
    int,
    int,
    int,
)
_LOCKED_ATTEMPT = Prepared(
    lambda pk: Attempt.objects.select_for_update().only("submitted_at").filter(pk=pk), int
)


_UPDATED_FIELDS = (
    "choice",
    "response",
    "credit",
    "is_correct",
    "question_version_id",
    "updated_at",
)
# The statement is written once: building it with the ORM on every autosave cost more than
# running it. Time on a question is the sum over visits: each report adds the time since the
# last, up to MAX_TIME_PER_QUESTION_MS.
_SET_ANSWER = ", ".join(f'"{Answer._meta.get_field(n).column}" = %s' for n in _UPDATED_FIELDS)
_WHERE_QUESTION = ' WHERE "attempt_id" = %s AND "question_id" = %s'
_UPDATE_TEST_ANSWER_SQL = f'UPDATE "learning_answer" SET {_SET_ANSWER}{_WHERE_QUESTION}'
_UPDATE_TEST_ANSWER_AND_TIME_SQL = (
    f'UPDATE "learning_answer" SET {_SET_ANSWER}, "time_taken_ms" = CASE'
    ' WHEN COALESCE("time_taken_ms", 0) + %s > %s THEN %s'
    f' ELSE COALESCE("time_taken_ms", 0) + %s END{_WHERE_QUESTION}'
)


def _test_answer_update(
    attempt_id: int, question_id: int, saved: dict, time_taken_ms: int | None
) -> tuple[str, list]:
    """The UPDATE that changes the stored answer to a question of an attempt, with its values:
    worked out before the transaction, which every other writer waits for."""
    connection = connections[Answer.objects.db]
    values = {**saved, "updated_at": timezone.now()}
    fields = [Answer._meta.get_field(name) for name in _UPDATED_FIELDS]
    params = [field.get_db_prep_save(values[field.attname], connection) for field in fields]
    sql = _UPDATE_TEST_ANSWER_SQL
    if time_taken_ms is not None:
        cap = MAX_TIME_PER_QUESTION_MS
        sql = _UPDATE_TEST_ANSWER_AND_TIME_SQL
        params += [time_taken_ms, cap, cap, time_taken_ms]
    return sql, [*params, attempt_id, question_id]


def _run_update(update: tuple[str, list]) -> int:
    """Run an UPDATE; the number of rows it changed."""
    with connections[Answer.objects.db].cursor() as cursor:
        cursor.execute(*update)
        return cursor.rowcount


def autosave_target(attempt_id: int, learner_id: int, number: int) -> AttemptItem | None:
    """Question `number` of the learner's own attempt `attempt_id`, its `.attempt` read with it
    (one query); None if the attempt is not theirs or has no such question."""
    if not 1 <= number <= MAX_QUESTION_NUMBER:
        return None
    return _AUTOSAVE_TARGET.first(attempt_id, learner_id, number)


def save_test_answer(
    attempt: Attempt,
    number: int,
    sent: Sent,
    time_taken_ms: int | None = None,
    item: AttemptItem | None = None,
) -> bool:
    """Save (or change) the answer to question `number` of an unfinished attempt.

    `sent` is in the letters the learner saw; the answer stores the canonical response and its
    exact credit. Sending nothing (every box unticked) clears the answer. True if an answer is
    now stored, False if it was cleared. `item` is that question, if the caller read it with
    the attempt (autosave_target).
    """
    finish_if_overdue(attempt)
    if attempt.is_submitted and attempt.submitted_at == attempt.deadline_at:
        raise AnswerRejected(
            "Time is up: the test was submitted with the answers saved before the limit.", 409
        )
    if attempt.is_submitted:
        raise AnswerRejected("This test has been submitted; its answers can no longer change.", 409)
    if item is None and 1 <= number <= attempt.total:
        item = _AUTOSAVE_ITEM.first(attempt.pk, number)
    if item is None:
        raise AnswerRejected(
            f"Question {number} is not part of this test (it has {attempt.total}).", 404
        )
    version = item.question_version
    try:
        response = canonical_response(item, version.qtype, sent)
        if response is None and version.qtype == "single":
            raise ResponseError("Choose one of the options first.")
        credit = credit_against(version.qtype, variant_answer(version, item.seed), response)
    except ResponseError as exc:
        raise AnswerRejected(str(exc)) from None
    saved = {
        "choice": response if version.qtype == "single" else "",
        "response": response,
        "credit": credit,
        "is_correct": credit == 1,
        "question_version_id": version.pk,
    }
    update = (
        _test_answer_update(attempt.pk, item.question_id, saved, time_taken_ms)
        if response is not None
        else None
    )
    # Autosave is the busiest write a test makes (every click), so it is kept to one narrow
    # lock and one UPDATE; only a question's first answer also INSERTs.
    with transaction.atomic():
        # Lock the attempt so an answer cannot slip in while another request submits it; the
        # lock also orders two saves of the same question, so the INSERT below cannot race.
        if _LOCKED_ATTEMPT.first(attempt.pk).submitted_at is not None:
            raise AnswerRejected(
                "This test has been submitted; its answers can no longer change.", 409
            )
        if response is None:
            # Built only here: a queryset's filter cost a seventh of every autosave.
            Answer.objects.filter(attempt_id=attempt.pk, question_id=item.question_id).delete()
            return False
        if not _run_update(update):
            Answer.objects.create(
                **saved,
                attempt_id=attempt.pk,
                question_id=item.question_id,
                time_taken_ms=time_taken_ms,
                learner_id=attempt.learner_id,
                pattern_id=attempt.pattern_id,
                mode=Mode.TEST,
                difficulty=item.difficulty,
            )
    return True


@dataclass(frozen=True)
class Verdict:
    is_strong: bool
    explanation: str


def judge(score: Fraction | int, hard_right: int, rule: dict) -> Verdict:
    """Strong: a score of at least min_correct, with min_hard_correct hard items fully right."""
    needed, hard_needed = rule["min_correct"], rule["min_hard_correct"]
    if score >= needed and hard_right >= hard_needed:
        return Verdict(
            True,
            f"{format_points(score)} right (at least {needed} needed), "
            f"{hard_right} hard question{'s' if hard_right != 1 else ''} fully right.",
        )
    missing = []
    if score < needed:
        short = needed - score
        missing.append(
            f"{format_points(short)} more right answer{'s' if short != 1 else ''}"
            if Fraction(short).denominator == 1
            else f"{format_points(short)} more points"
        )
    if hard_right < hard_needed:
        missing.append(f"at least {hard_needed} hard question right")
    return Verdict(False, f"Not yet: you need {' and '.join(missing)}.")


def finish_if_overdue(attempt: Attempt) -> bool:
    """Submit an attempt whose time ran out, with the answers saved so far. True if it did."""
    if not attempt.is_overdue(timezone.now()):
        return False
    submitted = submit_attempt(attempt.pk, attempt.learner_id, at=attempt.deadline_at)
    attempt.submitted_at = submitted.submitted_at
    return True


@dataclass(frozen=True)
class Tally:
    score: Fraction
    total: int
    breakdown: dict
    hard_fully_right: int


def rulings_for(assignment_id: int | None) -> dict[int, str]:
    """An assignment's decisions about its questions, by question id (none for self-study)."""
    if assignment_id is None:
        return {}
    return dict(
        ItemRuling.objects.filter(assignment_id=assignment_id).values_list("question_id", "ruling")
    )


def tally(
    items: Iterable[AttemptItem], credits: dict[int, Fraction], rulings: dict[int, str]
) -> Tally:
    """An attempt's score from its items, the answers' credits (by question id) and rulings.

    The one place a score is added up, for submitting and regrading alike: a full-credit item
    counts 1 whatever was answered; a dropped item counts for nothing and leaves the total.
    """
    points = {level: Fraction(0) for level in DIFFICULTY_ORDER}
    asked = dict.fromkeys(DIFFICULTY_ORDER, 0)
    fully = dict.fromkeys(DIFFICULTY_ORDER, 0)
    for item in items:
        ruling = rulings.get(item.question_id)
        if ruling == Ruling.DROP:
            continue
        credit = (
            Fraction(1)
            if ruling == Ruling.FULL_CREDIT
            else (credits.get(item.question_id) or Fraction(0))
        )
        asked[item.difficulty] += 1
        points[item.difficulty] += credit
        fully[item.difficulty] += credit == 1
    breakdown = {
        level: [str(points[level]), asked[level], fully[level]] for level in DIFFICULTY_ORDER
    }
    return Tally(sum(points.values(), Fraction(0)), sum(asked.values()), breakdown, fully["hard"])


def apply_tally(attempt: Attempt, counted: Tally, rule: dict) -> None:
    """Write a tally onto the attempt (not saved): score, total, breakdown and the verdict."""
    attempt.score = counted.score
    attempt.total = counted.total
    attempt.breakdown = counted.breakdown
    attempt.rule = rule
    attempt.is_strong = judge(counted.score, counted.hard_fully_right, rule).is_strong


def submit_attempt(attempt_id: int, learner: Learner | int, at=None) -> Attempt:
    """Grade and close the attempt. Submitting twice (two tabs, a retry) gives the one result.

    `at` backdates an automatic submission to the moment the time ran out.
    """
    with transaction.atomic():
        # The same lock a regrade takes (regrade.py): a ruling made while this runs is either
        # read here or finds the attempt submitted and regrades it.
        attempt = Attempt.objects.select_for_update().get(pk=attempt_id, learner=learner)
        if attempt.is_submitted:
            return attempt
        items = attempt.items.only("question_id", "difficulty")
        credits = dict(attempt.answers.values_list("question_id", "credit"))
        counted = tally(items, credits, rulings_for(attempt.assignment_id))
        apply_tally(attempt, counted, StrongRule.for_tally(counted))
        attempt.submitted_at = at or timezone.now()
        attempt.is_late = attempt.due_at is not None and attempt.submitted_at > attempt.due_at
        attempt.save(
            update_fields=[
                "score",
                "total",
                "breakdown",
                "rule",
                "is_strong",
                "submitted_at",
                "is_late",
            ]
        )
        attempt_graded.send(sender=Attempt, attempt=attempt)
    return attempt


def breakdown_rows(attempt: Attempt) -> list[tuple[str, Fraction, int, int]]:
    """(level, points, asked, fully right) per difficulty, for attempts graded before partial
    credit ([right, asked]) as well as after ([points, asked, fully right])."""
    rows = []
    for level, values in (attempt.breakdown or {}).items():
        points, asked = Fraction(values[0]), values[1]
        fully = values[2] if len(values) > 2 else int(points)
        rows.append((level, points, asked, fully))
    return rows


def hard_fully_right(attempt: Attempt) -> int:
    return next((fully for level, _, _, fully in breakdown_rows(attempt) if level == "hard"), 0)
