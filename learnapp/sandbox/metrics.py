"""The metrics of the learner's own sandbox traffic, each beside its lesson's thresholds.

Four panels, one per metrics lesson: latency percentiles and time to first token, error rate
against an SLO, the 429 rate and rate-limit utilisation, and cost per request. They are computed
in Python over one query's rows: the newest MAX_ROWS of the period (a learner's log is trimmed
to about that many anyway), so the work per page is bounded.

Percentiles are by nearest rank, the method the latency lesson teaches: the value at rank
⌈p / 100 * n⌉ of the sorted latencies, always a latency that was measured.

The threshold sentences are quoted word for word from each lesson's "What good vs bad looks
like" list (a test holds them to the lessons), so the page says what the lesson says.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from learnapp.learning.models import Learner

from . import logs
from .challenges import MAX_ENTRIES
from .models import Category, SandboxKey
from .outcomes import LESSON_SECTIONS

MAX_ROWS = MAX_ENTRIES
SLO = Decimal("0.999")  # the error-rate lesson's example objective
DEFAULT_BUDGET = Decimal("0.01")  # the cost lesson's example budget per request, in US dollars
RETRY_SLACK = timedelta(seconds=1)  # clocks and rounding: a retry this early still counts as a wait
# Requests that spent the key's quota: the rate limit counts every request a valid key made once
# authentication passed, whatever came of it after.
QUOTA_CATEGORIES = {Category.VALID, Category.BAD_REQUEST, Category.SERVER_ERROR}

# (lesson slug, its "Good:" sentence, its "Bad:" sentence), as the lessons word them.
RULES = {
    "latency": (
        "latency-percentiles",
        "p50 below 1 s, p95 below 2 s, p99 below 5 s (over at least 100 requests), and, when "
        "streaming, TTFT p95 below 1 s.",
        "p95 above 5 s, p99 above 10 s, or TTFT p95 above 3 s.",
    ),
    "errors": (
        "error-rate-error-budget",
        "the SLO met with budget to spare (a burn rate of 1 or less over the window so far), "
        "and a 4xx rate below 1% that stays steady.",
        "a burn rate above 1 over the window so far (the budget will run out before the window "
        "ends), a burn rate of 14.4 or more sustained for an hour, or a 4xx rate above 5%.",
    ),
    "utilisation": (
        "rate-limit-utilisation",
        "a 429 rate below 1%, peak window utilisation below 80%, and every 429 followed by a "
        "wait of at least Retry-After (or t) before the next attempt.",
        "a 429 rate above 5%, the key at 100% in more than half of its windows, or retries sent "
        "before the server said to come back.",
    ),
    "cost": (
        "token-usage-cost",
        "cost per request at or below the budget; truncated answers "
        '(finish_reason: "length") below 1%; prompt tokens per request steady, changing by '
        "less than 10% from one week to the next unless the prompt was changed on purpose.",
        "cost per request more than 25% above the budget, or a month's spend on pace to pass "
        "the monthly budget before the month ends; truncated answers above 5%; prompt tokens "
        "per request up by more than 25% in a week with no change to the prompt.",
    ),
}


@dataclass(frozen=True)
class Row:
    created_at: datetime
    status: int
    category: str
    outcome: str
    key_id: int | None
    retry_after: int | None
    latency_ms: float
    ttft_ms: float | None
    prompt_tokens: int | None
    completion_tokens: int | None
    cost_usd: Decimal | None


COLUMNS = tuple(Row.__dataclass_fields__)


@dataclass(frozen=True)
class Figure:
    name: str
    value: str
    level: str = "none"  # "good", "warning", "bad", or "none" (no threshold, or too little data)
    note: str = ""


@dataclass
class Panel:
    slug: str
    title: str
    lesson: str  # a key of LESSON_SECTIONS
    basis: str  # which requests the figures are over
    figures: list[Figure] = field(default_factory=list)

    @property
    def good(self) -> str:
        return RULES[self.slug][1]

    @property
    def bad(self) -> str:
        return RULES[self.slug][2]

    @property
    def lesson_link(self) -> dict:
        url, title = LESSON_SECTIONS[self.lesson]
        return {"url": url, "title": title}

    @property
    def level(self) -> str:
        """The panel's verdict: any bad figure makes it bad, as the lessons say."""
        levels = {f.level for f in self.figures}
        for level in ("bad", "warning", "good"):
            if level in levels:
                return level
        return "none"


