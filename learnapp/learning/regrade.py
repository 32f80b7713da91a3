"""Regrading submitted attempts after a question is corrected or an instructor rules on it.

Two causes, one way of doing it: lock the attempt, recompute what changed, add the score up again
with grading.tally, and write a RegradeRecord only if the attempt changed. Running a regrade
twice therefore changes nothing and records nothing the second time.

- A correction: the content loader makes a new QuestionVersion whenever an author edits a
  question. Past attempts keep what they showed unless the edit changed how the question is
  graded (its answer, options' order, scoring or template); then `manage.py regrade` moves
  each submitted item to the corrected version and grades the stored response against it, with
  the same variant seed, each option matched to its place in the new version by its text. An
  edit that changes the type or an option's text cannot be applied to a stored response: it is
  reported for an instructor to rule on instead.
- A ruling: an instructor gives everyone full credit for an item of an assignment, or drops it
  (ItemRuling). Every submitted attempt of the assignment is regraded at once; open attempts are
  graded with the ruling when they are submitted.

Every attempt is locked (SELECT ... FOR UPDATE) as submit_attempt locks it, so a regrade racing
a submission either sees it submitted and regrades it, or goes first and the submission reads
the ruling.
"""

from dataclasses import dataclass, field
from fractions import Fraction

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from learnapp.catalog.models import QuestionVersion
from learnapp.catalog.variants import variant

from . import spaced
from .grading import apply_tally, attempt_graded, rulings_for, tally
from .models import (
    Answer,
    Attempt,
    AttemptItem,
    ItemRuling,
    RegradeReason,
    RegradeRecord,
    Ruling,
)
from .points import format_points
from .responses import ResponseError, credit_for


def grading_key(version: QuestionVersion) -> tuple:
    """What decides a response's credit: an edit that leaves this alone changes no score."""
    return (
        version.qtype,
        version.scoring,
        version.correct_letter,
        version.answer_spec,
        version.template,
        sorted(option["letter"] for option in version.options),
    )


def letter_map(old: QuestionVersion, new: QuestionVersion) -> dict[str, str] | None:
    """Each option letter of `old` to the letter the same option has in `new`, matched by its
    text; None if a stored response cannot mean the same under `new`.

    Letters are positions, so an author who moves the keyed option from A to C without changing
    any text must not turn a right "A" into a wrong one. An option whose text changed cannot be
    matched: such a correction is left for an instructor to rule on.
    """
    if old.qtype != new.qtype:
        return None
    old_texts = [option["html"] for option in old.options or []]
    new_by_text = {option["html"]: option["letter"] for option in new.options or []}
    if len(new_by_text) != len(new.options or []) or sorted(old_texts) != sorted(new_by_text):
        return None
    return {option["letter"]: new_by_text[option["html"]] for option in old.options or []}


def can_regrade(old: QuestionVersion, new: QuestionVersion) -> bool:
    return letter_map(old, new) is not None


def remap_response(response, mapping: dict[str, str]):
    """A canonical response in `old`'s letters, in `new`'s (numbers are left as they are)."""
    if not mapping or response is None:
        return response
    if isinstance(response, str):
        return mapping.get(response, response)
    return [mapping.get(letter, letter) for letter in response]


def _regraded(attempt: Attempt, rulings: dict[int, str]) -> bool:
    """Add the locked attempt up again; True (and saved) if its score, total or verdict moved."""
    items = list(attempt.items.only("question_id", "difficulty"))
    credits = dict(attempt.answers.values_list("question_id", "credit"))
    before = (attempt.score, attempt.total, attempt.breakdown, attempt.is_strong)
    # The rule the attempt was graded under, not today's: a regrade does not rewrite history.
    apply_tally(attempt, tally(items, credits, rulings), attempt.rule)
    if (attempt.score, attempt.total, attempt.breakdown, attempt.is_strong) == before:
        return False
    attempt.save(update_fields=["score", "total", "breakdown", "is_strong"])
    attempt_graded.send(sender=Attempt, attempt=attempt)
    return True


def _record(attempt, question_id, number, reason, by, now, before, **versions) -> None:
    """Write down one regrade of `attempt`, whose (score, total) were `before`."""
    old_score, old_total = before
    RegradeRecord.objects.create(
        attempt=attempt,
        question_id=question_id,
        number=number,
        reason=reason,
        regraded_by=by,
        regraded_at=now,
        old_score=old_score,
        new_score=attempt.score,
        old_total=old_total,
        new_total=attempt.total,
        **versions,
    )


# -- rulings ------------------------------------------------------------------------------------


def rule_on_item(assignment, question_id: int, ruling: str | None, by) -> int:
    """Give everyone full credit for a question of an assignment, drop it, or (None) withdraw
    the decision; regrade every submitted attempt that asked it. Returns how many changed.
    """
    now = timezone.now()
    with transaction.atomic():
        if ruling is None:
            ItemRuling.objects.filter(assignment=assignment, question_id=question_id).delete()
            reason = RegradeReason.WITHDRAWN
        else:
            ItemRuling.objects.update_or_create(
                assignment=assignment,
                question_id=question_id,
                defaults={"ruling": ruling, "decided_by": by, "decided_at": now},
            )
            reason = RegradeReason.DROP if ruling == Ruling.DROP else RegradeReason.FULL_CREDIT
        # Every attempt of the assignment, open ones too, in one order (no deadlock between two
        # rulings): an open attempt's lock makes a submission in flight finish first.
        locked = list(
            Attempt.objects.select_for_update(of=("self",))
            .filter(assignment=assignment, items__question_id=question_id)
            .annotate(number=F("items__number"))  # the question's place in each attempt
            .order_by("pk")
        )
        rulings = rulings_for(assignment.pk)
        changed = 0
        for attempt in locked:
            if not attempt.is_submitted:
                continue
            before = (attempt.score, attempt.total)
            if _regraded(attempt, rulings):
                _record(attempt, question_id, attempt.number, reason, by, now, before)
                changed += 1
    return changed


