"""Multiple answer (checkboxes): choose every correct option and none of the others."""

from collections.abc import Collection
from fractions import Fraction


def score_multiple(chosen: Collection[str], correct: Collection[str], scoring: str) -> Fraction:
    """Score a set of ticked letters.

    all-or-nothing: 1 only for exactly the correct set.
    partial: max(0, right - wrong) / number of correct options, where `right` counts the correct
    options ticked and `wrong` the incorrect ones ticked, so ticking everything earns nothing.
    """
    chosen, correct = set(chosen), set(correct)
    if scoring == "all-or-nothing":
        return Fraction(1 if chosen == correct else 0)
    if scoring != "partial":
        raise ValueError(f"unknown scoring {scoring!r}")
    right = len(chosen & correct)
    wrong = len(chosen - correct)
    return Fraction(max(0, right - wrong), len(correct))
