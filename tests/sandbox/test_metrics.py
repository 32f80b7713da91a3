"""The metrics page: the metrics lessons' figures over the learner's own log, beside the lessons'
thresholds, computed by the method the latency lesson teaches."""

import re
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from learnapp.sandbox import metrics
from learnapp.sandbox.models import AccessLogEntry, Category
from learnapp.sandbox.outcomes import LESSON_SECTIONS

pytestmark = pytest.mark.django_db

SECTION = Path(settings.BASE_DIR) / "content/prompt-engineering-genai/model-metrics-evaluation"
LESSON_20 = [320, 340, 360, 380, 400, 410, 430, 450, 470, 480]
LESSON_20 += [500, 520, 560, 600, 650, 720, 800, 950, 1400, 4800]


def entry(learner, status=200, category=Category.VALID, **fields) -> AccessLogEntry:
    fields.setdefault("outcome", "ok" if status < 400 else "x")
    fields.setdefault("latency_ms", 10.0)
    return AccessLogEntry.objects.create(
        learner=learner,
        method="GET",
        path="/sandbox/api/data",
        status=status,
        category=category,
        **fields,
    )


def figures(panel) -> dict:
    return {f.name: f for f in panel.figures}


def panel(learner, slug, budget=metrics.DEFAULT_BUDGET):
    found, _ = metrics.panels(learner, None, budget)
    return next(p for p in found if p.slug == slug)


def test_nearest_rank_gives_the_lessons_percentiles():
    ordered = sorted(LESSON_20)
    assert [metrics.nearest_rank(ordered, p) for p in (50, 95, 99)] == [480, 1400, 4800]
    assert metrics.nearest_rank([7.0], 50) == 7.0


@pytest.mark.parametrize("slug", metrics.RULES)
def test_the_thresholds_shown_are_the_lessons_words(slug):
    pattern, good, bad = metrics.RULES[slug]
    text = (SECTION / pattern / "lesson.md").read_text().replace("`", "")
    assert f"- **Good:** {good}" in text
    assert f"- **Bad:** {bad}" in text


def test_the_lesson_links_point_at_headings_that_exist(shipped_lessons):
    from learnapp.catalog.models import Pattern

    for name, (url, _title) in LESSON_SECTIONS.items():
        slug, anchor = re.fullmatch(r"/patterns/([a-z0-9-]+)/#([a-z0-9-]+)", url).groups()
        assert f'id="{anchor}"' in Pattern.objects.get(slug=slug).lesson_html, name


@pytest.fixture
def shipped_lessons(settings):
    from learnapp.catalog.loader import load

    load(settings.CONTENT_DIR)


def test_the_lessons_twenty_requests_read_as_the_lesson_reads_them(learner):
    for ms in LESSON_20:
        entry(learner, latency_ms=ms)
    found = figures(panel(learner, "latency"))
    assert found["p50 latency"].value == "480 ms" and found["p50 latency"].level == "good"
    assert found["p95 latency"].value == "1.40 s" and found["p95 latency"].level == "good"
    # "their p99 is only the slowest request, so it cannot be judged on 20"
    assert found["p99 latency"].value == "4.80 s" and found["p99 latency"].level == "none"
    assert "TTFT" in found  # no stream yet: says how to make one


def test_a_slow_tail_is_bad_at_p95_over_5_s(learner):
    for n in range(20):
        entry(learner, latency_ms=6000 if n >= 18 else 100)
    p95 = figures(panel(learner, "latency"))["p95 latency"]
    assert p95.level == "bad"
    assert panel(learner, "latency").level == "bad"


def test_p99_is_judged_from_100_requests(learner):
    for n in range(100):
        entry(learner, latency_ms=11000 if n >= 98 else 100)  # ranks 99 and 100
    assert figures(panel(learner, "latency"))["p99 latency"].level == "bad"


def test_ttft_percentiles_are_over_streamed_completions_only(learner):
    entry(learner, latency_ms=900, ttft_ms=400)
    entry(learner, latency_ms=3500, ttft_ms=3200)
    entry(learner, latency_ms=5)
    found = figures(panel(learner, "latency"))
    assert found["TTFT p50"].value == "400 ms" and found["TTFT p50"].level == "none"
    assert found["TTFT p95"].value == "3.20 s" and found["TTFT p95"].level == "bad"
    assert "2 streamed completions" in found["TTFT p95"].note


def test_5xx_against_the_slo_and_4xx_apart(learner):
    for _ in range(997):
        entry(learner)
    entry(learner, 503, Category.SERVER_ERROR)
    entry(learner, 401, Category.NO_CREDENTIALS)
    entry(learner, 429, Category.RATE_LIMITED)
    found = figures(panel(learner, "errors"))
    # 1 in 1,000 is exactly the 0.1 % budget: a burn rate of 1 is still on track.
    assert found["5xx error rate"].level == "good"
    assert "burn rate 1.0" in found["5xx error rate"].note
    assert found["4xx rate"].value.startswith("0.2 %") and found["4xx rate"].level == "good"
    entry(learner, 500, Category.SERVER_ERROR)
    assert figures(panel(learner, "errors"))["5xx error rate"].level == "bad"


def test_a_4xx_rate_between_1_and_5_percent_is_a_warning(learner):
    for n in range(50):
        entry(learner, *((400, Category.BAD_REQUEST) if n < 2 else ()))
    assert figures(panel(learner, "errors"))["4xx rate"].level == "warning"


