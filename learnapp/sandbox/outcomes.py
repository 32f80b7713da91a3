"""Every way a sandbox request can fail, with the status, challenge and teaching text it gets.

One place for all of it, so the API, the playground, the OpenAPI document and the tests agree.
Texts that refer to a key only ever show its masked prefix.
"""

from dataclasses import dataclass

from .models import Category

AUTH_LESSON = "/patterns/auth-headers-status-codes/"
LIMITS_LESSON = "/patterns/rate-limits-key-rotation/"
METRICS_LESSON = "/patterns/api-key-management/"
LATENCY_LESSON = "/patterns/latency-percentiles/"
ERRORS_LESSON = "/patterns/error-rate-error-budget/"
UTILISATION_LESSON = "/patterns/rate-limit-utilisation/"
COST_LESSON = "/patterns/token-usage-cost/"
EXTRACTION_LESSON = "/patterns/extraction-exact-match-f1/"
JUDGE_LESSON = "/patterns/llm-judge-agreement/"
KEY_HYGIENE_LESSON = "/patterns/key-hygiene-least-privilege/"

LESSON_SECTIONS = {
    "bearer": (
        AUTH_LESSON + "#the-authorization-header-and-the-bearer-scheme",
        "The Authorization header and the Bearer scheme",
    ),
    "url": (AUTH_LESSON + "#why-not-put-the-key-in-the-url", "Why not put the key in the URL"),
    "status": (AUTH_LESSON + "#reading-the-status-code", "Reading the status code"),
    "challenge": (
        AUTH_LESSON + "#the-www-authenticate-challenge",
        "The WWW-Authenticate challenge",
    ),
    "error_body": (AUTH_LESSON + "#reading-an-error-body", "Reading an error body"),
    "429": (
        LIMITS_LESSON + "#429-too-many-requests-and-retry-after",
        "429 Too Many Requests and Retry-After",
    ),
    "ratelimit": (
        LIMITS_LESSON + "#reading-the-ratelimit-header-fields",
        "Reading the RateLimit header fields",
    ),
    "rotation": (
        LIMITS_LESSON + "#key-rotation-with-an-overlap-window",
        "Key rotation with an overlap window",
    ),
    "metrics": (
        METRICS_LESSON + "#what-good-vs-bad-looks-like-for-api-key-management",
        "What good vs bad looks like",
    ),
    "latency": (
        LATENCY_LESSON + "#which-metric-matters-for-latency-and-why",
        "Latency percentiles and time to first token",
    ),
    "latency_thresholds": (
        LATENCY_LESSON + "#what-good-vs-bad-looks-like-for-latency",
        "What good vs bad looks like for latency",
    ),
    "errors": (
        ERRORS_LESSON + "#which-metric-matters-for-errors-and-why",
        "Error rate and error budget",
    ),
    "error_thresholds": (
        ERRORS_LESSON + "#what-good-vs-bad-looks-like-for-error-rates",
        "What good vs bad looks like for error rates",
    ),
    "utilisation": (
        UTILISATION_LESSON + "#which-metric-matters-for-rate-limits-and-why",
        "Rate-limit utilisation and the 429 rate",
    ),
    "utilisation_thresholds": (
        UTILISATION_LESSON + "#what-good-vs-bad-looks-like-for-rate-limit-metrics",
        "What good vs bad looks like for rate-limit metrics",
    ),
    "cost": (
        COST_LESSON + "#this-courses-illustrative-price-table",
        "This course's illustrative price table",
    ),
    "cost_thresholds": (
        COST_LESSON + "#what-good-vs-bad-looks-like-for-token-cost",
        "What good vs bad looks like for token cost",
    ),
    # The model-quality lessons, scored by POST /sandbox/api/evaluate/<pattern> (evaluate.py).
    "extraction": (
        EXTRACTION_LESSON + "#what-good-vs-bad-looks-like-for-extraction-scores",
        "What good vs bad looks like for extraction scores",
    ),
    "judge": (
        JUDGE_LESSON + "#what-good-vs-bad-looks-like-for-judge-agreement",
        "What good vs bad looks like for judge agreement",
    ),
    "key_hygiene": (
        KEY_HYGIENE_LESSON + "#rotating-without-breaking-anyone-traffic-on-the-old-key",
        "Rotating without breaking anyone: traffic on the old key",
    ),
}

BEARER_FORM = "Authorization: Bearer sbx_test_<id>_<secret>"


