"""The playground: a composed request is sent through the API's own view, so what the page shows
is the true response, and the request lands in the access log like any other (source
"playground").

The learner's key is typed into the form and used for this one request; it is never rendered
back into a page. Snippets and re-rendered fields show its masked prefix instead.
"""

import json
import re
import shlex
from dataclasses import dataclass, field
from io import BytesIO

from django.core.handlers.wsgi import WSGIRequest
from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve

from . import keys
from .auth import address_allowed
from .models import SandboxKey, Scope, Source

KEY_PLACEHOLDER = "{key}"
MAX_HEADER_ROWS = 12
HEADER_NAME_RE = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")  # RFC 9110 token
UNKNOWN_KEY = "sbx_test_000000000000_" + "0" * 40
CHAT_BODY = (
    '{\n  "model": "sandbox-small",\n  "messages": [{"role": "user", "content": "Hello"}]\n}'
)


@dataclass
class Composed:
    method: str = "GET"
    path: str = "/sandbox/api/data"
    query: str = ""
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: str = ""
    repeat: int = 1

    def filled(self, key: str) -> "Composed":
        """The request with the key put in place of every {key}."""
        return Composed(
            method=self.method,
            path=self.path,
            query=self.query.replace(KEY_PLACEHOLDER, key),
            headers=[(n, v.replace(KEY_PLACEHOLDER, key)) for n, v in self.headers],
            body=self.body.replace(KEY_PLACEHOLDER, key),
            repeat=self.repeat,
        )

    def masked(self) -> "Composed":
        """The request as a page may show it again: every key-like string masked."""
        return Composed(
            method=self.method,
            path=keys.mask_keys(self.path),
            query=keys.mask_keys(self.query),
            headers=[(keys.mask_keys(n), keys.mask_keys(v)) for n, v in self.headers],
            body=keys.mask_keys(self.body),
            repeat=self.repeat,
        )

    def uses_key(self) -> bool:
        texts = [self.query, self.body, *(v for _, v in self.headers)]
        return any(KEY_PLACEHOLDER in t for t in texts)


@dataclass(frozen=True)
class Preset:
    slug: str
    label: str
    expect: str
    note: str
    request: Composed
    # The kind of key the outcome needs ("" for any working key): see key_note().
    needs: str = ""


def _preset(slug, label, expect, note="", needs="", **request) -> Preset:
    return Preset(slug, label, expect, note, Composed(**request), needs)


BEARER = [("Authorization", "Bearer {key}")]
CHAT_REQUEST = {
    "method": "POST",
    "path": "/sandbox/api/chat/completions",
    "headers": [*BEARER, ("Content-Type", "application/json")],
    "body": CHAT_BODY,
}
PRESETS = [
    _preset("valid", "Valid key", "200", headers=BEARER),
    _preset(
        "lower-case-scheme",
        "Scheme in lower case",
        "200",
        "Scheme names are case-insensitive.",
        headers=[("authorization", "bearer {key}")],
    ),
    _preset(
        "models", "List models", "200", method="GET", path="/sandbox/api/models", headers=BEARER
    ),
    _preset(
        "chat",
        "Chat completion",
        "200",
        "Needs a key with the write scope.",
        needs="write",
        **CHAT_REQUEST,
    ),
    _preset("missing", "No Authorization header", "401"),
    _preset("token-scheme", "Token scheme", "401", headers=[("Authorization", "Token {key}")]),
    _preset(
        "basic-scheme",
        "Basic scheme",
        "401",
        headers=[("Authorization", "Basic dXNlcjpwYXNzd29yZA==")],
    ),
    _preset("no-scheme", "Key without Bearer", "401", headers=[("Authorization", "{key}")]),
    _preset("other-header", "Key in X-API-Key", "401", headers=[("X-API-Key", "{key}")]),
    _preset("key-in-url", "Key in the URL", "401", query="api_key={key}"),
    _preset(
        "header-and-url", "Key in header and URL", "400", headers=BEARER, query="api_key={key}"
    ),
    _preset("empty-bearer", "Bearer without a token", "401", headers=[("Authorization", "Bearer")]),
    _preset(
        "malformed",
        "Malformed token",
        "401",
        headers=[("Authorization", 'Bearer "{key}", extra')],
    ),
    _preset(
        "unknown-key",
        "Unknown key",
        "401",
        "A well-formed key that does not exist.",
        headers=[("Authorization", f"Bearer {UNKNOWN_KEY}")],
    ),
    _preset(
        "expired-key",
        "Expired key",
        "401",
        "Needs a key whose expiry has passed: create one that expires in 1 minute and wait.",
        needs="expired",
        headers=BEARER,
    ),
    _preset(
        "revoked-key",
        "Revoked key",
        "401",
        "Needs a key you have revoked.",
        needs="revoked",
        headers=BEARER,
    ),
    _preset(
        "read-only",
        "Read-only key, write endpoint",
        "403",
        "Needs a key with only the read scope.",
        needs="read-only",
        **CHAT_REQUEST,
    ),
    _preset(
        "address",
        "Address not allowed",
        "403",
        "Needs a key whose allowed addresses leave yours out, such as 203.0.113.0/24.",
        needs="address",
        headers=BEARER,
    ),
    _preset(
        "rate-limit",
        "Over the rate limit",
        "429",
        "Needs a key with a limit of 5 per minute: this sends the request 6 times.",
        needs="rate-limit",
        headers=BEARER,
        repeat=6,
    ),
]
PRESETS_BY_SLUG = {p.slug: p for p in PRESETS}
RATE_LIMIT_PRESET_LIMIT = 5


