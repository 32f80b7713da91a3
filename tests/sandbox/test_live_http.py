"""The lessons' own Python code, run verbatim against the live sandbox with only the URL changed."""

import contextlib
import gc
import io
import re
import time
from pathlib import Path

import pytest
import requests
from django.conf import settings

from learnapp.sandbox.models import create_key

pytestmark = pytest.mark.django_db(transaction=True)

TRACK = Path(settings.BASE_DIR) / "content" / "prompt-engineering-genai"


def lesson_code(path: str, marker: str) -> str:
    """The python block of a lesson that contains `marker`."""
    text = (TRACK / path / "lesson.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, re.DOTALL)
    return next(block for block in blocks if marker in block)


def run(code: str, old_url: str, new_url: str, extra: str = "") -> str:
    assert code.count(old_url) == 1  # the only change: the URL
    out = io.StringIO()
    namespace = {"__name__": "lesson"}
    with contextlib.redirect_stdout(out):
        exec(code.replace(old_url, new_url) + extra, namespace)
    # The lesson's functions and responses form reference cycles that keep a keep-alive socket
    # open, and with it a live-server thread holding a database connection: let them go now.
    namespace.clear()
    gc.collect()
    return out.getvalue()


@pytest.fixture
def sandbox_key(learner, monkeypatch):
    key, raw = create_key(learner, name="lesson", scopes=["read", "write"])
    monkeypatch.setenv("SANDBOX_API_KEY", raw)
    return key, raw


def test_the_try_it_code_gets_a_200(live_server, sandbox_key):
    code = lesson_code("model-metrics-evaluation/api-key-management", "Bearer")
    out = run(
        code, "https://sandbox.example.com/v1/models", live_server.url + "/sandbox/api/models"
    )
    assert out.strip() == "200"


def test_the_try_it_code_gets_a_401_for_a_revoked_key(live_server, sandbox_key):
    sandbox_key[0].revoke()
    code = lesson_code("model-metrics-evaluation/api-key-management", "Bearer")
    out = run(
        code, "https://sandbox.example.com/v1/models", live_server.url + "/sandbox/api/models"
    )
    assert out.strip() == "401"


def test_describe_failure_reads_the_sandbox_challenge(live_server, sandbox_key):
    code = lesson_code("calling-model-apis/auth-headers-status-codes", "describe_failure")
    url = live_server.url + "/sandbox/api/models"
    assert "sandbox-small" in run(code, "https://sandbox.example.com/v1/models", url)
    sandbox_key[0].revoke()
    out = run(code, "https://sandbox.example.com/v1/models", url)
    assert out.startswith('401: key rejected (Bearer realm="sandbox", error="invalid_token"')


def test_post_with_retries_honours_retry_after(live_server, make_key, monkeypatch, frozen_clock):
    _key, raw = make_key(rate_limit_per_minute=1)
    monkeypatch.setenv("SANDBOX_API_KEY", raw)
    waits: list[float] = []

    def sleep(seconds):  # time passes for the rate limiter, not for the test
        waits.append(seconds)
        frozen_clock.advance(seconds)

    monkeypatch.setattr(time, "sleep", sleep)
    code = lesson_code("calling-model-apis/rate-limits-key-rotation", "post_with_retries")
    call = (
        "\nfor _ in range(2):\n"
        "    r = post_with_retries({'model': 'sandbox-small', "
        "'messages': [{'role': 'user', 'content': 'Hi'}]})\n"
        "    print(r.status_code)\n"
    )
    out = run(
        code,
        "https://sandbox.example.com/v1/completions",
        live_server.url + "/sandbox/api/chat/completions",
        call,
    )
    assert out.split() == ["200", "200"]
    assert waits == [60]  # the second call was refused once and waited Retry-After


def test_the_key_in_the_query_is_refused_over_real_http(live_server, sandbox_key):
    response = requests.get(
        live_server.url + "/sandbox/api/data", params={"api_key": sandbox_key[1]}, timeout=10
    )
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="sandbox"'
    assert response.json()["error"]["code"] == "key_in_url"


def test_post_with_retries_does_not_sleep_after_its_last_attempt(
    live_server, make_key, monkeypatch, frozen_clock
):
    _key, raw = make_key(rate_limit_per_minute=1)
    monkeypatch.setenv("SANDBOX_API_KEY", raw)
    waits: list[float] = []
    monkeypatch.setattr(time, "sleep", waits.append)  # the window never ends: always 429
    code = lesson_code("calling-model-apis/rate-limits-key-rotation", "post_with_retries")
    call = (
        "\nbody = {'model': 'sandbox-small', 'messages': [{'role': 'user', 'content': 'Hi'}]}\n"
        "print(post_with_retries(body).status_code)\n"  # spends the one request
        "print(post_with_retries(body).status_code)\n"
    )
    out = run(
        code,
        "https://sandbox.example.com/v1/completions",
        live_server.url + "/sandbox/api/chat/completions",
        call,
    )
    assert out.split() == ["200", "429"]
    assert len(waits) == 4  # five attempts, a wait between each two and none after the last


def test_retry_after_seconds_reads_only_ascii_digits():
    code = lesson_code("calling-model-apis/rate-limits-key-rotation", "retry_after_seconds")
    namespace: dict = {"__name__": "lesson"}
    exec(code, namespace)

    class Response:
        def __init__(self, value):
            self.headers = {"Retry-After": value}

    assert namespace["retry_after_seconds"](Response("17")) == 17
    assert namespace["retry_after_seconds"](Response("²")) is None


def _python_blocks() -> list[tuple[str, str]]:
    blocks = []
    for path in sorted(TRACK.glob("*/*/*.md")):
        text = path.read_text()
        blocks += [(path.name, b) for b in re.findall(r"```python\n(.*?)```", text, re.DOTALL)]
    return blocks


def test_every_request_in_the_courses_code_has_a_timeout():
    calls = [
        (name, call)
        for name, block in _python_blocks()
        for call in re.findall(
            r"requests\.(?:get|post|put|patch|delete|head)\((.*?)\)\n", block, re.DOTALL
        )
    ]
    assert calls  # the pattern still finds the calls
    assert [(name, call) for name, call in calls if "timeout=" not in call] == []


def test_every_url_a_learner_must_replace_is_marked_as_such():
    lines = [
        line
        for _, block in _python_blocks()
        for line in block.splitlines()
        if "sandbox.example.com" in line and "=" in line.split("sandbox.example.com")[0]
    ]
    assert lines  # the lessons' runnable examples all start from this placeholder
    assert [line for line in lines if "# REPLACE" not in line] == []
