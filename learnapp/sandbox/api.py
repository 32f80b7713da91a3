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
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode

from django.core.exceptions import DisallowedHost, RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from . import accesslog, auth, keys, outcomes, pricing, ratelimit, simulate
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
    if failure.retry_after:
        response["Retry-After"] = str(failure.retry_after)
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
        outcome=failure.code if failure else getattr(response, "sandbox_outcome", "ok"),
        category=failure.category if failure else Category.VALID,
        source=source,
        latency_ms=round((time.perf_counter() - started) * 1000, 3),
        retry_after=int(response["Retry-After"]) if response.has_header("Retry-After") else None,
        # A completion's usage and cost, and a stream's time to first token (see _completion).
        **getattr(response, "sandbox_log", {}),
    )


class _LoggedStream:
    """A streamed body that logs its request once, when the server closes the response.

    The WSGI server (gunicorn's sync worker included) calls close() after the last chunk is
    sent or the client went away; Django passes that on to an iterator with a close() method.
    A generator's own `finally` would not do: a generator that never started never runs it.
    """

    def __init__(self, chunks, on_close: Callable[[], None]):
        self._chunks = iter(chunks)
        self._on_close = on_close

    def __iter__(self):
        return self

    def __next__(self):
        return next(self._chunks)

    def close(self) -> None:
        on_close, self._on_close = self._on_close, None
        if on_close is not None:
            on_close()


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
    simulation = simulate.Simulation()
    if failure is None:
        simulation, failure = simulate.read(request.META)
    if failure is None and simulation.fault:
        failure = simulate.fault_failure(simulation.fault)
    if failure is None:
        # What a streamed completion needs to time its first token from the request's start.
        request.sandbox_simulation = simulation
        request.sandbox_started = started
        try:
            response = handler(request, result.key)
        except BadInput as exc:
            failure = exc.failure
    if failure is not None:
        response = error_response(request, failure)
    for name, value in usage.headers().items():
        response[name] = value
    response["Cache-Control"] = "no-store"
    if not response.streaming:
        # A stream waits before its first token instead (_stream), so that TTFT shows it.
        simulate.sleep(simulation.delay_seconds)
    if logged and response.streaming:
        stream = response
        stream.streaming_content = _LoggedStream(
            stream.streaming_content,
            lambda: record(request, stream, result, failure, started, now),
        )
        if getattr(request, "sandbox_source", Source.HTTP) == Source.PLAYGROUND:
            # The playground shows a whole response on its page: read the stream to its end
            # here, which also logs it, as the playground's requests are, before the page.
            response = _drained(response)
    elif logged:
        record(request, response, result, failure, started, now)
    # The access log above has this request, masked; Django's request logger would write the
    # raw path of every 4xx, and a path can hold a key.
    response._has_been_logged = True
    return response


def _drained(response: StreamingHttpResponse) -> HttpResponse:
    try:
        body = b"".join(response.streaming_content)
    finally:
        response.close()
    whole = HttpResponse(body, status=response.status_code)
    for name, value in response.items():
        whole[name] = value
    return whole


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
    {
        "id": "sandbox-small",
        "object": "model",
        "owned_by": "learnapp",
        "context_window": 4096,
        "pricing": pricing.PRICES["sandbox-small"].as_json(),
    },
    {
        "id": "sandbox-large",
        "object": "model",
        "owned_by": "learnapp",
        "context_window": 32768,
        "pricing": pricing.PRICES["sandbox-large"].as_json(),
    },
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


MAX_TOKENS = 4096


@dataclass(frozen=True)
class ChatOptions:
    stream: bool = False
    include_usage: bool = False
    max_tokens: int | None = None


def _chat_options(payload: dict) -> ChatOptions:
    """stream, stream_options and max_tokens, as OpenAI's chat API reads them."""
    stream = payload.get("stream", False)
    if not isinstance(stream, bool):
        raise BadInput(
            outcomes.invalid_body(
                f"stream must be true or false; it is a JSON {_json_type(stream)}.",
                'Send "stream": true for server-sent events, or leave it out.',
            )
        )
    options = payload.get("stream_options")
    include_usage = False
    if options is not None:
        example = 'Send "stream": true, "stream_options": {"include_usage": true}.'
        if not stream:
            raise BadInput(
                outcomes.invalid_body(
                    'stream_options is only allowed with "stream": true.', example
                )
            )
        if not isinstance(options, dict) or not isinstance(
            options.get("include_usage", False), bool
        ):
            raise BadInput(
                outcomes.invalid_body(
                    "stream_options must be an object whose include_usage is true or false.",
                    example,
                )
            )
        include_usage = options.get("include_usage", False)
    max_tokens = payload.get("max_tokens")
    if max_tokens is not None and (
        isinstance(max_tokens, bool)
        or not isinstance(max_tokens, int)
        or not 1 <= max_tokens <= MAX_TOKENS
    ):
        raise BadInput(
            outcomes.invalid_body(
                f"max_tokens must be a whole number from 1 to {MAX_TOKENS}.",
                'Send "max_tokens": 5 to see an answer cut short (finish_reason "length").',
            )
        )
    return ChatOptions(stream, include_usage, max_tokens)