def nearest_rank(ordered: list[float], p: int) -> float:
    """The p-th percentile of an ascending list by nearest rank: rank ⌈p * n / 100⌉."""
    rank = -(-p * len(ordered) // 100)
    return ordered[max(rank, 1) - 1]


def _ms(value: float) -> str:
    return f"{value / 1000:.2f} s" if value >= 1000 else f"{value:.0f} ms"


def _pct(part: int, whole: int) -> str:
    return f"{part / whole * 100:.1f} % ({part} of {whole})"


def _band(value, good_below, bad_above) -> str:
    if value < good_below:
        return "good"
    if bad_above is not None and value > bad_above:
        return "bad"
    return "warning"


def rows(learner: Learner | None, start: datetime | None) -> list[Row]:
    """The newest MAX_ROWS requests of the period, oldest first."""
    newest = logs.entries(learner, start).order_by("-created_at", "-pk").values_list(*COLUMNS)
    return [Row(*values) for values in reversed(newest[:MAX_ROWS])]


def latency(data: list[Row]) -> Panel:
    panel = Panel("latency", "Latency and time to first token", "latency_thresholds", "")
    n = len(data)
    panel.basis = f"{n} request{'s' if n != 1 else ''}, all outcomes (errors are requests too)"
    if not n:
        return panel
    ordered = sorted(r.latency_ms for r in data)
    p50, p95, p99 = (nearest_rank(ordered, p) for p in (50, 95, 99))
    panel.figures += [
        Figure("p50 latency", _ms(p50), _band(p50, 1000, None), "good below 1 s"),
        Figure("p95 latency", _ms(p95), _band(p95, 2000, 5000), "good below 2 s, bad above 5 s"),
    ]
    if n >= 100:
        panel.figures.append(
            Figure(
                "p99 latency", _ms(p99), _band(p99, 5000, 10000), "good below 5 s, bad above 10 s"
            )
        )
    else:
        panel.figures.append(
            Figure(
                "p99 latency",
                _ms(p99),
                note=f"not judged on {n} requests: below 100, nearest-rank p99 is the slowest one",
            )
        )
    firsts = sorted(r.ttft_ms for r in data if r.ttft_ms is not None)
    if firsts:
        t50, t95 = nearest_rank(firsts, 50), nearest_rank(firsts, 95)
        streams = f"over {len(firsts)} streamed completion{'s' if len(firsts) != 1 else ''}"
        panel.figures += [
            Figure("TTFT p50", _ms(t50), note=f"{streams}; the lesson sets no threshold for it"),
            Figure(
                "TTFT p95",
                _ms(t95),
                _band(t95, 1000, 3000),
                f"{streams}; good below 1 s, bad above 3 s",
            ),
        ]
    else:
        panel.figures.append(
            Figure("TTFT", "—", note='no streamed completion yet: send one with "stream": true')
        )
    return panel


def errors(data: list[Row]) -> Panel:
    panel = Panel("errors", "Error rate and error budget", "error_thresholds", "")
    n = len(data)
    panel.basis = (
        f"{n} responses, SLO {SLO * 100:.1f} % of responses without a 5xx (the lesson's example)"
    )
    if not n:
        return panel
    server = sum(1 for r in data if r.status >= 500)
    client = sum(1 for r in data if 400 <= r.status < 500)
    budget = 1 - SLO
    burn = Decimal(server) / n / budget
    allowed = budget * n
    panel.figures += [
        Figure(
            "5xx error rate",
            _pct(server, n),
            "good" if burn <= 1 else "bad",
            f"burn rate {burn:.1f} (5xx rate ÷ {budget * 100:.1f} %); {server} of the "
            f"{allowed.normalize():f} failures the budget allows over these requests",
        ),
        Figure(
            "4xx rate",
            _pct(client, n),
            _band(client / n, 0.01, 0.05),
            "good below 1 %, bad above 5 %",
        ),
    ]
    return panel


def utilisation(data: list[Row], limits: dict[int, int]) -> Panel:
    panel = Panel(
        "utilisation", "Rate limits: the 429 rate and utilisation", "utilisation_thresholds", ""
    )
    n = len(data)
    panel.basis = (
        f"{n} responses; utilisation per key and 60-second window, against the key's limit"
    )
    if not n:
        return panel
    refused = [r for r in data if r.status == 429]
    panel.figures.append(
        Figure(
            "429 rate",
            _pct(len(refused), n),
            _band(len(refused) / n, 0.01, 0.05),
            "good below 1 %, bad above 5 %",
        )
    )
    used: dict[tuple[int, int], int] = defaultdict(int)
    for r in data:
        if r.key_id in limits and r.category in QUOTA_CATEGORIES:
            used[(r.key_id, int(r.created_at.timestamp()) // 60)] += 1
    if used:
        shares = {window: count / limits[window[0]] for window, count in used.items()}
        peak = max(shares.values())
        full_keys = []
        for key_id in {k for k, _ in shares}:
            windows = [s for (k, _), s in shares.items() if k == key_id]
            if sum(1 for s in windows if s >= 1) * 2 > len(windows):
                full_keys.append(key_id)
        level = "bad" if full_keys else _band(peak, 0.8, None)
        note = "good below 80 %"
        if full_keys:
            note = "a key was at 100 % in more than half of its windows"
        panel.figures.append(Figure("Peak window utilisation", f"{peak * 100:.0f} %", level, note))
    early, waited = _retries(data)
    if early or waited:
        panel.figures.append(
            Figure(
                "Retries before Retry-After",
                f"{early} of {early + waited}",
                "bad" if early else "good",
                "the next request of the key after each 429, sent before Retry-After had passed",
            )
        )
    return panel


def _retries(data: list[Row]) -> tuple[int, int]:
    """How many 429s were followed by the same key's next request too early, and how many not."""
    early = waited = 0
    pending: dict[int, Row] = {}
    for r in data:
        if r.key_id is None:
            continue
        refusal = pending.pop(r.key_id, None)
        if refusal is not None:
            come_back = refusal.created_at + timedelta(seconds=refusal.retry_after)
            if r.created_at + RETRY_SLACK < come_back:
                early += 1
            else:
                waited += 1
        if r.status == 429 and r.retry_after:
            pending[r.key_id] = r
    return early, waited


def cost(data: list[Row], budget: Decimal) -> Panel:
    billed = [r for r in data if r.cost_usd is not None]
    n = len(billed)
    panel = Panel(
        "cost",
        "Token usage and cost per request",
        "cost_thresholds",
        f"{n} chat completion{'s' if n != 1 else ''}, at the lesson's prices; budget "
        f"${budget} per request",
    )
    if not n:
        return panel
    spend = sum(r.cost_usd for r in billed)
    per_request = spend / n
    prompt = sum(r.prompt_tokens or 0 for r in billed) / n
    completion = sum(r.completion_tokens or 0 for r in billed) / n
    level = (
        "good"
        if per_request <= budget
        else "bad"
        if per_request > budget * Decimal("1.25")
        else "warning"
    )
    truncated = sum(1 for r in billed if r.outcome == "truncated")
    panel.figures += [
        Figure(
            "Cost per request",
            f"${per_request:.6f}",
            level,
            f"good at or below ${budget}, bad above ${budget * Decimal('1.25'):.4f} (25 % over)",
        ),
        Figure(
            "Cost per 1,000 requests",
            f"${per_request * 1000:.4f}",
            note=f"total spend ${spend:.6f}",
        ),
        Figure(
            "Tokens per request", f"{prompt:.1f} prompt + {completion:.1f} completion", note="means"
        ),
        Figure(
            "Truncated answers",
            _pct(truncated, n),
            _band(truncated / n, 0.01, 0.05),
            'finish_reason "length"; good below 1 %, bad above 5 %',
        ),
    ]
    return panel


def panels(
    learner: Learner | None, start: datetime | None, budget: Decimal
) -> tuple[list[Panel], int]:
    """The four panels over the period's newest requests, and how many requests they read."""
    data = rows(learner, start)
    key_ids = {r.key_id for r in data if r.key_id is not None}
    limits = {}
    if key_ids:
        limits = dict(
            SandboxKey.objects.filter(pk__in=key_ids).values_list("pk", "rate_limit_per_minute")
        )
    return [latency(data), errors(data), utilisation(data, limits), cost(data, budget)], len(data)
