"""Per-key rate limits: RateLimit fields on every answer, 429 with Retry-After, one shared count."""

import re
import secrets
import threading

import pytest
from django.core.cache import caches

from learnapp.sandbox import ratelimit

pytestmark = pytest.mark.django_db

DATA = "/sandbox/api/data"


def test_a_success_carries_the_ratelimit_fields(client, make_key, frozen_clock):
    _, raw = make_key(rate_limit_per_minute=60)
    frozen_clock.advance(43)
    response = client.get(DATA, HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response["RateLimit-Policy"] == '"sandbox";q=60;w=60'
    assert response["RateLimit"] == '"sandbox";r=59;t=17'
    assert "Retry-After" not in response


def test_over_the_limit_is_a_429_with_retry_after(client, make_key, frozen_clock):
    _key, raw = make_key(rate_limit_per_minute=3)
    statuses = [client.get(DATA, HTTP_AUTHORIZATION=f"Bearer {raw}").status_code for _ in range(3)]
    assert statuses == [200, 200, 200]
    frozen_clock.advance(43)
    response = client.get(DATA, HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 429
    assert response["Retry-After"] == "17"
    assert response["RateLimit-Policy"] == '"sandbox";q=3;w=60'
    assert response["RateLimit"] == '"sandbox";r=0;t=17'
    body = response.json()
    assert body["error"]["type"] == "rate_limit_error" and body["error"]["code"] == "rate_limited"
    assert "17 seconds" in body["hint"]
    assert "429-too-many-requests-and-retry-after" in body["lesson"]["url"]
    assert "WWW-Authenticate" not in response


def test_after_retry_after_the_key_works_again(client, make_key, frozen_clock):
    _, raw = make_key(rate_limit_per_minute=1)
    client.get(DATA, HTTP_AUTHORIZATION=f"Bearer {raw}")
    refused = client.get(DATA, HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert refused.status_code == 429
    frozen_clock.advance(int(refused["Retry-After"]))
    response = client.get(DATA, HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 200
    assert response["RateLimit"].startswith('"sandbox";r=0;')


def test_each_key_has_its_own_limit(client, make_key, frozen_clock):
    _, first = make_key(rate_limit_per_minute=1)
    _, second = make_key(rate_limit_per_minute=1)
    assert client.get(DATA, HTTP_AUTHORIZATION=f"Bearer {first}").status_code == 200
    assert client.get(DATA, HTTP_AUTHORIZATION=f"Bearer {second}").status_code == 200
    assert client.get(DATA, HTTP_AUTHORIZATION=f"Bearer {first}").status_code == 429


def test_refused_requests_do_not_use_quota(client, make_key, frozen_clock):
    _, raw = make_key(rate_limit_per_minute=2, scopes=["read"])
    client.post(DATA, {}, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {raw}")
    response = client.get(DATA, HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response["RateLimit"].startswith('"sandbox";r=1;')


def test_the_counter_lives_in_the_cache(make_key, frozen_clock):
    key, _ = make_key()
    ratelimit.hit(key.key_id, 10)
    ratelimit.hit(key.key_id, 10)
    window = int(frozen_clock.now // ratelimit.WINDOW)
    assert caches["default"].get(ratelimit.cache_key(key.key_id, window)) == 2


def test_concurrent_requests_are_counted_exactly_once_each(frozen_clock):
    """Threads stand in for app servers: with an atomic increment none is lost. On Redis (the
    CI's CACHE_URL) every thread has its own connection, as separate servers would."""
    key_id = secrets.token_hex(6)  # a counter no other test or run shares
    limit = 25
    usages: list[ratelimit.Usage] = []
    lock = threading.Lock()

    def worker():
        for _ in range(10):
            usage = ratelimit.hit(key_id, limit)
            with lock:
                usages.append(usage)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(u.count for u in usages) == list(range(1, 81))
    assert sum(u.allowed for u in usages) == limit
    window = int(frozen_clock.now // ratelimit.WINDOW)
    caches["default"].delete(ratelimit.cache_key(key_id, window))


def test_the_header_syntax_follows_the_draft():
    usage = ratelimit.Usage(limit=60, count=61, reset=17)
    headers = usage.headers()
    assert headers == {
        "RateLimit-Policy": '"sandbox";q=60;w=60',
        "RateLimit": '"sandbox";r=0;t=17',
        "Retry-After": "17",
    }
    assert re.fullmatch(r'"\w+";r=\d+;t=\d+', headers["RateLimit"])
