"""The access log: what each request records, the summary, the health verdict, the page."""

import html
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from learnapp.sandbox import logs
from learnapp.sandbox.models import AccessLogEntry, Category

pytestmark = pytest.mark.django_db

DATA = "/sandbox/api/data"


def entry(learner, category=Category.VALID, status=200, **fields) -> AccessLogEntry:
    fields.setdefault("outcome", "ok" if category == Category.VALID else category)
    return AccessLogEntry.objects.create(
        learner=learner,
        method="GET",
        path=DATA,
        status=status,
        category=category,
        latency_ms=1.0,
        **fields,
    )


def seed(learner, **counts) -> None:
    status = {"valid": 200, "rate_limited": 429, "unauthorized": 403}
    for category, count in counts.items():
        for _ in range(count):
            entry(learner, category, status.get(category, 401))


class TestRecording:
    def test_a_request_records_time_method_path_outcome_status_prefix_and_latency(
        self, client, key_and_raw
    ):
        key, raw = key_and_raw
        before = timezone.now()
        client.get(DATA + "?limit=2", HTTP_AUTHORIZATION=f"Bearer {raw}")
        logged = AccessLogEntry.objects.get()
        assert before <= logged.created_at <= timezone.now()
        assert (logged.method, logged.path, logged.status, logged.outcome) == (
            "GET",
            DATA + "?limit=2",
            200,
            "ok",
        )
        assert logged.key_prefix == key.prefix and logged.key == key
        assert logged.learner_id == key.learner_id
        assert logged.source == "http" and logged.latency_ms > 0

    def test_a_request_without_a_key_has_no_prefix_and_no_owner(self, client):
        client.get(DATA)
        logged = AccessLogEntry.objects.get()
        assert logged.key_prefix == "" and logged.learner is None
        assert logged.category == Category.NO_CREDENTIALS

    @pytest.mark.parametrize("param", ["api_key", "token", "access_token", "key", "other"])
    def test_a_key_in_a_query_string_is_masked(self, client, key_and_raw, param):
        key, raw = key_and_raw
        client.get(f"{DATA}?{param}={raw}&limit=1")
        path = AccessLogEntry.objects.get().path
        assert raw not in path and key.prefix in path

    def test_a_non_key_value_in_a_key_parameter_is_masked_too(self, client):
        client.get(f"{DATA}?api_key=hunter2")
        assert AccessLogEntry.objects.get().path == f"{DATA}?api_key=****"

    def test_a_key_in_the_path_is_masked(self, client, key_and_raw):
        key, raw = key_and_raw
        client.get(f"/sandbox/api/{raw}")
        assert AccessLogEntry.objects.get().path == f"/sandbox/api/{key.prefix}"

    def test_the_429_records_its_retry_after(self, client, make_key, frozen_clock):
        _, raw = make_key(rate_limit_per_minute=1)
        client.get(DATA, HTTP_AUTHORIZATION=f"Bearer {raw}")
        client.get(DATA, HTTP_AUTHORIZATION=f"Bearer {raw}")
        limited = AccessLogEntry.objects.get(status=429)
        assert limited.retry_after == 60 and limited.category == Category.RATE_LIMITED

    @pytest.mark.parametrize(
        ("headers", "category"),
        [
            ({}, Category.NO_CREDENTIALS),
            (
                {"HTTP_AUTHORIZATION": "Bearer sbx_test_000000000000_" + "0" * 40},
                Category.INVALID_KEY,
            ),
        ],
    )
    def test_requests_are_categorised(self, client, headers, category):
        client.get(DATA, **headers)
        assert AccessLogEntry.objects.get().category == category


