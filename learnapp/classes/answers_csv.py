"""Every answer to an assignment as a CSV: one row per question each learner was asked.

Each row says what that learner saw and did: the question's number in their test, its variant
seed and option order, and their answer in the letters they saw (as they would quote it), next
to the answer as graded: in the content's own letters (as item analysis counts it), or, for a
numeric entry, the number it was read as ("0.045" or "4.5 %" read as 4.5 where the content
says so). Credit is a number (0.5 for half a partial-credit question), exact to four places;
after an instructor gives everyone full credit for a question or drops it, `ruling` says so and
`credit_counted` is what the score now counts (1, or blank for a dropped question).
"""

from collections.abc import Iterator
from decimal import Decimal

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, StreamingHttpResponse
from django.views.decorators.http import require_GET

from learnapp.accounts.profiles import display_name
from learnapp.catalog.qtypes.numeric import ResponseRejected, parse_numeric_response
from learnapp.catalog.variants import variant_answer
from learnapp.csvexport import csv_download
from learnapp.learning.grading import rulings_for
from learnapp.learning.models import Answer, Attempt, AttemptItem, Ruling
from learnapp.learning.points import points_number
from learnapp.learning.responses import response_shown

HEADER = [
    "username",
    "name",
    "attempt",
    "submitted_at",
    "question",
    "question_id",
    "type",
    "variant_seed",
    "options_shown",
    "answer_as_shown",
    "answer_as_graded",
    "credit",
    "ruling",
    "credit_counted",
]


def _number(value: Decimal) -> int | float:
    """A numeric answer as a number for the spreadsheet."""
    return int(value) if value == value.to_integral_value() else float(value)


def _as_graded(item: AttemptItem, qtype: str, response) -> object:
    if response is None or response == [] or response == "":
        return ""
    if qtype == "numeric":
        # Only the answer's spec: nothing of the question needs rendering here.
        spec = variant_answer(item.question_version, item.seed)
        try:
            return _number(parse_numeric_response(str(response), spec))
        except ResponseRejected:
            return ""
    if qtype == "multiple":
        return ", ".join(sorted(response))
    if qtype == "ordering":
        return " → ".join(response)
    return response


def _counted(answer, ruling: str | None) -> object:
    """The credit as the score counts it after an instructor's decision: full credit counts 1,
    a dropped question nothing (blank: it left the total too)."""
    if ruling == Ruling.DROP:
        return ""
    if ruling == Ruling.FULL_CREDIT:
        return 1
    return points_number(answer.credit) if answer else 0


def answer_rows(assignment) -> Iterator[list]:
    """The header, then one row per item of every submitted attempt (four queries)."""
    yield HEADER
    rulings = rulings_for(assignment.pk)
    attempts = list(
        Attempt.objects.filter(assignment=assignment, submitted_at__isnull=False)
        .select_related("learner__user__profile")
        .order_by("learner__user__username", "started_at", "pk")
    )
    answers = {
        (a.attempt_id, a.question_id): a for a in Answer.objects.filter(attempt__in=attempts)
    }
    items: dict[int, list[AttemptItem]] = {}
    for item in (
        AttemptItem.objects.filter(attempt__in=attempts)
        .select_related("question", "question_version")
        .order_by("number")
    ):
        items.setdefault(item.attempt_id, []).append(item)
    nth: dict[int, int] = {}
    for attempt in attempts:
        nth[attempt.learner_id] = nth.get(attempt.learner_id, 0) + 1
        user = attempt.learner.user
        for item in items.get(attempt.pk, []):
            qtype = item.question_version.qtype
            answer = answers.get((attempt.pk, item.question_id))
            response = answer.response if answer else None
            shown = response_shown(item, qtype, response) if answer else ""
            yield [
                user.username if user else "",
                display_name(user) if user else "",
                nth[attempt.learner_id],
                attempt.submitted_at.isoformat(),
                item.number,
                item.question.key,
                qtype,
                item.seed,
                " ".join(item.option_order or []),
                shown,
                _as_graded(item, qtype, response),
                points_number(answer.credit) if answer else 0,
                rulings.get(item.question_id, ""),
                _counted(answer, rulings.get(item.question_id)),
            ]


@login_required
@require_GET
def assignment_answers_csv(request: HttpRequest, assignment_id: int) -> StreamingHttpResponse:
    from .views import _taught_assignment

    assignment = _taught_assignment(request, assignment_id)
    return csv_download(answer_rows(assignment), f"answers-{assignment.pk}.csv")
