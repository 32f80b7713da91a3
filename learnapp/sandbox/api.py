"""The sandbox's mock HTTP API under /sandbox/api/: JSON in and out, authenticated by key only.

Every request goes through `handle`: size limits, method, credentials, rate limit, then the
endpoint; every answer is written to the access log. Nothing here reads a cookie, the session or
request.user, and the views are exempt from CSRF: a bearer key is not sent by the browser on its
own, so there is nothing for a cross-site request to ride on.
"""

import functools
import hashlib
import json
import re
import time
from collections.abc import Callable
from urllib.parse import parse_qsl, urlencode

from django.core.exceptions import DisallowedHost, RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from . import accesslog, auth, keys, outcomes, ratelimit
from .challenges import MAX_ENTRIES
from .models import Category, SandboxKey, Scope, Source
from .outcomes import Failure

MAX_BODY = 64 * 1024
MAX_HEADER = 8 * 1024
MAX_AUTHORIZATION = 4 * 1024
MAX_HEADERS_TOTAL = 32 * 1024
MAX_URL = 2048
REALM = "sandbox"
KEEP_PER_LEARNER = MAX_ENTRIES  # the newest rows of each learner's log, all the challenges read
TRIM_EVERY = 500  # about one row in this many trims its learner's log (accesslog)

Handler = Callable[[HttpRequest, SandboxKey], HttpResponse]


class BadInput(Exception):
    def __init__(self, failure: Failure):
        super().__init__(failure.code)
        self.failure = failure


