"""Goal tasks checked from the learner's own access log.

A completed challenge is stored once (ChallengeCompletion) and stays completed. The set of
completed challenges is also kept in the cache for a minute, so the progress page can show it
without a query.
"""

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.core.cache import cache
from django.utils import timezone

from learnapp.learning.models import Learner

from . import accesslog
from .models import AccessLogEntry, Category, ChallengeCompletion, SandboxKey
from .outcomes import LESSON_SECTIONS

MAX_ENTRIES = 5000  # the most recent requests a check reads
CACHE_SECONDS = 60
CLOCK_SLACK = timedelta(seconds=1)


@dataclass(frozen=True)
class Entry:
    created_at: datetime
    status: int
    outcome: str
    key_id: int | None
    retry_after: int | None
    category: str = ""
    ttft_ms: float | None = None
    cost_usd: Decimal | None = None
    rate_limit: int | None = None  # the key's requests per minute, for utilisation

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


@dataclass(frozen=True)
class Rotation:
    old_id: int
    new_id: int
    started_at: datetime
    ended_at: datetime


@dataclass(frozen=True)
class Challenge:
    slug: str
    title: str
    goal: str
    how: str
    lesson: str
    check: Callable[[list[Entry], list[Rotation]], bool]

    @property
    def lesson_link(self) -> dict:
        url, title = LESSON_SECTIONS[self.lesson]
        return {"url": url, "title": title}


def _got_200(entries: list[Entry], rotations: list[Rotation]) -> bool:
    return any(e.ok and e.key_id for e in entries)


def _missing_then_fixed(entries: list[Entry], rotations: list[Rotation]) -> bool:
    seen_missing = False
    for e in entries:
        if e.outcome == "missing_credentials":
            seen_missing = True
        elif seen_missing and e.ok:
            return True
    return False


def _key_in_url(entries: list[Entry], rotations: list[Rotation]) -> bool:
    return any(e.outcome in {"key_in_url", "key_in_header_and_url"} for e in entries)


def _retried_after(entries: list[Entry], rotations: list[Rotation], status: int = 429) -> bool:
    """A success that waited at least Retry-After after the key's latest `status` answer."""
    last_429: dict[int, Entry] = {}
    for e in entries:
        if e.key_id is None:
            continue
        if e.status == status and e.retry_after:
            last_429[e.key_id] = e
        elif e.ok and e.key_id in last_429:
            refused = last_429[e.key_id]
            if e.created_at + CLOCK_SLACK >= refused.created_at + timedelta(
                seconds=refused.retry_after
            ):
                return True
    return False


def _clean_rotation(entries: list[Entry], rotations: list[Rotation]) -> bool:
    """A finished rotation: the new key served during the overlap, and nothing failed then."""
    for rotation in rotations:
        during = [
            e
            for e in entries
            if e.key_id in {rotation.old_id, rotation.new_id}
            and rotation.started_at <= e.created_at < rotation.ended_at
        ]
        new_served = any(e.ok and e.key_id == rotation.new_id for e in during)
        if new_served and not any(e.status >= 400 for e in during):
            return True
    return False


QUIET_BEFORE_REVOKING = timedelta(minutes=1)  # the key hygiene lesson's quiet period, shortened


def _quiet_old_key(entries: list[Entry], rotations: list[Rotation]) -> bool:
    """A rotation whose old key carried traffic, then none for a minute before it was revoked,
    while the new key served: the old key's share reached 0 before revocation."""
    for rotation in rotations:
        old = [e for e in entries if e.key_id == rotation.old_id]
        before_revoking = [e for e in old if e.created_at < rotation.ended_at]
        quiet_since = rotation.ended_at - QUIET_BEFORE_REVOKING
        new_served = any(
            e.ok and e.key_id == rotation.new_id and e.created_at < rotation.ended_at
            for e in entries
        )
        if (
            new_served
            and any(e.ok for e in before_revoking)
            and not any(e.created_at >= quiet_since for e in before_revoking)
        ):
            return True
    return False


def _read_only_403(entries: list[Entry], rotations: list[Rotation]) -> bool:
    return any(e.outcome == "insufficient_scope" for e in entries)


