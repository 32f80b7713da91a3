from fractions import Fraction


def score_single(chosen: str, correct: str) -> Fraction:
    """One of several options: 1 if it is the correct letter, else 0."""
    return Fraction(1 if chosen == correct else 0)