def key_note(preset: Preset | None, raw_key: str, learner, address: str, now) -> str:
    """Why the pasted key will not show the preset's outcome, or "" when it will.

    Said next to the response, so a learner who pasted an everyday key into "Read-only key"
    learns why they got a 200 rather than wondering what the lesson got wrong.
    """
    if preset is None or not raw_key or not preset.request.uses_key():
        return ""
    key_id = keys.key_id_of(raw_key)
    row = SandboxKey.objects.of(learner).filter(key_id=key_id).first() if key_id else None
    if row is None:
        return "The key you pasted is not one of your keys, so the API will not know it."
    working = not (row.is_revoked(now) or row.is_expired(now))
    expect = f"expect something other than {preset.expect}"
    if preset.needs == "write" and Scope.WRITE not in row.scopes:
        return f"This preset needs a key with the write scope; yours has only read: {expect}."
    if preset.needs == "read-only" and Scope.WRITE in row.scopes:
        return f"This preset needs a key with only the read scope; yours can write: {expect}."
    if preset.needs == "expired" and not row.is_expired(now):
        return f"This preset needs a key whose expiry has passed; yours has not expired: {expect}."
    if preset.needs == "revoked" and not row.is_revoked(now):
        return f"This preset needs a revoked key; yours is not revoked: {expect}."
    if preset.needs == "address" and address_allowed(address, row.allowed_networks):
        return f"This preset needs a key that does not allow your address; yours does: {expect}."
    if preset.needs == "rate-limit" and row.rate_limit_per_minute > RATE_LIMIT_PRESET_LIMIT:
        return (
            f"This preset needs a key with a limit of {RATE_LIMIT_PRESET_LIMIT} per minute; yours"
            f" allows {row.rate_limit_per_minute}: {expect}."
        )
    if not preset.needs and not working:
        return f"This preset needs a working key; yours is revoked or expired: {expect}."
    return ""


def header_rows(data) -> list[tuple[str, str]]:
    names = data.getlist("header_name")[:MAX_HEADER_ROWS]
    values = data.getlist("header_value")[:MAX_HEADER_ROWS]
    return [(n.strip(), v.strip()) for n, v in zip(names, values, strict=False) if n.strip()]


def header_errors(rows: list[tuple[str, str]]) -> list[str]:
    errors = []
    for name, value in rows:
        if not HEADER_NAME_RE.fullmatch(name):
            errors.append(f"“{name[:40]}” is not a valid header name.")
        if "\r" in value or "\n" in value:
            errors.append(f"The value of {name[:40]} cannot have a line break.")
    return errors


def api_view(path: str):
    """The API view a path resolves to, or None when the path is not under /sandbox/api/."""
    try:
        match = resolve(path)
    except Resolver404:
        return None
    if match.namespace != "sandbox" or not match.url_name.startswith("api_"):
        return None
    return match


def _wire(value: str) -> str:
    # What a WSGI server hands Django: header bytes decoded as ISO-8859-1.
    return value.encode("utf-8").decode("latin-1")


def build_request(outer: HttpRequest, composed: Composed, learner_id: int) -> WSGIRequest:
    body = composed.body.encode("utf-8")
    environ = {
        "REQUEST_METHOD": composed.method,
        "SCRIPT_NAME": "",
        "PATH_INFO": composed.path,
        "QUERY_STRING": composed.query,
        # The learner's own address, so allowed-address lists judge the playground as they
        # judge the learner's own curl.
        "REMOTE_ADDR": outer.META.get("REMOTE_ADDR", "127.0.0.1"),
        "SERVER_NAME": outer.META.get("SERVER_NAME", "localhost"),
        "SERVER_PORT": outer.META.get("SERVER_PORT", "80"),
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": outer.META.get("HTTP_HOST", "localhost"),
        "wsgi.url_scheme": outer.scheme,
        "wsgi.input": BytesIO(body),
        "CONTENT_LENGTH": str(len(body)) if body else "",
    }
    for name, value in composed.headers:
        meta = name.upper().replace("-", "_")
        if meta in {"HOST", "CONTENT_LENGTH"}:
            continue  # set by the transport, as a real client would
        meta = meta if meta == "CONTENT_TYPE" else f"HTTP_{meta}"
        # Repeated fields combine into one, comma-separated (RFC 9110 section 5.3).
        environ[meta] = f"{environ[meta]}, {_wire(value)}" if meta in environ else _wire(value)
    request = WSGIRequest(environ)
    request.sandbox_source = Source.PLAYGROUND
    request.sandbox_learner_id = learner_id
    return request


