"""A streamed completion over real HTTP, read as an OpenAI-compatible client reads it: requests
with stream=True, line by line, timing the first token on the client's own clock."""

import json
import time

import pytest
import requests
from django.db import OperationalError

from learnapp.sandbox import accesslog
from learnapp.sandbox.models import AccessLogEntry

pytestmark = pytest.mark.django_db(transaction=True)


def logged_rows(expected: int = 1, within: float = 5.0) -> int:
    """How many rows the log holds once the server has written the stream's row.

    The row is written when the server closes the response, in the live server's thread, just
    after the client has read `[DONE]`; on SQLite a read at that moment finds the table locked.
    """
    deadline = time.monotonic() + within
    while True:
        try:
            accesslog.flush()
            count = AccessLogEntry.objects.count()
        except OperationalError:  # "database table is locked": the server is writing the row
            count = None
        if (count is not None and count >= expected) or time.monotonic() > deadline:
            return count or 0
        time.sleep(0.05)


def read_stream(response) -> tuple[list, float | None]:
    """The parsed events, and when the first content arrived (perf_counter)."""
    got, first = [], None
    # chunk_size=1: hand each line over as soon as its bytes arrive, not once 512 have.
    for line in response.iter_lines(chunk_size=1, decode_unicode=True):
        if not line:
            continue  # the blank line that ends each event
        assert line.startswith("data: ")
        data = line[len("data: ") :]
        if data == "[DONE]":
            got.append(data)
            break
        chunk = json.loads(data)
        if first is None and chunk["choices"] and chunk["choices"][0]["delta"].get("content"):
            first = time.perf_counter()
        got.append(chunk)
    return got, first


def test_ttft_is_real_on_the_wire_and_logged_once(live_server, key_and_raw):
    url = live_server.url + "/sandbox/api/chat/completions"
    body = {
        "model": "sandbox-large",
        "messages": [{"role": "user", "content": "Stream please"}],
        "stream": True,
        "stream_options": {"include_usage": True},
    }
    headers = {"Authorization": f"Bearer {key_and_raw[1]}", "X-Sandbox-Delay-Ms": "400"}
    # The live server's first request loads what every later one reuses: not part of a TTFT.
    requests.get(live_server.url + "/sandbox/api/openapi.json", timeout=10)
    sent = time.perf_counter()
    with requests.post(url, json=body, headers=headers, stream=True, timeout=10) as response:
        headers_at = time.perf_counter()
        assert response.status_code == 200
        assert response.headers["Content-Type"].startswith("text/event-stream")
        got, first = read_stream(response)
    done = time.perf_counter()
    assert got[-1] == "[DONE]" and got[-2]["usage"]["total_tokens"] > 0
    text = "".join(c["choices"][0]["delta"].get("content", "") for c in got[:-2])
    assert text and got[0]["choices"][0]["delta"]["role"] == "assistant"
    # A WSGI server sends the headers with the first chunk, so they too wait for the delay.
    assert headers_at <= first
    client_ttft = (first - sent) * 1000
    assert 400 <= client_ttft < 400 + 500
    assert done - first > 0.1  # the rest of the words took their time
    assert logged_rows() == 1
    entry = AccessLogEntry.objects.get()
    assert entry.status == 200
    assert 400 <= entry.ttft_ms <= client_ttft
    assert entry.ttft_ms < entry.latency_ms <= (done - sent) * 1000
    assert entry.cost_usd > 0


def test_a_client_that_stops_reading_is_still_logged_once(live_server, key_and_raw):
    url = live_server.url + "/sandbox/api/chat/completions"
    body = {
        "model": "sandbox-small",
        "messages": [{"role": "user", "content": "Hi"}],
        "stream": True,
    }
    with requests.post(
        url,
        json=body,
        headers={"Authorization": f"Bearer {key_and_raw[1]}"},
        stream=True,
        timeout=10,
    ) as response:
        next(response.iter_lines())
    assert logged_rows() >= 1
    time.sleep(0.5)  # long enough for a second row, were one to be written
    assert logged_rows() == 1