class TestHealth:
    def test_no_traffic(self):
        assert logs.health({c: 0 for c in Category.values}, 0).level == "none"

    def test_good_needs_under_1_percent_invalid_over_99_percent_success_no_unauthorized(self):
        counts = dict.fromkeys(Category.values, 0)
        counts.update(valid=995, invalid_key=5)
        assert logs.health(counts, 1000).level == "good"

    def test_the_seed_table_is_bad_for_its_expired_keys(self):
        counts = dict.fromkeys(Category.values, 0)
        counts.update(valid=950, invalid_key=30, expired_key=15, rate_limited=5)
        verdict = logs.health(counts, 1000)
        assert verdict.level == "bad"  # 15 of 1,000 is 1.5 %: "many", over 1 %
        assert any("Many expired keys still in use: 15 requests" in r for r in verdict.reasons)

    def test_over_5_percent_invalid_keys_is_bad(self):
        counts = dict.fromkeys(Category.values, 0)
        counts.update(valid=88, invalid_key=12)
        verdict = logs.health(counts, 100)
        assert verdict.level == "bad" and "12.0 %" in verdict.reasons[0]

    def test_one_unauthorized_attempt_is_not_good_but_not_bad(self):
        counts = dict.fromkeys(Category.values, 0)
        counts.update(valid=999, unauthorized=1)
        verdict = logs.health(counts, 1000)
        assert verdict.level == "fair"
        assert verdict.reasons == [
            "Unauthorized use: 1 request (good: none; bad: 5 or more and over 1 % of requests)."
        ]

    @pytest.mark.parametrize(
        ("category", "count", "total", "level"),
        [
            ("unauthorized", 5, 100, "bad"),  # frequent: 5, and 5 %
            ("unauthorized", 4, 10, "fair"),  # 40 %, but only 4 requests
            ("unauthorized", 9, 1000, "fair"),  # 9 requests, but 0.9 %
            ("expired_key", 1, 3, "fair"),  # the "meet an expired key" challenge
            ("expired_key", 11, 1000, "bad"),  # many: 1.1 %
        ],
    )
    def test_frequent_and_many_are_rates_with_a_floor(self, category, count, total, level):
        counts = dict.fromkeys(Category.values, 0)
        counts.update({"valid": total - count, category: count})
        assert logs.health(counts, total).level == level

    def test_the_read_only_challenge_alone_does_not_make_the_verdict_bad(
        self, client, make_key, learner
    ):
        _, raw = make_key(scopes=["read"])
        auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
        client.get(DATA, **auth)
        client.post("/sandbox/api/chat/completions", "{}", content_type="application/json", **auth)
        assert AccessLogEntry.objects.filter(outcome="insufficient_scope").count() == 1
        assert logs.summary(learner, None)[2].level == "fair"

    def test_between_good_and_bad_needs_watching(self):
        counts = dict.fromkeys(Category.values, 0)
        counts.update(valid=97, invalid_key=3)
        verdict = logs.health(counts, 100)
        assert verdict.level == "fair" and len(verdict.reasons) == 2


class TestSummary:
    def test_counts_and_rates_follow_the_lesson_table(self, learner):
        seed(learner, valid=950, invalid_key=30, expired_key=15, rate_limited=5)
        rows, total, verdict = logs.summary(learner, None)
        table = {row.label: (row.count, row.percent) for row in rows}
        assert total == 1000
        assert table["Valid Requests"] == (950, "95.0 %")
        assert table["Invalid Keys"] == (30, "3.0 %")
        assert table["Expired Keys"] == (15, "1.5 %")
        assert table["Rate Limit Hits"] == (5, "0.5 %")
        assert table["Unauthorized Use"] == (0, "0.0 %")
        assert verdict.level == "bad"

    def test_the_period_limits_the_summary(self, learner):
        entry(learner, created_at=timezone.now() - timedelta(days=2))
        entry(learner)
        assert logs.summary(learner, logs.since("24h", timezone.now()))[1] == 1
        assert logs.summary(learner, logs.since("all", timezone.now()))[1] == 2

    def test_the_summary_is_one_query(self, learner, django_assert_num_queries):
        seed(learner, valid=3, invalid_key=2)
        with django_assert_num_queries(1):
            logs.summary(learner, None)


