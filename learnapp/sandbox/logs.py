"""The access log summary, laid out like the lesson's table, and its health verdict."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Q

from learnapp.learning.models import Learner

from . import accesslog
from .models import AccessLogEntry, Category

PERIODS = {
    "1h": ("Last hour", timedelta(hours=1)),
    "24h": ("Last 24 hours", timedelta(days=1)),
    "7d": ("Last 7 days", timedelta(days=7)),
    "all": ("All time", None),
}
DEFAULT_PERIOD = "24h"

# The lesson's thresholds ("What good vs bad looks like for API key management").
GOOD_MAX_INVALID = 0.01
GOOD_MIN_SUCCESS = 0.99
BAD_MIN_INVALID = 0.05
# "Frequent" unauthorized attempts and "many" expired keys are rates, with a floor of a few
# requests: one read-only key tried on a write endpoint (a challenge the lesson recommends)
# is worth a look, not a bad verdict.
BAD_MIN_RATE = 0.01
BAD_MIN_COUNT = 5

# The one definition of the row, word for word in the lesson, its practice set and the log page.
UNAUTHORIZED_USE = (
    "Unauthorized Use: requests with a valid key that the key is not allowed to make, because "
    "they need a scope the key lacks or come from outside the key's allowed addresses; the "
    "server refuses each with 403."
)
THRESHOLDS = (
    "Good: invalid keys under 1 %, success over 99 %, no unauthorized use and no expired keys "
    "in use. Bad: invalid keys over 5 %, or frequent unauthorized use or many expired keys "
    "still in use (each: 5 or more requests and over 1 % of all requests)."
)


@dataclass(frozen=True)
class Row:
    category: str
    label: str
    count: int
    rate: float | None

    @property
    def percent(self) -> str:
        return "—" if self.rate is None else f"{self.rate * 100:.1f} %"


@dataclass(frozen=True)
class Health:
    level: str  # "good", "fair", "bad" or "none"
    title: str
    reasons: list[str]


def since(period: str, now: datetime) -> datetime | None:
    delta = PERIODS.get(period, PERIODS[DEFAULT_PERIOD])[1]
    return now - delta if delta else None


def entries(learner: Learner | None, start: datetime | None):
    # Rows this process still holds are written first: the learner's own requests show.
    accesslog.flush()
    queryset = AccessLogEntry.objects.of(learner)
    return queryset.filter(created_at__gte=start) if start else queryset


def summary(learner: Learner | None, start: datetime | None) -> tuple[list[Row], int, Health]:
    """The rows of the summary table, the total and the verdict, in one query."""
    counts = entries(learner, start).aggregate(
        total=Count("pk"),
        **{value: Count("pk", filter=Q(category=value)) for value in Category.values},
    )
    total = counts.pop("total")
    rows = [
        Row(value, label, counts[value], counts[value] / total if total else None)
        for value, label in Category.choices
    ]
    return rows, total, health(counts, total)


def _pct(rate: float) -> str:
    return f"{rate * 100:.1f} %"


def _frequent(count: int, total: int) -> bool:
    return count >= BAD_MIN_COUNT and count / total > BAD_MIN_RATE


def _requests(count: int) -> str:
    return f"{count} request{'s' if count != 1 else ''}"


def health(counts: dict[str, int], total: int) -> Health:
    if not total:
        return Health("none", "No traffic yet", ["Send a request to see a verdict."])
    invalid = counts[Category.INVALID_KEY] / total
    success = counts[Category.VALID] / total
    unauthorized = counts[Category.UNAUTHORIZED]
    expired = counts[Category.EXPIRED_KEY]
    bad = []
    if invalid > BAD_MIN_INVALID:
        bad.append(f"Invalid keys are {_pct(invalid)} of requests (bad: over 5 %).")
    if _frequent(unauthorized, total):
        bad.append(
            f"Frequent unauthorized use: {_requests(unauthorized)}, "
            f"{_pct(unauthorized / total)} of requests."
        )
    if _frequent(expired, total):
        bad.append(
            f"Many expired keys still in use: {_requests(expired)}, "
            f"{_pct(expired / total)} of requests."
        )
    if bad:
        return Health("bad", "Bad", bad)
    good = (
        invalid < GOOD_MAX_INVALID
        and success > GOOD_MIN_SUCCESS
        and not unauthorized
        and not expired
    )
    if good:
        return Health(
            "good",
            "Good",
            [
                f"Invalid keys {_pct(invalid)} (under 1 %), success {_pct(success)} (over 99 %), "
                "no unauthorized use, no expired keys."
            ],
        )
    reasons = []
    if invalid >= GOOD_MAX_INVALID:
        reasons.append(f"Invalid keys are {_pct(invalid)} of requests (good: under 1 %).")
    if success <= GOOD_MIN_SUCCESS:
        reasons.append(f"Success is {_pct(success)} (good: over 99 %).")
    if unauthorized:
        reasons.append(
            f"Unauthorized use: {_requests(unauthorized)} (good: none; bad: 5 or more and over "
            "1 % of requests)."
        )
    if expired:
        reasons.append(
            f"Expired keys used: {_requests(expired)} (good: none; bad: 5 or more and over "
            "1 % of requests)."
        )
    return Health("fair", "Needs watching", reasons)
