"""What the test pages show of an item: plain values, in the letters this learner saw.

The question page gets only what a learner may see before submitting (stem, option texts, a
unit); the review gets the answer too, once results are visible. Neither gets a QuestionVersion.
"""

from fractions import Fraction

from learnapp.catalog.qtypes import QuestionType
from learnapp.catalog.variants import Variant, variant

from .models import Answer, AttemptItem
from .points import format_points, rounded
from .responses import LETTERS, response_shown, shown_options, to_shown

TYPE_PROMPTS = {
    QuestionType.SINGLE: "Choose one answer",
    QuestionType.MULTIPLE: "Choose every answer that applies",
    QuestionType.NUMERIC: "Type a number",
    QuestionType.ORDERING: "Put the steps in order",
}


def _unit(answer_spec: dict) -> str:
    return "%" if answer_spec.get("percent") else (answer_spec.get("unit") or "")


def question_page(item: AttemptItem, answer: Answer | None) -> dict:
    """One test question before submission: nothing here knows which answer is right."""
    version = item.question_version
    shown = variant(version, item.seed)
    options = shown_options(item, shown)
    response = answer.response if answer else None
    saved: dict = {"choice": "", "choices": [], "value": "", "order": options}
    if response is not None:
        if version.qtype == QuestionType.SINGLE:
            saved["choice"] = to_shown(item, response)
        elif version.qtype == QuestionType.MULTIPLE:
            saved["choices"] = [to_shown(item, letter) for letter in response]
        elif version.qtype == QuestionType.NUMERIC:
            saved["value"] = str(response)
        elif version.qtype == QuestionType.ORDERING:
            by_letter = {option["letter"]: option for option in options}
            saved["order"] = [by_letter[to_shown(item, letter)] for letter in response]
    return {
        "qtype": version.qtype,
        "prompt": TYPE_PROMPTS.get(version.qtype, "Answer"),
        "stem_html": shown.stem_html,
        "difficulty": item.difficulty,
        "difficulty_label": item.get_difficulty_display(),
        "options": options,
        "unit": _unit(version.answer_spec or {}) if version.qtype == QuestionType.NUMERIC else "",
        "saved": saved,
        "answered": response is not None,
    }


def _correct_text(item: AttemptItem, qtype: str, shown: Variant) -> str:
    answer = shown.answer
    if qtype == QuestionType.NUMERIC:
        unit = _unit(answer)
        value = format(rounded(Fraction(answer["value"]), 4), "f")
        return f"{value} {unit}".strip() if unit != "%" else f"{value} %"
    if qtype == QuestionType.MULTIPLE:
        return ", ".join(sorted(to_shown(item, letter) for letter in answer["correct"]))
    if qtype == QuestionType.ORDERING:
        return " → ".join(to_shown(item, letter) for letter in answer["correct"])
    return to_shown(item, answer["correct"])


def withheld_entry(item: AttemptItem) -> dict:
    """An item whose question is in an assigned test the learner has open: the question only.

    Not the answer, the solution or even the learner's own answer and mark, from which the
    right answer could be worked out (see visibility.py).
    """
    version = item.question_version
    shown = variant(version, item.seed)
    return {
        "number": item.number,
        "qtype": version.qtype,
        "difficulty": item.difficulty,
        "difficulty_label": item.get_difficulty_display(),
        "stem_html": shown.stem_html,
        "options": [] if version.qtype == QuestionType.NUMERIC else shown_options(item, shown),
        "withheld": True,
    }


def review_entry(item: AttemptItem, answer: Answer | None, ruling: str = "") -> dict:
    """One item of a submitted attempt, with the learner's answer and the right one.

    `ruling` is the assignment's decision about the item ("full_credit", "drop"), if any.
    """
    version = item.question_version
    shown = variant(version, item.seed)
    qtype = version.qtype
    by_letter = {option["letter"]: option for option in shown.options}
    response = answer.response if answer else None
    chosen = set()
    if qtype == QuestionType.SINGLE and response:
        chosen = {response}
    elif qtype == QuestionType.MULTIPLE and response:
        chosen = set(response)
    correct_order = shown.answer.get("correct") or []
    correct = {correct_order} if isinstance(correct_order, str) else set(correct_order)
    options = []
    for index, canonical in enumerate(item.option_order):
        option = by_letter[canonical]
        options.append(
            {
                "letter": LETTERS[index],
                "html": option["html"],
                "feedback_html": option.get("feedback_html", ""),
                "chosen": canonical in chosen,
                "correct": qtype in (QuestionType.SINGLE, QuestionType.MULTIPLE)
                and canonical in correct,
            }
        )
    credit = answer.credit if answer else Fraction(0)
    steps_in = {LETTERS[i]: by_letter[c] for i, c in enumerate(item.option_order)}
    return {
        "number": item.number,
        "qtype": qtype,
        "difficulty": item.difficulty,
        "difficulty_label": item.get_difficulty_display(),
        "stem_html": shown.stem_html,
        "ruling": ruling,
        "options": options,
        "answered": answer is not None,
        "credit": credit,
        "credit_shown": format_points(credit),
        "is_right": credit == 1,
        "is_partial": 0 < credit < 1,
        "your_answer": response_shown(item, qtype, response),
        "correct_answer": _correct_text(item, qtype, shown),
        "your_steps": [
            steps_in[to_shown(item, letter)] | {"letter": to_shown(item, letter)}
            for letter in (response or [])
        ]
        if qtype == QuestionType.ORDERING
        else [],
        "correct_steps": [by_letter[c] | {"letter": to_shown(item, c)} for c in correct_order]
        if qtype == QuestionType.ORDERING
        else [],
        "solution_steps": shown.solution_steps,
        "final_answer_html": shown.final_answer_html,
        "quick_check_html": shown.quick_check_html,
        "hint_html": shown.hint_html,
        "common_mistakes": shown.common_mistakes,
    }
