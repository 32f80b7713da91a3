"""Oversized and garbage requests get a 4xx with a JSON explanation, never a 5xx."""

import json

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from learnapp.sandbox import api
from learnapp.sandbox.models import AccessLogEntry

pytestmark = pytest.mark.django_db

DATA = "/sandbox/api/data"
CHAT = "/sandbox/api/chat/completions"


def test_an_oversized_body_is_413_before_it_is_read(client, bearer):
    body = "x" * (api.MAX_BODY + 1)
    response = client.post(CHAT, body, content_type="application/json", **bearer)
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "body_too_large"


def test_a_body_beyond_djangos_own_limit_still_gets_our_413(client, bearer, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    response = client.post(CHAT, "x" * 5000, content_type="application/json", **bearer)
    assert response.status_code == 413


def test_a_huge_authorization_header_is_431(client):
    response = client.get(DATA, HTTP_AUTHORIZATION="Bearer " + "a" * (api.MAX_AUTHORIZATION + 1))
    assert response.status_code == 431
    assert response.json()["error"]["code"] == "headers_too_large"


def test_a_huge_other_header_is_431(client):
    assert client.get(DATA, HTTP_X_JUNK="j" * (api.MAX_HEADER + 1)).status_code == 431


def test_many_large_headers_together_are_431(client):
    headers = {f"HTTP_X_FILL_{n}": "f" * 4000 for n in range(10)}
    assert client.get(DATA, **headers).status_code == 431


def test_a_huge_url_is_414(client):
    assert client.get(DATA + "?q=" + "u" * api.MAX_URL).status_code == 414


def test_too_many_query_fields_are_not_a_500(client, bearer):
    assert client.get(DATA + "?" + "a&" * 1001, **bearer).status_code < 500


def test_a_garbage_content_length_is_400(client, bearer):
    response = client.generic("POST", CHAT, b"{}", CONTENT_LENGTH="nope", **bearer)
    assert response.status_code == 400


@pytest.mark.parametrize(
    "body",
    [b"\xff\xfe", b"[" * 100_00, b'{"model": "sandbox-small", "messages": "hi"}', b"[]", b"null"],
)
def test_garbage_bodies_are_400(client, bearer, body):
    response = client.generic("POST", CHAT, body, content_type="application/json", **bearer)
    assert response.status_code == 400


@pytest.mark.parametrize(
    "value",
    ["\x00", "Bearer \x7f", "Bearer 🔑", "\u202eBearer x", "Bearer =abc", "Bearer abc==def", "☃"],
)
def test_garbage_authorization_values_are_400_or_401(client, value):
    assert client.get(DATA, HTTP_AUTHORIZATION=value).status_code in (400, 401)


header_names = st.one_of(
    st.sampled_from(
        ["Authorization", "X-API-Key", "Content-Type", "Content-Length", "Host", "Cookie", "Key"]
    ),
    st.text(
        alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-",
        min_size=1,
        max_size=30,
    ),
)
header_values = st.one_of(
    st.text(max_size=200),
    st.builds(lambda t: "Bearer " + t, st.text(max_size=80)),
    st.builds(lambda t: "sbx_test_" + t, st.text(alphabet="0123456789abcdef_", max_size=60)),
    st.just("a" * 10_000),
)
methods = st.one_of(
    st.sampled_from(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE"]),
    st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=1, max_size=12),
)
paths = st.sampled_from(
    [DATA, CHAT, "/sandbox/api/models", "/sandbox/api/x/y", DATA + "?api_key=k"]
)


@settings(
    max_examples=150,
    deadline=None,
    database=None,  # nothing written to the work tree
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    method=methods,
    path=paths,
    headers=st.dictionaries(header_names, header_values, max_size=4),
    body=st.binary(max_size=300),
)
def test_no_request_gets_a_5xx(key_and_raw, method, path, headers, body):
    meta = {}
    for name, value in headers.items():
        name = name.upper().replace("-", "_")
        # What a WSGI server hands over: the header's bytes (here UTF-8) decoded as ISO-8859-1.
        value = value.encode("utf-8").decode("latin-1")
        meta[name if name in {"CONTENT_TYPE", "CONTENT_LENGTH"} else "HTTP_" + name] = value
    response = Client(raise_request_exception=False).generic(method, path, body, **meta)
    assert response.status_code < 500, (method, path, headers)
    if (
        path.startswith("/sandbox/api/")
        and response.status_code >= 400
        and meta.get("HTTP_HOST") is None
    ):
        assert response["Content-Type"] == "application/json"


# -- odd values in well-formed requests: a 400 that names the field, and a log row ------------


@pytest.mark.parametrize(
    "limit", ["²", "٣", "99999999999999999999", "0", "6", "-1", "1.5", " 2", "0x2", "2e0"]
)
def test_an_odd_limit_is_400_with_a_reason_and_is_logged(client, bearer, limit):
    response = client.get(DATA, {"limit": limit}, **bearer)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_parameter"
    assert "limit must be a whole number from 1 to 5" in response.json()["error"]["message"]
    assert AccessLogEntry.objects.get().status == 400


def test_a_plain_limit_still_works(client, bearer):
    response = client.get(DATA, {"limit": "2"}, **bearer)
    assert response.status_code == 200 and len(response.json()["data"]) == 2


HELLO = [{"role": "user", "content": "Hello"}]


@pytest.fixture
def roomy_key(make_key) -> str:
    """A key whose rate limit no fuzz run reaches, so every example gets past it."""
    return make_key(rate_limit_per_minute=100_000)[1]


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({"model": ["sandbox-small"], "messages": HELLO}, "it is a JSON array"),
        ({"model": {"id": "sandbox-small"}, "messages": HELLO}, "it is a JSON object"),
        ({"model": 7, "messages": HELLO}, "it is a JSON number"),
        ({"model": True, "messages": HELLO}, "it is a JSON boolean"),
        ({"messages": HELLO}, "it is missing"),
        ({"model": "gpt-9", "messages": HELLO}, "not a sandbox model"),
        ({"model": "sandbox-small", "messages": [{"role": ["user"], "content": "x"}]}, ".role"),
        ({"model": "sandbox-small", "messages": [{"role": {}, "content": "x"}]}, ".role"),
        ({"model": "sandbox-small", "messages": [{"role": "user", "content": ["x"]}]}, ".content"),
        ({"model": "sandbox-small", "messages": [HELLO[0], "hi"]}, "messages[1]"),
        ({"model": "sandbox-small", "messages": {"role": "user"}}, "non-empty list"),
    ],
)
def test_a_chat_body_of_the_wrong_shape_is_400_naming_the_field(client, bearer, body, reason):
    response = client.post(CHAT, body, content_type="application/json", **bearer)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"]["code"] == "invalid_body"
    assert reason in response.json()["error"]["message"]
    assert AccessLogEntry.objects.get().status == 400


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)
messages = st.one_of(
    json_values,
    st.lists(
        st.one_of(
            json_values,
            st.fixed_dictionaries(
                {},
                optional={
                    "role": st.one_of(
                        st.sampled_from(["user", "system", "assistant"]), json_values
                    ),
                    "content": st.one_of(st.text(max_size=40), json_values),
                },
            ),
        ),
        max_size=4,
    ),
)
chat_bodies = st.fixed_dictionaries(
    {},
    optional={
        "model": st.one_of(st.sampled_from(["sandbox-small", "sandbox-large"]), json_values),
        "messages": messages,
        "temperature": json_values,
    },
)


@settings(
    max_examples=150,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(body=st.one_of(chat_bodies, json_values), path=st.sampled_from([CHAT, DATA]))
def test_no_json_body_gets_a_5xx_and_every_call_is_logged(roomy_key, body, path):
    before = AccessLogEntry.objects.count()
    response = Client().post(
        path,
        json.dumps(body),
        content_type="application/json",
        HTTP_AUTHORIZATION="Bearer " + roomy_key,
    )
    assert response.status_code in (200, 201, 400), body
    assert response["Content-Type"] == "application/json"
    if response.status_code == 400:
        assert response.json()["error"]["message"]
    assert AccessLogEntry.objects.count() == before + 1


@settings(
    max_examples=100,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    limit=st.one_of(
        st.text(max_size=25),
        # Digits of every script, superscripts and fractions: what str.isdigit() lets through.
        st.text(st.characters(categories=("Nd", "No")), min_size=1, max_size=4),
    )
)
def test_no_limit_value_gets_a_5xx(roomy_key, limit):
    response = Client().get(DATA, {"limit": limit}, HTTP_AUTHORIZATION="Bearer " + roomy_key)
    assert response.status_code in (200, 400)
    assert response["Content-Type"] == "application/json"
