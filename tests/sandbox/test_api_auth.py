"""Every authentication outcome of the sandbox API: status, challenge, error body."""

import itertools
from datetime import timedelta

import pytest
from django.utils import timezone

from learnapp.sandbox import accesslog
from learnapp.sandbox.models import AccessLogEntry

pytestmark = pytest.mark.django_db

DATA = "/sandbox/api/data"
CHAT = "/sandbox/api/chat/completions"
CHAT_BODY = {"model": "sandbox-small", "messages": [{"role": "user", "content": "Hello"}]}
BARE = 'Bearer realm="sandbox"'
UNKNOWN = "sbx_test_000000000000_" + "0" * 40


def error_of(response) -> dict:
    body = response.json()
    assert set(body) == {"error", "explanation", "hint", "lesson"}
    assert {"type", "code", "message"} <= set(body["error"])
    assert body["explanation"] and body["hint"]
    assert body["lesson"]["url"].startswith("http://testserver/patterns/")
    return body


def assert_no_key_in(response, raw: str) -> None:
    assert raw not in response.content.decode()
    assert all(raw not in value for _, value in response.items())


class TestSuccess:
    def test_a_valid_bearer_key_gets_200_and_data(self, client, bearer):
        response = client.get(DATA, **bearer)
        assert response.status_code == 200
        assert response["Content-Type"] == "application/json"
        assert [r["city"] for r in response.json()["data"]][:2] == ["Lisbon", "Oslo"]
        assert "WWW-Authenticate" not in response

    @pytest.mark.parametrize("scheme", ["Bearer", "bearer", "BEARER", "bEaReR"])
    def test_the_scheme_name_is_case_insensitive(self, client, key_and_raw, scheme):
        response = client.get(DATA, HTTP_AUTHORIZATION=f"{scheme} {key_and_raw[1]}")
        assert response.status_code == 200

    def test_several_spaces_and_surrounding_whitespace_are_allowed(self, client, key_and_raw):
        response = client.get(DATA, HTTP_AUTHORIZATION=f"  Bearer   {key_and_raw[1]}  ")
        assert response.status_code == 200

    def test_the_token_itself_is_case_sensitive(self, client, key_and_raw):
        response = client.get(DATA, HTTP_AUTHORIZATION=f"Bearer {key_and_raw[1].upper()}")
        assert response.status_code == 401

    def test_models_lists_the_sandbox_models(self, client, bearer):
        response = client.get("/sandbox/api/models", **bearer)
        assert [m["id"] for m in response.json()["data"]] == ["sandbox-small", "sandbox-large"]

    def test_chat_completions_gives_a_deterministic_canned_reply(self, client, bearer):
        first = client.post(CHAT, CHAT_BODY, content_type="application/json", **bearer).json()
        second = client.post(CHAT, CHAT_BODY, content_type="application/json", **bearer).json()
        assert (
            first["choices"][0]["message"]["content"] == second["choices"][0]["message"]["content"]
        )
        assert first["id"] == second["id"] and first["id"].startswith("chatcmpl-sbx-")
        assert first["object"] == "chat.completion" and first["model"] == "sandbox-small"

    def test_post_data_answers_201_and_stores_nothing(self, client, bearer):
        response = client.post(DATA, {"name": "x"}, content_type="application/json", **bearer)
        assert response.status_code == 201
        assert response.json()["stored"] is False and response.json()["fields"] == ["name"]

    def test_head_is_answered_like_get(self, client, bearer):
        assert client.head(DATA, **bearer).status_code == 200

    def test_no_cookie_is_set_and_none_is_needed(self, client, bearer):
        response = client.get(DATA, **bearer)
        assert not response.cookies
        assert response["Cache-Control"] == "no-store"

    def test_a_post_needs_no_csrf_token(self, bearer):
        from django.test import Client

        strict = Client(enforce_csrf_checks=True)
        response = strict.post(CHAT, CHAT_BODY, content_type="application/json", **bearer)
        assert response.status_code == 200


