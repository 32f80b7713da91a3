"""Challenges are checked from the learner's own access log, and count in their progress."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from learnapp.learning.models import Learner
from learnapp.sandbox import challenges
from learnapp.sandbox.models import AccessLogEntry, ChallengeCompletion, SandboxKey, rotate_key
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

DATA = "/sandbox/api/data"
CHAT = "/sandbox/api/chat/completions"


def done(learner) -> set[str]:
    cache.delete(challenges._cache_key(learner.pk))
    return challenges.refresh(learner)


def get(client, raw=None, path=DATA, **extra):
    if raw:
        extra["HTTP_AUTHORIZATION"] = f"Bearer {raw}"
    return client.get(path, **extra)


def test_there_are_at_least_six_challenges_each_linked_to_a_lesson():
    assert len(challenges.CHALLENGES) >= 6
    for challenge in challenges.CHALLENGES:
        assert challenge.lesson_link["url"].startswith("/patterns/")


def test_a_200(client, learner, key_and_raw):
    assert "first-200" not in done(learner)
    get(client, key_and_raw[1])
    assert "first-200" in done(learner)


def test_a_401_for_a_missing_header_must_be_fixed_afterwards(learner, key_and_raw):
    key, _ = key_and_raw

    def log(outcome, status):
        AccessLogEntry.objects.create(
            learner=learner,
            key=key if status == 200 else None,
            method="GET",
            path=DATA,
            status=status,
            outcome=outcome,
            category="valid",
            latency_ms=1,
        )

    log("ok", 200)
    log("missing_credentials", 401)
    assert "missing-header-then-fix" not in done(learner)  # the 200 came before
    log("ok", 200)
    assert "missing-header-then-fix" in done(learner)


def test_the_key_in_the_url(client, learner, key_and_raw):
    client.get(f"{DATA}?api_key={key_and_raw[1]}")
    assert "key-in-url" in done(learner)


def test_a_429_then_a_retry_after_retry_after(client, learner, make_key, frozen_clock):
    _key, raw = make_key(rate_limit_per_minute=1)
    get(client, raw)
    get(client, raw)  # 429, Retry-After: 60
    get(client, raw)  # too early: another 429
    assert "retry-after" not in done(learner)
    frozen_clock.advance(60)
    # The log's clock is the wall clock: date the 429s back as if a minute had passed.
    AccessLogEntry.objects.filter(status=429).update(
        created_at=timezone.now() - timedelta(seconds=60)
    )
    assert get(client, raw).status_code == 200
    assert "retry-after" in done(learner)


def test_retrying_too_early_does_not_count(learner, key_and_raw):
    key, _ = key_and_raw
    now = timezone.now()
    for status, seconds_ago, retry in ((429, 10, 30), (200, 0, None)):
        AccessLogEntry.objects.create(
            learner=learner,
            key=key,
            method="GET",
            path=DATA,
            status=status,
            outcome="x",
            category="valid",
            latency_ms=1,
            retry_after=retry,
            created_at=now - timedelta(seconds=seconds_ago),
        )
    assert "retry-after" not in done(learner)


def test_a_clean_rotation(client, learner, key_and_raw):
    old, old_raw = key_and_raw
    get(client, old_raw)
    _new, new_raw = rotate_key(old, timedelta(minutes=5))
    get(client, old_raw)  # still fine during the overlap
    get(client, new_raw)
    assert "clean-rotation" not in done(learner)  # the old key is not revoked yet
    old.revoke()
    assert "clean-rotation" in done(learner)


def test_a_failed_request_during_the_switch_spoils_the_rotation(client, learner, key_and_raw):
    old, _old_raw = key_and_raw
    _new, new_raw = rotate_key(old, timedelta(minutes=5))
    get(client, new_raw)
    client.post(
        DATA, "not json", content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {new_raw}"
    )
    old.revoke()
    assert "clean-rotation" not in done(learner)


def test_a_read_only_key_on_a_write_endpoint(client, learner, make_key):
    _, raw = make_key(scopes=["read"])
    client.post(CHAT, {}, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert "read-only-403" in done(learner)


def test_an_expired_key(client, learner, make_key):
    _, raw = make_key(expires_at=timezone.now() - timedelta(seconds=1))
    get(client, raw)
    assert "expired-key" in done(learner)


def test_completions_are_stored_once_and_stay(client, learner, key_and_raw):
    get(client, key_and_raw[1])
    done(learner)
    done(learner)
    AccessLogEntry.objects.all().delete()
    assert "first-200" in done(learner)
    assert ChallengeCompletion.objects.filter(learner=learner).count() == 1


def test_another_learners_log_does_not_count(client, learner, make_key):
    other = Learner.objects.create()
    _, raw = make_key(owner=other)
    get(client, raw)
    assert done(learner) == set() and done(other) == {"first-200"}


def test_the_page_lists_challenges_with_their_state(learner_session, learner, key_and_raw):
    get(learner_session, key_and_raw[1])
    page = learner_session.get("/sandbox/challenges/").content.decode()
    assert f"1 of {len(challenges.CHALLENGES)} done" in page
    for challenge in challenges.CHALLENGES:
        assert challenge.title in page


def test_completed_challenges_count_in_progress(client, key_and_raw, django_assert_num_queries):
    user = UserFactory()
    client.force_login(user)
    learner = Learner.objects.get(user=user)  # made when the user logged in
    SandboxKey.objects.filter(pk=key_and_raw[0].pk).update(learner=learner)
    get(client, key_and_raw[1])
    cache.delete(challenges._cache_key(learner.pk))
    page = client.get("/progress/").content.decode()
    assert "Sandbox challenges" in page and f"1 of {len(challenges.CHALLENGES)} done" in page
    # Once checked, the progress page reads the result from the cache: no extra query, so the
    # page keeps the six queries its own test counts (tests/learning/test_progress.py).
    with django_assert_num_queries(6):
        client.get("/progress/")


def test_every_challenge_is_linked_from_a_lesson(settings):
    lessons = "".join(
        path.read_text() for path in (settings.BASE_DIR / "content").glob("**/lesson.md")
    )
    for challenge in challenges.CHALLENGES:
        assert f"/sandbox/challenges/#{challenge.slug}" in lessons, challenge.slug
