"""Per-key rate limits: a fixed 60-second window counted in the configured cache.

`cache.add` creates the window's counter only if it is missing and `cache.incr` adds one
atomically, in Redis as in local memory. With Redis as CACHE_URL, every app server counts into
the same counter, so a key's limit holds however many servers answer it.
"""

import math
import time
from dataclasses import dataclass

from django.core.cache import cache

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

    @property
    def allowed(self) -> bool:
        return self.count <= self.limit

    @property
    def remaining(self) -> int:
        return max(0, self.limit - self.count)

    def headers(self) -> dict[str, str]:
        """The IETF RateLimit header fields (draft-ietf-httpapi-ratelimit-headers)."""
        fields = {
            "RateLimit-Policy": f'"{POLICY}";q={self.limit};w={WINDOW}',
            "RateLimit": f'"{POLICY}";r={self.remaining};t={self.reset}',
        }
        if not self.allowed:
            fields["Retry-After"] = str(self.reset)
        return fields


def cache_key(key_id: str, window: int) -> str:
    return f"sandbox:rl:{key_id}:{window}"


def hit(key_id: str, limit: int) -> Usage:
    """Count one request for the key in the current window."""
    now = clock()
    window = int(now // WINDOW)
    name = cache_key(key_id, window)
    # The counter outlives its window a little, so a late increment still finds it.
    cache.add(name, 0, timeout=WINDOW + 5)
    try:
        count = cache.incr(name)
    except ValueError:
        # Evicted between add and incr (a full cache): start the count again.
        cache.add(name, 0, timeout=WINDOW + 5)
        count = cache.incr(name)
    reset = max(1, math.ceil((window + 1) * WINDOW - now))
    return Usage(limit=limit, count=count, reset=reset)
