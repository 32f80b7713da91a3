"""'Review my mistakes': the questions whose latest answer, in practice or a test, was wrong."""

import html
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q
from django.utils.html import strip_tags

from learnapp.catalog.models import Pool, Question
from learnapp.catalog.variants import variant

from .grading import NOTHING_SENT
from .models import Answer, AttemptItem, Learner, Mode
from .responses import ResponseError, Sent, canonical_response, credit_for
from .visibility import questions_under_test


@dataclass(frozen=True)
class Mistake:
    question: Question
    answered_at: datetime
    # Where the wrong answer was given: "practice", or the test's title.
    source: str
    # The test it was wrong in, if any: an assessment-pool question has no practice page, so
    # the list leads to that test's review instead.
    attempt_id: int | None = None

    @property
    def practicable(self) -> bool:
        return self.question.pool == Pool.PRACTICE

    @property
    def stem_text(self) -> str:
        """The question's wording as plain text (the page escapes it again)."""
        version = self.question.current_version
        return html.unescape(strip_tags(version.stem_html)).strip() if version else ""


def mistakes_to_review(learner: Learner | None, now: datetime) -> list[Mistake]:
    """Each active question whose latest answer was wrong, in course order.

    A test answer counts only once the learner may see that attempt's results (a self-study
    test once submitted; an assigned one as its assignment decides): before that, listing it
    would tell them which answers were wrong. A question in an assigned test the learner has
    open is left out until it is submitted (visibility.py).
    """
    if learner is None:
        return []
    under_test = questions_under_test(learner, now)
    answers = (
        Answer.objects.filter(learner=learner)
        .filter(Q(mode=Mode.PRACTICE) | Q(attempt__submitted_at__isnull=False))
        .select_related("question__pattern", "question__current_version", "attempt__assignment")
        .only(
            "question_id",
            "is_correct",
            "mode",
            "answered_at",
            "question__position",
            "question__pool",
            "question__retired_at",
            "question__pattern__slug",
            "question__pattern__title",
            "question__pattern__position",
            "question__pattern__retired_at",
            "question__current_version__stem_html",
            "question__current_version__difficulty",
            "attempt__submitted_at",
            "attempt__due_at",
            "attempt__assignment_id",
            "attempt__pattern_id",
            "attempt__assignment__title",
            "attempt__assignment__results_visibility",
        )
    )
    latest: dict[int, tuple[datetime, Answer]] = {}
    for answer in answers:
        attempt = answer.attempt
        if attempt is not None and not attempt.results_visible(now):
            continue
        # A test answer is on the record from the moment the test was submitted.
        moment = attempt.submitted_at if attempt is not None else answer.answered_at
        if answer.question_id not in latest or moment >= latest[answer.question_id][0]:
            latest[answer.question_id] = (moment, answer)
    mistakes = [
        Mistake(answer.question, moment, _source(answer), answer.attempt_id)
        for moment, answer in latest.values()
        if not answer.is_correct
        and answer.question_id not in under_test
        and answer.question.retired_at is None
        and answer.question.pattern.retired_at is None
    ]
    mistakes.sort(key=lambda m: (m.question.pattern.position, m.question.position))
    return mistakes


def _source(answer: Answer) -> str:
    if answer.attempt is None:
        return "practice"
    if answer.attempt.assignment_id:
        return answer.attempt.assignment.title
    return f"test of {answer.question.pattern.title}"


def check_review_answer(item: AttemptItem, sent: Sent) -> Answer:
    """Grade a spaced-review answer to the question as shown (`item`: its variant and order).

    Nothing is stored but the card's new schedule (spaced.review): the Answer returned is
    unsaved, only for the feedback partial. ResponseError for a response that is not one.
    """
    version = item.question_version
    response = canonical_response(item, version.qtype, sent)
    if response is None:
        raise ResponseError(NOTHING_SENT.get(version.qtype, NOTHING_SENT["single"]))
    credit = credit_for(version.qtype, variant(version, item.seed), response)
    return Answer(
        question=item.question,
        question_version=version,
        choice=response if version.qtype == "single" else "",
        response=response,
        credit=credit,
        is_correct=credit == 1,
    )
