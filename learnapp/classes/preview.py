"""An instructor tries an assignment exactly as a learner sees it, and nothing is recorded.

The draw (which questions, which template seeds, which option order) and the answers live in
the instructor's session, never in Attempt or Answer rows: no progress, no gradebook cell, no
item analysis. The pages reuse the learner's own pieces (the answer widget, the question and
review entries, the score tally and verdict), so what is previewed is what learners get.
"""

import random
from dataclasses import dataclass

from django.contrib.sessions.backends.base import SessionBase

from learnapp.catalog.models import Question, QuestionVersion
from learnapp.catalog.variants import option_order, variant_answer
from learnapp.learning.draw import SEED_LIMIT, choose, pattern_pool
from learnapp.learning.grading import Tally, rulings_for, tally
from learnapp.learning.models import Answer, AttemptItem
from learnapp.learning.responses import ResponseError, Sent, canonical_response, credit_against

from .assigning import custom_quiz_items
from .models import Assignment


def _key(assignment: Assignment) -> str:
    return f"preview:{assignment.pk}"


@dataclass
class Preview:
    """One run-through: the items drawn and the answers given so far, by question number."""

    items: list[AttemptItem]
    responses: dict[int, object]
    submitted: bool

    @property
    def total(self) -> int:
        return len(self.items)

    def answer(self, number: int) -> Answer | None:
        """The answer given to question `number`, as an unsaved Answer the pages can read."""
        if number not in self.responses:
            return None
        item = self.items[number - 1]
        response = self.responses[number]
        credit = credit_against(
            item.question_version.qtype, variant_answer(item.question_version, item.seed), response
        )
        return Answer(response=response, credit=credit, is_correct=credit == 1)

    def tally(self, assignment: Assignment) -> Tally:
        credits = {
            item.question_id: self.answer(number).credit
            for number, item in enumerate(self.items, start=1)
            if number in self.responses
        }
        return tally(self.items, credits, rulings_for(assignment.pk))


def start(session: SessionBase, assignment: Assignment, rng: random.Random | None = None) -> None:
    """Draw the questions as a learner new to them would get them, and forget any earlier run."""
    rng = rng or random.SystemRandom()
    if assignment.pattern_id:
        pool, is_pool = pattern_pool(assignment.pattern)
        picked = choose(pool, assignment.pattern.blueprint, set(), rng) if is_pool else pool
    else:
        picked = custom_quiz_items(assignment)
    versions = QuestionVersion.objects.only("pk", "options", "ordered", "qtype").in_bulk(
        [item.version_id for item in picked]
    )
    drawn = []
    for item in picked:
        seed = rng.randrange(SEED_LIMIT)
        order = option_order(versions[item.version_id], seed)
        drawn.append([item.question_id, item.version_id, item.difficulty, seed, order])
    session[_key(assignment)] = {"items": drawn, "responses": {}, "submitted": False}


def load(session: SessionBase, assignment: Assignment) -> Preview | None:
    """The preview in progress, with its items' versions and questions (two queries)."""
    state = session.get(_key(assignment))
    if not state or not state.get("items"):
        return None
    rows = state["items"]
    versions = QuestionVersion.objects.in_bulk([row[1] for row in rows])
    questions = Question.objects.select_related("pattern").in_bulk([row[0] for row in rows])
    items = []
    for number, (question_id, version_id, difficulty, seed, order) in enumerate(rows, start=1):
        if version_id not in versions or question_id not in questions:
            return None  # content changed under the preview: start again
        items.append(
            AttemptItem(
                number=number,
                question=questions[question_id],
                question_version=versions[version_id],
                difficulty=difficulty,
                seed=seed,
                option_order=order,
            )
        )
    responses = {int(number): value for number, value in state["responses"].items()}
    return Preview(items, responses, bool(state.get("submitted")))


def answer(session: SessionBase, assignment: Assignment, preview: Preview, number: int, sent: Sent):
    """Keep the answer to question `number` in the session; ResponseError if it is not one."""
    item = preview.items[number - 1]
    qtype = item.question_version.qtype
    response = canonical_response(item, qtype, sent)
    if response is not None:
        # Scoring it now refuses what a learner's form would refuse (a number that is not one).
        credit_against(qtype, variant_answer(item.question_version, item.seed), response)
    state = session[_key(assignment)]
    if response is None:
        state["responses"].pop(str(number), None)
    else:
        state["responses"][str(number)] = response
    session.modified = True


def submit(session: SessionBase, assignment: Assignment) -> None:
    session[_key(assignment)]["submitted"] = True
    session.modified = True


__all__ = ["Preview", "ResponseError", "answer", "load", "start", "submit"]