def send(outer: HttpRequest, composed: Composed, learner_id: int) -> list[HttpResponse]:
    """Send the request `composed.repeat` times through the API view; every response."""
    match = api_view(composed.path)
    responses = []
    for _ in range(composed.repeat):
        inner = build_request(outer, composed, learner_id)
        responses.append(match.func(inner, **match.kwargs))
    return responses


@dataclass
class Shown:
    """A response as the page shows it."""

    status: int
    reason: str
    headers: list[tuple[str, str]]
    body: str
    data: dict | None


def show(response: HttpResponse) -> Shown:
    text = response.content.decode("utf-8", "replace")
    data = None
    try:
        data = json.loads(text)
        text = json.dumps(data, indent=2)
    except ValueError:
        pass
    return Shown(
        status=response.status_code,
        reason=response.reason_phrase,
        headers=list(response.items()),
        body=keys.mask_keys(text),
        data=data if isinstance(data, dict) else None,
    )


# -- snippets ---------------------------------------------------------------------------------


def segments(text: str) -> list[tuple[bool, str]]:
    """`text` split into (is_key, part); key parts are masked, and carry the key id to reveal."""
    parts: list[tuple[bool, str]] = []
    position = 0
    for match in keys.KEYISH_RE.finditer(text):
        parts.append((False, text[position : match.start()]))
        parts.append((True, keys.mask_keys(match.group(0))))
        position = match.end()
    parts.append((False, text[position:]))
    return [(is_key, part) for is_key, part in parts if part]


def _json_body(composed: Composed):
    try:
        return json.loads(composed.body) if composed.body.strip() else None
    except ValueError:
        return None


def curl(composed: Composed, base: str) -> str:
    url = base + composed.path + (f"?{composed.query}" if composed.query else "")
    parts = ["curl", "-i"]
    if composed.method == "HEAD":
        parts = ["curl", "-I"]
    elif composed.method != "GET" or (composed.method == "GET" and composed.body):
        parts += ["-X", composed.method]
    lines = [" ".join([*parts, shlex.quote(url)])]
    lines += [f"-H {shlex.quote(f'{name}: {value}')}" for name, value in composed.headers]
    if composed.body:
        lines.append(f"--data {shlex.quote(composed.body)}")
    return " \\\n  ".join(lines)


def python(composed: Composed, base: str) -> str:
    url = base + composed.path + (f"?{composed.query}" if composed.query else "")
    method = composed.method.lower()
    body = _json_body(composed)
    headers = dict(composed.headers)
    args = [repr(url)]
    if body is not None:
        # requests sets Content-Type: application/json itself for json=.
        headers = {n: v for n, v in headers.items() if n.lower() != "content-type"}
    if headers:
        args.append(f"headers={headers!r}")
    if body is not None:
        args.append(f"json={body!r}")
    elif composed.body:
        args.append(f"data={composed.body!r}")
    args.append("timeout=10")
    call = f"response = requests.{method}(\n    " + ",\n    ".join(args) + ",\n)"
    return "\n".join(
        [
            "import requests",
            "",
            call,
            "print(response.status_code, response.headers.get('WWW-Authenticate'))",
            "print(response.text)",
        ]
    )


def teaching(shown: Shown) -> dict:
    """What to learn from a response: the error body's own teaching part, or for a success, how
    to read its RateLimit fields."""
    if shown.data and "explanation" in shown.data:
        return {
            "explanation": shown.data["explanation"],
            "hint": shown.data.get("hint", ""),
            "lesson": shown.data.get("lesson"),
        }
    headers = dict(shown.headers)
    remaining = re.search(r";r=(\d+)", headers.get("RateLimit", ""))
    reset = re.search(r";t=(\d+)", headers.get("RateLimit", ""))
    explanation = f"{shown.status} {shown.reason}: the key was accepted."
    if remaining and reset:
        explanation += (
            f" RateLimit says r={remaining.group(1)}: that many requests are left in this window,"
            f" and t={reset.group(1)}: the window resets in {reset.group(1)} seconds."
        )
    return {
        "explanation": explanation,
        "hint": "Now change one thing at a time (the scheme, the header, the key) and watch how "
        "the status and the WWW-Authenticate challenge change.",
        "lesson": {
            "title": "Reading the RateLimit header fields",
            "url": "/patterns/rate-limits-key-rotation/#reading-the-ratelimit-header-fields",
        },
    }
