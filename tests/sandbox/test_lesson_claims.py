"""What the lessons say about the sandbox holds: each test quotes the sentence it checks."""

import re
from pathlib import Path

import pytest
from django.conf import settings

from learnapp.sandbox import api, ratelimit

pytestmark = pytest.mark.django_db

TRACK = Path(settings.BASE_DIR) / "content" / "prompt-engineering-genai" / "calling-model-apis"
DATA = "/sandbox/api/data"
CHAT = "/sandbox/api/chat/completions"
UNKNOWN = "sbx_test_000000000000_" + "0" * 40


def lesson(slug: str) -> str:
    return (TRACK / slug / "lesson.md").read_text()


@pytest.fixture
def answers(client, make_key, frozen_clock):
    """One request for each kind of answer the API gives, by name."""
    _, raw = make_key()
    _, read_only = make_key(scopes=["read"])
    _, slow = make_key(rate_limit_per_minute=1)
    _, fenced = make_key(allowed_networks=["203.0.113.0/24"])
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    client.get(DATA, HTTP_AUTHORIZATION=f"Bearer {slow}")
    return {
        "200": client.get(DATA, **bearer),
        "201": client.post(DATA, {"a": 1}, content_type="application/json", **bearer),
        "400 both places": client.get(f"{DATA}?api_key={raw}", **bearer),
        "400 bad body": client.post(CHAT, {}, content_type="application/json", **bearer),
        "401 missing": client.get(DATA),
        "401 empty": client.get(DATA, HTTP_AUTHORIZATION="Bearer "),
        "401 unknown": client.get(DATA, HTTP_AUTHORIZATION=f"Bearer {UNKNOWN}"),
        "401 in the URL": client.get(f"{DATA}?api_key={raw}"),
        "403 scope": client.post(
            CHAT, {}, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {read_only}"
        ),
        "403 address": client.get(DATA, HTTP_AUTHORIZATION=f"Bearer {fenced}"),
        "404": client.get("/sandbox/api/nothing", **bearer),
        "405": client.delete(DATA, **bearer),
        "413": client.post(CHAT, "x" * (api.MAX_BODY + 1), content_type="text/plain", **bearer),
        "414": client.get(DATA + "?q=" + "u" * api.MAX_URL),
        "429 key": client.get(DATA, HTTP_AUTHORIZATION=f"Bearer {slow}"),
        "431": client.get(DATA, HTTP_X_JUNK="j" * (api.MAX_HEADER + 1)),
    }


def test_every_answer_carries_the_ratelimit_fields(answers, monkeypatch):
    claim = "Every answer from the [sandbox](/sandbox/) API's endpoints, errors included, carries `RateLimit-Policy` and `RateLimit`"
    assert claim in lesson("rate-limits-key-rotation")
    missing = [
        name
        for name, response in answers.items()
        if not (response.has_header("RateLimit-Policy") and response.has_header("RateLimit"))
    ]
    assert missing == []


def test_the_address_budgets_429_carries_them_too(client, monkeypatch, frozen_clock):
    monkeypatch.setattr(ratelimit, "ANONYMOUS_LIMIT", 0)
    response = client.get(DATA, REMOTE_ADDR="198.51.100.77")
    assert response.status_code == 429
    assert response["RateLimit"].startswith('"sandbox-unauthenticated";r=0;')
    assert response["Retry-After"]


def test_every_401_carries_a_challenge_and_so_does_a_missing_scope(answers):
    claim = "every 401 carries its `WWW-Authenticate` challenge (and so does the 403 for a missing scope), and every error body explains why and what to change"
    assert claim in lesson("auth-headers-status-codes")
    for name, response in answers.items():
        if response.status_code == 401 or name == "403 scope":
            assert response["WWW-Authenticate"].startswith('Bearer realm="sandbox"'), name
        if response.status_code >= 400:
            body = response.json()
            assert body["explanation"] and body["hint"], name


def test_each_answer_has_the_status_the_lessons_table_gives(answers):
    table = lesson("auth-headers-status-codes")
    assert "| 401 Unauthorized | The request lacks valid authentication credentials" in table
    assert "Key missing, empty, mistyped, expired or revoked" in table
    assert "or the token sent in two places at once" in table
    for name, response in answers.items():
        assert response.status_code == int(name.split()[0]), name


def test_the_policy_in_the_lesson_is_a_new_keys_policy(answers):
    assert 'RateLimit-Policy: "sandbox";q=60;w=60' in lesson("rate-limits-key-rotation")
    assert answers["200"]["RateLimit-Policy"] == '"sandbox";q=60;w=60'


def test_the_empty_key_variable_gets_the_challenge_the_lesson_names(answers):
    claim = "That includes a header that says `Bearer` and then carries nothing, which is what an empty key variable produces"
    assert claim in lesson("auth-headers-status-codes")
    assert 'error="invalid_token"' in answers["401 empty"]["WWW-Authenticate"]


def test_every_challenge_a_lesson_links_to_exists(client):
    from learnapp.sandbox.challenges import CHALLENGES

    content = Path(settings.BASE_DIR) / "content"
    links = {
        (path.relative_to(content).as_posix(), slug)
        for path in content.rglob("*.md")
        for slug in re.findall(r"/sandbox/challenges/#([\w-]+)", path.read_text())
    }
    assert len(links) >= len(CHALLENGES)  # the pattern still finds the links
    known = {challenge.slug for challenge in CHALLENGES}
    assert sorted(link for link in links if link[1] not in known) == []
    page = client.get("/sandbox/challenges/").content.decode()
    assert all(f'id="{slug}"' in page for slug in known)
