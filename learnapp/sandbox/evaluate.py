"""POST /sandbox/api/evaluate/<pattern>: score a learner's predictions against a labelled set.

The model-quality lessons (extraction exact match and F1, LLM-judge agreement) ship a small
labelled set with their content. GET gives the inputs to predict from, never the expected
answers; POST scores {"predictions": [...]} with scoring.py. Both go through api.handle, so the
key, rate limit, simulated faults and the access log work as for every other endpoint. The log
row's outcome says whether the score reached the lesson's "good" line, which is what the
challenges read.
"""

from dataclasses import replace

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from . import api, outcomes, scoring
from .models import SandboxKey, Scope

# The lessons' "good" lines, which the challenges ask for.
GOOD_F1 = 0.8
GOOD_KAPPA = 0.6
GOOD_OUTCOME = {scoring.EXTRACTION: "extraction_f1_good", scoring.JUDGE: "judge_kappa_good"}
SCORED_OUTCOME = {scoring.EXTRACTION: "extraction_scored", scoring.JUDGE: "judge_scored"}


def _labelled_set(slug: str) -> scoring.LabelledSet:
    labelled = scoring.labelled_sets().get(slug)
    if labelled is None:
        known = ", ".join(sorted(scoring.labelled_sets()))
        failure = outcomes.invalid_parameter(
            "There is no labelled set for that pattern.", f"Use one of: {known}."
        )
        # The pattern is a part of the path, not a query parameter as invalid_parameter says.
        explanation = (
            "The last part of the path names the lesson whose labelled set scores your "
            "predictions; only the model-quality lessons ship one."
        )
        raise api.BadInput(
            replace(failure, status=404, code="unknown_labelled_set", explanation=explanation)
        )
    return labelled


def _is_good(labelled: scoring.LabelledSet, result: dict) -> bool:
    if labelled.kind == scoring.JUDGE:
        return result["kappa"] is not None and result["kappa"] >= GOOD_KAPPA
    return result["f1"] >= GOOD_F1


# Scoring reads the labelled set and stores nothing, so a read-only key may do it.
METHODS = {**api.READ, "POST": Scope.READ}


@csrf_exempt
def evaluate(request: HttpRequest, pattern: str) -> HttpResponse:
    """The view: api.handle authenticates, rate-limits and logs, as for every endpoint."""
    return api.handle(request, METHODS, lambda request, key: _evaluate(request, key, pattern))


evaluate.sandbox_methods = METHODS


def _evaluate(request: HttpRequest, key: SandboxKey, pattern: str) -> HttpResponse:
    labelled = _labelled_set(pattern)
    if request.method != "POST":
        return JsonResponse(labelled.public())
    payload = api.read_json(request)
    try:
        result = scoring.score(labelled, payload)
    except scoring.Invalid as exc:
        example = (
            '{"predictions": [{"id": "ex-01", "fields": {"vendor": "...", "date": "2026-03-14", '
            '"total": "1250.00"}}, ...]}'
            if labelled.kind == scoring.EXTRACTION
            else '{"predictions": [{"id": "j-01", "label": "pass"}, ...]}'
        )
        raise api.BadInput(
            outcomes.invalid_body(str(exc), f"GET this URL for the items, then send {example}")
        ) from None
    response = JsonResponse(result)
    good = _is_good(labelled, result)
    response.sandbox_outcome = (GOOD_OUTCOME if good else SCORED_OUTCOME)[labelled.pattern]
    return response
