"""Log-in throttling that stops password guessing without handing strangers a lock-out.

Three budgets, counted in the default cache (Redis in production, shared by every app server):

- Per address and username (PAIR_LIMIT failures in PAIR_WINDOW): one address guessing at one
  account is stopped for the rest of the window. Nobody at another address is affected.
- Per address (ADDRESS_LIMIT failures in ADDRESS_WINDOW): one address guessing across many
  accounts is stopped. The budget is large because a whole school can share one address.
- Per username, a slowdown rather than a lock: after USERNAME_FREE failures from anywhere, each
  further attempt from a device the account has not logged in on must wait for the one before
  it, BACKOFF_BASE seconds at first, doubling up to BACKOFF_MAX. Guessing spread over many
  addresses is slowed to a crawl, and a stranger can at worst make the real user wait minutes,
  never a fixed quarter of an hour.

A browser that has logged in to an account gets a signed device cookie for it (OWASP's "device
cookies"). Attempts at that account from that browser skip the address budgets and the
slowdown and have a PAIR_LIMIT budget of their own, so a stranger's failures, even from the
same school address, cannot keep the account's owner out of a browser they have used before.

An attempt is counted *before* its password is checked, and a success hands its count back.
Counting only after a failure would let a burst of simultaneous guesses all pass the check
before any of them was counted; with the count first, the atomic cache.incr() is the gate and at
most PAIR_LIMIT guesses from one address at one account get through however many arrive at
once. So a counter holds the failures in its window plus the attempts still in flight. The
slowdown's turn is taken with cache.add(), which only one of simultaneous attempts wins.
"""

import contextlib
import hashlib
import math
import secrets
import time
import unicodedata
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse

from learnapp.clientaddr import budget_key

PAIR_LIMIT = 5
PAIR_WINDOW = 15 * 60
ADDRESS_LIMIT = 100
ADDRESS_WINDOW = 15 * 60
USERNAME_FREE = 5
USERNAME_WINDOW = 60 * 60
BACKOFF_BASE = 5
BACKOFF_MAX = 5 * 60

DEVICE_COOKIE = "learnapp_device"
DEVICE_COOKIE_AGE = 90 * 24 * 60 * 60
_DEVICE_SALT = "learnapp.accounts.throttle.device"

_PREFIX = "accounts:login-failures"


# Why an attempt was refused, in the words the log-in page shows; {wait} is filled in.
_REASONS = {
    "address": (
        f"Too many failed log-ins have come from your network in the last {ADDRESS_WINDOW // 60} "
        "minutes, so log-ins from it are paused to stop password guessing. Please wait {wait} "
        "and try again."
    ),
    "pair": (
        f"Too many failed log-ins to this account from here in the last {PAIR_WINDOW // 60} "
        "minutes. Please wait {wait} and try again, or reset your password."
    ),
    "username": (
        "This account has had many failed log-ins recently, so tries from a browser it has not "
        "logged in on are slowed down. Please wait {wait} and try again, or reset your password."
    ),
}


@dataclass(frozen=True)
class Refusal:
    reason: str  # a key of _REASONS
    wait: int  # seconds, for Retry-After

    @property
    def message(self) -> str:
        return _REASONS[self.reason].format(wait=in_words(self.wait))


def client_ip(request: HttpRequest) -> str:
    # learnapp.clientaddr has already put the client's address here when the app sits behind a
    # trusted proxy; otherwise it is the socket's peer, which is then the client.
    return request.META.get("REMOTE_ADDR", "")


