"""The valid-key path of the sandbox API, as production runs it: each process keeps the keys it
read for at most a second, holds access log rows for a batched write, and answers /sandbox/api/
without the pages' middleware. (tests/conftest.py turns the first two off for the other tests.)
"""

import os
import time

import pytest
from django.core.cache import caches
from django.test import override_settings
from django.utils import timezone

from learnapp.learning.models import Learner
from learnapp.sandbox import accesslog, auth, challenges, ratelimit
from learnapp.sandbox.models import AccessLogEntry, SandboxKey

pytestmark = pytest.mark.django_db

MODELS = "/sandbox/api/models"


@pytest.fixture
def cached_keys():
    auth._keys.clear()
    with override_settings(SANDBOX_KEY_CACHE_SECONDS=1):
        yield
    auth._keys.clear()


@pytest.fixture
def buffered_log():
    # A long interval: the flusher thread stays out of the way of these tests' transactions.
    # Its wait under way (up to a second, set by whatever ran before) is let run out with
    # nothing to write, so that its next wake-up is a whole interval after the test starts:
    # on PostgreSQL its own connection cannot see the test's learner, and drops a row it took.
    with override_settings(SANDBOX_LOG_BUFFER=100, SANDBOX_LOG_FLUSH_SECONDS=1):
        accesslog.flush()
        time.sleep(1.1)
        yield
    accesslog._rows.clear()


def get(client, raw, path=MODELS):
    return client.get(path, HTTP_AUTHORIZATION=f"Bearer {raw}")


class TestKeyLookup:
    def test_the_key_is_read_with_no_order_by(self, client, key_and_raw, django_assert_num_queries):
        with django_assert_num_queries(2) as queries:  # the key, the log row
            assert get(client, key_and_raw[1]).status_code == 200
        lookup = queries.captured_queries[0]["sql"]
        assert "sandbox_sandboxkey" in lookup and "ORDER BY" not in lookup

    def test_a_busy_key_is_read_from_the_database_once_a_second(
        self, client, key_and_raw, cached_keys, buffered_log, django_assert_num_queries
    ):
        assert get(client, key_and_raw[1]).status_code == 200
        with django_assert_num_queries(0):  # the key from this process, the row held
            for _ in range(5):
                assert get(client, key_and_raw[1]).status_code == 200

    def test_a_key_revoked_elsewhere_stops_working_within_a_second(
        self, client, key_and_raw, cached_keys, monkeypatch
    ):
        key, raw = key_and_raw
        assert get(client, raw).status_code == 200
        # As another app server would: a row changed without this process hearing of it.
        SandboxKey.objects.filter(pk=key.pk).update(revoked_at=timezone.now())
        later = time.monotonic() + 1.0
        monkeypatch.setattr(auth.time, "monotonic", lambda: later)
        response = get(client, raw)
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "revoked_key"

    def test_a_key_revoked_in_this_process_stops_working_at_once(
        self, client, key_and_raw, cached_keys
    ):
        key, raw = key_and_raw
        assert get(client, raw).status_code == 200
        key.revoke()
        assert get(client, raw).status_code == 401

    def test_a_rotated_keys_overlap_ends_on_time_though_the_key_is_cached(
        self, client, key_and_raw, cached_keys
    ):
        key, raw = key_and_raw
        assert get(client, raw).status_code == 200
        # Revocation at a time already decided is judged on every request, not on the copy's age.
        SandboxKey.objects.filter(pk=key.pk).update(revoked_at=timezone.now())
        auth._keys[key.key_id][1].revoked_at = timezone.now()
        assert get(client, raw).status_code == 401


class TestBufferedLog:
    def test_a_request_is_answered_without_writing_its_row(
        self, client, key_and_raw, buffered_log, django_assert_num_queries
    ):
        with django_assert_num_queries(1):  # the key; the row is held
            assert get(client, key_and_raw[1]).status_code == 200
        assert accesslog.pending() == 1
        assert accesslog.flush() == 1
        assert AccessLogEntry.objects.get().outcome == "ok"

    def test_the_buffer_is_bounded(self, client, key_and_raw):
        with override_settings(SANDBOX_LOG_BUFFER=3, SANDBOX_LOG_FLUSH_SECONDS=1):
            for _ in range(3):
                get(client, key_and_raw[1])
            assert accesslog.pending() == 0
            assert AccessLogEntry.objects.count() == 3

    def test_the_learners_log_page_shows_a_request_still_held(
        self, learner_session, key_and_raw, buffered_log
    ):
        get(learner_session, key_and_raw[1], "/sandbox/api/data?limit=2")
        assert accesslog.pending() == 1
        page = learner_session.get("/sandbox/log/").content.decode()
        assert "/sandbox/api/data?limit=2" in page

    def test_a_challenge_counts_a_request_still_held(
        self, client, learner, key_and_raw, buffered_log
    ):
        get(client, key_and_raw[1])
        caches["default"].delete(challenges._cache_key(learner.pk))
        assert "first-200" in challenges.refresh(learner)

    def test_a_playground_request_is_written_at_once(
        self, learner_session, key_and_raw, buffered_log
    ):
        form = {
            "key": key_and_raw[1],
            "method": "GET",
            "path": "/sandbox/api/data",
            "query": "",
            "body": "",
            "repeat": 1,
            "header_name": ["Authorization", ""],
            "header_value": ["Bearer {key}", ""],
        }
        assert learner_session.post("/sandbox/playground/", form).status_code == 200
        assert accesslog.pending() == 0
        assert AccessLogEntry.objects.get().source == "playground"