class TestOneDefinitionOfUnauthorizedUse:
    LESSON = Path(settings.BASE_DIR) / "content/prompt-engineering-genai/model-metrics-evaluation"

    def test_the_lesson_and_its_practice_set_use_the_logs_definition(self):
        lesson = (self.LESSON / "api-key-management/lesson.md").read_text()
        practice = (self.LESSON / "api-key-management/practice.md").read_text()
        assert logs.UNAUTHORIZED_USE in lesson
        assert logs.UNAUTHORIZED_USE in practice

    def test_no_page_of_the_course_gives_it_another_meaning(self):
        # "Unauthorized use is a stolen key", "Unauthorized Use: any 403": a second definition
        # would make the lesson's thresholds count something else than the access log does.
        content = Path(settings.BASE_DIR) / "content"
        other_meanings = []
        for path in sorted(content.rglob("*.md")):
            text = path.read_text()
            other_meanings += [
                f"{path.relative_to(content)}: {m.group(0)}"
                for m in re.finditer(
                    r"unauthori[sz]ed use,? (?:is|means) (?:a|an|the|any|when|what)\b[^.;]*",
                    text,
                    re.IGNORECASE,
                )
                if "what this lesson also calls" not in m.group(0)
            ]
            for start in [m.start() for m in re.finditer("Unauthorized Use: ", text)]:
                if not text.startswith(logs.UNAUTHORIZED_USE, start):
                    other_meanings.append(f"{path.relative_to(content)}: {text[start:][:80]}")
        assert other_meanings == []

    def test_the_log_page_states_it(self, client):
        page = client.get("/sandbox/log/").content.decode()
        assert html.escape(logs.UNAUTHORIZED_USE, quote=True) in page

    def test_what_the_definition_says_is_what_is_counted(self, client, make_key):
        _, raw = make_key(scopes=["read"], allowed_networks=["203.0.113.0/24"])
        auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
        client.get(DATA, REMOTE_ADDR="198.51.100.1", **auth)  # outside the allowed addresses
        client.post(DATA, {}, content_type="application/json", REMOTE_ADDR="203.0.113.2", **auth)
        client.get(DATA, REMOTE_ADDR="203.0.113.2", HTTP_AUTHORIZATION="Bearer nope")  # not valid
        rows = AccessLogEntry.objects.filter(category=Category.UNAUTHORIZED)
        assert sorted(rows.values_list("status", "outcome")) == [
            (403, "address_not_allowed"),
            (403, "insufficient_scope"),
        ]


class TestPage:
    def test_the_page_shows_the_summary_verdict_and_requests(self, learner_session, learner):
        seed(learner, valid=3, unauthorized=1)
        entry(None)  # someone else's request
        page = learner_session.get("/sandbox/log/").content.decode()
        for label in (
            "Valid Requests",
            "Invalid Keys",
            "Expired Keys",
            "Rate Limit Hits",
            "Unauthorized Use",
        ):
            assert label in page
        assert "Health: Needs watching" in page and "Unauthorized use: 1 request" in page
        assert "4 requests match." in page

    def test_filters_narrow_the_list(self, learner_session, learner):
        seed(learner, valid=3, rate_limited=2)
        page = learner_session.get("/sandbox/log/?status=429").content.decode()
        assert "2 requests match." in page
        page = learner_session.get("/sandbox/log/?category=valid&period=1h").content.decode()
        assert "3 requests match." in page

    def test_htmx_gets_only_the_list(self, learner_session, learner):
        seed(learner, valid=1)
        response = learner_session.get("/sandbox/log/?status=2xx", HTTP_HX_REQUEST="true")
        page = response.content.decode()
        assert page.lstrip().startswith('<div id="entries">') and "<html" not in page

    def test_a_visitor_with_nothing_sees_an_empty_log(self, client):
        page = client.get("/sandbox/log/").content.decode()
        assert "No traffic yet" in page and "No requests yet." in page
