"""Calling a platform's LTI Advantage services: access tokens and authorised requests.

The platform's token endpoint gives an access token for a client-credentials grant whose
client assertion is a JWT signed with the tool's key (LTI Advantage security framework, RFC
7523). pylti1p3's ServiceConnector does the same but waits for ever on a platform that does not
answer and forgets its tokens with each request; here every call has a time limit and a token
is kept in the cache until shortly before it expires, per registration and set of scopes.

Failures are `ServiceError`s carrying a sentence for the instructor and a detail for the log
(never a token or an assertion).
"""

import hashlib
import logging
import time
import uuid
from dataclasses import dataclass

import jwt
import requests
from django.core.cache import cache
from lti_tool.models import LtiRegistration
from pylti1p3.registration import Registration

from .keys import signing_key

log = logging.getLogger("learnapp.lti")

TIMEOUT = (3, 10)  # connect, read (seconds)
TOKEN_CACHE_PREFIX = "lti-access-token:"
EXPIRY_MARGIN = 60  # seconds before the platform's expiry at which a token is no longer used
ASSERTION_LIFETIME = 300
CLIENT_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
USER_AGENT = "learnapp-lti"

NRPS_SCOPE = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"


@dataclass
class ServiceError(Exception):
    message: str  # for the instructor
    detail: str = ""  # for the log
    status: int | None = None  # the platform's HTTP status, when it answered

    def __str__(self) -> str:
        return f"{self.message} ({self.detail})" if self.detail else self.message


def registration_of(platform) -> LtiRegistration:
    """An LtiRegistration from itself or from learnapp's Platform (which wraps one)."""
    return platform if isinstance(platform, LtiRegistration) else platform.registration


def _tool_key(registration: LtiRegistration) -> tuple[str, str]:
    """(private key PEM, kid) the tool signs with for this registration."""
    if registration.public_key and registration.private_key:  # a key of its own (django-lti)
        return registration.private_key, Registration.get_jwk(registration.public_key)["kid"]
    key = signing_key()
    return key.private_key, key.as_jwk()["kid"]


def client_assertion(registration: LtiRegistration) -> str:
    """The signed JWT that authenticates the tool at the platform's token endpoint."""
    now = int(time.time())
    claims = {
        "iss": registration.client_id,
        "sub": registration.client_id,
        "aud": registration.audience or registration.token_url,
        "iat": now - 5,
        "exp": now + ASSERTION_LIFETIME,
        "jti": f"learnapp-{uuid.uuid4()}",
    }
    private_key, kid = _tool_key(registration)
    return jwt.encode(claims, private_key, algorithm="RS256", headers={"kid": kid})


def _cache_key(registration: LtiRegistration, scopes) -> str:
    scope_text = " ".join(sorted(set(scopes)))
    ident = f"{registration.pk}|{registration.issuer}|{registration.client_id}|{scope_text}"
    return TOKEN_CACHE_PREFIX + hashlib.sha256(ident.encode()).hexdigest()


def access_token(platform, scopes) -> str:
    """An access token for these scopes at this platform: cached, or asked for now.

    `platform` is an LtiRegistration or a learnapp Platform; `scopes` an iterable of scope URLs.
    """
    registration = registration_of(platform)
    scopes = sorted(set(scopes))
    key = _cache_key(registration, scopes)
    token = cache.get(key)
    if token:
        return token
    data = {
        "grant_type": "client_credentials",
        "client_assertion_type": CLIENT_ASSERTION_TYPE,
        "client_assertion": client_assertion(registration),
        "scope": " ".join(scopes),
    }
    url = registration.token_url
    try:
        with requests.Session() as session:
            response = session.post(
                url,
                data=data,
                headers={"Accept": "application/json", "User-Agent": USER_AGENT},
                timeout=TIMEOUT,
            )
    except requests.RequestException as error:
        raise ServiceError(
            "learnapp could not reach the platform to sign in to its services. Try again in "
            "a moment.",
            detail=f"token endpoint {url}: {type(error).__name__}",
        ) from None
    if not response.ok:
        raise ServiceError(
            "The platform refused learnapp's request for access to its services. Check that "
            "the LTI Advantage services are enabled for learnapp in the platform's settings.",
            detail=f"token endpoint {url}: HTTP {response.status_code} {response.text[:200]!r}",
            status=response.status_code,
        )
    try:
        body = response.json()
        token = body["access_token"]
        if not isinstance(token, str) or not token:
            raise TypeError
    except (ValueError, KeyError, TypeError):
        raise ServiceError(
            "The platform's answer to learnapp's request for access could not be read.",
            detail=f"token endpoint {url}: no access_token in the answer",
            status=response.status_code,
        ) from None
    try:
        expires_in = int(body.get("expires_in", 3600))
    except (TypeError, ValueError):
        expires_in = 3600
    if expires_in > EXPIRY_MARGIN:
        cache.set(key, token, expires_in - EXPIRY_MARGIN)
    return token


def forget_token(platform, scopes) -> None:
    """Drop a cached token the platform no longer accepts (it answered 401)."""
    cache.delete(_cache_key(registration_of(platform), sorted(set(scopes))))


def service_request(
    platform,
    scopes,
    method: str,
    url: str,
    *,
    accept: str = "application/json",
    json=None,
    content_type: str | None = None,
) -> requests.Response:
    """An authorised request to one of the platform's service URLs.

    A 401 (a token the platform has revoked or forgotten) makes one more try with a new token.
    Any other failure to get a 2xx answer is a ServiceError.
    """
    for attempt in (1, 2):
        headers = {
            "Authorization": f"Bearer {access_token(platform, scopes)}",
            "Accept": accept,
            "User-Agent": USER_AGENT,
        }
        if json is not None:
            headers["Content-Type"] = content_type or "application/json"
        try:
            with requests.Session() as session:
                response = session.request(method, url, headers=headers, json=json, timeout=TIMEOUT)
        except requests.RequestException as error:
            raise ServiceError(
                "learnapp could not reach the platform. Try again in a moment.",
                detail=f"{method} {url}: {type(error).__name__}",
            ) from None
        if response.status_code == 401 and attempt == 1:
            forget_token(platform, scopes)
            continue
        if not response.ok:
            raise ServiceError(
                "The platform answered with an error.",
                detail=f"{method} {url}: HTTP {response.status_code} {response.text[:200]!r}",
                status=response.status_code,
            )
        return response
    raise AssertionError("unreachable")  # pragma: no cover
