"""Fuzzing the new request fields: a delay, a fault, stream options. The only 5xx is one asked for."""

import json
from urllib.parse import urlencode

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from learnapp.sandbox import simulate

pytestmark = pytest.mark.django_db

DATA = "/sandbox/api/data"
CHAT = "/sandbox/api/chat/completions"

numbers = st.integers(min_value=-10, max_value=10_000).map(str)
texts = st.text(max_size=12)
values = st.one_of(
    numbers, texts, st.sampled_from(["500", "502", "503", "0", "3000", "3001", " 5 ", "503,503"])
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=6,
)
chat_bodies = st.fixed_dictionaries(
    {"model": st.just("sandbox-small"), "messages": st.just([{"role": "user", "content": "Hi"}])},
    optional={
        "stream": st.one_of(st.booleans(), json_values),
        "stream_options": st.one_of(
            st.fixed_dictionaries({"include_usage": st.one_of(st.booleans(), json_values)}),
            json_values,
        ),
        "max_tokens": st.one_of(st.integers(min_value=-5, max_value=5000), json_values),
    },
)


@pytest.fixture
def no_waiting(monkeypatch):
    monkeypatch.setattr(simulate, "sleep", lambda seconds: None)


def wire(value: str) -> str:
    # What a WSGI server hands over: the header's bytes (here UTF-8) decoded as ISO-8859-1.
    return value.encode("utf-8").decode("latin-1")


@settings(
    max_examples=200,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    path=st.sampled_from([DATA, CHAT]),
    delay=st.none() | values,
    fault=st.none() | values,
    in_query=st.booleans(),
    body=chat_bodies,
)
def test_only_an_asked_for_fault_is_a_5xx(
    key_and_raw, no_waiting, path, delay, fault, in_query, body
):
    meta = {"HTTP_AUTHORIZATION": f"Bearer {key_and_raw[1]}"}
    query = {}
    for name, header, value in (
        ("delay_ms", "X_SANDBOX_DELAY_MS", delay),
        ("fault", "X_SANDBOX_FAULT", fault),
    ):
        if value is None:
            continue
        if in_query:
            query[name] = value
        else:
            meta["HTTP_" + header] = wire(value)
    client = Client(raise_request_exception=False)
    if path == CHAT:
        response = client.post(
            path + ("?" + urlencode(query) if query else ""),
            json.dumps(body),
            content_type="application/json",
            **meta,
        )
    else:
        response = client.get(path, query, **meta)
    if response.streaming:
        text = b"".join(response.streaming_content).decode()
        assert text.endswith("data: [DONE]\n\n")
    asked = fault.strip() if fault is not None else None
    if response.status_code >= 500:
        assert str(response.status_code) == asked, (path, delay, fault, body)
        assert response.json()["hint"]
    else:
        assert response["Content-Type"].startswith(("application/json", "text/event-stream"))
