"""How many learners chose each option of a question, named by the option's text.

Item analysis and the assignment's question list show these: an instructor reads "`Accept` —
3 learners", never a letter or an internal key (every learner saw the options in their own
order, and the stored letters are the question's written order).
"""

import html
from collections import Counter
from dataclasses import dataclass

from django.utils.html import strip_tags

from learnapp.catalog.variants import EXAMPLE_SEED, variant

CHOICE_TYPES = ("single", "multiple")


@dataclass(frozen=True)
class OptionCount:
    text: str
    correct: bool
    chosen: int
    # A misconception the option stands for, as the content names it ("" if none).
    misconception: str = ""


def option_text(option: dict) -> str:
    return html.unescape(strip_tags(option.get("html", ""))).strip()


def option_counts(version, responses) -> list[OptionCount]:
    """Each option of `version` (a choice question; [] for the others) in its written order,
    with how many of `responses` (stored canonical responses: a letter, or a list of letters)
    chose it. A template's options are shown with the instructor pages' example values."""
    if version.qtype not in CHOICE_TYPES:
        return []
    shown = variant(version, EXAMPLE_SEED)
    correct = shown.answer.get("correct", [])
    correct = set(correct if isinstance(correct, list) else [correct])
    tally: Counter = Counter()
    for response in responses:
        if response is None:
            continue
        tally.update(set(response) if isinstance(response, list) else [response])
    return [
        OptionCount(
            text=option_text(option),
            correct=option["letter"] in correct,
            chosen=tally[option["letter"]],
            misconception=option.get("misconception") or "",
        )
        for option in shown.options
    ]
