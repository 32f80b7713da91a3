"""Scores as exact fractions: stored as text ("15/2"), shown rounded, exported as numbers.

Partial credit (a multiple-answer question with two of three ticked, an ordering with one step
out of place) makes thirds and sevenths that no decimal column holds exactly; a regrade must be
able to add them up again and land on the same total, so they are kept as `Fraction`s.
"""

import functools
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from django.core.exceptions import ValidationError
from django.db import models


def to_fraction(value) -> Fraction | None:
    if value is None or value == "":
        return None
    if isinstance(value, Fraction):
        return value
    if isinstance(value, float):
        raise TypeError("a score is exact: give a Fraction, an int or text such as '15/2'")
    try:
        return Fraction(value)
    except (ValueError, ZeroDivisionError) as exc:
        raise ValidationError(f"'{value}' is not a fraction such as 15/2") from exc


@functools.lru_cache(maxsize=4096)
def _stored(text: str) -> Fraction | None:
    # A gradebook reads 10,000 scores that take a few dozen distinct values; Fractions are
    # immutable, so one parse of each text is shared.
    return to_fraction(text)


class FractionField(models.CharField):
    """A `Fraction` kept exactly, as "n/d" (or "n" when whole)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 40)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        if kwargs.get("max_length") == 40:
            del kwargs["max_length"]
        return name, path, args, kwargs

    def from_db_value(self, value, expression, connection):
        return None if value is None else _stored(value)

    def to_python(self, value):
        return to_fraction(value)

    def get_prep_value(self, value):
        value = to_fraction(value)
        return None if value is None else str(value)

    def value_to_string(self, obj):
        value = self.value_from_object(obj)
        return "" if value is None else str(value)


def rounded(value: Fraction | int | None, places: int = 2) -> Decimal | None:
    """The value to `places` decimals, halves up, without trailing zeros (7.5, 8, 6.67)."""
    if value is None:
        return None
    value = Fraction(value)
    quantum = Decimal(1).scaleb(-places)
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    shown = exact.quantize(quantum, rounding=ROUND_HALF_UP).normalize()
    # normalize() writes 10 as 1E+1; a plain integer reads better.
    return shown.quantize(Decimal(1)) if shown == shown.to_integral_value() else shown


def format_points(value: Fraction | int | None) -> str:
    """A score as people read it: "7.5", "8", "6.67"; "—" when there is none."""
    shown = rounded(value)
    return "—" if shown is None else format(shown, "f")


def points_number(value: Fraction | int | None) -> int | float | str:
    """A score for a spreadsheet: a number (an int when whole), or "" when there is none."""
    shown = rounded(value, places=4)
    if shown is None:
        return ""
    return int(shown) if shown == shown.to_integral_value() else float(shown)
