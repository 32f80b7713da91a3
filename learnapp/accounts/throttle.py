"""Log-in throttling against password guessing.

Failed log-ins are counted in the default cache, which every app server shares in production
(Redis), per username and per client address. Each counter lives for a window that starts at the
first failure, so after USERNAME_LIMIT failures for one username, or IP_LIMIT from one address,
further attempts are refused until that window closes.

An attempt is counted *before* its password is checked, and a success hands its count back.
Counting only after a failure would let a burst of simultaneous guesses all pass the check
before any of them was counted; with the count first, the atomic cache.incr() is the gate and at
most USERNAME_LIMIT guesses at one account get through however many arrive at once. So a
counter holds the failures in its window plus the attempts still in flight.
"""

import contextlib
import hashlib
import ipaddress
import math
import time
import unicodedata

from django.core.cache import cache
from django.http import HttpRequest

WINDOW_SECONDS = 15 * 60
USERNAME_LIMIT = 5
IP_LIMIT = 20

_PREFIX = "accounts:login-failures"


def client_ip(request: HttpRequest) -> str:
    # The socket's peer. Behind a reverse proxy that does not rewrite REMOTE_ADDR this is the
    # proxy's address, and every visitor would share one IP counter.
    return request.META.get("REMOTE_ADDR", "")


def start_attempt(username: str, ip: str) -> int:
    """Count a log-in attempt; return 0 if its password may be checked, else seconds to wait."""
    ip_key, username_key = _ip_key(ip), _username_key(username)
    if _count(ip_key) > IP_LIMIT:
        _uncount(ip_key)
        return _seconds_left(ip_key)
    if _count(username_key) > USERNAME_LIMIT:
        # A refused attempt checked nothing, so it costs the address nothing either.
        _uncount(username_key)
        _uncount(ip_key)
        return _seconds_left(username_key)
    return 0


def attempt_succeeded(username: str, ip: str) -> None:
    """Forget the username's failures, and hand this attempt back to the address.

    The address keeps its earlier failures: one account of the guesser's own must not reset the
    counter that limits guessing at everyone else's.
    """
    username_key = _username_key(username)
    cache.delete_many([username_key, _until_key(username_key)])
    _uncount(_ip_key(ip))


def _username_key(username: str) -> str:
    # Normalized as AuthenticationForm normalizes it, then case-folded so that "Ada" and "ada"
    # share a counter. Hashed because the name is arbitrary POST data and cache keys are not.
    name = unicodedata.normalize("NFKC", username.strip()).casefold()
    return f"{_PREFIX}:username:{hashlib.sha256(name.encode()).hexdigest()}"


def _ip_key(ip: str) -> str:
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return f"{_PREFIX}:ip:{ip or 'unknown'}"
    if address.version == 6:
        # One IPv6 subscriber usually holds a whole /64; per address would be no limit at all.
        return f"{_PREFIX}:ip:{ipaddress.ip_network(f'{address}/64', strict=False)}"
    return f"{_PREFIX}:ip:{address}"


def _until_key(key: str) -> str:
    return f"{key}:until"


def _count(key: str) -> int:
    cache.add(key, 0, WINDOW_SECONDS)  # starts a window unless one is running
    try:
        count = cache.incr(key)
    except ValueError:  # the window closed between add() and incr()
        return _count(key)
    if count <= 1:
        # Nothing earlier in the window is left to honour, so the window starts here. This also
        # mends a counter that Redis re-created without an expiry because the key lapsed between
        # the EXISTS and the INCR that Django's incr() sends.
        cache.touch(key, WINDOW_SECONDS)
        cache.set(_until_key(key), time.time() + WINDOW_SECONDS, WINDOW_SECONDS)
    return count


def _uncount(key: str) -> None:
    # ValueError: the window closed meanwhile, so nothing is left to hand back.
    with contextlib.suppress(ValueError):
        cache.decr(key)


def _seconds_left(key: str) -> int:
    until = cache.get(_until_key(key))
    if until is None:  # evicted from the cache: assume the whole window
        return WINDOW_SECONDS
    return max(1, math.ceil(until - time.time()))
