"""Question types: how each one's answer is read and scored, as plain functions.

One module per type (single choice, multiple answer, numeric entry, ordering). Each scores a
learner's response against a variant's answer (see `learnapp.catalog.variants`) and returns an
exact `Fraction` between 0 and 1, so partial credit is stored exactly and rounded only for display.
How each type is written in markdown and validated lives in `learnapp.catalog.parsing`, next to
the file:line reporting it needs; content/README.md documents the formats.
"""

from collections.abc import Collection, Sequence
from fractions import Fraction

from django.db import models

from .multiple import score_multiple
from .numeric import ResponseRejected, parse_numeric_response, score_numeric
from .ordering import score_ordering
from .single import score_single


class QuestionType(models.TextChoices):
    SINGLE = "single", "Single choice"
    MULTIPLE = "multiple", "Multiple answer"
    NUMERIC = "numeric", "Numeric entry"
    ORDERING = "ordering", "Ordering"


class Scoring(models.TextChoices):
    ALL_OR_NOTHING = "all-or-nothing", "All or nothing"
    PARTIAL = "partial", "Partial credit"


def score(qtype: str, answer: dict, response: str | Collection[str] | Sequence[str]) -> Fraction:
    """Score a response to one question, given the variant's `answer` dict.

    The response is what the learner submitted, in canonical letters (the learning side maps the
    letters it showed back through the attempt's stored option order first):
    single -> "B"; multiple -> {"A", "C"}; numeric -> the typed text; ordering -> ["C", "A", "B"].
    Raises ResponseRejected for a response that cannot be read (it is not a wrong answer).
    """
    if qtype == QuestionType.SINGLE:
        return score_single(response, answer["correct"])
    if qtype == QuestionType.MULTIPLE:
        return score_multiple(response, answer["correct"], answer["scoring"])
    if qtype == QuestionType.NUMERIC:
        return score_numeric(parse_numeric_response(response, answer), answer)
    if qtype == QuestionType.ORDERING:
        return score_ordering(response, answer["correct"], answer["scoring"])
    raise ValueError(f"unknown question type {qtype!r}")


__all__ = [
    "QuestionType",
    "ResponseRejected",
    "Scoring",
    "parse_numeric_response",
    "score",
    "score_multiple",
    "score_numeric",
    "score_ordering",
    "score_single",
]