@dataclass(frozen=True)
class Failure:
    status: int
    code: str  # machine-readable, stable: what clients and the access log match on
    type: str
    message: str
    explanation: str
    hint: str
    lesson: str  # a key of LESSON_SECTIONS
    category: str
    # RFC 6750 section 3: None sends the bare challenge, "" sends no WWW-Authenticate at all.
    bearer_error: str | None = None
    description: str = ""  # error_description: printable ASCII without quotes or backslashes
    scope: str = ""
    allow: tuple[str, ...] = ()
    retry_after: int | None = None  # seconds, sent as Retry-After

    @property
    def lesson_link(self) -> dict:
        url, title = LESSON_SECTIONS[self.lesson]
        return {"title": title, "url": url}


def _auth(code: str, message: str, explanation: str, hint: str, lesson: str = "bearer") -> Failure:
    """401 with the bare challenge: no usable credentials reached the server (RFC 6750 3.1)."""
    return Failure(
        401,
        code,
        "authentication_error",
        message,
        explanation,
        hint,
        lesson,
        Category.NO_CREDENTIALS,
        bearer_error=None,
    )


def missing_credentials() -> Failure:
    return _auth(
        "missing_credentials",
        "No API key was sent.",
        "The request had no Authorization header, so the server cannot tell who is calling. "
        'It answers 401 with a bare challenge, WWW-Authenticate: Bearer realm="sandbox", '
        "and no error code: nothing was wrong with a key, because there was none.",
        f"Add the header {BEARER_FORM}, reading the key from an environment variable.",
        "challenge",
    )


def unsupported_scheme(scheme: str, looks_like_key: bool) -> Failure:
    hint = f"Send {BEARER_FORM}: the word Bearer (any case), one space, then the key."
    if scheme.lower().startswith("bearer") and len(scheme) > len("bearer"):
        # "Bearer" + key, with the space forgotten: one word, so no scheme the server knows.
        explanation = (
            "There is no space between Bearer and the key: the header reads 'Bearer' glued to "
            "the token as one word. The server takes that whole word as the scheme name, does "
            'not know it, and finds no token at all. In code this is usually "Bearer" + key '
            'where "Bearer " + key was meant.'
        )
        hint = f"Put one space after Bearer: {BEARER_FORM}."
    elif looks_like_key:
        explanation = (
            "The Authorization header held the key alone. A credential starts with its scheme "
            "name, so the server read your key as an unknown scheme and ignored it."
        )
    else:
        shown = scheme if scheme.isascii() and scheme.isprintable() and len(scheme) <= 20 else "?"
        explanation = (
            f"The Authorization header used the scheme '{shown}'. This API only understands "
            "Bearer (RFC 6750), so to the server the request carries no credentials it can use, "
            "and it answers with the bare Bearer challenge."
        )
    return _auth(
        "unsupported_scheme",
        "The Authorization header does not use the Bearer scheme.",
        explanation,
        hint,
    )


def key_in_other_header(header: str) -> Failure:
    return _auth(
        "key_in_wrong_header",
        f"The key was sent in the {header} header, which this API does not read.",
        f"Servers look for credentials in the Authorization header. A key in {header} is never "
        "seen, so the request counts as having no credentials.",
        f"Move the key into {BEARER_FORM} and remove the {header} header.",
    )


def key_in_url(parameter: str) -> Failure:
    return _auth(
        "key_in_url",
        f"API keys are not accepted in the URL (query parameter '{parameter}').",
        "URLs end up in server and proxy access logs, in browser history and in monitoring "
        "tools, so a key in a URL is a key written down in places you do not control "
        "(RFC 6750 section 2.3). This API does not read keys from the query, so the request "
        "counts as having no credentials. Treat a real key that has been in a URL as leaked.",
        f"Remove '{parameter}' from the URL and send {BEARER_FORM} instead.",
        "url",
    )


def _invalid_request(
    code: str, message: str, explanation: str, hint: str, description: str, lesson: str = "bearer"
) -> Failure:
    return Failure(
        400,
        code,
        "invalid_request_error",
        message,
        explanation,
        hint,
        lesson,
        Category.NO_CREDENTIALS,
        bearer_error="invalid_request",
        description=description,
    )


def key_in_header_and_url(parameter: str) -> Failure:
    return _invalid_request(
        "key_in_header_and_url",
        "The key was sent both in the Authorization header and in the URL.",
        "RFC 6750 section 3.1 calls a request that uses more than one method to send a token "
        "malformed: the server will not guess which one you meant. The copy in the URL has also "
        "been written to every log the URL passed through.",
        f"Keep the Authorization header and remove '{parameter}' from the URL.",
        "Token sent by more than one method",
        "url",
    )


