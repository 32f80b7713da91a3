"""What must hold when two (or N) app servers share one PostgreSQL and one Redis.

Each check talks to the servers over HTTP, as browsers and API clients would, alternating
between servers, and reads the outcome from the database with the ORM of the calling process
(which must be configured for the servers' database). A check returns a one-line summary, or
raises `CheckFailed` saying what a user would have seen go wrong.

Used by tests/scale/test_two_servers.py and by the bench/scale/two_servers script.
"""

import itertools
import re
import secrets
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import requests

from .servers import FORWARDED, AppServer, Browser

PASSWORD = "two-servers-check-2026"
LIMIT = 10  # the limited key's requests a minute
LIMITED_REQUESTS = 30
LOG_REQUESTS = 200


class CheckFailed(AssertionError):
    pass


def expect(condition: bool, message: str) -> None:
    if not condition:
        raise CheckFailed(message)


@dataclass
class World:
    """The accounts and keys the checks use, made by `make_world`."""

    pattern_slug: str
    learner: str  # usernames; every password is PASSWORD
    guessed: str
    limited_key: str  # a raw key limited to LIMIT requests a minute
    log_keys: list[str] = field(default_factory=list)  # raw keys, each with room to spare
    log_key_ids: list[str] = field(default_factory=list)


def _password_hash() -> str:
    # scrypt is in Django's default PASSWORD_HASHERS (what the servers use) and checks a
    # password in a few milliseconds; the servers re-hash it with their first choice on the
    # first successful log-in, as they would any older hash.
    from django.contrib.auth.hashers import ScryptPasswordHasher

    hasher = ScryptPasswordHasher()
    return hasher.encode(PASSWORD, hasher.salt())


def make_world(pattern_slug: str) -> World:
    """Two accounts and a few sandbox keys, committed, for a pattern that has a test."""
    from django.contrib.auth import get_user_model

    from learnapp.learning.models import Learner
    from learnapp.sandbox.models import create_key

    tag = secrets.token_hex(3)
    User = get_user_model()
    users = [
        User.objects.create(username=f"{name}-{tag}", password=_password_hash())
        for name in ("learner", "guessed")
    ]
    owner = Learner.objects.create(user=users[0])
    _, limited = create_key(owner, name="limited", scopes=["read"], rate_limit_per_minute=LIMIT)
    world = World(pattern_slug, users[0].username, users[1].username, limited)
    for n in range(4):
        key, raw = create_key(
            Learner.objects.create(), name=f"log {n}", scopes=["read"], rate_limit_per_minute=1000
        )
        world.log_keys.append(raw)
        world.log_key_ids.append(key.key_id)
    return world


def _api(server: AppServer, raw_key: str) -> int:
    response = requests.get(
        server.url + "/sandbox/api/models",
        headers={**FORWARDED, "Authorization": f"Bearer {raw_key}"},
        timeout=30,
    )
    return response.status_code


def _wait_for_room_in_the_window(needed: float = 8) -> None:
    # The limit counts in fixed 60-second windows (learnapp.sandbox.ratelimit): requests that
    # straddle a window's end would rightly get a second quota.
    left = 60 - time.time() % 60
    if left < needed:
        time.sleep(left + 0.2)


def rate_limit_is_shared(servers: list[AppServer], world: World) -> str:
    _wait_for_room_in_the_window()
    targets = list(itertools.islice(itertools.cycle(servers), LIMITED_REQUESTS))
    with ThreadPoolExecutor(max_workers=6) as pool:
        statuses = list(pool.map(lambda s: _api(s, world.limited_key), targets))
    ok = statuses.count(200)
    per_server = {s.name: 0 for s in servers}
    for server, status in zip(targets, statuses, strict=True):
        per_server[server.name] += status == 200
    expect(
        ok == LIMIT and statuses.count(429) == LIMITED_REQUESTS - LIMIT,
        f"a key limited to {LIMIT} a minute got {ok} successes from {LIMITED_REQUESTS} requests "
        f"spread over {len(servers)} servers ({per_server}; statuses {statuses})",
    )
    return (
        f"a key limited to {LIMIT}/min got exactly {ok} of {LIMITED_REQUESTS} concurrent "
        f"requests across {len(servers)} servers ({per_server}), the rest 429"
    )


def login_throttle_is_shared(servers: list[AppServer], world: World) -> str:
    from learnapp.accounts.throttle import PAIR_LIMIT

    guesser = Browser()
    seen = []
    for server in itertools.islice(itertools.cycle(servers), PAIR_LIMIT):
        response = guesser.log_in(server, world.guessed, "not-the-password")
        seen.append(response.status_code)
    expect(seen == [200] * PAIR_LIMIT, f"the wrong passwords were answered {seen}, not 200s")
    # No server has seen PAIR_LIMIT failures on its own; together they have.
    for server in servers:
        response = guesser.log_in(server, world.guessed, PASSWORD)
        expect(
            response.status_code == 429,
            f"after {PAIR_LIMIT} failures spread over the servers, the right password on "
            f"{server.name} was answered {response.status_code}, not 429",
        )
    expect("sessionid" not in guesser.cookies, "a refused log-in still got a session")
    return (
        f"{PAIR_LIMIT} failed log-ins alternated over {len(servers)} servers stop the next on "
        "every server (429)"
    )


