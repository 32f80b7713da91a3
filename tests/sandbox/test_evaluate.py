"""POST /sandbox/api/evaluate/<pattern>: predictions scored against a lesson's labelled set."""

import json
import re
from datetime import date
from fractions import Fraction

import pytest
from django.core.cache import cache
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from learnapp.sandbox import challenges, scoring
from learnapp.sandbox.models import AccessLogEntry, Category

pytestmark = pytest.mark.django_db

EXTRACTION = "/sandbox/api/evaluate/extraction-exact-match-f1"
JUDGE = "/sandbox/api/evaluate/llm-judge-agreement"


def extraction_set() -> scoring.LabelledSet:
    return scoring.labelled_sets()[scoring.EXTRACTION]


def judge_set() -> scoring.LabelledSet:
    return scoring.labelled_sets()[scoring.JUDGE]


def perfect_extraction() -> list[dict]:
    return [{"id": i["id"], "fields": dict(i["expected"])} for i in extraction_set().items]


def post(client, url, body, bearer):
    return client.post(url, json.dumps(body), content_type="application/json", **bearer)


class TestTheLabelledSets:
    def test_the_extraction_answers_are_in_their_texts(self):
        labelled = extraction_set()
        assert 20 <= len(labelled.items) <= 40
        for item in labelled.items:
            text, expected = item["text"], item["expected"]
            # The vendor is written in the text (normalised, so "The" and "&" do not matter).
            assert scoring.normalise(expected["vendor"]) in scoring.normalise(text), item["id"]
            # The total is the text's amount without thousands separators or currency.
            assert re.fullmatch(r"[0-9]+\.[0-9]{2}", expected["total"]), item["id"]
            amounts = {a.replace(",", "") for a in re.findall(r"[0-9][0-9,]*\.[0-9]{2}", text)}
            assert expected["total"] in amounts, item["id"]
            day = date.fromisoformat(expected["date"])
            assert str(day.day) in text and str(day.year) in text, item["id"]

    def test_the_judge_set_has_both_labels_and_unique_ids(self):
        labelled = judge_set()
        assert 20 <= len(labelled.items) <= 40
        humans = [i["human"] for i in labelled.items]
        assert set(humans) == {"pass", "fail"}
        assert len({i["id"] for i in labelled.items}) == len(labelled.items)


class TestScoringByHand:
    def test_squad_normalisation(self):
        assert scoring.normalise("The  Acme Paper, Company!") == "acme paper company"
        assert scoring.normalise("Pine & Oak Furniture") == "pine oak furniture"
        assert scoring.normalise("1,250.00") == "125000"

    def test_token_f1_of_a_partial_vendor(self):
        # "Northwind Traders" against "Northwind Traders Ltd": 2 shared tokens,
        # precision 2/2, recall 2/3, F1 = 2 * 1 * 2/3 / (1 + 2/3) = 0.8.
        assert scoring.token_f1("Northwind Traders", "Northwind Traders Ltd") == Fraction(4, 5)
        assert scoring.exact_match("Northwind Traders", "Northwind Traders Ltd") == 0

    def test_an_extraction_submission_scored_by_hand(self, client, bearer):
        predictions = perfect_extraction()
        predictions[0]["fields"]["vendor"] = "Northwind Traders"  # F1 0.8, not exact
        predictions[1]["fields"]["date"] = "28 February 2026"  # no token shared: 0
        predictions[2]["fields"]["vendor"] = "Acme Paper Company"  # "The" dropped: still exact
        response = post(client, EXTRACTION, {"predictions": predictions}, bearer)
        assert response.status_code == 200
        body = response.json()
        # 20 items x 3 fields = 60 pairs: 58 exact; F1 = (58 + 0.8 + 0) / 60 = 0.98.
        assert body["exact_match"] == round(58 / 60, 4)
        assert body["f1"] == 0.98
        assert body["per_field"]["vendor"]["exact_match"] == 0.95
        assert body["per_field"]["vendor"]["f1"] == round((19 + 0.8) / 20, 4)
        # The vendor field predicted one token fewer than it should have: precision 1, recall < 1.
        assert body["per_field"]["vendor"]["precision"] == 1.0
        assert body["per_field"]["vendor"]["recall"] < 1.0
        assert body["per_field"]["date"]["f1"] == 0.95
        first = body["per_item"][0]
        assert first["id"] == "ex-01"
        assert first["fields"]["vendor"] == {"exact_match": 0, "f1": 0.8}
        assert first["exact_match"] == round(2 / 3, 4)
        assert first["f1"] == round((1 + 1 + 0.8) / 3, 4)

    def test_a_judge_that_passes_five_wrong_answers(self, client, bearer):
        # 15 human passes, 15 fails; the judge passes every human pass and 5 of the fails.
        # Observed agreement 25/30; judge pass share 20/30, human 15/30:
        # chance = 15/30 * 20/30 + 15/30 * 10/30 = 1/2; kappa = (5/6 - 1/2) / (1 - 1/2) = 2/3.
        predictions, passed_fails = [], 0
        for item in judge_set().items:
            label = item["human"]
            if label == "fail" and passed_fails < 5:
                label, passed_fails = "pass", passed_fails + 1
            predictions.append({"id": item["id"], "label": label})
        body = post(client, JUDGE, {"predictions": predictions}, bearer).json()
        assert body["agreement"] == round(25 / 30, 4)
        assert body["chance_agreement"] == 0.5
        assert body["kappa"] == round(2 / 3, 4)
        assert body["confusion_matrix"] == {
            "human_pass": {"judge_pass": 15, "judge_fail": 0},
            "human_fail": {"judge_pass": 5, "judge_fail": 10},
        }

    def test_a_judge_that_passes_everything_agrees_half_the_time_and_kappa_is_zero(
        self, client, bearer
    ):
        predictions = [{"id": i["id"], "label": "pass"} for i in judge_set().items]
        body = post(client, JUDGE, {"predictions": predictions}, bearer).json()
        assert (body["agreement"], body["kappa"]) == (0.5, 0.0)

    def test_kappa_is_undefined_when_both_raters_use_one_label(self):
        assert scoring.cohen_kappa([("pass", "pass")] * 4, ("pass", "fail"))[2] is None