def _invalid_token(
    code: str,
    message: str,
    explanation: str,
    hint: str,
    description: str,
    category: str = Category.INVALID_KEY,
    lesson: str = "challenge",
) -> Failure:
    return Failure(
        401,
        code,
        "authentication_error",
        message,
        explanation,
        hint,
        lesson,
        category,
        bearer_error="invalid_token",
        description=description,
    )


def empty_token() -> Failure:
    # RFC 6750 section 3.1 keeps invalid_request (400) for a malformed *request*: a missing or
    # repeated parameter, two ways of sending the token. A header that names the scheme and
    # then holds no token, or an unreadable one, is a bad token: 401 invalid_token.
    return _invalid_token(
        "empty_token",
        "The Authorization header says Bearer but carries no token.",
        "After the scheme name there must be one space and the token. The token is empty, so "
        "the server answers 401 invalid_token. Often the variable that should hold the key "
        "was empty or not set.",
        f"Check that the environment variable with your key is set, then send {BEARER_FORM}.",
        "The access token is empty",
        category=Category.NO_CREDENTIALS,
        lesson="bearer",
    )


def malformed_token() -> Failure:
    return _invalid_token(
        "malformed_authorization",
        "The token in the Authorization header is malformed.",
        "A bearer token is a single run of letters, digits and - . _ ~ + / characters "
        "(RFC 6750 section 2.1). This value has spaces, quotes, commas or characters outside "
        "ASCII, so it cannot be a valid token: the server answers 401 invalid_token.",
        f"Send exactly {BEARER_FORM}, without quotes, a second token or stray characters.",
        "The access token is malformed",
        lesson="bearer",
    )


def not_a_sandbox_key() -> Failure:
    return _invalid_token(
        "not_a_sandbox_key",
        "The token is not a sandbox key.",
        "The Authorization header is well formed, but the token does not have the sandbox key "
        "format (sbx_test_<id>_<secret>). A key from another service, or a placeholder such as "
        "YOUR_API_KEY, is an invalid token here.",
        "Create a sandbox key on the sandbox page and use it in full.",
        "The token is not a sandbox key",
    )


def unknown_key(prefix: str) -> Failure:
    return _invalid_token(
        "unknown_key",
        f"No such key: {prefix}.",
        "The token looks like a sandbox key, but no key matches it. One changed character "
        "makes a different key: tokens are compared exactly as issued.",
        "Copy the key again in full from where you stored it, or create a new one.",
        "Unknown key",
    )


def revoked_key(prefix: str, replacement: str | None) -> Failure:
    explanation = f"The key {prefix} was revoked. Revocation is final: it will never work again."
    hint = "Create a new key and deploy it wherever this one was used."
    if replacement:
        explanation += (
            f" It was rotated: its overlap window has ended and {replacement} replaced it."
        )
        hint = f"Use the replacement key {replacement}."
    return _invalid_token(
        "revoked_key",
        f"The key {prefix} was revoked.",
        explanation,
        hint,
        "The access token was revoked",
    )


def expired_key(prefix: str, when: str) -> Failure:
    return _invalid_token(
        "expired_key",
        f"The key {prefix} expired at {when}.",
        "Keys with an expiry stop working on their own, so a forgotten key does not live "
        "forever. The server answers 401 invalid_token: the key itself is the problem, and "
        "sending the same request again will fail again.",
        "Rotate keys before they expire: create the replacement, deploy it, then retire the old one.",
        "The access token expired",
        category=Category.EXPIRED_KEY,
        lesson="rotation",
    )


def _scopes_held(scopes: list[str]) -> str:
    named = [f"'{scope}'" for scope in scopes]
    if not named:
        return "it has no scopes"
    if len(named) == 1:
        return f"it has only the {named[0]} scope"
    return f"its scopes are {', '.join(named[:-1])} and {named[-1]}"


def insufficient_scope(prefix: str, needed: str, scopes: list[str]) -> Failure:
    return Failure(
        403,
        "insufficient_scope",
        "permission_error",
        f"The key {prefix} is not allowed to {needed}.",
        f"The key is valid (so this is not a 401), but {_scopes_held(scopes)}, and this "
        f"endpoint needs the '{needed}' scope. 403 says: I know who you are, and no. Repeating "
        "the request with the same key fails again.",
        f"Use a key with the '{needed}' scope for this call; keep keys without it for jobs that "
        "do not need it (least privilege).",
        "status",
        Category.UNAUTHORIZED,
        bearer_error="insufficient_scope",
        description="The key lacks the required scope",
        scope=needed,
    )