def start_attempt(username: str, ip: str, device: str | None = None) -> Refusal | None:
    """Count a log-in attempt; None if its password may be checked, else why and how long to wait.

    `device` is the id from a device cookie already checked to belong to this username.
    """
    name = _username_digest(username)
    if device:
        device_key = f"{_PREFIX}:device:{device}:{name}"
        if _count(device_key, PAIR_WINDOW) > PAIR_LIMIT:
            _uncount(device_key)
            return Refusal("pair", _seconds_left(device_key, PAIR_WINDOW))
        return None

    address_key, pair_key = _address_key(ip), f"{_address_key(ip)}:{name}"
    if _count(address_key, ADDRESS_WINDOW) > ADDRESS_LIMIT:
        _uncount(address_key)
        return Refusal("address", _seconds_left(address_key, ADDRESS_WINDOW))
    if _count(pair_key, PAIR_WINDOW) > PAIR_LIMIT:
        # A refused attempt checked nothing, so it costs the address nothing either.
        _uncount(pair_key)
        _uncount(address_key)
        return Refusal("pair", _seconds_left(pair_key, PAIR_WINDOW))
    username_key = f"{_PREFIX}:username:{name}"
    failures = _count(username_key, USERNAME_WINDOW)
    if failures > USERNAME_FREE:
        delay = slowdown(failures)
        turn_key = f"{username_key}:turn"
        # Only one attempt wins the add(); it holds the turn for `delay` seconds.
        if not cache.add(turn_key, time.time() + delay, delay):
            _uncount(username_key)
            _uncount(pair_key)
            _uncount(address_key)
            until = cache.get(turn_key)
            wait = 1 if until is None else max(1, math.ceil(until - time.time()))
            return Refusal("username", wait)
    return None


def slowdown(failures: int) -> int:
    """Seconds the attempt that makes `failures` holds the account's turn (past the free ones)."""
    return min(BACKOFF_BASE * 2 ** max(0, failures - USERNAME_FREE - 1), BACKOFF_MAX)


def attempt_succeeded(username: str, ip: str, device: str | None = None) -> None:
    """Forget the account's failures, and hand this one attempt back to the address.

    The address keeps its earlier failures: one account of the guesser's own must not reset the
    counter that limits guessing at everyone else's.
    """
    name = _username_digest(username)
    if device:
        cache.delete(f"{_PREFIX}:device:{device}:{name}")
        return
    address_key = _address_key(ip)
    username_key = f"{_PREFIX}:username:{name}"
    cache.delete_many([f"{address_key}:{name}", username_key, f"{username_key}:turn"])
    _uncount(address_key)


def trusted_device(request: HttpRequest, username: str) -> str | None:
    """The id of this browser's device cookie if it was issued for `username`, else None."""
    value = request.COOKIES.get(DEVICE_COOKIE)
    if not value:
        return None
    try:
        name, device = signing.loads(value, salt=_DEVICE_SALT, max_age=DEVICE_COOKIE_AGE)
    except (signing.BadSignature, TypeError, ValueError):
        return None
    return device if name == _username_digest(username) else None


def remember_device(response: HttpResponse, username: str) -> None:
    value = signing.dumps([_username_digest(username), secrets.token_hex(16)], salt=_DEVICE_SALT)
    response.set_cookie(
        DEVICE_COOKIE,
        value,
        max_age=DEVICE_COOKIE_AGE,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


def in_words(seconds: int) -> str:
    if seconds < 60:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes = math.ceil(seconds / 60)
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


def _username_digest(username: str) -> str:
    # Normalized as AuthenticationForm normalizes it, then case-folded so that "Ada" and "ada"
    # share a counter. Hashed because the name is arbitrary POST data and cache keys are not.
    name = unicodedata.normalize("NFKC", username.strip()).casefold()
    return hashlib.sha256(name.encode()).hexdigest()


def _address_key(ip: str) -> str:
    return f"{_PREFIX}:ip:{budget_key(ip)}"


def _until_key(key: str) -> str:
    return f"{key}:until"


def _count(key: str, window: int) -> int:
    cache.add(key, 0, window)  # starts a window unless one is running
    try:
        count = cache.incr(key)
    except ValueError:  # the window closed between add() and incr()
        return _count(key, window)
    if count <= 1:
        # Nothing earlier in the window is left to honour, so the window starts here. This also
        # mends a counter that Redis re-created without an expiry because the key lapsed between
        # the EXISTS and the INCR that Django's incr() sends.
        cache.touch(key, window)
        cache.set(_until_key(key), time.time() + window, window)
    return count


def _uncount(key: str) -> None:
    # ValueError: the window closed meanwhile, so nothing is left to hand back.
    with contextlib.suppress(ValueError):
        cache.decr(key)


def _seconds_left(key: str, window: int) -> int:
    until = cache.get(_until_key(key))
    if until is None:  # evicted from the cache: assume the whole window
        return window
    return max(1, math.ceil(until - time.time()))
