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
