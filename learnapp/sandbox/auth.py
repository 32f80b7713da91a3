"""Read a request's credentials the way RFC 6750 and RFC 9110 describe, and judge them.

`authenticate` returns the key, or the Failure that explains why there is none. It reads only
the request's headers, query and client address: never a cookie or the session, so the API
works the same from curl, Python and the playground.
"""

import ipaddress
import re
import time
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import parse_qsl, unquote

from django.conf import settings
from django.http import HttpRequest

from learnapp.prepared import Prepared

from . import keys, outcomes
from .models import SandboxKey
from .outcomes import Failure

# RFC 6750 section 2.1: b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
B64TOKEN_RE = re.compile(r"[A-Za-z0-9\-._~+/]+=*")
# Query parameters people put keys in. RFC 6750 section 2.3 names access_token.
QUERY_KEY_NAMES = ("api_key", "apikey", "api-key", "access_token", "token", "key")
# Headers people put keys in instead of Authorization (META names).
OTHER_KEY_HEADERS = (
    "HTTP_X_API_KEY",
    "HTTP_API_KEY",
    "HTTP_APIKEY",
    "HTTP_X_API_TOKEN",
    "HTTP_X_AUTH_TOKEN",
    "HTTP_X_ACCESS_TOKEN",
    "HTTP_ACCESS_TOKEN",
    "HTTP_KEY",
    "HTTP_TOKEN",
    "HTTP_BEARER",
    "HTTP_AUTHENTICATION",
)


@dataclass
class Result:
    key: SandboxKey | None = None
    failure: Failure | None = None
    # The key a failed request is attributed to in the access log (its owner sees the attempt).
    seen_key: SandboxKey | None = None
    # The key id a request named, for the log's prefix column, even when no such key exists.
    named_key_id: str | None = None


def _shown(name: str) -> str:
    # Names are echoed in the explanation; one could be a key pasted in the wrong box.
    name = keys.mask_keys(name)
    return name if len(name) <= 40 and keys.PREFIX.upper() not in name.upper() else "(a long name)"


def header_display_name(meta_name: str) -> str:
    name = "-".join(part.capitalize() for part in meta_name.removeprefix("HTTP_").split("_"))
    return _shown(name)


def key_in_query(query_string: str) -> str | None:
    """The name of a query parameter that carries (or looks meant to carry) a key."""
    for name, value in parse_qsl(query_string, keep_blank_values=True):
        if name.lower() in QUERY_KEY_NAMES or keys.looks_like_key(value):
            return _shown(name)
    return None


def key_in_other_header(meta: dict) -> str | None:
    """The META name of a header other than Authorization that carries a key."""
    for name in OTHER_KEY_HEADERS:
        if name in meta:
            return name
    for name, value in meta.items():
        if (
            name.startswith("HTTP_")
            and name != "HTTP_AUTHORIZATION"
            and isinstance(value, str)
            and keys.looks_like_key(value)
        ):
            return name
    return None


def parse_authorization(value: str) -> tuple[str | None, Failure | None]:
    """The bearer token in an Authorization value, or the failure that value earns."""
    value = value.strip(" \t")
    if not value.isascii() or not all(" " <= ch <= "~" or ch == "\t" for ch in value):
        return None, outcomes.malformed_token()
    scheme, _, rest = value.partition(" ")
    # The scheme name is case-insensitive (RFC 9110 section 11.1); the token is not.
    if scheme.lower() != "bearer":
        return None, outcomes.unsupported_scheme(scheme, keys.looks_like_key(scheme))
    token = rest.strip(" ")
    if not token:
        return None, outcomes.empty_token()
    if not B64TOKEN_RE.fullmatch(token):
        return None, outcomes.malformed_token()
    return token, None


def address_allowed(address: str, networks: list[str]) -> bool:
    if not networks:
        return True
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    for network in networks:
        try:
            if ip in ipaddress.ip_network(network, strict=False):
                return True
        except (ValueError, TypeError):
            continue
    return False


