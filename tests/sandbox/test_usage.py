"""Usage blocks and their price: the models list their prices, completions report usage, and the
access log keeps each completion's cost at the lesson's prices."""

import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings

from learnapp.sandbox import pricing
from learnapp.sandbox.models import AccessLogEntry

pytestmark = pytest.mark.django_db

CHAT = "/sandbox/api/chat/completions"
LESSON = (
    Path(settings.BASE_DIR)
    / "content/prompt-engineering-genai/model-metrics-evaluation/token-usage-cost/lesson.md"
)


def chat(client, bearer, model, content="one two three four", **extra):
    body = {"model": model, "messages": [{"role": "user", "content": content}], **extra}
    return client.post(CHAT, body, content_type="application/json", **bearer)


def test_the_price_table_is_the_lessons(client, bearer):
    lesson = LESSON.read_text()
    for model, price in pricing.PRICES.items():
        row = f"| {price.lesson_name} | ${price.prompt:.2f} | ${price.completion:.2f} |"
        assert row in lesson, model


def test_the_models_list_their_prices(client, bearer):
    models = {m["id"]: m for m in client.get("/sandbox/api/models", **bearer).json()["data"]}
    assert models["sandbox-large"]["pricing"] == {
        "currency": "USD",
        "prompt_per_1m_tokens": "4.00",
        "completion_per_1m_tokens": "16.00",
    }
    assert models["sandbox-small"]["pricing"]["completion_per_1m_tokens"] == "0.80"


def test_a_completion_reports_usage_and_the_log_keeps_its_cost(client, bearer):
    usage = chat(client, bearer, "sandbox-large").json()["usage"]
    assert usage["prompt_tokens"] == 4
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]
    entry = AccessLogEntry.objects.get()
    assert (entry.prompt_tokens, entry.completion_tokens) == (4, usage["completion_tokens"])
    # Each kind of token at its own price, per million.
    expected = (4 * Decimal("4.00") + usage["completion_tokens"] * Decimal("16.00")) / 1_000_000
    assert entry.cost_usd == expected


def test_the_small_model_costs_a_twentieth_of_the_large_per_token(client, bearer):
    for model in ("sandbox-large", "sandbox-small"):
        chat(client, bearer, model)
    large, small = AccessLogEntry.objects.order_by("pk")
    # Same prompt; the replies differ in length, so compare at the small model's token counts.
    at_large_prices = pricing.cost("sandbox-large", small.prompt_tokens, small.completion_tokens)
    assert at_large_prices == small.cost_usd * 20
    assert large.cost_usd > small.cost_usd * 10


def test_max_tokens_truncates_with_finish_reason_length(client, bearer):
    data = chat(client, bearer, "sandbox-small", max_tokens=3).json()
    assert data["choices"][0]["finish_reason"] == "length"
    assert len(data["choices"][0]["message"]["content"].split()) == 3
    assert data["usage"]["completion_tokens"] == 3
    assert AccessLogEntry.objects.get().completion_tokens == 3


def test_a_generous_max_tokens_changes_nothing(client, bearer):
    data = chat(client, bearer, "sandbox-small", max_tokens=4096).json()
    assert data["choices"][0]["finish_reason"] == "stop"


def test_requests_that_are_not_completions_have_no_usage_in_the_log(client, bearer):
    client.get("/sandbox/api/data", **bearer)
    chat(client, bearer, "sandbox-small", content="")  # still a completion: 0 prompt tokens
    rows = list(AccessLogEntry.objects.order_by("pk").values_list("prompt_tokens", "cost_usd"))
    assert rows[0] == (None, None)
    assert rows[1][0] == 0 and rows[1][1] > 0


def test_a_refused_completion_costs_nothing(client, bearer):
    client.post(CHAT, {"model": "nope"}, content_type="application/json", **bearer)
    assert AccessLogEntry.objects.get().cost_usd is None


def test_the_lesson_says_usage_of_a_stream_needs_include_usage(client, bearer):
    text = LESSON.read_text()
    assert re.search(r'"stream_options": \{"include_usage": true\}', text)