class TestTheEndpoint:
    def test_get_gives_the_inputs_but_never_the_answers(self, client, bearer):
        for url in (EXTRACTION, JUDGE):
            response = client.get(url, **bearer)
            assert response.status_code == 200
            text = response.content.decode()
            assert '"expected"' not in text and '"human"' not in text
        items = client.get(EXTRACTION, **bearer).json()["items"]
        assert items[0]["text"].startswith("Invoice from Northwind")

    def test_a_perfect_submission_is_logged_and_completes_the_challenge(
        self, client, bearer, learner
    ):
        body = post(client, EXTRACTION, {"predictions": perfect_extraction()}, bearer).json()
        assert (body["exact_match"], body["f1"], body["micro_f1"]) == (1.0, 1.0, 1.0)
        entry = AccessLogEntry.objects.get()
        assert (entry.status, entry.outcome, entry.category) == (
            200,
            "extraction_f1_good",
            Category.VALID,
        )
        cache.delete(challenges._cache_key(learner.pk))
        assert "extraction-f1" in challenges.refresh(learner)

    def test_a_score_under_the_line_does_not_complete_the_challenge(self, client, bearer, learner):
        predictions = [{"id": i["id"], "fields": {}} for i in extraction_set().items]
        body = post(client, EXTRACTION, {"predictions": predictions}, bearer).json()
        assert body["f1"] == 0.0
        assert AccessLogEntry.objects.get().outcome == "extraction_scored"
        cache.delete(challenges._cache_key(learner.pk))
        assert "extraction-f1" not in challenges.refresh(learner)

    def test_kappa_just_under_0_6_does_not_complete_the_judge_challenge(
        self, client, bearer, learner
    ):
        # Flip 6 of 30 (3 passes, 3 fails): agreement 0.8, chance 0.5, kappa 0.6 exactly: good.
        # Flip one more: agreement 23/30, kappa 8/15 = 0.533: not yet.
        def submit(flips):
            predictions, flipped = [], {"pass": 0, "fail": 0}
            for item in judge_set().items:
                label = item["human"]
                if flipped[label] < flips[label]:
                    flipped[label] += 1
                    label = "fail" if label == "pass" else "pass"
                predictions.append({"id": item["id"], "label": label})
            return post(client, JUDGE, {"predictions": predictions}, bearer).json()

        assert submit({"pass": 4, "fail": 3})["kappa"] == round(8 / 15, 4)
        cache.delete(challenges._cache_key(learner.pk))
        assert "judge-kappa" not in challenges.refresh(learner)
        assert submit({"pass": 3, "fail": 3})["kappa"] == 0.6
        cache.delete(challenges._cache_key(learner.pk))
        assert "judge-kappa" in challenges.refresh(learner)

    def test_a_read_only_key_may_score(self, client, make_key):
        _, raw = make_key(scopes=["read"])
        response = post(
            client,
            EXTRACTION,
            {"predictions": perfect_extraction()},
            {"HTTP_AUTHORIZATION": "Bearer " + raw},
        )
        assert response.status_code == 200

    def test_no_key_no_score(self, client):
        response = client.post(EXTRACTION, "{}", content_type="application/json")
        assert response.status_code == 401

    def test_an_unknown_pattern_is_a_404_naming_the_sets(self, client, bearer):
        response = post(client, "/sandbox/api/evaluate/api-key-management", {}, bearer)
        assert response.status_code == 404
        assert "extraction-exact-match-f1" in response.json()["hint"]

    @pytest.mark.parametrize(
        "url, body, reason",
        [
            (EXTRACTION, {}, "predictions must be an array"),
            (EXTRACTION, {"predictions": {}}, "it is a JSON object"),
            (EXTRACTION, {"predictions": [1]}, "predictions[0] must be an object"),
            (EXTRACTION, {"predictions": [{"id": "nope"}]}, "predictions[0].id must be"),
            (EXTRACTION, {"predictions": [{"id": "ex-01"}]}, "fields must be an object"),
            (
                EXTRACTION,
                {"predictions": [{"id": "ex-01", "fields": {"total": 1250}}]},
                "fields.total must be a string or null",
            ),
            (
                EXTRACTION,
                {"predictions": [{"id": "ex-01", "fields": {"amount": "1"}}]},
                "a field this set does not score",
            ),
            (
                EXTRACTION,
                {"predictions": [{"id": "ex-01", "fields": {}}, {"id": "ex-01", "fields": {}}]},
                "appears twice",
            ),
            (EXTRACTION, {"predictions": [{"id": "ex-01", "fields": {}}]}, "missing: ex-02"),
            (JUDGE, {"predictions": [{"id": "j-01", "label": "PASS"}]}, 'label must be "pass"'),
            (JUDGE, {"predictions": []}, "must cover all 30 items"),
        ],
    )
    def test_a_body_that_cannot_be_scored_is_a_400_that_says_why(
        self, client, bearer, url, body, reason
    ):
        response = post(client, url, body, bearer)
        assert response.status_code == 400
        error = response.json()
        assert reason in error["error"]["message"]
        assert "GET this URL" in error["hint"]
        assert AccessLogEntry.objects.get().outcome == "invalid_body"

    def test_the_openapi_document_describes_both_sets(self, client):
        paths = client.get("/sandbox/api/openapi.json").json()["paths"]
        for url in (EXTRACTION, JUDGE):
            operations = paths[url.removeprefix("/sandbox/api")]
            assert {"get", "post"} <= set(operations)
            assert "400" in operations["post"]["responses"]


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=10,
)
ids = st.sampled_from(["ex-01", "ex-02", "j-01", "j-02", "", "nope"]) | st.text(max_size=6)
entries = st.fixed_dictionaries(
    {},
    optional={
        "id": ids | json_values,
        "fields": st.dictionaries(
            st.sampled_from(["vendor", "date", "total", "x"]), json_values, max_size=4
        )
        | json_values,
        "label": st.sampled_from(["pass", "fail", "Pass"]) | json_values,
    },
)
bodies = st.one_of(
    st.fixed_dictionaries({"predictions": st.lists(entries | json_values, max_size=6)}),
    json_values,
)


@settings(
    max_examples=200,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(url=st.sampled_from([EXTRACTION, JUDGE]), body=bodies)
def test_no_body_gets_a_5xx(bearer, url, body):
    client = Client(raise_request_exception=False)
    response = client.post(url, json.dumps(body), content_type="application/json", **bearer)
    assert response.status_code in {200, 400, 429}, response.content[:300]
    assert "error" in response.json() or "f1" in response.json() or "kappa" in response.json()