@pytest.mark.django_db(transaction=True)
class TestBufferedLogOutsideATestTransaction:
    def test_held_rows_are_written_within_a_second(self, client):
        learner = Learner.objects.create()
        from learnapp.sandbox.models import create_key

        _, raw = create_key(learner, name="k", scopes=["read"])
        with override_settings(SANDBOX_LOG_BUFFER=100, SANDBOX_LOG_FLUSH_SECONDS=0.2):
            assert get(client, raw).status_code == 200
            deadline = time.monotonic() + 1.0
            while not AccessLogEntry.objects.exists() and time.monotonic() < deadline:
                time.sleep(0.05)
            assert AccessLogEntry.objects.count() == 1

    def test_a_row_of_a_learner_deleted_while_it_waited_is_dropped(self, client):
        from learnapp.sandbox.models import create_key

        gone, kept = Learner.objects.create(), Learner.objects.create()
        _, raw_gone = create_key(gone, name="k", scopes=["read"])
        _, raw_kept = create_key(kept, name="k", scopes=["read"])
        with override_settings(SANDBOX_LOG_BUFFER=100, SANDBOX_LOG_FLUSH_SECONDS=1):
            # Holding the writer's lock keeps the background flusher from writing the rows
            # before the learner goes (on a slow machine a second can pass between the lines);
            # then the held batch is written as flush() writes it.
            with accesslog._writing:
                get(client, raw_gone)
                get(client, raw_kept)
                gone.delete()
                with accesslog._lock:
                    batch = accesslog._rows[:]
                    accesslog._rows.clear()
                accesslog._write(batch)
            assert len(batch) == 2
        assert list(AccessLogEntry.objects.values_list("learner_id", flat=True)) == [kept.pk]


class TestApiMiddleware:
    def test_the_api_answers_without_the_pages_middleware(self, client, key_and_raw):
        response = get(client, key_and_raw[1])
        assert response.status_code == 200
        # Pages carry a CSP and frame options; the JSON API needs neither, and skips their cost.
        assert "Content-Security-Policy" not in response
        assert "X-Frame-Options" not in response
        # The security middleware still runs first.
        assert response["X-Content-Type-Options"] == "nosniff"

    def test_pages_still_have_their_middleware(self, client):
        response = client.get("/sandbox/")
        assert "Content-Security-Policy" in response


@pytest.mark.skipif(
    not os.environ.get("CACHE_URL", "").startswith("redis"), reason="needs Redis (CACHE_URL)"
)
class TestRedisRateLimit:
    def test_a_request_is_counted_in_one_round_trip_with_a_reused_client(
        self, make_key, monkeypatch
    ):
        import redis

        key, _ = make_key(rate_limit_per_minute=10)
        ratelimit.hit(key.key_id, 10)  # the script is loaded and the client made once
        sent, made = [], []
        original_send = redis.connection.Connection.send_packed_command
        original_init = redis.Redis.__init__

        def send(self, *args, **kwargs):
            sent.append(1)
            return original_send(self, *args, **kwargs)

        def init(self, *args, **kwargs):
            made.append(1)
            return original_init(self, *args, **kwargs)

        monkeypatch.setattr(redis.connection.Connection, "send_packed_command", send)
        monkeypatch.setattr(redis.Redis, "__init__", init)
        usages = [ratelimit.hit(key.key_id, 10) for _ in range(11)]
        assert len(sent) == 11
        assert made == []
        assert [u.allowed for u in usages] == [True] * 9 + [False] * 2

    def test_the_counter_expires_with_its_window(self, make_key):
        key, _ = make_key()
        ratelimit.hit(key.key_id, 10)
        backend = caches["default"]
        now = ratelimit.clock()
        name = backend.make_and_validate_key(
            f"sandbox:rl:{key.key_id}:{int(now // ratelimit.WINDOW)}"
        )
        client = backend._cache.get_client(write=True)
        assert 0 < client.ttl(name) <= ratelimit.WINDOW + 5
