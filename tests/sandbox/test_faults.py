"""Simulated delays and server faults: asked for per request, refused with a reason when the
asking is wrong, logged and explained like every other outcome."""

import pytest

from learnapp.sandbox import simulate
from learnapp.sandbox.models import AccessLogEntry, Category

pytestmark = pytest.mark.django_db

DATA = "/sandbox/api/data"
CHAT = "/sandbox/api/chat/completions"


def logged() -> AccessLogEntry:
    return AccessLogEntry.objects.get()


def test_a_delay_in_the_header_slows_the_answer_and_shows_in_the_latency(client, bearer):
    response = client.get(DATA, HTTP_X_SANDBOX_DELAY_MS="150", **bearer)
    assert response.status_code == 200
    assert 150 <= logged().latency_ms < 150 + 250


def test_a_delay_in_the_query_works_too(client, bearer):
    response = client.get(DATA + "?delay_ms=120&limit=2", **bearer)
    assert response.status_code == 200 and len(response.json()["data"]) == 2
    assert logged().latency_ms >= 120
    assert logged().path == "/sandbox/api/data?delay_ms=120&limit=2"


def test_the_cap_itself_is_allowed(client, bearer, monkeypatch):
    waits = []
    monkeypatch.setattr(simulate, "sleep", waits.append)
    response = client.get(DATA, HTTP_X_SANDBOX_DELAY_MS=str(simulate.MAX_DELAY_MS), **bearer)
    assert response.status_code == 200
    assert waits == [simulate.MAX_DELAY_MS / 1000]


@pytest.mark.parametrize(
    "value, shown",
    [
        (str(simulate.MAX_DELAY_MS + 1), "it is '3001'"),
        ("-5", "it is '-5'"),
        ("1.5", "it is '1.5'"),
        ("²", "the value sent is not one"),
        ("", "it is ''"),
        ("9" * 40, "the value sent is not one"),
    ],
)
def test_a_delay_over_the_cap_or_not_a_number_is_a_400_with_the_reason(
    client, bearer, monkeypatch, value, shown
):
    waits = []
    monkeypatch.setattr(simulate, "sleep", waits.append)
    response = client.get(DATA, HTTP_X_SANDBOX_DELAY_MS=value, **bearer)
    assert response.status_code == 400
    body = response.json()
    assert body["error"]["code"] == "invalid_delay"
    assert f"from 0 to {simulate.MAX_DELAY_MS}" in body["error"]["message"]
    assert shown in body["error"]["message"]
    assert "capped" in body["explanation"] and body["hint"]
    assert body["lesson"]["url"].endswith(
        "/patterns/latency-percentiles/#which-metric-matters-for-latency-and-why"
    )
    assert not any(waits)  # refused at once, not after waiting
    assert (logged().status, logged().outcome) == (400, "invalid_delay")


def test_a_delay_asked_twice_is_a_400(client, bearer):
    response = client.get(DATA + "?delay_ms=10", HTTP_X_SANDBOX_DELAY_MS="10", **bearer)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "simulation_twice"


def test_no_valid_key_no_delay(client, monkeypatch):
    waits = []
    monkeypatch.setattr(simulate, "sleep", waits.append)
    response = client.get(DATA, HTTP_X_SANDBOX_DELAY_MS="3000")
    assert response.status_code == 401
    assert not any(waits)


def test_a_503_fault_answers_503_with_retry_after_explained_and_logged(client, bearer):
    response = client.get(DATA, HTTP_X_SANDBOX_FAULT="503", **bearer)
    assert response.status_code == 503
    assert response["Retry-After"] == str(simulate.FAULT_RETRY_AFTER)
    assert "WWW-Authenticate" not in response  # the key was fine
    assert response.has_header("RateLimit")
    body = response.json()
    assert body["error"] == {
        "type": "server_error",
        "code": "service_unavailable",
        "message": body["error"]["message"],
    }
    assert "X-Sandbox-Fault" in body["error"]["message"]
    assert "error budget" in body["explanation"]
    assert f"Wait {simulate.FAULT_RETRY_AFTER} seconds" in body["hint"]
    assert body["lesson"]["url"].endswith(
        "/patterns/error-rate-error-budget/#which-metric-matters-for-errors-and-why"
    )
    entry = logged()
    assert (entry.status, entry.outcome, entry.category) == (
        503,
        "service_unavailable",
        Category.SERVER_ERROR,
    )
    assert entry.retry_after == simulate.FAULT_RETRY_AFTER
    assert entry.key_prefix


def test_a_500_fault_answers_500_without_retry_after(client, bearer):
    response = client.post(
        CHAT + "?fault=500", {}, content_type="application/json", **bearer
    )  # the fault comes before the body is read: the server failed, not the request
    assert response.status_code == 500
    assert "Retry-After" not in response
    body = response.json()
    assert body["error"]["code"] == "internal_error"
    assert "backoff" in body["hint"]
    assert (logged().status, logged().category) == (500, Category.SERVER_ERROR)


def test_a_fault_can_be_slow_too(client, bearer):
    response = client.get(DATA, HTTP_X_SANDBOX_FAULT="503", HTTP_X_SANDBOX_DELAY_MS="100", **bearer)
    assert response.status_code == 503
    assert logged().latency_ms >= 100


@pytest.mark.parametrize("value", ["502", "404", "5O3", "503, 503", ""])
def test_an_unknown_fault_is_a_400_listing_the_known_ones(client, bearer, value):
    response = client.get(DATA, HTTP_X_SANDBOX_FAULT=value, **bearer)
    assert response.status_code == 400
    body = response.json()
    assert body["error"]["code"] == "invalid_fault"
    assert "500 or 503" in body["error"]["message"]
    assert body["hint"]


def test_a_fault_spends_the_keys_rate_limit_like_any_request(client, make_key, frozen_clock):
    _, raw = make_key(rate_limit_per_minute=1)
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    assert client.get(DATA, HTTP_X_SANDBOX_FAULT="503", **bearer).status_code == 503
    assert client.get(DATA, HTTP_X_SANDBOX_FAULT="503", **bearer).status_code == 429


def test_the_access_log_summary_counts_server_errors(learner_session, bearer):
    learner_session.get(DATA, HTTP_X_SANDBOX_FAULT="503", **bearer)
    page = learner_session.get("/sandbox/log/")
    rows = {row.category: row.count for row in page.context["rows"]}
    assert rows[Category.SERVER_ERROR] == 1