def address_not_allowed(prefix: str, address: str) -> Failure:
    return Failure(
        403,
        "address_not_allowed",
        "permission_error",
        f"The key {prefix} may not be used from {address}.",
        "The key has an allowed-address list, and this request came from an address outside "
        "it. A key copied to another machine is useless there: that is the point of the list.",
        "Send the request from an allowed address, or add this address (or its range) to the "
        "key's allowed list.",
        "rotation",
        Category.UNAUTHORIZED,
        bearer_error="",
    )


def rate_limited(prefix: str, limit: int, retry_after: int) -> Failure:
    return Failure(
        429,
        "rate_limited",
        "rate_limit_error",
        f"Rate limit reached for {prefix}: {limit} requests per minute.",
        f"The key may make {limit} requests in each 60-second window and this window's quota is "
        "used up. The key is fine: you are simply early. The RateLimit header says r=0 (none "
        "left) and t= the seconds until the window resets.",
        f"Wait {retry_after} seconds, as Retry-After says, then retry. Slow down as r falls "
        "instead of waiting to be refused; back off with jitter if no Retry-After is given.",
        "429",
        Category.RATE_LIMITED,
        bearer_error="",
    )


def unauthenticated_flood(limit: int, retry_after: int) -> Failure:
    return Failure(
        429,
        "too_many_unauthenticated",
        "rate_limit_error",
        f"Too many requests without a valid key from this address: {limit} per minute.",
        f"Requests that no valid key vouches for (no key, a wrong or refused key, an unknown "
        f"path) share one budget per client address: {limit} in each 60-second window. This "
        "window's budget is used up, so the server stops reading them until it resets. "
        "Requests with a valid key are not affected: each key has its own limit.",
        f"Wait {retry_after} seconds, as Retry-After says, and fix the request before sending "
        "it again: a request that failed will fail again.",
        "429",
        Category.RATE_LIMITED,
        bearer_error="",
    )


def _bad_request(
    status: int,
    code: str,
    message: str,
    explanation: str,
    hint: str,
    lesson: str = "status",
    allow: tuple[str, ...] = (),
) -> Failure:
    return Failure(
        status,
        code,
        "invalid_request_error",
        message,
        explanation,
        hint,
        lesson,
        Category.BAD_REQUEST,
        bearer_error="",
        allow=allow,
    )


def not_found(path: str) -> Failure:
    return _bad_request(
        404,
        "not_found",
        "There is no endpoint at this path.",
        "The sandbox API has GET /sandbox/api/data, POST /sandbox/api/data, GET "
        "/sandbox/api/models and POST /sandbox/api/chat/completions; its OpenAPI description "
        "is at /sandbox/api/openapi.json.",
        "Check the path for typos and a trailing slash.",
    )


def method_not_allowed(allowed: tuple[str, ...]) -> Failure:
    return _bad_request(
        405,
        "method_not_allowed",
        "This endpoint does not accept that method.",
        f"The endpoint accepts {', '.join(allowed)}; the Allow header lists them.",
        "Use one of the methods in the Allow header.",
        allow=allowed,
    )


def body_too_large(limit: int) -> Failure:
    return _bad_request(
        413,
        "body_too_large",
        f"The request body is larger than {limit // 1024} KiB.",
        "The server refuses a body this large before reading it.",
        "Send a smaller body.",
    )


def headers_too_large(limit: int) -> Failure:
    return _bad_request(
        431,
        "headers_too_large",
        "A request header field is too large.",
        f"Header fields are limited to {limit // 1024} KiB each (RFC 6585 section 5). An "
        "Authorization header this long is not a sandbox key.",
        "Send the key exactly as issued, and no oversized headers.",
    )


def uri_too_long(limit: int) -> Failure:
    return _bad_request(
        414,
        "uri_too_long",
        f"The URL is longer than {limit} characters.",
        "The server refuses URLs this long.",
        "Send parameters in a JSON body instead of the URL.",
    )


def bad_content_length() -> Failure:
    return _bad_request(
        400,
        "invalid_content_length",
        "The Content-Length header is not a number.",
        "The server cannot tell how long the body is.",
        "Let your HTTP client set Content-Length.",
    )