class TestNoUsableCredentials:
    """401 with the bare challenge and no error code (RFC 6750 section 3.1)."""

    def test_no_credentials_at_all(self, client):
        response = client.get(DATA)
        assert response.status_code == 401
        assert response["WWW-Authenticate"] == BARE
        assert error_of(response)["error"]["code"] == "missing_credentials"

    @pytest.mark.parametrize(
        "value",
        ["Token {raw}", "Basic dXNlcjpwYXNzd29yZA==", "{raw}", "Digest username=x", "ApiKey {raw}"],
    )
    def test_an_unsupported_scheme(self, client, key_and_raw, value):
        raw = key_and_raw[1]
        response = client.get(DATA, HTTP_AUTHORIZATION=value.format(raw=raw))
        assert response.status_code == 401
        assert response["WWW-Authenticate"] == BARE
        body = error_of(response)
        assert body["error"]["code"] == "unsupported_scheme"
        assert "Authorization: Bearer" in body["hint"]  # the explanation shows the Bearer form
        assert_no_key_in(response, raw)

    @pytest.mark.parametrize(
        "header", ["HTTP_X_API_KEY", "HTTP_API_KEY", "HTTP_KEY", "HTTP_X_WHATEVER"]
    )
    def test_the_key_in_another_header(self, client, key_and_raw, header):
        raw = key_and_raw[1]
        response = client.get(DATA, **{header: raw})
        assert response.status_code == 401
        assert response["WWW-Authenticate"] == BARE
        body = error_of(response)
        assert body["error"]["code"] == "key_in_wrong_header"
        assert "Authorization: Bearer" in body["hint"]
        assert_no_key_in(response, raw)

    @pytest.mark.parametrize("param", ["api_key", "access_token", "key", "token"])
    def test_the_key_in_the_query_is_refused_and_explained(self, client, key_and_raw, param):
        raw = key_and_raw[1]
        response = client.get(f"{DATA}?{param}={raw}")
        assert response.status_code == 401
        assert response["WWW-Authenticate"] == BARE
        body = error_of(response)
        assert body["error"]["code"] == "key_in_url"
        assert "logs" in body["explanation"] and "browser history" in body["explanation"]
        assert "why-not-put-the-key-in-the-url" in body["lesson"]["url"]
        assert_no_key_in(response, raw)

    def test_names_that_hold_a_key_are_not_echoed(self, client, key_and_raw):
        raw = key_and_raw[1]
        assert client.get(f"{DATA}?{raw}={raw}").status_code == 401
        assert client.get(DATA, **{f"HTTP_{raw.upper()}": raw}).status_code == 401

    def test_a_key_in_the_url_shows_in_its_owners_log_masked(self, client, key_and_raw):
        key, raw = key_and_raw
        client.get(f"{DATA}?api_key={raw}&limit=2")
        entry = AccessLogEntry.objects.get()
        assert entry.learner_id == key.learner_id and entry.key == key
        assert entry.path == f"{DATA}?api_key={key.prefix}&limit=2"
        assert raw not in entry.path


class TestEmptyOrMalformedToken:
    """A token that is there but empty or unreadable: 401 invalid_token (RFC 6750 section 3.1),
    as the api-key-management practice set teaches for an empty key variable."""

    @pytest.mark.parametrize("value", ["Bearer", "Bearer ", "bearer     ", "Bearer \t "])
    def test_bearer_with_no_token(self, client, value):
        response = client.get(DATA, HTTP_AUTHORIZATION=value)
        assert response.status_code == 401
        assert response["WWW-Authenticate"] == (
            f'{BARE}, error="invalid_token", error_description="The access token is empty"'
        )
        assert error_of(response)["error"]["code"] == "empty_token"

    def test_the_lessons_empty_variable_gets_401(self, client):
        api_key = ""
        response = client.get(DATA, HTTP_AUTHORIZATION="Bearer " + api_key)
        assert response.status_code == 401

    @pytest.mark.parametrize(
        "value",
        [
            'Bearer "sbx_test_quoted"',
            "Bearer two tokens",
            "Bearer a,b",
            "Bearer ключ",
            "Bearer caf\xe9",
            "Bearer x\x00y",
            "Bearer tab\there",
        ],
    )
    def test_a_malformed_value(self, client, value):
        response = client.get(DATA, HTTP_AUTHORIZATION=value)
        assert response.status_code == 401
        assert 'error="invalid_token"' in response["WWW-Authenticate"]
        assert error_of(response)["error"]["code"] == "malformed_authorization"


class TestInvalidRequest:
    """400 with error="invalid_request": a real protocol error."""

    def test_the_key_in_both_header_and_query(self, client, key_and_raw):
        raw = key_and_raw[1]
        response = client.get(f"{DATA}?api_key={raw}", HTTP_AUTHORIZATION=f"Bearer {raw}")
        assert response.status_code == 400
        assert response["WWW-Authenticate"] == (
            f'{BARE}, error="invalid_request", '
            'error_description="Token sent by more than one method"'
        )
        assert error_of(response)["error"]["code"] == "key_in_header_and_url"
        assert_no_key_in(response, raw)