# Keys this process read in the last SANDBOX_KEY_CACHE_SECONDS (at most 1): a busy key is read
# from the database about once a second per process instead of once per request, and a change
# made anywhere (a revocation on another app server) is seen within a second. A change made in
# this process is seen at once (`forget`, on every save). Only keys that exist are kept, so a
# key created on another server works at once; the size is bounded by MAX_CACHED_KEYS.
_keys: dict[str, tuple[float, SandboxKey]] = {}
MAX_CACHED_KEYS = 10_000

# No ORDER BY (key_id is unique) and no join: the replacement is read only for a revoked key.
# Compiled once (learnapp.prepared): with many keys in use, each process reads each of them
# about once a second, and building the query took longer than running it.
_KEY_BY_ID = Prepared(lambda key_id: SandboxKey.objects.filter(key_id=key_id).order_by()[:1], str)


def _lookup(key_id: str) -> SandboxKey | None:
    ttl = min(1.0, getattr(settings, "SANDBOX_KEY_CACHE_SECONDS", 0))
    if ttl > 0:
        cached = _keys.get(key_id)
        if cached is not None and cached[0] > time.monotonic():
            return cached[1]
    key = _KEY_BY_ID.first(key_id)
    if ttl > 0 and key is not None:
        if len(_keys) >= MAX_CACHED_KEYS:
            _keys.clear()
        _keys[key_id] = (time.monotonic() + ttl, key)
    return key


def forget(key_id: str) -> None:
    _keys.pop(key_id, None)


def _failed(failure: Failure, *texts: str) -> Result:
    """A failure, attributed to the key it carried if a real key is found in `texts`: its owner
    then sees the attempt (a key sent in a URL, say) in their own access log."""
    for text in texts:
        token = keys.find_key(text)
        if token:
            key_id = keys.key_id_of(token)
            key = _lookup(key_id)
            seen = key if key is not None and keys.key_matches(token, key.key_hash) else None
            return Result(failure=failure, seen_key=seen, named_key_id=key_id)
    return Result(failure=failure)


def authenticate(request: HttpRequest, needed_scope: str, now: datetime) -> Result:
    meta = request.META
    authorization = meta.get("HTTP_AUTHORIZATION")
    query = meta.get("QUERY_STRING", "")
    query_param = key_in_query(query)
    if authorization is not None and query_param:
        return _failed(outcomes.key_in_header_and_url(query_param), authorization, unquote(query))
    if authorization is None:
        if query_param:
            return _failed(outcomes.key_in_url(query_param), unquote(query))
        other = key_in_other_header(meta)
        if other:
            return _failed(
                outcomes.key_in_other_header(header_display_name(other)), str(meta[other])
            )
        return Result(failure=outcomes.missing_credentials())

    token, failure = parse_authorization(authorization)
    if failure is not None:
        return _failed(failure, authorization)
    key_id = keys.key_id_of(token)
    if key_id is None:
        return Result(failure=outcomes.not_a_sandbox_key())
    prefix = keys.masked(key_id)
    key = _lookup(key_id)
    if key is None:
        return Result(failure=outcomes.unknown_key(prefix), named_key_id=key_id)
    if not keys.key_matches(token, key.key_hash):
        # Same answer as for a key that does not exist: nothing says the id was right.
        return Result(failure=outcomes.unknown_key(prefix), seen_key=key, named_key_id=key_id)
    if key.is_revoked(now):
        replacement = keys.masked(key.replaced_by.key_id) if key.replaced_by_id else None
        return Result(failure=outcomes.revoked_key(prefix, replacement), seen_key=key)
    if key.is_expired(now):
        when = key.expires_at.strftime("%Y-%m-%d %H:%M:%S UTC")
        return Result(failure=outcomes.expired_key(prefix, when), seen_key=key)
    address = meta.get("REMOTE_ADDR", "")
    # The client's address: learnapp.clientaddr has read it through any trusted proxy
    # (DJANGO_TRUSTED_PROXIES); otherwise it is the peer of this process.
    if not address_allowed(address, key.allowed_networks):
        shown = address if len(address) <= 45 else "an unknown address"
        return Result(failure=outcomes.address_not_allowed(prefix, shown), seen_key=key)
    if needed_scope not in key.scopes:
        return Result(
            failure=outcomes.insufficient_scope(prefix, needed_scope, key.scopes), seen_key=key
        )
    return Result(key=key)