def invalid_json(detail: str) -> Failure:
    return _bad_request(
        400,
        "invalid_json",
        "The request body is not valid JSON.",
        f"This endpoint reads a JSON body. {detail}",
        "Send a JSON object with Content-Type: application/json (in Python, requests.post(url, "
        "json=payload, headers=...)).",
        "error_body",
    )


def invalid_body(message: str, hint: str) -> Failure:
    return _bad_request(
        400,
        "invalid_body",
        message,
        "The request is authenticated, but its body does not have the fields this endpoint "
        "needs. A 400 means: fix the request, sending it unchanged fails again.",
        hint,
    )


def invalid_parameter(message: str, hint: str) -> Failure:
    return _bad_request(
        400,
        "invalid_parameter",
        message,
        "A query parameter has a value this endpoint cannot use.",
        hint,
    )


# -- what a learner asked the sandbox to simulate (simulate.py) --------------------------------


def _shown(value: str) -> str:
    # A value is quoted back only when it is short and plain: it could be anything, a key too.
    if len(value) <= 12 and value.isascii() and value.isprintable() and "'" not in value:
        return f"it is '{value}'"
    return "the value sent is not one"


def simulation_twice(header: str, parameter: str) -> Failure:
    return _bad_request(
        400,
        "simulation_twice",
        f"Ask for it once: the {header} header and the '{parameter}' query parameter say the "
        "same thing.",
        "The sandbox will not guess which of two values you meant, whether they are sent "
        "twice in one place or once in each.",
        f"Keep either the {header} header or ?{parameter}=, once.",
    )


def invalid_delay(value: str, limit: int) -> Failure:
    return _bad_request(
        400,
        "invalid_delay",
        f"The simulated delay must be a whole number of milliseconds from 0 to {limit}; "
        f"{_shown(value)}.",
        "X-Sandbox-Delay-Ms (or ?delay_ms=) makes the sandbox wait before it answers, so your "
        f"log has a latency tail to measure. It is capped at {limit} ms so that no request "
        "holds a server for long: a request over the cap is refused rather than cut short, "
        "because a shortened delay would be a wrong measurement.",
        f"Send X-Sandbox-Delay-Ms: 800, for example; at most {limit}.",
        "latency",
    )


def invalid_fault(value: str, faults: tuple[int, ...]) -> Failure:
    listed = " or ".join(str(f) for f in faults)
    return _bad_request(
        400,
        "invalid_fault",
        f"The simulated fault must be {listed}; {_shown(value)}.",
        "X-Sandbox-Fault (or ?fault=) makes the sandbox answer with a server error instead of "
        "doing the work, so you can see how 5xx answers count against an error budget and "
        f"practise retrying them. It knows {listed}.",
        "Send X-Sandbox-Fault: 503 for a temporary outage with Retry-After, or 500 for a crash.",
        "errors",
    )


def _server_error(status: int, code: str, message: str, explanation: str, hint: str, **extra):
    return Failure(
        status,
        code,
        "server_error",
        message,
        explanation,
        hint,
        "errors",
        Category.SERVER_ERROR,
        bearer_error="",
        **extra,
    )


def simulated_unavailable(retry_after: int) -> Failure:
    return _server_error(
        503,
        "service_unavailable",
        "The service is unavailable (simulated: the request asked for it with X-Sandbox-Fault).",
        "503 Service Unavailable says the server cannot handle the request right now, because "
        "it is overloaded or down for maintenance, and expects to recover (RFC 9110 section "
        "15.6.4). It is the server's failure, not yours: 5xx answers count against the "
        "service's error budget, while 4xx answers count against nobody's. Retry-After says "
        "when to come back.",
        f"Wait {retry_after} seconds, as Retry-After says, then send the request again (without "
        "X-Sandbox-Fault). Retry a 5xx a bounded number of times, with growing waits and jitter.",
        retry_after=retry_after,
    )


def simulated_internal_error() -> Failure:
    return _server_error(
        500,
        "internal_error",
        "The server failed while answering (simulated: the request asked for it with "
        "X-Sandbox-Fault).",
        "500 Internal Server Error says the server met a condition it did not expect (RFC 9110 "
        "section 15.6.1): a bug or a crash, not a problem with your request, so it counts "
        "against the service's error budget. Unlike a 503 it carries no Retry-After, and "
        "nothing says whether the work was partly done.",
        "Retry a few times with exponential backoff and jitter, only if repeating the request "
        "is safe (a completion may be billed twice); if it keeps failing, report it with the "
        "time and the request.",
    )