class TestInvalidToken:
    """401 with error="invalid_token" and a description of why."""

    def test_a_well_formed_key_that_does_not_exist(self, client):
        response = client.get(DATA, HTTP_AUTHORIZATION=f"Bearer {UNKNOWN}")
        assert response.status_code == 401
        assert response["WWW-Authenticate"] == (
            f'{BARE}, error="invalid_token", error_description="Unknown key"'
        )
        body = error_of(response)
        assert body["error"]["code"] == "unknown_key"
        assert "sbx_test_000000000000_****" in body["error"]["message"]

    def test_a_right_id_with_a_wrong_secret_looks_like_an_unknown_key(self, client, key_and_raw):
        key, raw = key_and_raw
        wrong = raw[:-1] + ("0" if raw[-1] != "0" else "1")
        response = client.get(DATA, HTTP_AUTHORIZATION=f"Bearer {wrong}")
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "unknown_key"
        assert AccessLogEntry.objects.get().learner_id == key.learner_id  # the owner sees it

    def test_a_token_that_is_not_a_sandbox_key(self, client):
        response = client.get(DATA, HTTP_AUTHORIZATION="Bearer sk-test-4f9a1c")
        assert response.status_code == 401
        assert 'error="invalid_token"' in response["WWW-Authenticate"]
        assert response.json()["error"]["code"] == "not_a_sandbox_key"

    def test_an_expired_key(self, client, make_key):
        key, raw = make_key(expires_at=timezone.now() - timedelta(seconds=1))
        response = client.get(DATA, HTTP_AUTHORIZATION=f"Bearer {raw}")
        assert response.status_code == 401
        assert response["WWW-Authenticate"] == (
            f'{BARE}, error="invalid_token", error_description="The access token expired"'
        )
        body = error_of(response)
        assert body["error"]["code"] == "expired_key"
        assert "expired" in body["error"]["message"] and key.prefix in body["error"]["message"]
        assert_no_key_in(response, raw)

    def test_a_key_before_its_expiry_works(self, client, make_key):
        _, raw = make_key(expires_at=timezone.now() + timedelta(minutes=1))
        assert client.get(DATA, HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200

    def test_a_revoked_key(self, client, key_and_raw):
        key, raw = key_and_raw
        key.revoke()
        response = client.get(DATA, HTTP_AUTHORIZATION=f"Bearer {raw}")
        assert response.status_code == 401
        assert response["WWW-Authenticate"] == (
            f'{BARE}, error="invalid_token", error_description="The access token was revoked"'
        )
        body = error_of(response)
        assert body["error"]["code"] == "revoked_key"
        assert "revoked" in body["error"]["message"]


class TestForbidden:
    def test_a_read_only_key_on_a_write_endpoint(self, client, make_key):
        key, raw = make_key(scopes=["read"])
        response = client.post(
            CHAT, CHAT_BODY, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {raw}"
        )
        assert response.status_code == 403
        assert response["WWW-Authenticate"] == (
            f'{BARE}, error="insufficient_scope", '
            'error_description="The key lacks the required scope", scope="write"'
        )
        body = error_of(response)
        assert body["error"] == {
            "type": "permission_error",
            "code": "insufficient_scope",
            "message": f"The key {key.prefix} is not allowed to write.",
            "scope": "write",
        }

    def test_a_read_only_key_still_reads(self, client, make_key):
        _, raw = make_key(scopes=["read"])
        assert client.get(DATA, HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200

    def test_a_write_only_key_cannot_read(self, client, make_key):
        _, raw = make_key(scopes=["write"])
        response = client.get(DATA, HTTP_AUTHORIZATION=f"Bearer {raw}")
        assert response.status_code == 403 and 'scope="read"' in response["WWW-Authenticate"]

    @pytest.mark.parametrize(
        ("networks", "address", "status"),
        [
            (["203.0.113.0/24"], "203.0.113.7", 200),
            (["203.0.113.0/24"], "198.51.100.7", 403),
            (["198.51.100.7", "2001:db8::/32"], "2001:db8::1", 200),
            (["198.51.100.7"], "198.51.100.8", 403),
            ([], "192.0.2.1", 200),
        ],
    )
    def test_allowed_networks_use_the_client_address(
        self, client, make_key, networks, address, status
    ):
        _, raw = make_key(allowed_networks=networks)
        response = client.get(DATA, HTTP_AUTHORIZATION=f"Bearer {raw}", REMOTE_ADDR=address)
        assert response.status_code == status
        if status == 403:
            body = error_of(response)
            assert body["error"]["code"] == "address_not_allowed"
            assert address in body["error"]["message"]
            assert "WWW-Authenticate" not in response

    def test_a_forwarded_for_header_does_not_change_the_address(self, client, make_key):
        _, raw = make_key(allowed_networks=["203.0.113.0/24"])
        response = client.get(
            DATA,
            HTTP_AUTHORIZATION=f"Bearer {raw}",
            HTTP_X_FORWARDED_FOR="203.0.113.7",
            REMOTE_ADDR="198.51.100.1",
        )
        assert response.status_code == 403


class TestRouting:
    def test_an_unknown_path_is_a_json_404(self, client, bearer):
        response = client.get("/sandbox/api/nothing", **bearer)
        assert response.status_code == 404
        assert error_of(response)["error"]["code"] == "not_found"

    def test_a_wrong_method_is_a_405_with_allow(self, client, bearer):
        response = client.delete(DATA, **bearer)
        assert response.status_code == 405
        assert response["Allow"] == "GET, HEAD, POST"

    def test_a_bad_body_is_a_400_after_authentication(self, client, bearer):
        response = client.post(CHAT, "not json", content_type="application/json", **bearer)
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "invalid_json"
        response = client.post(CHAT, {"model": "gpt"}, content_type="application/json", **bearer)
        assert response.json()["error"]["code"] == "invalid_body"

    def test_a_bad_limit_is_a_400(self, client, bearer):
        assert client.get(DATA + "?limit=9", **bearer).status_code == 400
        assert len(client.get(DATA + "?limit=2", **bearer).json()["data"]) == 2


class TestQueryBudget:
    @pytest.fixture(autouse=True)
    def _no_trim_due(self, monkeypatch):
        # About one row in api.TRIM_EVERY also trims its learner's log, counted over every row
        # the process wrote: start the count afresh, so that these requests are not that row.
        monkeypatch.setattr(accesslog, "_written", itertools.count(1))

    def test_an_authenticated_request_takes_two_queries(
        self, client, bearer, django_assert_num_queries
    ):
        # 1. the key, by its id (with its replacement, for a revoked key's message)
        # 2. the access log entry
        with django_assert_num_queries(2):
            assert client.get(DATA, **bearer).status_code == 200

    def test_a_refused_key_takes_two_queries(self, client, make_key, django_assert_num_queries):
        _, raw = make_key(scopes=["read"])
        with django_assert_num_queries(2):  # as above
            response = client.post(
                CHAT, CHAT_BODY, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {raw}"
            )
        assert response.status_code == 403

    def test_a_request_without_a_key_takes_one_query(self, client, django_assert_num_queries):
        with django_assert_num_queries(1):  # the access log entry
            assert client.get(DATA).status_code == 401

    def test_the_rate_limit_costs_no_query(self, client, make_key, django_assert_num_queries):
        _, raw = make_key(rate_limit_per_minute=1)
        client.get(DATA, HTTP_AUTHORIZATION=f"Bearer {raw}")
        with django_assert_num_queries(2):  # the key and the log entry: the counter is cached
            assert client.get(DATA, HTTP_AUTHORIZATION=f"Bearer {raw}").status_code in (200, 429)


class TestExplanationsFitTheMistake:
    @pytest.mark.parametrize("scheme", ["Bearer", "bearer", "BEARER"])
    def test_bearer_glued_to_the_key_is_explained_as_a_missing_space(
        self, client, key_and_raw, scheme
    ):
        raw = key_and_raw[1]
        response = client.get(DATA, HTTP_AUTHORIZATION=scheme + raw)
        assert response.status_code == 401
        body = error_of(response)
        assert body["error"]["code"] == "unsupported_scheme"
        assert "no space between Bearer and the key" in body["explanation"]
        assert "held the key alone" not in body["explanation"]
        assert "one space after Bearer" in body["hint"]
        assert_no_key_in(response, raw)

    def test_the_key_alone_is_still_explained_as_the_key_alone(self, client, key_and_raw):
        body = error_of(client.get(DATA, HTTP_AUTHORIZATION=key_and_raw[1]))
        assert "held the key alone" in body["explanation"]

    @pytest.mark.parametrize(
        ("scopes", "method", "held"),
        [
            (["read"], "POST", "it has only the 'read' scope"),
            (["write"], "GET", "it has only the 'write' scope"),
            ([], "GET", "it has no scopes"),
        ],
    )
    def test_a_scope_refusal_names_the_keys_own_scopes(
        self, client, make_key, scopes, method, held
    ):
        _, raw = make_key(scopes=scopes)
        response = client.generic(
            method,
            CHAT if method == "POST" else DATA,
            CHAT_BODY,
            HTTP_AUTHORIZATION=f"Bearer {raw}",
        )
        assert response.status_code == 403
        assert held in error_of(response)["explanation"]
