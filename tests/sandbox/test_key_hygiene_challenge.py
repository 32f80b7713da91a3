"""The key hygiene lesson's challenge: the old key's traffic falls to 0 before it is revoked.

Requests go through the real API; "waiting a minute" moves the log and the rotation's start
back in time, since the log's clock is the wall clock.
"""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from learnapp.sandbox import accesslog, challenges
from learnapp.sandbox.models import AccessLogEntry, ChallengeCompletion, SandboxKey, rotate_key

pytestmark = pytest.mark.django_db

DATA = "/sandbox/api/data"
SLUG = "quiet-old-key"


def done(learner) -> set[str]:
    cache.delete(challenges._cache_key(learner.pk))
    return challenges.refresh(learner)


def get(client, raw):
    return client.get(DATA, HTTP_AUTHORIZATION=f"Bearer {raw}")


def wait(seconds: int) -> None:
    """As if `seconds` had passed: every logged request and rotation start moves back."""
    accesslog.flush()
    for entry in AccessLogEntry.objects.all():
        entry.created_at -= timedelta(seconds=seconds)
        entry.save(update_fields=["created_at"])
    for key in SandboxKey.objects.filter(rotation_started_at__isnull=False):
        key.rotation_started_at -= timedelta(seconds=seconds)
        key.save(update_fields=["rotation_started_at"])


@pytest.fixture
def rotated(client, key_and_raw):
    """An old key that served a request, rotated with a 2-minute overlap: (old, old_raw, new_raw)."""
    old, old_raw = key_and_raw
    assert get(client, old_raw).status_code == 200
    _new, new_raw = rotate_key(old, timedelta(minutes=2))
    return old, old_raw, new_raw


def test_the_old_key_quiet_for_a_minute_before_revoking_completes_it(client, learner, rotated):
    old, _old_raw, new_raw = rotated
    assert get(client, new_raw).status_code == 200
    wait(61)
    assert SLUG not in done(learner)  # not revoked yet: the rotation is not finished
    old.revoke()
    assert SLUG in done(learner)
    assert ChallengeCompletion.objects.filter(learner=learner, challenge=SLUG).exists()


def test_a_call_on_the_old_key_in_the_last_minute_spoils_it(client, learner, rotated):
    old, old_raw, new_raw = rotated
    assert get(client, new_raw).status_code == 200
    wait(61)
    assert get(client, old_raw).status_code == 200  # still works in the overlap, and it counts
    wait(50)
    old.revoke()  # 50 seconds after the old key's last request
    assert SLUG not in done(learner)
    # The other rotation challenge asks for something else: no failure during the switch.
    assert "clean-rotation" in done(learner)


def test_just_under_a_minute_is_not_a_minute(client, learner, rotated):
    old, _old_raw, new_raw = rotated
    assert get(client, new_raw).status_code == 200
    wait(59)
    old.revoke()
    assert SLUG not in done(learner)


def test_the_new_key_must_have_served(client, learner, rotated):
    old, _old_raw, _new_raw = rotated
    wait(61)
    old.revoke()
    assert SLUG not in done(learner)


def test_an_old_key_that_never_carried_traffic_has_nothing_to_move(client, learner, key_and_raw):
    old, _ = key_and_raw
    _new, new_raw = rotate_key(old, timedelta(minutes=2))
    assert get(client, new_raw).status_code == 200
    wait(61)
    old.revoke()
    assert SLUG not in done(learner)


def test_requests_on_the_old_key_after_it_is_revoked_are_not_before_it(client, learner, rotated):
    old, old_raw, new_raw = rotated
    assert get(client, new_raw).status_code == 200
    wait(61)
    old.revoke()
    assert get(client, old_raw).status_code == 401  # revoked: invalid_token
    assert SLUG in done(learner)


def test_letting_the_overlap_window_end_counts_as_revoking(client, learner, rotated):
    old, _old_raw, new_raw = rotated
    assert get(client, new_raw).status_code == 200
    wait(130)
    # The window (2 minutes) ended 10 seconds ago; the old key's last request came 130 s ago,
    # before the rotation started, so it was quiet for the whole overlap.
    SandboxKey.objects.filter(pk=old.pk).update(revoked_at=timezone.now() - timedelta(seconds=10))
    assert SLUG in done(learner)


def test_it_is_still_checked_after_the_clean_rotation_is_done(client, learner, rotated):
    ChallengeCompletion.objects.create(learner=learner, challenge="clean-rotation")
    old, _old_raw, new_raw = rotated
    assert get(client, new_raw).status_code == 200
    wait(61)
    old.revoke()
    assert SLUG in done(learner)


def test_another_learners_rotation_does_not_count(client, learner, make_key):
    from learnapp.learning.models import Learner

    other = Learner.objects.create()
    old, old_raw = make_key(owner=other)
    get(client, old_raw)
    _new, new_raw = rotate_key(old, timedelta(minutes=2))
    get(client, new_raw)
    wait(61)
    old.revoke()
    assert SLUG not in done(learner) and SLUG in done(other)


def test_it_links_to_the_key_hygiene_lesson_which_links_back(settings):
    challenge = challenges.BY_SLUG[SLUG]
    url = challenge.lesson_link["url"]
    assert url.startswith("/patterns/key-hygiene-least-privilege/#")
    lesson = (
        settings.BASE_DIR
        / "content/prompt-engineering-genai/model-metrics-evaluation"
        / "key-hygiene-least-privilege/lesson.md"
    ).read_text()
    assert f"/sandbox/challenges/#{SLUG}" in lesson
    heading = challenge.lesson_link["title"]
    assert f"## {heading}\n" in lesson


def test_the_challenges_page_shows_it_with_its_lesson_link(learner_session):
    page = learner_session.get("/sandbox/challenges/").content.decode()
    challenge = challenges.BY_SLUG[SLUG]
    assert challenge.title in page
    assert challenge.lesson_link["url"] in page
