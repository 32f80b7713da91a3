"""Practice questions of every type: what the page shows, and the feedback on an answer.

A practice question is shown through an unsaved AttemptItem, so the test's widgets, its mapping
of shown letters to canonical ones and its scoring serve practice unchanged. Practice keeps the
options in their written order (its worked solutions name options by letter) except for an
ordering question, whose steps are written in the right order and so are always shuffled. A
template, or an ordering question, gets a fresh seed each time the question is opened: another
variant, another shuffle. The seed travels in the signed form token, so the answer is graded
against exactly the variant the learner saw.
"""

import secrets
from fractions import Fraction

from learnapp.catalog.models import Question, QuestionVersion
from learnapp.catalog.qtypes import QuestionType, ResponseRejected, parse_numeric_response
from learnapp.catalog.variants import Variant, option_order

from .draw import SEED_LIMIT
from .forms import ResponseForm
from .models import Answer, AttemptItem
from .points import format_points, rounded
from .presenting import question_page
from .responses import LETTERS, ResponseError, to_shown


class PracticeAnswerForm(ResponseForm):
    """One practice answer, by type, in the letters shown; or a step moved without JavaScript."""


def varies(version: QuestionVersion) -> bool:
    """Whether the seed changes what the learner sees (a template's values, a shuffle)."""
    return version.is_template or version.qtype == QuestionType.ORDERING


def new_seed(version: QuestionVersion) -> int:
    return secrets.randbelow(SEED_LIMIT) if varies(version) else 0


def read_seed(text: str | None) -> int:
    """A seed from a URL (`?variant=`); ResponseError for anything that is not one."""
    text = (text or "").strip()
    if not text.isascii() or not text.isdigit() or int(text) >= SEED_LIMIT:
        raise ResponseError(f"'variant' must be a whole number from 0 to {SEED_LIMIT - 1}.")
    return int(text)


def practice_item(question: Question, seed: int) -> AttemptItem:
    """The question as shown in practice for this seed (not saved: practice has no attempt)."""
    version = question.current_version
    letters = [option["letter"] for option in version.options or []]
    return AttemptItem(
        number=question.position,
        question=question,
        question_version=version,
        difficulty=version.difficulty,
        seed=seed,
        option_order=option_order(version, seed)
        if version.qtype == QuestionType.ORDERING
        else letters,
    )


def read_order(item: AttemptItem, letters: list[str]) -> list[str]:
    """Steps in the order the learner put them (shown letters); ResponseError if not a full order."""
    shown = list(LETTERS[: len(item.option_order)])
    if sorted(letters) != shown:
        raise ResponseError(f"Put every step in order exactly once ({', '.join(shown)}).")
    return letters


def widget(item: AttemptItem, answer: Answer | None, order: list[str] | None = None) -> dict:
    """What the answer widget (shared with tests) needs: the last answer, or steps as moved."""
    shown = question_page(item, answer)
    if order:
        by_letter = {option["letter"]: option for option in shown["options"]}
        shown["saved"]["order"] = [by_letter[letter] for letter in order]
    return shown


def _numeric_text(value: Fraction, spec: dict) -> str:
    text = format(rounded(value, 4), "f")
    if spec.get("percent"):
        return f"{text} %"
    unit = spec.get("unit") or ""
    return f"{text} {unit}".strip()


def _tolerance_text(spec: dict) -> str:
    parts = []
    if spec.get("tolerance") and Fraction(spec["tolerance"]):
        parts.append(f"± {_numeric_text(Fraction(spec['tolerance']), spec)}")
    if spec.get("relative_tolerance") and Fraction(spec["relative_tolerance"]):
        share = format(rounded(Fraction(spec["relative_tolerance"]) * 100, 4), "f")
        parts.append(f"within {share} % of it")
    return " or ".join(parts) if parts else "exactly"


def feedback(item: AttemptItem, shown: Variant, answer: Answer) -> dict:
    """Feedback on one practice answer: per option, per step, or the accepted number."""
    qtype = item.question_version.qtype
    if answer.response is not None:
        credit, response = answer.credit, answer.response
    else:  # a single-choice answer saved before responses and credits were stored
        credit, response = Fraction(int(answer.is_correct)), answer.choice
    result = "right" if credit == 1 else "partial" if credit > 0 else "wrong"
    by_letter = {option["letter"]: option for option in shown.options}
    correct = shown.answer.get("correct") or []
    correct = {correct} if isinstance(correct, str) else set(correct)
    view: dict = {
        "qtype": qtype,
        "result": result,
        "credit_shown": format_points(credit),
        "options": [],
        "steps": [],
        "correct_steps": [],
    }
    if qtype in (QuestionType.SINGLE, QuestionType.MULTIPLE):
        chosen = {response} if isinstance(response, str) else set(response or [])
        for canonical in item.option_order:
            option = by_letter[canonical]
            view["options"].append(
                {
                    "letter": to_shown(item, canonical),
                    "html": option["html"],
                    "chosen": canonical in chosen,
                    "correct": canonical in correct,
                    # Why a chosen wrong option tempts: its feedback line, or for a template's
                    # computed option the mistake that computes it.
                    "feedback_html": option.get("feedback_html", ""),
                    "misconception": option.get("misconception", ""),
                }
            )
        view["chosen"] = [o for o in view["options"] if o["chosen"]]
        view["right"] = [o for o in view["options"] if o["correct"]]
    elif qtype == QuestionType.ORDERING:
        right_order = shown.answer["correct"]
        for place, canonical in enumerate(response or [], start=1):
            view["steps"].append(
                {
                    "letter": to_shown(item, canonical),
                    "html": by_letter[canonical]["html"],
                    "in_place": right_order[place - 1] == canonical,
                    "belongs_at": right_order.index(canonical) + 1,
                }
            )
        view["correct_steps"] = [
            {"letter": to_shown(item, c), "html": by_letter[c]["html"]} for c in right_order
        ]
        view["out_of_place"] = sum(1 for step in view["steps"] if not step["in_place"])
    elif qtype == QuestionType.NUMERIC:
        spec = shown.answer
        view["typed"] = str(response)
        try:
            read = parse_numeric_response(str(response), spec)
            read_text = _numeric_text(Fraction(read), spec)
        except ResponseRejected:  # an answer stored before the reading rules changed
            read_text = ""
        view["read_as"] = read_text if read_text and read_text != view["typed"] else ""
        view["accepted"] = _numeric_text(Fraction(spec["value"]), spec)
        view["tolerance"] = _tolerance_text(spec)
    return view
