from datetime import timedelta

import pytest
from django.utils import timezone

from learnapp.learning.learners import SESSION_KEY, SESSION_USER_KEY
from learnapp.learning.models import Learner
from learnapp.sandbox import ratelimit
from learnapp.sandbox.models import create_key

from .leaks import LeakWatch, installed

LEAK_TOTALS = {"tests": 0, "keys": 0, "responses": 0, "records": 0, "stored": 0}


@pytest.fixture(scope="session")
def _leak_hooks():
    with installed():
        yield


@pytest.fixture(autouse=True)
def no_raw_key_leaks(_leak_hooks):
    """Every sandbox test doubles as a leak check: it fails if a raw key it minted shows up in
    a log record, the database, the cache, a session, or any response but the creating one."""
    with LeakWatch() as watch:
        yield watch
    LEAK_TOTALS["tests"] += 1
    LEAK_TOTALS["keys"] += len(watch.raw_keys)
    LEAK_TOTALS["responses"] += len(watch.responses)
    LEAK_TOTALS["records"] += len(watch.records)
    LEAK_TOTALS["stored"] += len(watch.stored)
    problems = watch.problems()
    if problems:
        pytest.fail("A raw sandbox key leaked:\n" + "\n".join(problems), pytrace=False)


def pytest_terminal_summary(terminalreporter):
    if LEAK_TOTALS["tests"]:
        terminalreporter.write_line(
            "sandbox key-leak check: {keys} keys minted in {tests} tests; none found in "
            "{responses} responses (but the one page that shows each new key), {records} log records or {stored} "
            "SQL statements, cache writes and sessions".format(**LEAK_TOTALS)
        )


@pytest.fixture(autouse=True)
def roomy_address_budgets(monkeypatch):
    """Every test client shares 127.0.0.1, and the cache outlives a test (Redis even outlives
    the run): without this, one test's requests would spend the next one's budget. The tests
    of these budgets set their own limits and addresses."""
    monkeypatch.setattr(ratelimit, "ANONYMOUS_LIMIT", 1_000_000, raising=False)
    monkeypatch.setattr(ratelimit, "NEW_VISITOR_LIMIT", 1_000_000, raising=False)


@pytest.fixture
def learner(db):
    return Learner.objects.create()


@pytest.fixture
def make_key(learner):
    """make_key(**options) -> (key, raw): a key of `learner`, read and write unless told."""

    def make(owner=None, **options):
        options.setdefault("name", "Test key")
        options.setdefault("scopes", ["read", "write"])
        return create_key(owner or learner, **options)

    return make


@pytest.fixture
def key_and_raw(make_key):
    return make_key()


@pytest.fixture
def bearer(key_and_raw):
    return {"HTTP_AUTHORIZATION": "Bearer " + key_and_raw[1]}


@pytest.fixture
def learner_session(client, learner):
    """The test client acting as `learner`, an anonymous visitor with a session."""
    session = client.session
    session[SESSION_KEY] = learner.pk
    session[SESSION_USER_KEY] = None
    session.save()
    return client


@pytest.fixture
def frozen_clock(monkeypatch):
    """Rate-limit windows on a clock the test moves: at the start of a window by default."""

    class Clock:
        now = 1_000_020.0 * ratelimit.WINDOW  # a window boundary

        def advance(self, seconds: float) -> None:
            self.now += seconds

    clock = Clock()
    monkeypatch.setattr(ratelimit, "clock", lambda: clock.now)
    return clock


def ago(**delta) -> timezone.datetime:
    return timezone.now() - timedelta(**delta)
