"""Show a new key exactly once, on the page the creating POST redirects to.

The form posts, the server redirects (POST/redirect/GET) and the next GET shows the key, so a
reload cannot create a second key and the page that shows it is an ordinary GET. The key has to
survive the redirect somewhere, and neither the session store (a database table and the cache)
nor a cookie should hold it on its own. So it is split with a one-time pad: the session keeps
the key XOR a random pad, the browser keeps the pad in a short-lived HttpOnly cookie, and only
the two together give the key back. The first GET that reads them removes both; a reload finds
neither and shows nothing.
"""

import secrets

from django.http import HttpRequest, HttpResponse

from . import keys
from .models import SandboxKey

SESSION_KEY = "sandbox_reveal"
COOKIE = "sandbox_reveal"
COOKIE_PATH = "/sandbox/"
MAX_AGE = 300  # seconds: a redirect is followed at once; this only bounds an abandoned one


def _xor(data: bytes, pad: bytes) -> bytes:
    return bytes(a ^ b for a, b in zip(data, pad, strict=True))


def seal(request: HttpRequest, response: HttpResponse, key: SandboxKey, raw: str) -> None:
    """Keep `raw` for the next page that asks for `key`, split between session and cookie."""
    data = raw.encode("ascii")
    pad = secrets.token_bytes(len(data))
    request.session[SESSION_KEY] = {"key_id": key.key_id, "sealed": _xor(data, pad).hex()}
    response.set_cookie(
        COOKIE,
        pad.hex(),
        max_age=MAX_AGE,
        path=COOKIE_PATH,
        secure=request.is_secure(),
        httponly=True,
        samesite="Strict",
    )


def take(request: HttpRequest, key: SandboxKey) -> str | None:
    """The raw value of `key` if it was just created for this browser; never twice.

    The caller passes its response to `forget` so the browser drops the pad too.
    """
    pending = request.session.get(SESSION_KEY)
    if not isinstance(pending, dict) or pending.get("key_id") != key.key_id:
        return None
    del request.session[SESSION_KEY]
    try:
        raw = _xor(bytes.fromhex(pending["sealed"]), bytes.fromhex(request.COOKIES[COOKIE]))
        raw = raw.decode("ascii")
    except (KeyError, ValueError, TypeError, UnicodeDecodeError):
        return None  # cookie gone or altered: the key cannot be shown again, by design
    # A pad that was tampered with gives some other string: show nothing rather than that.
    return raw if keys.key_matches(raw, key.key_hash) else None


def forget(request: HttpRequest, response: HttpResponse) -> None:
    if COOKIE in request.COOKIES:
        response.delete_cookie(COOKIE, path=COOKIE_PATH, samesite="Strict")


def pending_key_id(request: HttpRequest) -> str | None:
    pending = request.session.get(SESSION_KEY)
    return pending.get("key_id") if isinstance(pending, dict) else None
