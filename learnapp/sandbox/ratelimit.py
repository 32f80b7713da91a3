"""Rate limits: a fixed 60-second window counted in the configured cache, per key, and per
client address for requests without a valid key.

With Redis as CACHE_URL, a request is counted in one round trip: a small Lua script adds one to
the window's counter and, for the window's first request, sets its expiry, atomically. Every app
server counts into the same counter, so a key's limit holds however many servers answer it. In
local memory (one process, development and tests) `cache.incr` and `cache.add` do the same.
"""

import math
import time
from dataclasses import dataclass

from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache

from learnapp.clientaddr import budget_key

WINDOW = 60  # seconds
POLICY = "sandbox"


def clock() -> float:
    """The time the windows are counted in; tests replace it to step across a window."""
    return time.time()


@dataclass(frozen=True)
class Usage:
    limit: int
    count: int
    reset: int  # seconds until the window ends and the quota is full again
    policy: str = POLICY
    window: int = WINDOW

    @property
    def allowed(self) -> bool:
        return self.count <= self.limit

    @property
    def remaining(self) -> int:
        return max(0, self.limit - self.count)

    @property
    def first_refusal(self) -> bool:
        """The first request over the limit in this window: the one refusal worth logging."""
        return self.count == self.limit + 1

    def headers(self) -> dict[str, str]:
        """The IETF RateLimit header fields (draft-ietf-httpapi-ratelimit-headers)."""
        fields = {
            "RateLimit-Policy": f'"{self.policy}";q={self.limit};w={self.window}',
            "RateLimit": f'"{self.policy}";r={self.remaining};t={self.reset}',
        }
        if not self.allowed:
            fields["Retry-After"] = str(self.reset)
        return fields


def cache_key(key_id: str, window: int) -> str:
    return f"sandbox:rl:{key_id}:{window}"


# KEYS[1]: the counter; ARGV[1]: its lifetime in seconds, set when the window's first request
# creates it. The value is a plain integer, as Django's Redis cache stores integers.
_COUNT_SCRIPT = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return count
"""


def _redis_script(backend: RedisCache):
    # Django's Redis cache builds a new client object for each call; the counter keeps one
    # client (over the backend's own connection pool) and its registered script instead.
    # Django keeps one backend per thread, so each thread has its own.
    script = getattr(backend, "_sandbox_count_script", None)
    if script is None:
        client = backend._cache.get_client(write=True)
        script = client.register_script(_COUNT_SCRIPT)
        backend._sandbox_count_script = script
    return script


def _count(name: str, timeout: int) -> int:
    backend = caches["default"]
    if isinstance(backend, RedisCache):
        return int(
            _redis_script(backend)(keys=[backend.make_and_validate_key(name)], args=[timeout])
        )
    # Usually one atomic operation: the counter of a window in use already exists. Only the
    # first request of a window creates it (add is atomic too, so two first requests agree).
    try:
        return cache.incr(name)
    except ValueError:
        cache.add(name, 0, timeout=timeout)
    try:
        return cache.incr(name)
    except ValueError:
        # Evicted between add and incr (a full cache): start the count again.
        cache.set(name, 1, timeout=timeout)
        return 1


def _hit(counter: str, limit: int, window: int, policy: str) -> Usage:
    now = clock()
    number = int(now // window)
    # The counter outlives its window a little, so a late increment still finds it.
    count = _count(f"{counter}:{number}", window + 5)
    reset = max(1, math.ceil((number + 1) * window - now))
    return Usage(limit=limit, count=count, reset=reset, policy=policy, window=window)


def hit(key_id: str, limit: int) -> Usage:
    """Count one request for the key in the current window."""
    return _hit(f"sandbox:rl:{key_id}", limit, WINDOW, POLICY)


# Requests that no valid key vouches for (missing, wrong or refused keys, unknown paths) are
# counted per client address instead, so that nobody can fill the access log or the database
# without a key. A class behind one school address shares this budget, so it is generous; a
# learner's own key has its own limit and never touches it.
ANONYMOUS_POLICY = "sandbox-unauthenticated"
ANONYMOUS_LIMIT = 120  # per WINDOW and client address

# Visitors without a session who create a sandbox learner (a key or a playground request):
# a client that drops its cookies would otherwise make a new learner with every request.
NEW_VISITOR_LIMIT = 10  # per WINDOW and client address


def client_address(request) -> str:
    """REMOTE_ADDR, which learnapp.clientaddr sets to the client behind a trusted proxy, as the
    client it stands for (one counter per IPv4 address or IPv6 /64), a safe cache key."""
    return budget_key(request.META.get("REMOTE_ADDR", ""))


def hit_anonymous(address: str) -> Usage:
    return _hit(f"sandbox:anon:{address}", ANONYMOUS_LIMIT, WINDOW, ANONYMOUS_POLICY)


def hit_new_visitor(address: str) -> Usage:
    return _hit(f"sandbox:visitor:{address}", NEW_VISITOR_LIMIT, WINDOW, "sandbox-new-visitors")