def _expired(entries: list[Entry], rotations: list[Rotation]) -> bool:
    return any(e.outcome == "expired_key" for e in entries)


FAST_FIRST_TOKEN_MS = 500
SLOW_FIRST_TOKEN_MS = 1000  # the latency lesson's "good" TTFT p95 is below 1 s
PACED_SHARE = 0.8  # the utilisation lesson's "good" peak is below 80 %
PACED_MIN_REQUESTS = 4
CHEAPER = 10  # one completion at most a tenth of the cost of an earlier one


def _fast_first_token(entries: list[Entry], rotations: list[Rotation]) -> bool:
    return any(e.ok and e.ttft_ms is not None and e.ttft_ms < FAST_FIRST_TOKEN_MS for e in entries)


def _slow_first_token(entries: list[Entry], rotations: list[Rotation]) -> bool:
    return any(e.ok and e.ttft_ms is not None and e.ttft_ms >= SLOW_FIRST_TOKEN_MS for e in entries)


def _retried_503(entries: list[Entry], rotations: list[Rotation]) -> bool:
    return _retried_after(entries, rotations, status=503)


def _paced_window(entries: list[Entry], rotations: list[Rotation]) -> bool:
    """A key used for at least 80 % of its limit in one 60-second window, with no 429 there."""
    used: Counter = Counter()
    refused = set()
    limits = {}
    for e in entries:
        if e.key_id is None or not e.rate_limit:
            continue
        window = (e.key_id, int(e.created_at.timestamp()) // 60)
        limits[e.key_id] = e.rate_limit
        if e.status == 429:
            refused.add(window)
        elif e.category in {Category.VALID, Category.BAD_REQUEST, Category.SERVER_ERROR}:
            used[window] += 1
    return any(
        count >= PACED_MIN_REQUESTS
        and count >= PACED_SHARE * limits[window[0]]
        and window not in refused
        for window, count in used.items()
    )


def _cheaper_completion(entries: list[Entry], rotations: list[Rotation]) -> bool:
    dearest = None
    for e in entries:
        if not e.ok or not e.cost_usd:
            continue
        if dearest is not None and e.cost_usd * CHEAPER <= dearest:
            return True
        dearest = max(dearest or e.cost_usd, e.cost_usd)
    return False


# The model-quality lessons: evaluate.py marks a scored submission that reached the lesson's
# "good" line in its log row's outcome.
def _extraction_f1_good(entries: list[Entry], rotations: list[Rotation]) -> bool:
    return any(e.outcome == "extraction_f1_good" for e in entries)


def _judge_kappa_good(entries: list[Entry], rotations: list[Rotation]) -> bool:
    return any(e.outcome == "judge_kappa_good" for e in entries)


CHALLENGES = [
    Challenge(
        "first-200",
        "Get a 200",
        "Send a request with a valid key and get 200 OK.",
        "Create a key, then send GET /sandbox/api/data with Authorization: Bearer and your key.",
        "bearer",
        _got_200,
    ),
    Challenge(
        "missing-header-then-fix",
        "Get a 401 for a missing header, then fix it",
        "Send a request with no Authorization header, read the bare challenge, then send it "
        "again with the header and get a 200.",
        "In the playground, use the “No Authorization header” preset, then “Valid key”.",
        "challenge",
        _missing_then_fixed,
    ),
    Challenge(
        "key-in-url",
        "Put the key in the URL and see why it fails",
        "Send your key as ?api_key=… and read why the server refuses it.",
        "Use the “Key in the URL” preset, or curl with the key in the query string.",
        "url",
        _key_in_url,
    ),
    Challenge(
        "retry-after",
        "Trigger a 429 and retry after Retry-After",
        "Go over a key's rate limit, then wait as long as Retry-After says and succeed.",
        "Create a key with a limit of 5 per minute, use the “Over the rate limit” preset, wait "
        "the seconds in Retry-After, and send once more.",
        "429",
        _retried_after,
    ),
    Challenge(
        "clean-rotation",
        "Rotate a key with no failed request during the switch",
        "Rotate a key, move your requests to the new key during the overlap window, and let "
        "the old key be revoked without a single failed request in between.",
        "Open a key, rotate it, send requests with the new key, then revoke the old one when "
        "its traffic has stopped (or let the window end).",
        "rotation",
        _clean_rotation,
    ),
    Challenge(
        "quiet-old-key",
        "Let the old key go quiet before you revoke it",
        "Rotate a key that has served requests, move your requests to the new key, and revoke "
        "the old key only after it has carried no request for a full minute: its share of "
        "traffic at 0 before it stops working.",
        "Send a request with a key, rotate it, send requests with the new key only, wait a "
        "minute, then press “Revoke the old key now” (or let the overlap window end).",
        "key_hygiene",
        _quiet_old_key,
    ),
    Challenge(
        "read-only-403",
        "Use a read-only key on a write endpoint",
        "Call POST /sandbox/api/chat/completions with a key that has only the read scope and "
        "read the 403 insufficient_scope challenge.",
        "Create a key with only “Read” ticked, then use the “Read-only key, write endpoint” preset.",
        "status",
        _read_only_403,
    ),
    Challenge(
        "expired-key",
        "Meet an expired key",
        "Use a key after its expiry and read the 401 invalid_token that says it expired.",
        "Create a key that expires in 1 minute, wait, then send a request with it.",
        "rotation",
        _expired,
    ),
    Challenge(
        "fast-first-token",
        "Stream a completion and get its first token in under 500 ms",
        "Send a streamed chat completion and receive its first token less than "
        f"{FAST_FIRST_TOKEN_MS} ms after you sent the request; your access log records the time "
        "to first token.",
        'POST /sandbox/api/chat/completions with "stream": true, then read the events as they '
        "arrive (requests with stream=True and iter_lines(), or curl -N) and time the first.",
        "latency",
        _fast_first_token,
    ),
    Challenge(
        "slow-first-token",
        "Make the first token slow and see TTFT leave total time behind",
        f"Stream a completion whose first token comes {SLOW_FIRST_TOKEN_MS} ms or more after "
        "the request, the latency lesson's limit for a good TTFT p95, then see it on the "
        "metrics page.",
        "Add the header X-Sandbox-Delay-Ms: 1200 to a streamed chat completion.",
        "latency_thresholds",
        _slow_first_token,
    ),
    Challenge(
        "retry-after-503",
        "Meet a 503 and come back after Retry-After",
        "Get a 503 Service Unavailable, then wait as long as its Retry-After says and succeed "
        "with the same key: the retry a client owes an outage.",
        "Send GET /sandbox/api/data with X-Sandbox-Fault: 503, read Retry-After, wait that many "
        "seconds, and send it again without the fault header.",
        "errors",
        _retried_503,
    ),
    Challenge(
        "paced-window",
        "Use 80 % of a rate limit without a single 429",
        f"Within one 60-second window, send at least {PACED_SHARE:.0%} of a key's limit (and at "
        f"least {PACED_MIN_REQUESTS} requests) with no 429 in that window: high utilisation, "
        "no refusals.",
        "Create a key with a limit of 5 per minute and send 4 requests within one minute, "
        "watching RateLimit's r; stop before it reaches 0.",
        "utilisation",
        _paced_window,
    ),
    Challenge(
        "cheaper-completion",
        "Cut the cost of a completion tenfold",
        f"Make a chat completion that costs at most a {CHEAPER}th of an earlier one, and read "
        "both costs on the metrics page or in your log.",
        "Send a completion to sandbox-large, then the same messages to sandbox-small: GET "
        "/sandbox/api/models lists each model's price per million tokens.",
        "cost",
        _cheaper_completion,
    ),
    Challenge(
        "extraction-f1",
        "Extract invoice fields with an F1 of 0.8 or more",
        "Submit predictions for the extraction lesson's 20 invoices that score a token F1 of at "
        "least 0.8 overall, and read which fields lost points.",
        "GET /sandbox/api/evaluate/extraction-exact-match-f1 for the texts, then POST "
        '{"predictions": [{"id": "ex-01", "fields": {"vendor": ..., "date": ..., '
        '"total": ...}}, ...]} to the same URL.',
        "extraction",
        _extraction_f1_good,
    ),
    Challenge(
        "judge-kappa",
        "Judge 30 answers with a kappa of 0.6 or more against the human labels",
        "Label the judge lesson's 30 answers pass or fail, as your judge (or you) would, and "
        "reach Cohen's kappa of at least 0.6 with the human labels.",
        "GET /sandbox/api/evaluate/llm-judge-agreement for the items, then POST "
        '{"predictions": [{"id": "j-01", "label": "pass"}, ...]} to the same URL.',
        "judge",
        _judge_kappa_good,
    ),
]
BY_SLUG = {c.slug: c for c in CHALLENGES}
# The challenges that read finished rotations: while one is pending, the rotations are loaded.
ROTATION_CHALLENGES = {"clean-rotation", "quiet-old-key"}


def _cache_key(learner_id: int) -> str:
    return f"sandbox:challenges:{learner_id}"


def _entries(learner: Learner) -> list[Entry]:
    accesslog.flush()  # the rows this process still holds count too
    rows = (
        AccessLogEntry.objects.of(learner)
        .order_by("-created_at", "-pk")
        .values_list(
            "created_at",
            "status",
            "outcome",
            "key_id",
            "retry_after",
            "category",
            "ttft_ms",
            "cost_usd",
            "key__rate_limit_per_minute",
        )[:MAX_ENTRIES]
    )
    return [Entry(*row) for row in reversed(rows)]


def _rotations(learner: Learner, now: datetime) -> list[Rotation]:
    rows = (
        SandboxKey.objects.of(learner)
        .filter(replaced_by__isnull=False, rotation_started_at__isnull=False, revoked_at__lte=now)
        .values_list("pk", "replaced_by_id", "rotation_started_at", "revoked_at")
    )
    return [Rotation(*row) for row in rows]


def refresh(learner: Learner | None) -> set[str]:
    """Check the learner's log for newly completed challenges; the slugs of all completed ones."""
    if learner is None:
        return set()
    done = set(
        ChallengeCompletion.objects.filter(learner=learner).values_list("challenge", flat=True)
    )
    pending = [c for c in CHALLENGES if c.slug not in done]
    if pending:
        now = timezone.now()
        entries = _entries(learner)
        rotations = _rotations(learner, now) if ROTATION_CHALLENGES - done else []
        new = [c.slug for c in pending if entries and c.check(entries, rotations)]
        if new:
            ChallengeCompletion.objects.bulk_create(
                [ChallengeCompletion(learner=learner, challenge=slug) for slug in new],
                ignore_conflicts=True,
            )
            done.update(new)
    cache.set(_cache_key(learner.pk), sorted(done), CACHE_SECONDS)
    return done


def completed(learner: Learner | None) -> set[str]:
    """Completed challenges, from the cache when a sandbox page checked them in the last minute."""
    if learner is None:
        return set()
    cached = cache.get(_cache_key(learner.pk))
    return set(cached) if cached is not None else refresh(learner)


def completed_for_display(learner: Learner | None) -> set[str]:
    """The completed challenges for a page that only shows them: nothing is stored.

    Another person's page (an instructor's view of a learner's progress) may read the learner's
    challenges but must not write for them, so unlike `refresh` this records no completion; the
    learner's own challenges page does that. The answer is cached for a minute under the
    learner's own key, as `refresh` caches it, so a page shown again needs no query.
    """
    if learner is None:
        return set()
    cached = cache.get(_cache_key(learner.pk))
    if cached is not None:
        return set(cached)
    done = set(
        ChallengeCompletion.objects.filter(learner=learner).values_list("challenge", flat=True)
    )
    pending = [c for c in CHALLENGES if c.slug not in done]
    entries = _entries(learner) if pending else []
    if entries:
        rotations = _rotations(learner, timezone.now()) if ROTATION_CHALLENGES - done else []
        done.update(c.slug for c in pending if c.check(entries, rotations))
    cache.set(_cache_key(learner.pk), sorted(done), CACHE_SECONDS)
    return done
