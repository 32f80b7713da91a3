"""The playground sends through the API's own view and shows the true response."""

import re

import pytest

from learnapp.sandbox.models import AccessLogEntry
from learnapp.sandbox.playground import PRESETS

pytestmark = pytest.mark.django_db

URL = "/sandbox/playground/"


def form(key="", method="GET", path="/sandbox/api/data", query="", body="", repeat=1, headers=()):
    headers = list(headers) or [("Authorization", "Bearer {key}")]
    return {
        "key": key,
        "method": method,
        "path": path,
        "query": query,
        "body": body,
        "repeat": repeat,
        "header_name": [n for n, _ in headers] + [""],
        "header_value": [v for _, v in headers] + [""],
    }


def status_line(page: str) -> str:
    return re.search(r"HTTP/1\.1 \d{3} [A-Za-z ]+", page).group(0)


class TestSending:
    def test_htmx_send_returns_the_result_partial_with_a_200(self, learner_session, key_and_raw):
        key, raw = key_and_raw
        response = learner_session.post(URL, form(raw), HTTP_HX_REQUEST="true")
        page = response.content.decode()
        assert response.status_code == 200
        # What goes inside the page's own #result section, which stays in place.
        assert page.lstrip().startswith('<h2 id="result-title"') and "<html" not in page
        assert status_line(page) == "HTTP/1.1 200 OK"
        assert "RateLimit-Policy" in page and "Lisbon" in page
        assert raw not in page and key.prefix in page  # the snippets show the masked key

    def test_a_missing_header_shows_401_the_challenge_explanation_and_hint(self, learner_session):
        page = learner_session.post(
            URL, form(headers=[("Accept", "application/json")]), HTTP_HX_REQUEST="true"
        ).content.decode()
        assert status_line(page) == "HTTP/1.1 401 Unauthorized"
        assert "WWW-Authenticate" in page and "Bearer realm=&quot;sandbox&quot;" in page
        assert "no Authorization header" in page  # the explanation
        assert "What to change" in page and "the-www-authenticate-challenge" in page

    def test_the_plain_form_works_without_javascript(self, learner_session, key_and_raw):
        _key, raw = key_and_raw
        response = learner_session.post(URL, form(raw, query="limit=1"))
        page = response.content.decode()
        assert "<html" in page and status_line(page) == "HTTP/1.1 200 OK"
        # The fields come back as sent, with the key masked and the key field empty.
        assert 'value="limit=1"' in page and 'value="Bearer {key}"' in page
        assert raw not in page and "paste it again" in page

    def test_a_key_typed_into_a_header_is_masked_when_the_form_comes_back(
        self, learner_session, key_and_raw
    ):
        key, raw = key_and_raw
        page = learner_session.post(
            URL, form(headers=[("Authorization", f"Bearer {raw}")])
        ).content.decode()
        assert status_line(page) == "HTTP/1.1 200 OK"
        assert raw not in page and f'value="Bearer {key.prefix}"' in page

    def test_the_request_is_logged_as_a_playground_request(
        self, learner_session, learner, key_and_raw
    ):
        learner_session.post(URL, form(key_and_raw[1]), HTTP_HX_REQUEST="true")
        logged = AccessLogEntry.objects.get()
        assert logged.source == "playground" and logged.learner == learner and logged.status == 200

    def test_requests_without_a_key_still_land_in_the_senders_log(self, learner_session, learner):
        learner_session.post(URL, form(headers=[("X-Nothing", "1")]), HTTP_HX_REQUEST="true")
        assert AccessLogEntry.objects.get().learner == learner

    def test_repeat_reaches_the_rate_limit(self, learner_session, make_key, frozen_clock):
        _, raw = make_key(rate_limit_per_minute=5)
        page = learner_session.post(
            URL, form(raw, repeat=6), HTTP_HX_REQUEST="true"
        ).content.decode()
        assert "Sent 6 times: 200, 200, 200, 200, 200, 429" in page
        assert status_line(page) == "HTTP/1.1 429 Too Many Requests"
        assert "Retry-After" in page

    def test_the_learners_address_is_the_one_judged(self, learner_session, make_key):
        _, raw = make_key(allowed_networks=["203.0.113.0/24"])
        inside = learner_session.post(
            URL, form(raw), HTTP_HX_REQUEST="true", REMOTE_ADDR="203.0.113.9"
        ).content.decode()
        outside = learner_session.post(URL, form(raw), HTTP_HX_REQUEST="true").content.decode()
        assert status_line(inside) == "HTTP/1.1 200 OK"
        assert status_line(outside) == "HTTP/1.1 403 Forbidden"

    def test_a_json_body_is_sent(self, learner_session, key_and_raw):
        body = '{"model": "sandbox-small", "messages": [{"role": "user", "content": "Hi"}]}'
        page = learner_session.post(
            URL,
            form(
                key_and_raw[1],
                method="POST",
                path="/sandbox/api/chat/completions",
                body=body,
                headers=[("Authorization", "Bearer {key}"), ("Content-Type", "application/json")],
            ),
            HTTP_HX_REQUEST="true",
        ).content.decode()
        assert status_line(page) == "HTTP/1.1 200 OK" and "chat.completion" in page

    def test_curl_and_python_snippets_show_the_same_request(self, learner_session, key_and_raw):
        key, raw = key_and_raw
        page = learner_session.post(URL, form(raw, query="limit=2"), HTTP_HX_REQUEST="true")
        text = page.content.decode()
        assert "curl -i &#x27;http://testserver/sandbox/api/data?limit=2&#x27;" in text
        assert "requests.get(" in text and "timeout=10" in text
        assert f'data-masked="{key.prefix}"' in text

    def test_recent_requests_include_those_from_curl(self, learner_session, key_and_raw, client):
        _key, raw = key_and_raw
        from django.test import Client

        Client().get("/sandbox/api/models", HTTP_AUTHORIZATION=f"Bearer {raw}")  # "curl"
        page = learner_session.get(URL).content.decode()
        assert "GET /sandbox/api/models" in page