def size_failure(meta: dict) -> Failure | None:
    """Refuse oversized requests from their headers alone, before the body is read."""
    total = 0
    for name, value in meta.items():
        if name.startswith("HTTP_") and isinstance(value, str):
            limit = MAX_AUTHORIZATION if name == "HTTP_AUTHORIZATION" else MAX_HEADER
            if len(value) > limit:
                return outcomes.headers_too_large(limit)
            total += len(name) + len(value)
    if total > MAX_HEADERS_TOTAL:
        return outcomes.headers_too_large(MAX_HEADER)
    if len(meta.get("PATH_INFO", "")) + len(meta.get("QUERY_STRING", "")) > MAX_URL:
        return outcomes.uri_too_long(MAX_URL)
    try:
        length = int(meta.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return outcomes.bad_content_length()
    if length < 0:
        return outcomes.bad_content_length()
    if length > MAX_BODY:
        return outcomes.body_too_large(MAX_BODY)
    return None


def challenge(failure: Failure) -> str | None:
    """The WWW-Authenticate value for a failure (RFC 6750 section 3), or None for none."""
    if failure.bearer_error is None:
        return f'Bearer realm="{REALM}"'
    if not failure.bearer_error:
        return None
    value = f'Bearer realm="{REALM}", error="{failure.bearer_error}"'
    if failure.description:
        value += f', error_description="{failure.description}"'
    if failure.scope:
        value += f', scope="{failure.scope}"'
    return value


def absolute(request: HttpRequest, path: str) -> str:
    try:
        return request.build_absolute_uri(path)
    except DisallowedHost:
        return path


def error_body(request: HttpRequest, failure: Failure) -> dict:
    error = {"type": failure.type, "code": failure.code, "message": failure.message}
    if failure.scope:
        error["scope"] = failure.scope
    lesson = failure.lesson_link
    return {
        "error": error,
        "explanation": failure.explanation,
        "hint": failure.hint,
        "lesson": {"title": lesson["title"], "url": absolute(request, lesson["url"])},
    }


def error_response(request: HttpRequest, failure: Failure) -> JsonResponse:
    response = JsonResponse(error_body(request, failure), status=failure.status)
    value = challenge(failure)
    if value:
        response["WWW-Authenticate"] = value
    if failure.allow:
        response["Allow"] = ", ".join(failure.allow)
    return response


def _printable(text: str, limit: int) -> str:
    # The log is for people, and PostgreSQL refuses NUL characters in text.
    return "".join(ch if ch.isprintable() else "?" for ch in text[:limit])


def _masked_value(name: str, value: str) -> str:
    if name.lower() in auth.QUERY_KEY_NAMES:
        key_id = keys.key_id_of(value)
        return keys.masked(key_id) if key_id else "****"
    return keys.mask_keys(value)


def loggable_path(request: HttpRequest) -> str:
    """The path and query with every key-like value masked: what the access log may keep."""
    path = keys.mask_keys(request.path)
    query = request.META.get("QUERY_STRING", "")
    if query:
        pairs = [
            (keys.mask_keys(name), _masked_value(name, value))
            for name, value in parse_qsl(query, keep_blank_values=True)
        ]
        path += "?" + urlencode(pairs, safe="*/")
    return _printable(path, 300)


def record(
    request: HttpRequest,
    response: HttpResponse,
    result: auth.Result,
    failure: Failure | None,
    started: float,
    now,
) -> None:
    key = result.key or result.seen_key
    key_id = key.key_id if key else result.named_key_id
    source = getattr(request, "sandbox_source", Source.HTTP)
    if source == Source.PLAYGROUND:
        learner_id = request.sandbox_learner_id
    else:
        learner_id = key.learner_id if key else None
    # Held for the next batch (accesslog); the playground's page shows the log right after
    # its request, so that request is written at once.
    accesslog.add(
        now=source == Source.PLAYGROUND,
        learner_id=learner_id,
        key=key,
        key_prefix=keys.masked(key_id) if key_id else "",
        created_at=now,
        method=_printable(request.method or "", 16),
        path=loggable_path(request),
        status=response.status_code,
        outcome=failure.code if failure else "ok",
        category=failure.category if failure else Category.VALID,
        source=source,
        latency_ms=round((time.perf_counter() - started) * 1000, 3),
        retry_after=int(response["Retry-After"]) if response.has_header("Retry-After") else None,
    )


def handle(request: HttpRequest, methods: dict[str, str], handler: Handler | None) -> HttpResponse:
    """Answer one API request: the real status, headers and teaching body, and log it."""
    started = time.perf_counter()
    now = timezone.now()
    result = auth.Result()
    failure = size_failure(request.META)
    if failure is None and handler is None:
        failure = outcomes.not_found(request.path)
    if failure is None and request.method not in methods:
        failure = outcomes.method_not_allowed(tuple(methods))
    if failure is None:
        result = auth.authenticate(request, methods[request.method], now)
        failure = result.failure
    logged = True
    if failure is None:
        usage = ratelimit.hit(result.key.key_id, result.key.rate_limit_per_minute)
        if not usage.allowed:
            failure = outcomes.rate_limited(
                result.key.prefix, result.key.rate_limit_per_minute, usage.reset
            )
    else:
        # No valid key vouches for this request: it spends the client address's budget.
        usage = ratelimit.hit_anonymous(ratelimit.client_address(request))
        if not usage.allowed:
            failure = outcomes.unauthenticated_flood(usage.limit, usage.reset)
            # One row says the budget ran out; the rest of the window's flood writes nothing.
            logged = usage.first_refusal
    response = None
    if failure is None:
        try:
            response = handler(request, result.key)
        except BadInput as exc:
            failure = exc.failure
    if failure is not None:
        response = error_response(request, failure)
    for name, value in usage.headers().items():
        response[name] = value
    response["Cache-Control"] = "no-store"
    if logged:
        record(request, response, result, failure, started, now)
    # The access log above has this request, masked; Django's request logger would write the
    # raw path of every 4xx, and a path can hold a key.
    response._has_been_logged = True
    return response


def endpoint(methods: dict[str, str]) -> Callable[[Handler], Callable[..., HttpResponse]]:
    """An API view for `handler`; `methods` maps each accepted method to the scope it needs."""

    def decorate(handler: Handler) -> Callable[..., HttpResponse]:
        @csrf_exempt
        @functools.wraps(handler)
        def view(request: HttpRequest, **kwargs) -> HttpResponse:
            return handle(request, methods, handler)

        view.sandbox_methods = methods
        return view

    return decorate


READ = {"GET": Scope.READ, "HEAD": Scope.READ}


def read_json(request: HttpRequest) -> dict:
    try:
        raw = request.body
    except RequestDataTooBig:
        raise BadInput(outcomes.body_too_large(MAX_BODY)) from None
    if not raw.strip():
        raise BadInput(outcomes.invalid_json("The body is empty."))
    try:
        payload = json.loads(raw)
    except (ValueError, RecursionError):
        raise BadInput(outcomes.invalid_json("It could not be parsed.")) from None
    if not isinstance(payload, dict):
        raise BadInput(
            outcomes.invalid_body(
                "The body must be a JSON object.", 'Send an object, for example {"name": "x"}.'
            )
        )
    return payload


def _digest(value) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()


RECORDS = [
    {"id": "rec_001", "city": "Lisbon", "temperature_c": 21.5, "condition": "sunny"},
    {"id": "rec_002", "city": "Oslo", "temperature_c": 4.0, "condition": "snow"},
    {"id": "rec_003", "city": "Nairobi", "temperature_c": 24.0, "condition": "cloudy"},
    {"id": "rec_004", "city": "Lima", "temperature_c": 18.5, "condition": "fog"},
    {"id": "rec_005", "city": "Osaka", "temperature_c": 16.0, "condition": "rain"},
]

MODELS = [
    {"id": "sandbox-small", "object": "model", "owned_by": "learnapp", "context_window": 4096},
    {"id": "sandbox-large", "object": "model", "owned_by": "learnapp", "context_window": 32768},
]

REPLIES = [
    "Hello from the sandbox. Your key worked: this reply came back with status 200.",
    "The sandbox received your messages. Real model APIs answer in the same shape.",
    "Sandbox reply: authentication passed, the rate limit allowed it, here is your completion.",
    "This is a canned sandbox answer; send the same messages again and you get it again.",
]


LIMIT_RE = re.compile(r"[0-9]{1,6}")
ROLES = ("system", "user", "assistant")


@endpoint({**READ, "POST": Scope.WRITE})
def data(request: HttpRequest, key: SandboxKey) -> HttpResponse:
    if request.method == "POST":
        payload = read_json(request)
        record_id = "rec_" + _digest(payload)[:10]
        return JsonResponse(
            {"id": record_id, "object": "record", "stored": False, "fields": sorted(payload)[:50]},
            status=201,
        )
    # Parsed here rather than through request.GET, which refuses over 1000 fields with an error.
    limit = dict(parse_qsl(request.META.get("QUERY_STRING", ""))).get("limit", "")
    count = len(RECORDS)
    if limit:
        # ASCII digits only: str.isdigit() also accepts "²", which int() then refuses.
        if not LIMIT_RE.fullmatch(limit) or not 1 <= int(limit) <= len(RECORDS):
            raise BadInput(
                outcomes.invalid_parameter(
                    f"limit must be a whole number from 1 to {len(RECORDS)}.", "Try ?limit=2."
                )
            )
        count = int(limit)
    return JsonResponse({"object": "list", "data": RECORDS[:count], "total": len(RECORDS)})


@endpoint(READ)
def models(request: HttpRequest, key: SandboxKey) -> HttpResponse:
    return JsonResponse({"object": "list", "data": MODELS})


def _chat_request(payload: dict) -> tuple[str, list[dict]]:
    """The model and messages of a chat request, or BadInput saying which field is wrong.

    Every check looks at the type first: a list or object where a string belongs is a client's
    mistake to explain, not a value to hash or compare.
    """
    model = payload.get("model")
    names = [m["id"] for m in MODELS]
    if not isinstance(model, str) or model not in names:
        shown = "missing" if model is None else f"a JSON {_json_type(model)}"
        if isinstance(model, str):
            shown = "not a sandbox model"
        raise BadInput(
            outcomes.invalid_body(
                f"model must be the name of a sandbox model as a string; it is {shown}.",
                f'Use "model": "{names[0]}" or "{names[1]}" (GET /sandbox/api/models lists them).',
            )
        )
    messages = payload.get("messages")
    example = 'Send "messages": [{"role": "user", "content": "Hello"}].'
    if not isinstance(messages, list) or not messages:
        raise BadInput(
            outcomes.invalid_body(
                "messages must be a non-empty list of {role, content} objects.", example
            )
        )
    for n, message in enumerate(messages):
        where = f"messages[{n}]"
        if not isinstance(message, dict):
            kind = _json_type(message)
            problem = f"{where} must be an object with role and content; it is a JSON {kind}."
        elif not isinstance(message.get("role"), str) or message["role"] not in ROLES:
            problem = f"{where}.role must be one of the strings {', '.join(ROLES)}."
        elif not isinstance(message.get("content"), str):
            problem = f"{where}.content must be a string."
        else:
            continue
        raise BadInput(outcomes.invalid_body(problem, example))
    return model, messages


def _json_type(value) -> str:
    if isinstance(value, bool):
        return "boolean"
    return {dict: "object", list: "array", str: "string", type(None): "null"}.get(
        type(value), "number"
    )


@endpoint({"POST": Scope.WRITE})
def chat_completions(request: HttpRequest, key: SandboxKey) -> HttpResponse:
    payload = read_json(request)
    model, messages = _chat_request(payload)
    digest = _digest([model, messages])
    reply = REPLIES[int(digest[:8], 16) % len(REPLIES)]
    prompt_tokens = sum(len(m["content"].split()) for m in messages)
    return JsonResponse(
        {
            "id": "chatcmpl-sbx-" + digest[:16],
            "object": "chat.completion",
            "created": int(time.time()),
            "model": model,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": reply},
                    "finish_reason": "stop",
                }
            ],
            "usage": {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": len(reply.split()),
                "total_tokens": prompt_tokens + len(reply.split()),
            },
        }
    )


@csrf_exempt
def not_found(request: HttpRequest, rest: str = "") -> HttpResponse:
    return handle(request, {}, None)
