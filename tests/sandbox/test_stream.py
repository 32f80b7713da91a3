"""Streamed chat completions: server-sent events in the shape OpenAI-compatible clients read."""

import json
import time

import pytest

from learnapp.sandbox import api, simulate
from learnapp.sandbox.models import AccessLogEntry

pytestmark = pytest.mark.django_db

CHAT = "/sandbox/api/chat/completions"
HELLO = [{"role": "user", "content": "Hello there sandbox"}]


def post(client, bearer, meta=None, **body):
    body.setdefault("model", "sandbox-small")
    body.setdefault("messages", HELLO)
    return client.post(CHAT, body, content_type="application/json", **bearer, **(meta or {}))


def events(response) -> list:
    """The data of each event, parsed as the openai package's SSE decoder reads them: lines
    starting with "data: ", events split by a blank line, "[DONE]" ends the stream."""
    text = b"".join(response.streaming_content).decode()
    assert text.endswith("\n\n")
    parsed = []
    for block in text.split("\n\n")[:-1]:
        assert block.startswith("data: "), block
        data = block[len("data: ") :]
        parsed.append(data if data == "[DONE]" else json.loads(data))
    return parsed


def test_a_streamed_completion_is_chunks_ending_with_done(client, bearer):
    response = post(client, bearer, stream=True)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/event-stream")
    assert response["Cache-Control"] == "no-store"
    got = events(response)
    assert got[-1] == "[DONE]"
    chunks = got[:-1]
    assert {c["object"] for c in chunks} == {"chat.completion.chunk"}
    assert len({c["id"] for c in chunks}) == 1 and chunks[0]["id"].startswith("chatcmpl-")
    assert {c["model"] for c in chunks} == {"sandbox-small"}
    assert all(isinstance(c["created"], int) for c in chunks)
    assert chunks[0]["choices"][0]["delta"]["role"] == "assistant"
    assert [c["choices"][0]["finish_reason"] for c in chunks] == [None] * (len(chunks) - 1) + [
        "stop"
    ]
    assert chunks[-1]["choices"][0]["delta"] == {}
    assert all("usage" not in c for c in chunks)  # not asked for


def test_the_streamed_text_is_the_whole_answers_text(client, bearer):
    whole = post(client, bearer).json()
    streamed = events(post(client, bearer, stream=True))[:-2]
    text = "".join(c["choices"][0]["delta"]["content"] for c in streamed)
    assert text == whole["choices"][0]["message"]["content"]
    assert len(streamed) == whole["usage"]["completion_tokens"]


def test_include_usage_adds_a_usage_chunk_before_done(client, bearer):
    got = events(post(client, bearer, stream=True, stream_options={"include_usage": True}))
    usage_chunk = got[-2]
    assert usage_chunk["choices"] == []
    assert usage_chunk["usage"] == {
        "prompt_tokens": 3,
        "completion_tokens": len(got) - 3,
        "total_tokens": len(got),
    }
    assert all(c["usage"] is None for c in got[:-2])


def test_a_stream_is_logged_once_with_its_time_to_first_token(client, bearer):
    response = post(client, bearer, stream=True, stream_options={"include_usage": True})
    assert AccessLogEntry.objects.count() == 0  # nothing is logged before the stream ends
    words = len(events(response)) - 4  # role+words, final, usage, [DONE]
    entry = AccessLogEntry.objects.get()
    assert entry.status == 200 and entry.outcome == "ok"
    assert entry.ttft_ms is not None
    assert simulate.FIRST_TOKEN_MS <= entry.ttft_ms < entry.latency_ms
    # Every later word waits its chunk delay, so the total is at least that much longer.
    assert entry.latency_ms - entry.ttft_ms >= words * simulate.CHUNK_DELAY_MS * 0.9
    assert entry.prompt_tokens == 3 and entry.completion_tokens == words + 1


def test_the_delay_is_spent_before_the_first_token(client, bearer):
    started = time.perf_counter()
    response = post(client, bearer, {"HTTP_X_SANDBOX_DELAY_MS": "300"}, stream=True)
    assert (
        time.perf_counter() - started < 0.25
    )  # the view answers at once: the wait is in the stream
    events(response)
    entry = AccessLogEntry.objects.get()
    assert 300 <= entry.ttft_ms < 300 + 250


def test_max_tokens_cuts_the_stream_short_with_length(client, bearer):
    got = events(post(client, bearer, stream=True, max_tokens=2))
    assert [c["choices"][0]["finish_reason"] for c in got[:-1]] == [None, None, "length"]


# Closing the response ends the request, and with it the request's database connection: on
# PostgreSQL the row is written on a new one, which a test wrapped in a transaction cannot open.
@pytest.mark.django_db(transaction=True)
def test_an_unstarted_stream_closed_by_the_server_is_still_logged_once(client, bearer):
    response = post(client, bearer, stream=True)
    response.close()
    response.close()
    assert AccessLogEntry.objects.count() == 1
    assert AccessLogEntry.objects.get().ttft_ms is None  # no token was ever sent


@pytest.mark.parametrize(
    "body, problem",
    [
        ({"stream": "yes"}, "stream must be true or false"),
        ({"stream_options": {"include_usage": True}}, "only allowed with"),
        ({"stream": True, "stream_options": []}, "stream_options must be an object"),
        (
            {"stream": True, "stream_options": {"include_usage": 1}},
            "stream_options must be an object",
        ),
        ({"max_tokens": 0}, "max_tokens must be"),
        ({"max_tokens": True}, "max_tokens must be"),
        ({"max_tokens": api.MAX_TOKENS + 1}, "max_tokens must be"),
    ],
)
def test_a_bad_stream_field_is_a_400_that_says_which(client, bearer, body, problem):
    response = post(client, bearer, **body)
    assert response.status_code == 400
    data = response.json()
    assert data["error"]["code"] == "invalid_body"
    assert problem in data["error"]["message"]
    assert data["explanation"] and data["hint"]
    assert AccessLogEntry.objects.get().outcome == "invalid_body"


def test_the_openapi_document_describes_streams_faults_and_delays(client):
    document = client.get("/sandbox/api/openapi.json").json()
    chat = document["paths"]["/chat/completions"]["post"]
    assert "text/event-stream" in chat["responses"]["200"]["content"]
    assert "[DONE]" in chat["description"]
    assert {"500", "503"} <= set(chat["responses"])
    assert "Retry-After" in chat["responses"]["503"]["headers"]
    request = document["components"]["schemas"]["ChatRequest"]["properties"]
    assert {"stream", "stream_options", "max_tokens"} <= set(request)
    parameters = document["components"]["parameters"]
    assert parameters["DelayHeader"]["name"] == "X-Sandbox-Delay-Ms"
    assert parameters["DelayHeader"]["schema"]["maximum"] == simulate.MAX_DELAY_MS
    for operations in document["paths"].values():
        for operation in operations.values():
            names = {p["$ref"].rsplit("/", 1)[1] for p in operation["parameters"] if "$ref" in p}
            assert {"DelayHeader", "FaultHeader"} <= names
