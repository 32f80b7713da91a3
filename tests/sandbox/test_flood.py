"""Traffic without a valid key cannot grow the database without bound: a per-address budget,
a cap on each learner's log, and prune commands for what is left behind."""

from datetime import timedelta

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from learnapp.learning.learners import SESSION_KEY, SESSION_USER_KEY
from learnapp.learning.models import Learner
from learnapp.sandbox import api, ratelimit
from learnapp.sandbox.models import AccessLogEntry, SandboxKey
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

DATA = "/sandbox/api/data"
ADDRESS = "198.51.100.23"


@pytest.fixture
def budget(monkeypatch, frozen_clock):
    """A small per-address budget on a counter no other test or run shares."""
    monkeypatch.setattr(ratelimit, "ANONYMOUS_LIMIT", 3)
    monkeypatch.setattr(ratelimit, "NEW_VISITOR_LIMIT", 2)
    window = int(frozen_clock.now // ratelimit.WINDOW)
    for name in ("anon", "visitor"):
        for address in (ADDRESS, "203.0.113.99"):
            cache.delete(f"sandbox:{name}:{address}:{window}")
    return frozen_clock


def test_requests_without_a_key_are_limited_per_address_with_retry_after(client, budget):
    statuses = [client.get(DATA, REMOTE_ADDR=ADDRESS).status_code for _ in range(6)]
    assert statuses == [401, 401, 401, 429, 429, 429]
    response = client.get(DATA, REMOTE_ADDR=ADDRESS)
    assert response.status_code == 429
    assert response["Retry-After"] == "60"
    assert response["RateLimit-Policy"] == '"sandbox-unauthenticated";q=3;w=60'
    body = response.json()
    assert body["error"]["code"] == "too_many_unauthenticated"
    assert "Retry-After" in body["hint"]
    # Another address has its own budget, and the window's end restores this one.
    assert client.get(DATA, REMOTE_ADDR="203.0.113.99").status_code == 401
    budget.advance(60)
    assert client.get(DATA, REMOTE_ADDR=ADDRESS).status_code == 401


def test_a_flood_without_a_key_writes_one_row_for_the_refusals(client, budget):
    for _ in range(50):
        client.get(DATA, REMOTE_ADDR=ADDRESS)
    assert AccessLogEntry.objects.count() == 3 + 1  # the budget, then one 429
    assert AccessLogEntry.objects.filter(status=429).count() == 1


def test_a_valid_key_is_not_held_back_by_the_addresss_budget(client, budget, bearer):
    for _ in range(5):
        client.get(DATA, REMOTE_ADDR=ADDRESS)
    response = client.get(DATA, REMOTE_ADDR=ADDRESS, **bearer)
    assert response.status_code == 200
    assert response["RateLimit-Policy"].startswith('"sandbox";')


def test_cookieless_playground_posts_cannot_make_a_learner_each(budget):
    form = {"method": "GET", "path": DATA, "repeat": "20", "header_name": [], "header_value": []}
    statuses = [
        Client().post("/sandbox/playground/", form, REMOTE_ADDR=ADDRESS).status_code
        for _ in range(6)
    ]
    assert statuses == [200, 200, 429, 429, 429, 429]
    assert Learner.objects.count() == 2
    refused = Client().post("/sandbox/playground/", form, REMOTE_ADDR=ADDRESS)
    assert refused["Retry-After"] == "60"
    assert "Too many new visitors from your address" in refused.content.decode()
    # The 40 requests the two allowed posts sent spent the address's budget as well.
    assert AccessLogEntry.objects.count() == 3 + 1


def test_a_visitor_with_a_session_is_not_counted_again(budget):
    browser = Client()
    form = {"method": "GET", "path": DATA, "repeat": "1"}
    for _ in range(4):
        assert browser.post("/sandbox/playground/", form, REMOTE_ADDR=ADDRESS).status_code in (
            200,
            400,
        )
    assert Learner.objects.count() == 1


def test_cookieless_key_creation_is_limited_per_address(budget):
    form = {"name": "k", "scopes": ["read"], "rate_limit_per_minute": "5", "expires_in": ""}
    statuses = [
        Client().post("/sandbox/keys/new/", form, REMOTE_ADDR=ADDRESS).status_code for _ in range(4)
    ]
    assert statuses == [302, 302, 429, 429]
    assert SandboxKey.objects.count() == 2


def test_each_learners_log_keeps_only_its_newest_rows(client, bearer, monkeypatch):
    monkeypatch.setattr(api, "KEEP_PER_LEARNER", 5)
    monkeypatch.setattr(api, "TRIM_EVERY", 1)
    for n in range(12):
        client.get(f"{DATA}?n={n}", **bearer)
    client.get(DATA)  # a row that belongs to nobody is in a log of its own
    paths = list(AccessLogEntry.objects.exclude(learner=None).values_list("path", flat=True))
    assert paths == [f"{DATA}?n={n}" for n in range(11, 6, -1)]
    assert AccessLogEntry.objects.filter(learner=None).count() == 1


def test_trimming_is_amortised_not_done_on_every_request(client, bearer, monkeypatch):
    monkeypatch.setattr(api, "KEEP_PER_LEARNER", 5)
    monkeypatch.setattr(api, "TRIM_EVERY", 10_000)
    for _ in range(8):
        client.get(DATA, **bearer)
    assert AccessLogEntry.objects.count() == 8


def _entry(learner, days_ago: float, **fields) -> AccessLogEntry:
    return AccessLogEntry.objects.create(
        learner=learner,
        created_at=timezone.now() - timedelta(days=days_ago),
        method="GET",
        path=DATA,
        status=401,
        outcome="missing_credentials",
        category="no_credentials",
        latency_ms=1.0,
        **fields,
    )


def test_prunesandboxlog_deletes_rows_older_than_the_days_given(learner, capsys):
    old, recent = _entry(learner, 40), _entry(learner, 2)
    call_command("prunesandboxlog", "--days", "30")
    assert list(AccessLogEntry.objects.all()) == [recent]
    assert "Pruned 1 access log rows older than 30 days" in capsys.readouterr().out
    assert not AccessLogEntry.objects.filter(pk=old.pk).exists()


def test_prunesandboxlog_trims_a_log_over_the_cap(learner, monkeypatch):
    monkeypatch.setattr("learnapp.sandbox.management.commands.prunesandboxlog.KEEP_PER_LEARNER", 2)
    for days in (5, 4, 3, 2, 1):
        _entry(learner, days)
    call_command("prunesandboxlog")
    assert AccessLogEntry.objects.count() == 2


def test_prunesandboxlog_refuses_zero_days():
    with pytest.raises(Exception, match="--days must be 1 or more"):
        call_command("prunesandboxlog", "--days", "0")


def _aged(learner: Learner, days: float) -> Learner:
    Learner.objects.filter(pk=learner.pk).update(created_at=timezone.now() - timedelta(days=days))
    return learner


def _session_for(learner: Learner, expired: bool = False) -> str:
    session = SessionStore()
    session[SESSION_KEY] = learner.pk
    session[SESSION_USER_KEY] = None
    session.create()
    if expired:
        Session.objects.filter(pk=session.session_key).update(
            expire_date=timezone.now() - timedelta(days=1)
        )
    return session.session_key


def test_pruneanonymous_removes_abandoned_visitors_and_expired_sessions(capsys):
    abandoned = _aged(Learner.objects.create(), 40)
    _entry(abandoned, 35)
    _session_for(abandoned, expired=True)
    with_account = _aged(Learner.objects.create(user=UserFactory()), 40)
    recent = _aged(Learner.objects.create(), 2)
    call_command("pruneanonymous", "--days", "30")
    assert set(Learner.objects.all()) == {with_account, recent}
    assert not Session.objects.exists()
    assert not AccessLogEntry.objects.exists()  # their rows went with them
    assert "Removed 1 expired sessions and 1 anonymous learners" in capsys.readouterr().out


def test_pruneanonymous_keeps_a_visitor_whose_session_still_lives():
    visitor = _aged(Learner.objects.create(), 40)
    _session_for(visitor)
    call_command("pruneanonymous", "--days", "30")
    assert Learner.objects.filter(pk=visitor.pk).exists()


def test_pruneanonymous_keeps_a_visitor_whose_key_is_still_used(make_key):
    visitor = _aged(Learner.objects.create(), 40)
    key, _ = make_key(owner=visitor)
    SandboxKey.objects.filter(pk=key.pk).update(created_at=timezone.now() - timedelta(days=40))
    _entry(visitor, 1, key=key)  # a script still calls the API with it
    call_command("pruneanonymous", "--days", "30")
    assert Learner.objects.filter(pk=visitor.pk).exists()


PROXY = "10.0.0.5"


def _no_key_from(client: Client, forwarded_for: str) -> int:
    return client.get(DATA, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded_for).status_code


def test_behind_a_trusted_proxy_each_client_has_its_own_budget(budget, settings):
    settings.TRUSTED_PROXIES = [PROXY]
    client = Client()  # built after the setting, as a server starts after its configuration
    assert [_no_key_from(client, ADDRESS) for _ in range(4)] == [401, 401, 401, 429]
    assert _no_key_from(client, "203.0.113.99") == 401  # another school, behind the same proxy


def test_without_trusted_proxies_a_forwarded_for_header_buys_no_new_budget(budget, settings):
    settings.TRUSTED_PROXIES = []
    client = Client()
    cache.delete(f"sandbox:anon:{PROXY}:{int(budget.now // ratelimit.WINDOW)}")
    statuses = [_no_key_from(client, f"203.0.113.{n}") for n in range(4)]
    assert statuses == [401, 401, 401, 429]  # all counted as the peer's, whatever they claim


def test_addresses_of_one_ipv6_64_share_one_budget(client, budget):
    # One subscriber holds a whole /64: a fresh address from it must not buy a fresh budget.
    window = int(budget.now // ratelimit.WINDOW)
    cache.delete(f"sandbox:anon:2001:db8:1:2::/64:{window}")
    statuses = [
        client.get(DATA, REMOTE_ADDR=f"2001:db8:1:2::{n:x}").status_code for n in range(1, 5)
    ]
    assert statuses == [401, 401, 401, 429]
    assert client.get(DATA, REMOTE_ADDR="2001:db8:1:3::1").status_code == 401  # another /64
