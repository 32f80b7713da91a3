"""Numeric entry: a number typed by the learner, within a tolerance, with an optional unit.

The answer dict (QuestionVersion.answer_spec, with `value` computed for a template's variant):
    value               the correct value, exact, as text ("4.5", "9/2")
    tolerance           absolute, in the answer's units ("0.05"), or None
    relative_tolerance  a share of the value ("0.01" = within 1 %), or None
    unit                text the learner may type after the number ("ms"), or ""
    percent             the answer is a percentage: "4.5", "4.5%" and "4.5 %" all mean 4.5 %
    accept_fraction     with percent: a bare number from 0 to 1 is also read as a fraction of one,
                        so "0.045" means 4.5 % (the loader allows it only where every answer is
                        above 1 %, so the two readings cannot be confused)
"""

import re
from decimal import Decimal
from fractions import Fraction

MAX_LENGTH = 40
MAX_MAGNITUDE = Decimal(10) ** 15

# Digits are ASCII only: Decimal() would also accept other scripts' digits ("٤") and "NaN".
_NUMBER = re.compile(r"^[+-]?(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]+)?$|^[+-]?\.[0-9]+$")
_DECIMAL_COMMA = re.compile(r"^[+-]?[0-9]+,[0-9]{1,2}$|^[+-]?[0-9]+,[0-9]{4,}$")
_EXPONENT = re.compile(r"^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)[eE][+-]?[0-9]+$")
_NUMBER_THEN_WORDS = re.compile(r"^[+-]?[0-9]+(?:\.[0-9]+)?\s*[^\s0-9.,]")
_SPACES = re.compile(r"[\s\u00a0\u202f\u2009]+")


class ResponseRejected(ValueError):
    """A response that is not a readable answer: the learner is told why and may try again."""


def parse_numeric_response(text: str, spec: dict) -> Decimal:
    """Read what a learner typed as a number in the answer's units, or raise ResponseRejected."""
    if not isinstance(text, str) or not text.strip():
        raise ResponseRejected("Type a number.")
    if len(text) > MAX_LENGTH:
        raise ResponseRejected("That is too long for a number.")
    cleaned = _SPACES.sub(" ", text.strip()).replace("\u2212", "-")
    has_percent = False
    unit = (spec.get("unit") or "").strip()
    if spec.get("percent"):
        if cleaned.endswith("%"):
            cleaned, has_percent = cleaned[:-1].rstrip(), True
    elif unit and cleaned.lower().endswith(unit.lower()):
        cleaned = cleaned[: -len(unit)].rstrip()
    cleaned = re.sub(r"^([+-]) ", r"\1", cleaned)
    if not _NUMBER.match(cleaned):
        if _EXPONENT.match(cleaned):
            raise ResponseRejected("Write the number out in digits, without an exponent (e).")
        if _DECIMAL_COMMA.match(cleaned):
            raise ResponseRejected(
                f"Use a point for decimals: {cleaned.replace(',', '.')}, not {cleaned}."
            )
        if _NUMBER_THEN_WORDS.match(cleaned):
            expected = "a percentage" if spec.get("percent") else unit or "a plain number"
            raise ResponseRejected(f"Give the answer as {expected}: digits only, such as 4.5.")
        raise ResponseRejected(f"“{text.strip()}” is not a number: type digits, such as 4.5.")
    value = Decimal(cleaned.replace(",", ""))
    if abs(value) > MAX_MAGNITUDE:
        raise ResponseRejected("That number is too large.")
    if spec.get("percent") and spec.get("accept_fraction") and not has_percent and abs(value) <= 1:
        value *= 100
    return value


def score_numeric(value: Decimal, answer: dict) -> Fraction:
    """1 if the value is within the tolerance of the answer, else 0."""
    target = Fraction(answer["value"])
    allowed = Fraction(answer.get("tolerance") or 0)
    if answer.get("relative_tolerance"):
        allowed = max(allowed, abs(target) * Fraction(answer["relative_tolerance"]))
    return Fraction(1 if abs(Fraction(value) - target) <= allowed else 0)