class TestRefusals:
    def test_paths_outside_the_api_are_refused(self, learner_session):
        response = learner_session.post(URL, form(path="/admin/"), HTTP_HX_REQUEST="true")
        assert response.status_code == 400
        assert "under /sandbox/api/ only" in response.content.decode()
        assert not AccessLogEntry.objects.exists()

    def test_a_placeholder_without_a_key_is_refused(self, learner_session):
        response = learner_session.post(URL, form(""), HTTP_HX_REQUEST="true")
        assert response.status_code == 400 and "key field is empty" in response.content.decode()

    @pytest.mark.parametrize("htmx", [True, False])
    def test_a_refused_request_does_not_echo_a_key(self, learner_session, key_and_raw, htmx):
        key, raw = key_and_raw
        data = form(raw, method=raw, path=f"/admin/{raw}", headers=[(raw, "x")])
        extra = {"HTTP_HX_REQUEST": "true"} if htmx else {}
        response = learner_session.post(URL, data, **extra)
        assert response.status_code == 400
        assert raw not in response.content.decode() and key.prefix in response.content.decode()

    def test_an_invalid_header_name_is_refused(self, learner_session):
        response = learner_session.post(
            URL, form(headers=[("Bad Header", "x")]), HTTP_HX_REQUEST="true"
        )
        assert (
            response.status_code == 400 and "not a valid header name" in response.content.decode()
        )


class TestPresets:
    def test_every_outcome_has_a_preset(self):
        expected = {p.expect for p in PRESETS}
        assert expected == {"200", "400", "401", "403", "429"}
        assert len(PRESETS) >= 15

    def test_a_preset_fills_the_form_as_a_plain_link(self, client):
        page = client.get(URL + "?preset=key-in-url").content.decode()
        assert 'value="api_key={key}"' in page and "<html" in page

    def test_htmx_gets_only_the_fields(self, client):
        response = client.get(URL + "?preset=read-only", HTTP_HX_REQUEST="true")
        page = response.content.decode()
        assert page.lstrip().startswith('<div id="request-fields"')
        assert "/sandbox/api/chat/completions" in page and "read scope" in page

    @pytest.mark.parametrize(
        ("slug", "status"),
        [
            ("valid", 200),
            ("lower-case-scheme", 200),
            ("missing", 401),
            ("token-scheme", 401),
            ("basic-scheme", 401),
            ("no-scheme", 401),
            ("other-header", 401),
            ("key-in-url", 401),
            ("header-and-url", 400),
            ("empty-bearer", 401),
            ("malformed", 401),
            ("unknown-key", 401),
        ],
    )
    def test_presets_give_the_status_they_promise(self, learner_session, key_and_raw, slug, status):
        preset = next(p for p in PRESETS if p.slug == slug)
        assert preset.expect == str(status)
        request = preset.request
        data = form(
            key_and_raw[1],
            method=request.method,
            path=request.path,
            query=request.query,
            body=request.body,
            headers=request.headers or [("Accept", "*/*")],
        )
        page = learner_session.post(URL, data, HTTP_HX_REQUEST="true").content.decode()
        assert status_line(page).startswith(f"HTTP/1.1 {status} ")