def test_the_429_rate_peak_utilisation_and_early_retries(learner, make_key):
    key, _ = make_key(rate_limit_per_minute=5)
    start = timezone.now().replace(second=0, microsecond=0) - timedelta(minutes=5)
    for n in range(5):
        entry(learner, key=key, created_at=start + timedelta(seconds=n))
    entry(
        learner,
        429,
        Category.RATE_LIMITED,
        key=key,
        retry_after=55,
        created_at=start + timedelta(seconds=5),
    )
    entry(
        learner,
        429,
        Category.RATE_LIMITED,
        key=key,
        retry_after=54,
        created_at=start + timedelta(seconds=6),
    )
    entry(learner, key=key, created_at=start + timedelta(seconds=61))
    found = figures(panel(learner, "utilisation"))
    assert found["429 rate"].value.startswith("25.0 %") and found["429 rate"].level == "bad"
    assert found["Peak window utilisation"].value == "100 %"
    # One window of two at 100 % is not "more than half of its windows": peaks over 80 % warn.
    assert found["Peak window utilisation"].level == "warning"
    # The second 429 came a second after the first said to wait 55: too early. The last
    # request waited.
    assert found["Retries before Retry-After"].value == "1 of 2"
    assert found["Retries before Retry-After"].level == "bad"


def test_a_key_full_in_most_of_its_windows_is_bad(learner, make_key):
    key, _ = make_key(rate_limit_per_minute=2)
    start = timezone.now().replace(second=0, microsecond=0) - timedelta(minutes=5)
    for minute in range(3):
        for n in range(2 if minute < 2 else 1):
            entry(learner, key=key, created_at=start + timedelta(minutes=minute, seconds=n))
    found = figures(panel(learner, "utilisation"))
    assert found["Peak window utilisation"].level == "bad"


def test_cost_per_request_against_the_budget(learner):
    for cost in ("0.0100", "0.0120"):
        entry(learner, cost_usd=Decimal(cost), prompt_tokens=100, completion_tokens=10)
    entry(learner)  # not a completion: no cost, not in the average
    found = figures(panel(learner, "cost"))
    assert found["Cost per request"].value == "$0.011000"
    assert found["Cost per request"].level == "warning"  # over $0.01, not 25 % over
    assert found["Cost per 1,000 requests"].value == "$11.0000"
    assert figures(panel(learner, "cost", Decimal("0.02")))["Cost per request"].level == "good"
    assert figures(panel(learner, "cost", Decimal("0.008")))["Cost per request"].level == "bad"


def test_truncated_answers_are_counted(learner):
    entry(learner, cost_usd=Decimal("0.001"), outcome="truncated")
    entry(learner, cost_usd=Decimal("0.001"))
    assert figures(panel(learner, "cost"))["Truncated answers"].level == "bad"


def test_only_the_newest_rows_are_read(learner, monkeypatch):
    monkeypatch.setattr(metrics, "MAX_ROWS", 3)
    for ms in (9000, 9000, 1, 1, 1):
        entry(learner, latency_ms=ms)
    found, count = metrics.panels(learner, None, metrics.DEFAULT_BUDGET)
    assert count == 3
    assert figures(found[0])["p95 latency"].value == "1 ms"


class TestPage:
    def test_it_shows_the_learners_own_figures_beside_the_thresholds(
        self, learner_session, bearer, django_assert_max_num_queries
    ):
        learner_session.get("/sandbox/api/data", HTTP_X_SANDBOX_FAULT="503", **bearer)
        learner_session.post(
            "/sandbox/api/chat/completions",
            {
                "model": "sandbox-large",
                "messages": [{"role": "user", "content": "hi"}],
                "stream": True,
            },
            content_type="application/json",
            **bearer,
        ).getvalue()
        # session, the learner's rows, their keys' limits
        with django_assert_max_num_queries(3):
            page = learner_session.get("/sandbox/metrics/")
        assert page.status_code == 200
        text = page.content.decode()
        assert "Over 2 requests" in text
        assert "TTFT p95" in text
        assert "p95 above 5 s, p99 above 10 s, or TTFT p95 above 3 s." in text
        assert (
            "/patterns/error-rate-error-budget/#what-good-vs-bad-looks-like-for-error-rates" in text
        )
        assert 'aria-current="page">Metrics' in text

    def test_someone_elses_traffic_is_not_shown(self, client, learner, bearer):
        client.get("/sandbox/api/data", **bearer)  # the key's owner, not this visitor
        page = client.get("/sandbox/metrics/")
        assert page.status_code == 200 and "Over 0 requests" in page.content.decode()

    @pytest.mark.parametrize("query", ["budget=abc", "budget=-1", "budget=1e9", "period=forever"])
    def test_a_bad_budget_or_period_is_a_400_that_says_why(self, client, query):
        page = client.get("/sandbox/metrics/?" + query)
        assert page.status_code == 400
        assert 'class="errorlist' in page.content.decode()

    def test_a_budget_is_used(self, learner_session, learner):
        entry(learner, cost_usd=Decimal("0.001"))
        page = learner_session.get("/sandbox/metrics/?budget=0.0005&period=all")
        assert "budget $0.0005 per request" in page.content.decode()
