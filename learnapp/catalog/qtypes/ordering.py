"""Ordering: put the steps (stored in their correct order, as letters A, B, C...) in order."""

import itertools
from collections.abc import Sequence
from fractions import Fraction


def score_ordering(submitted: Sequence[str], correct: Sequence[str], scoring: str) -> Fraction:
    """Score a submitted order of step letters; raises ValueError if it is not a full order.

    all-or-nothing: 1 only for the exact order.
    partial: the share of neighbouring pairs of the correct order that the submission keeps in
    the right relative order (one step out of place costs little; a reversed list earns 0).
    """
    if sorted(submitted) != sorted(correct) or len(set(submitted)) != len(submitted):
        raise ValueError("the submitted order must hold every step exactly once")
    if list(submitted) == list(correct):
        return Fraction(1)
    if scoring == "all-or-nothing":
        return Fraction(0)
    if scoring != "partial":
        raise ValueError(f"unknown scoring {scoring!r}")
    place = {letter: index for index, letter in enumerate(submitted)}
    pairs = list(itertools.pairwise(correct))
    kept = sum(1 for before, after in pairs if place[before] < place[after])
    return Fraction(kept, len(pairs))