# -- corrections --------------------------------------------------------------------------------


@dataclass
class CorrectionReport:
    regraded: int = 0  # attempts whose score or review changed
    records: int = 0
    # (attempt id, question key) pairs an edit could not be applied to: another type, or other
    # option letters. An instructor can give full credit or drop the item instead.
    skipped: list[tuple[int, str]] = field(default_factory=list)


def regrade_corrections(by=None) -> CorrectionReport:
    """Regrade every submitted attempt that was graded against an earlier, since corrected,
    version of one of its questions. Idempotent: a second run finds nothing to do."""
    report = CorrectionReport()
    stale = (
        AttemptItem.objects.filter(attempt__submitted_at__isnull=False)
        .exclude(question_version_id=F("question__current_version_id"))
        .select_related("question_version", "question__current_version")
        .order_by("attempt_id", "number")
    )
    by_attempt: dict[int, list[AttemptItem]] = {}
    for item in stale:
        old, new = item.question_version, item.question.current_version
        if new is None or grading_key(old) == grading_key(new):
            continue  # reworded only: the learner keeps what they saw
        if not can_regrade(old, new):
            report.skipped.append((item.attempt_id, item.question.key))
            continue
        by_attempt.setdefault(item.attempt_id, []).append(item)
    for attempt_id, items in by_attempt.items():
        report.records += _correct_attempt(attempt_id, items, by)
        report.regraded += 1
    return report


def _correct_attempt(attempt_id: int, items: list[AttemptItem], by) -> int:
    now = timezone.now()
    with transaction.atomic():
        attempt = Attempt.objects.select_for_update().get(pk=attempt_id)
        rulings = rulings_for(attempt.assignment_id)
        answers = {
            a.question_id: a
            for a in Answer.objects.filter(
                attempt=attempt, question_id__in=[i.question_id for i in items]
            )
        }
        records = 0
        for item in items:
            # Read again under the lock: another run may have moved it already.
            current = AttemptItem.objects.select_related("question_version").get(pk=item.pk)
            new = item.question.current_version
            if current.question_version_id == new.pk:
                continue
            old_score, old_total = attempt.score, attempt.total
            mapping = letter_map(current.question_version, new)
            if mapping is None:  # the content changed again since the check: leave it
                continue
            answer = answers.get(item.question_id)
            if answer is not None:
                response = remap_response(answer.response, mapping)
                try:
                    credit = credit_for(new.qtype, variant(new, item.seed), response)
                except ResponseError:
                    credit = Fraction(0)
                answer.response, answer.credit, answer.is_correct = response, credit, credit == 1
                fields = ["response", "credit", "is_correct", "updated_at"]
                if new.qtype == "single":
                    answer.choice = response or ""
                    fields.append("choice")
                if any(letter != moved for letter, moved in mapping.items()):
                    # The response now speaks the corrected version's letters, so it belongs to
                    # that version; the RegradeRecord keeps the version answered.
                    answer.question_version = new
                    fields.append("question_version")
                answer.save(update_fields=fields)
                spaced.follow_regrade(answer, attempt, now)
            # The review now shows the corrected question, each option where the learner saw it;
            # an answer whose letters did not move keeps the version it answered.
            AttemptItem.objects.filter(pk=item.pk).update(
                question_version=new,
                option_order=remap_response(current.option_order, mapping),
            )
            _regraded(attempt, rulings)
            _record(
                attempt,
                item.question_id,
                item.number,
                RegradeReason.CORRECTION,
                by,
                now,
                (old_score, old_total),
                from_version_id=current.question_version_id,
                to_version=new,
            )
            records += 1
    return records


# -- what the learner is told -------------------------------------------------------------------

_WHY = {
    RegradeReason.CORRECTION: "the question was corrected",
    RegradeReason.FULL_CREDIT: "everyone gets full credit",
    RegradeReason.DROP: "it was dropped and no longer counts",
    RegradeReason.WITHDRAWN: "the earlier decision about it was withdrawn",
}


@dataclass(frozen=True)
class RegradeNote:
    number: int
    regraded_at: object
    text: str  # after the date: "everyone gets full credit; your score went from 6 to 7."


def _score(score, total: int, other_total: int) -> str:
    shown = format_points(score)
    return shown if total == other_total else f"{shown} of {total}"


def regrade_notes(attempt: Attempt) -> list[RegradeNote]:
    """The regrades of an attempt, oldest first, as the result page words them (one query)."""
    notes = []
    for record in attempt.regrades.all():
        old = _score(record.old_score, record.old_total, record.new_total)
        new = _score(record.new_score, record.new_total, record.old_total)
        change = (
            f"your score went from {old} to {new}" if old != new else f"your score stayed at {new}"
        )
        notes.append(
            RegradeNote(record.number, record.regraded_at, f"{_WHY[record.reason]}; {change}.")
        )
    return notes
