"""A test answer as sent (the letters the learner saw) and as stored (canonical letters).

Each attempt shows its options in its own order: the learner's "A" is `item.option_order[0]`.
What is stored is canonical, so grading, regrading and item analysis never depend on the
shuffle; what is shown back (the question page, the review, the instructor's view) is mapped to
the letters this learner saw.
"""

import string
from dataclasses import dataclass, field
from fractions import Fraction

from learnapp.catalog import qtypes
from learnapp.catalog.qtypes import QuestionType, ResponseRejected
from learnapp.catalog.variants import Variant

from .models import AttemptItem

LETTERS = string.ascii_uppercase


class ResponseError(ValueError):
    """A response that cannot be taken as an answer; the learner is told why."""


@dataclass(frozen=True)
class Sent:
    """What the test form posted for one question, in the letters shown."""

    choice: str = ""
    choices: list[str] = field(default_factory=list)
    value: str = ""
    order: list[str] = field(default_factory=list)


def shown_letters(item: AttemptItem) -> list[str]:
    return list(LETTERS[: len(item.option_order)])


def to_canonical(item: AttemptItem, letter: str) -> str:
    return item.option_order[LETTERS.index(letter)]


def to_shown(item: AttemptItem, canonical: str) -> str:
    return LETTERS[item.option_order.index(canonical)]


def _letter(item: AttemptItem, text: str) -> str:
    letter = (text or "").strip().upper()
    letters = shown_letters(item)
    if letter not in letters:
        raise ResponseError(
            f"'{letter[:10]}' is not an option of this question; "
            f"choose one of {', '.join(letters)}."
        )
    return letter


def canonical_response(item: AttemptItem, qtype: str, sent: Sent):
    """The stored form of what was sent, or None for "no answer" (nothing chosen or ticked).

    Raises ResponseError for anything that is not an answer to this question.
    """
    if qtype == QuestionType.MULTIPLE:
        if not sent.choices:
            return None
        return sorted({to_canonical(item, _letter(item, c)) for c in sent.choices})
    if qtype == QuestionType.NUMERIC:
        text = (sent.value or "").strip()
        return text or None
    if qtype == QuestionType.ORDERING:
        if not sent.order:
            return None
        shown = [(letter or "").strip().upper() for letter in sent.order]
        if sorted(shown) != shown_letters(item):
            raise ResponseError(
                f"Put every step in order exactly once ({', '.join(shown_letters(item))})."
            )
        return [to_canonical(item, letter) for letter in shown]
    if not (sent.choice or "").strip():
        return None
    return to_canonical(item, _letter(item, sent.choice))


def credit_for(qtype: str, variant: Variant, response) -> Fraction:
    """Exact credit from 0 to 1 for a stored (canonical) response.

    A numeric text that is not a number raises ResponseError: it is never stored as wrong.
    """
    return credit_against(qtype, variant.answer, response)


def credit_against(qtype: str, answer: dict, response) -> Fraction:
    """credit_for, given only the variant's answer (variants.variant_answer)."""
    if response is None:
        return Fraction(0)
    try:
        return qtypes.score(qtype, answer, response)
    except ResponseRejected as exc:
        raise ResponseError(str(exc)) from None


def response_shown(item: AttemptItem, qtype: str, response) -> str:
    """A stored response in the letters this learner saw: "B", "A, C", "4.5", "C → A → B"."""
    if response is None or response == [] or response == "":
        return ""
    if qtype == QuestionType.NUMERIC:
        return str(response)
    if qtype == QuestionType.MULTIPLE:
        return ", ".join(sorted(to_shown(item, letter) for letter in response))
    if qtype == QuestionType.ORDERING:
        return " → ".join(to_shown(item, letter) for letter in response)
    return to_shown(item, response)


def shown_options(item: AttemptItem, variant: Variant) -> list[dict]:
    """The options (or steps) in display order with the learner's letters: letter and HTML only."""
    by_letter = {option["letter"]: option for option in variant.options}
    return [
        {"letter": LETTERS[index], "html": by_letter[canonical]["html"]}
        for index, canonical in enumerate(item.option_order)
    ]


def moved(order: list[str], move: str) -> list[str]:
    """An ordering after one "move up" or "move down" press: `move` is "up:B" or "down:B"."""
    direction, _, letter = (move or "").partition(":")
    if direction not in ("up", "down") or letter not in order:
        raise ResponseError("'move' must be up:<letter> or down:<letter> of a listed step.")
    order = list(order)
    index = order.index(letter)
    target = index - 1 if direction == "up" else index + 1
    if 0 <= target < len(order):
        order[index], order[target] = order[target], order[index]
    return order