def _account_page(browser: Browser, server: AppServer, username: str) -> bool:
    response = browser.get(server, "/accounts/")
    if response.status_code == 302:
        return False
    expect(
        response.status_code == 200 and username in response.text,
        f"{server.name} answered the account page with {response.status_code}",
    )
    return True


def session_is_shared(servers: list[AppServer], world: World) -> str:
    first, *others = servers
    browser = Browser()
    response = browser.log_in(first, world.learner, PASSWORD)
    expect(
        response.status_code == 302 and "sessionid" in browser.cookies,
        f"logging in on {first.name} answered {response.status_code}",
    )
    for server in others:
        expect(
            _account_page(browser, server, world.learner),
            f"the session made on {first.name} is not logged in on {server.name}",
        )
    # Logging out on another server ends the session everywhere.
    browser.post(others[0], "/accounts/logout/")
    expect(
        not _account_page(browser, first, world.learner),
        f"logged out on {others[0].name}, the session still works on {first.name}",
    )
    return (
        f"a session made on {first.name} works on {', '.join(s.name for s in others)}; "
        f"logging out on {others[0].name} ends it on {first.name}"
    )


def attempt_moves_between_servers(servers: list[AppServer], world: World) -> str:
    from learnapp.learning.models import Attempt

    first, second = servers[0], servers[1 % len(servers)]
    browser = Browser()
    expect(browser.log_in(first, world.learner, PASSWORD).status_code == 302, "log-in failed")
    start = browser.post(
        first,
        f"/patterns/{world.pattern_slug}/test/",
        {"csrfmiddlewaretoken": browser.cookies["csrftoken"]},
    )
    match = re.fullmatch(r"/tests/(\d+)/q/1/", start.headers.get("Location", ""))
    expect(
        start.status_code == 302 and match is not None,
        f"starting the test on {first.name} answered {start.status_code} "
        f"({start.headers.get('Location')})",
    )
    attempt_id = int(match.group(1))
    page = browser.get(second, f"/tests/{attempt_id}/q/1/")
    expect(
        page.status_code == 200,
        f"question 1 of the attempt started on {first.name} answered {page.status_code} "
        f"on {second.name}",
    )
    # Autosave, as static/js/test-mode.js sends it, alternating servers question by question.
    for number, server in zip(range(1, 11), itertools.cycle([second, first]), strict=False):
        saved = browser.post(
            server,
            f"/tests/{attempt_id}/answer/",
            {"number": number, "choice": "ABCD"[number % 4]},
            Accept="application/json",
        )
        expect(
            saved.status_code == 200 and saved.json().get("saved") is True,
            f"autosaving question {number} on {server.name} answered {saved.status_code}: "
            f"{saved.text[:200]}",
        )
    again = browser.get(first, f"/tests/{attempt_id}/q/2/")
    expect(
        'value="C" checked' in again.text,
        f"the answer to question 2 saved on {second.name} is not shown on {first.name}",
    )
    submitted = browser.post(
        second,
        f"/tests/{attempt_id}/submit/",
        {"csrfmiddlewaretoken": browser.cookies["csrftoken"]},
    )
    expect(
        submitted.status_code == 302
        and submitted.headers.get("Location") == f"/tests/{attempt_id}/result/",
        f"submitting on {second.name} answered {submitted.status_code}",
    )
    result = browser.get(first, f"/tests/{attempt_id}/result/")
    expect(result.status_code == 200, f"the result on {first.name} answered {result.status_code}")
    attempt = Attempt.objects.get(pk=attempt_id)
    answers = attempt.answers.count()
    expect(
        attempt.submitted_at is not None and answers == 10 and attempt.score is not None,
        f"the attempt has {answers} answers, submitted at {attempt.submitted_at}",
    )
    return (
        f"a test started on {first.name}, autosaved on both (10 answers) and submitted on "
        f"{second.name} scored {attempt.score}/{attempt.total}"
    )


def send_logged_requests(servers: list[AppServer], world: World) -> int:
    """LOG_REQUESTS valid-key requests spread over the servers and keys; all must answer 200."""
    targets = list(
        itertools.islice(
            zip(itertools.cycle(servers), itertools.cycle(world.log_keys)), LOG_REQUESTS
        )
    )
    with ThreadPoolExecutor(max_workers=4) as pool:
        statuses = list(pool.map(lambda t: _api(*t), targets))
    expect(
        statuses.count(200) == LOG_REQUESTS,
        f"{statuses.count(200)} of {LOG_REQUESTS} valid-key requests answered 200",
    )
    return LOG_REQUESTS


def access_log_is_complete(world: World, sent: int) -> str:
    """After the servers have stopped: every request sent has exactly one row."""
    from learnapp.sandbox.models import AccessLogEntry, Category

    rows = AccessLogEntry.objects.filter(key__key_id__in=world.log_key_ids)
    valid = rows.filter(category=Category.VALID).count()
    expect(
        valid == sent and rows.count() == sent,
        f"{sent} requests, {valid} valid rows and {rows.count()} rows in all after a graceful stop",
    )
    return f"{sent} requests over both servers, {valid} access log rows after a graceful stop"