def _usage(prompt_tokens: int, completion_tokens: int) -> dict:
    return {
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "total_tokens": prompt_tokens + completion_tokens,
    }


@endpoint({"POST": Scope.WRITE})
def chat_completions(request: HttpRequest, key: SandboxKey) -> HttpResponse:
    payload = read_json(request)
    model, messages = _chat_request(payload)
    options = _chat_options(payload)
    digest = _digest([model, messages])
    # The sandbox's tokenizer: one token per word. Real tokenizers differ (the cost lesson
    # says so); what matters here is that usage, cost and the stream agree with each other.
    words = REPLIES[int(digest[:8], 16) % len(REPLIES)].split(" ")
    finish_reason = "stop"
    if options.max_tokens is not None and len(words) > options.max_tokens:
        words, finish_reason = words[: options.max_tokens], "length"
    prompt_tokens = sum(len(m["content"].split()) for m in messages)
    completion = {
        "id": "chatcmpl-sbx-" + digest[:16],
        "created": int(time.time()),
        "model": model,
    }
    usage = _usage(prompt_tokens, len(words))
    log = {
        "prompt_tokens": prompt_tokens,
        "completion_tokens": len(words),
        "cost_usd": pricing.cost(model, prompt_tokens, len(words)),
    }
    if options.stream:
        simulation = getattr(request, "sandbox_simulation", simulate.Simulation())
        started = getattr(request, "sandbox_started", time.perf_counter())
        response = StreamingHttpResponse(
            _stream(completion, words, finish_reason, usage, options, simulation, started, log),
            content_type="text/event-stream; charset=utf-8",
        )
        # Proxies such as nginx would otherwise hold the events back and spoil the timing.
        response["X-Accel-Buffering"] = "no"
    else:
        response = JsonResponse(
            {
                **completion,
                "object": "chat.completion",
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": " ".join(words)},
                        "finish_reason": finish_reason,
                    }
                ],
                "usage": usage,
            }
        )
    response.sandbox_log = log
    if finish_reason == "length":
        # Still a 200, but the metrics count truncated answers (the cost lesson's rate).
        response.sandbox_outcome = "truncated"
    return response


def _event(data: dict | str) -> bytes:
    text = data if isinstance(data, str) else json.dumps(data, separators=(",", ":"))
    return f"data: {text}\n\n".encode()


def _stream(completion, words, finish_reason, usage, options, simulation, started, log):
    """Server-sent events in the shape of OpenAI's streamed chat completions.

    One word per chunk, CHUNK_DELAY_MS apart; the first waits for the requested delay, so time
    to first token is real: from the request's start to the moment that chunk is handed to the
    server, noted in `log`.
    """
    chunk = {**completion, "object": "chat.completion.chunk"}
    # With include_usage, every chunk but the last carries "usage": null, as OpenAI's do.
    extra = {"usage": None} if options.include_usage else {}
    simulate.sleep(simulation.delay_seconds + simulate.FIRST_TOKEN_MS / 1000)
    for n, word in enumerate(words):
        if n:
            simulate.sleep(simulate.CHUNK_DELAY_MS / 1000)
        delta = {"role": "assistant", "content": word} if n == 0 else {"content": " " + word}
        choice = {"index": 0, "delta": delta, "finish_reason": None}
        yield _event({**chunk, "choices": [choice], **extra})
        if n == 0:
            log["ttft_ms"] = round((time.perf_counter() - started) * 1000, 3)
    final = {"index": 0, "delta": {}, "finish_reason": finish_reason}
    yield _event({**chunk, "choices": [final], **extra})
    if options.include_usage:
        yield _event({**chunk, "choices": [], "usage": usage})
    yield _event("[DONE]")


@csrf_exempt
def not_found(request: HttpRequest, rest: str = "") -> HttpResponse:
    return handle(request, {}, None)
