"""The metrics lessons' challenges, each completed by the traffic it asks for and not by less."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.utils import timezone

from learnapp.sandbox import challenges, simulate
from learnapp.sandbox.models import AccessLogEntry, Category

pytestmark = pytest.mark.django_db

DATA = "/sandbox/api/data"
CHAT = "/sandbox/api/chat/completions"
METRICS_CHALLENGES = {
    "fast-first-token": "latency-percentiles",
    "slow-first-token": "latency-percentiles",
    "retry-after-503": "error-rate-error-budget",
    "paced-window": "rate-limit-utilisation",
    "cheaper-completion": "token-usage-cost",
}


def done(learner) -> set[str]:
    cache.delete(challenges._cache_key(learner.pk))
    return challenges.refresh(learner)


def stream(client, bearer, model="sandbox-small", **meta):
    body = {"model": model, "messages": [{"role": "user", "content": "Hi"}], "stream": True}
    response = client.post(CHAT, body, content_type="application/json", **bearer, **meta)
    return b"".join(response.streaming_content)


def test_each_metrics_lesson_has_a_challenge_that_links_to_it():
    for slug, lesson in METRICS_CHALLENGES.items():
        assert f"/patterns/{lesson}/" in challenges.BY_SLUG[slug].lesson_link["url"]


def test_a_fast_stream_completes_the_ttft_challenge(client, bearer, learner):
    stream(client, bearer)
    assert AccessLogEntry.objects.get().ttft_ms < challenges.FAST_FIRST_TOKEN_MS
    assert "fast-first-token" in done(learner)
    assert "slow-first-token" not in done(learner)


def test_a_whole_answer_has_no_first_token_to_time(client, bearer, learner):
    client.post(
        CHAT,
        {"model": "sandbox-small", "messages": [{"role": "user", "content": "Hi"}]},
        content_type="application/json",
        **bearer,
    )
    assert not {"fast-first-token", "slow-first-token"} & done(learner)


def test_a_delayed_stream_completes_the_slow_first_token_challenge(
    client, bearer, learner, monkeypatch
):
    stream(client, bearer, HTTP_X_SANDBOX_DELAY_MS="1000")
    assert AccessLogEntry.objects.get().ttft_ms >= 1000
    assert "slow-first-token" in done(learner)
    assert "fast-first-token" not in done(learner)


def test_coming_back_after_a_503s_retry_after(client, bearer, learner, key_and_raw):
    assert client.get(DATA, HTTP_X_SANDBOX_FAULT="503", **bearer).status_code == 503
    assert client.get(DATA, **bearer).status_code == 200  # at once: too early
    assert "retry-after-503" not in done(learner)
    # The log's clock, moved as if the learner had waited Retry-After.
    AccessLogEntry.objects.create(
        learner=learner,
        key=key_and_raw[0],
        method="GET",
        path=DATA,
        status=200,
        outcome="ok",
        category=Category.VALID,
        latency_ms=1,
        created_at=timezone.now() + timedelta(seconds=simulate.FAULT_RETRY_AFTER),
    )
    assert "retry-after-503" in done(learner)


def test_a_429_is_not_a_503(client, learner, make_key, frozen_clock):
    _, raw = make_key(rate_limit_per_minute=1)
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    client.get(DATA, **bearer)
    client.get(DATA, **bearer)  # 429
    AccessLogEntry.objects.update(created_at=timezone.now() - timedelta(minutes=5))
    frozen_clock.advance(60)
    client.get(DATA, **bearer)
    assert "retry-after" in done(learner)
    assert "retry-after-503" not in done(learner)


def test_four_of_five_in_a_window_without_a_429_is_paced(client, learner, make_key, frozen_clock):
    _, raw = make_key(rate_limit_per_minute=5)
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    for _ in range(3):
        client.get(DATA, **bearer)
    assert "paced-window" not in done(learner)  # 60 %
    client.get(DATA, **bearer)
    assert "paced-window" in done(learner)  # 80 %


def test_a_window_with_a_429_is_not_paced(client, learner, make_key, frozen_clock):
    _, raw = make_key(rate_limit_per_minute=4)
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    for _ in range(5):
        client.get(DATA, **bearer)
    assert AccessLogEntry.objects.filter(status=429).exists()
    assert "paced-window" not in done(learner)


def test_the_same_prompt_on_the_small_model_is_the_cheaper_completion(client, bearer, learner):
    stream(client, bearer, model="sandbox-small")
    stream(client, bearer, model="sandbox-small")
    assert "cheaper-completion" not in done(learner)
    stream(client, bearer, model="sandbox-large")
    assert "cheaper-completion" not in done(learner)  # dearer, not cheaper
    stream(client, bearer, model="sandbox-small")
    assert "cheaper-completion" in done(learner)


def test_the_checks_read_costs_as_decimals():
    now = timezone.now()

    def e(cost):
        return challenges.Entry(now, 200, "ok", 1, None, Category.VALID, None, Decimal(cost))

    assert challenges._cheaper_completion([e("0.0010"), e("0.0001")], [])
    assert not challenges._cheaper_completion([e("0.0010"), e("0.00011")], [])
