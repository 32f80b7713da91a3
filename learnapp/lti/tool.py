"""The wrapper around django-lti and pylti1p3: OIDC login and id_token validation.

pylti1p3 does the protocol; this module decides what happens when it says no. Each failure
becomes a `LaunchRefused` carrying the status and a sentence for the person in front of the
LMS, instead of an exception that Django would answer with a 500 (django-lti's own launch view
lets any bad token through to one). It also adds what pylti1p3 leaves to the tool: a nonce is
spent by its first launch, a deployment must be registered and active, and a token with
several audiences must name the tool as its authorized party.
"""

import hashlib
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import parse_qs, urlencode, urlsplit

import requests
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from lti_tool.models import LtiDeployment, LtiLaunch, LtiRegistration
from lti_tool.utils import DjangoToolConfig
from pylti1p3.contrib.django import DjangoCacheDataStorage, DjangoMessageLaunch, DjangoOIDCLogin
from pylti1p3.exception import LtiException, OIDCException
from pylti1p3.registration import Registration

from .embedding import cookies_for_frames
from .keys import signing_key
from .models import UsedNonce

# Cookies pylti1p3 sets at login and reads back at launch (the state, and the launch data's
# session id over HTTPS): they come back in a cross-site POST, so they must be SameSite=None.
PYLTI_COOKIE_PREFIX = "lti1p3-"
LOGIN_PARAMS_KEY = "lti-login-params:"
KEYSET_CACHE_PREFIX = "lti-platform-keyset:"
KEYSET_CACHE_SECONDS = 10 * 60
KEYSET_TIMEOUT = (3, 5)  # connect, read (seconds)
NONCE_MEMORY_DAYS = 1  # pylti1p3 forgets issued nonces after a day: older ones cannot come back


@dataclass
class LaunchRefused(Exception):
    status: int
    reason: str  # shown to the user and logged
    detail: str = ""  # logged only (never the token itself)
    # Where the browser withheld the state cookie inside a frame: the login to restart in a
    # window of its own (query string), if the login left one.
    new_window_query: str = ""


class ToolConfig(DjangoToolConfig):
    """django-lti's tool configuration without its two surprises.

    It creates a deployment row for any deployment id a platform sends (so an unknown
    deployment is accepted as an inactive one), and it needs a client_id at login, which some
    platforms leave out when they have registered the tool once.
    """

    found: Registration | None = None  # pylti1p3's registration, to hand it the platform's keys

    def find_registration_by_params(self, iss, client_id, *args, **kwargs):
        if client_id is None:
            registrations = list(LtiRegistration.objects.active().filter(issuer=iss)[:2])
            if len(registrations) != 1:
                return None
            client_id = registrations[0].client_id
        self.found = super().find_registration_by_params(iss, client_id, *args, **kwargs)
        return self.found

    def find_deployment_by_params(self, iss, deployment_id, client_id, *args, **kwargs):
        self.deployment = LtiDeployment.objects.filter(
            registration__issuer=iss,
            registration__client_id=client_id,
            registration__is_active=True,
            deployment_id=deployment_id,
            is_active=True,
        ).first()
        if self.deployment is None:
            return None
        return super().find_deployment_by_params(iss, deployment_id, client_id)

    def find_deployment(self, iss, deployment_id):  # pragma: no cover - one-client mode is off
        return None


def platform_keyset(url: str, *, fresh: bool = False) -> dict:
    """The platform's public keys, kept for a while and fetched with a time limit.

    pylti1p3 would fetch them at every launch and wait for ever on a platform that does not
    answer. A token signed with a key we have not seen makes the launch fetch them afresh
    (the platform rotated its key).
    """
    key = f"{KEYSET_CACHE_PREFIX}{hashlib.sha256(url.encode()).hexdigest()}"
    keyset = None if fresh else cache.get(key)
    if keyset is None:
        try:
            with requests.Session() as session:
                keyset = session.get(url, timeout=KEYSET_TIMEOUT).json()
        except (requests.RequestException, ValueError) as error:
            raise KeysetUnavailable(f"{url}: {type(error).__name__}") from None
        if not isinstance(keyset, dict) or not isinstance(keyset.get("keys"), list):
            raise KeysetUnavailable(f"{url}: not a JWKS")
        cache.set(key, keyset, KEYSET_CACHE_SECONDS)
    return keyset


class KeysetUnavailable(Exception):
    pass


def _storage() -> DjangoCacheDataStorage:
    return DjangoCacheDataStorage()


def login_params(request: HttpRequest) -> dict[str, str]:
    data = request.POST if request.method == "POST" else request.GET
    keys = ["iss", "login_hint", "target_link_uri", "lti_message_hint", "client_id"]
    keys.append("lti_deployment_id")
    return {key: data[key] for key in keys if data.get(key)}


def login_redirect(request: HttpRequest):
    """The redirect to the platform's authorization endpoint, with pylti1p3's cookies set."""
    params = login_params(request)
    missing = [key for key in ("iss", "login_hint", "target_link_uri") if key not in params]
    if missing:
        raise LaunchRefused(
            400,
            "The platform's login request is missing " + ", ".join(missing) + ".",
        )
    signing_key()  # django-lti's registration needs one to exist
    oidc = DjangoOIDCLogin(request, ToolConfig(), launch_data_storage=_storage())
    try:
        redirect = oidc.get_redirect_object(request.build_absolute_uri(reverse("lti:launch")))
    except OIDCException as error:
        raise LaunchRefused(
            403,
            "This platform is not registered with learnapp (issuer and client ID).",
            detail=f"{error} iss={params['iss']!r} client_id={params.get('client_id')!r}",
        ) from None
    # The login parameters, kept by state for an hour: if the browser withholds the state
    # cookie in the LMS frame, the launch offers to start this login again in its own window.
    state = parse_qs(urlsplit(redirect.get_redirect_url()).query)["state"][0]
    cache.set(f"{LOGIN_PARAMS_KEY}{state}", params, 60 * 60)
    response = redirect.do_redirect()
    cookies_for_frames(response, [n for n in response.cookies if n.startswith(PYLTI_COOKIE_PREFIX)])
    return response


def _fingerprint(token: str) -> str:
    """A short hash to tell launches apart in the log without writing the token."""
    return hashlib.sha256(token.encode()).hexdigest()[:12]


# pylti1p3's validation steps in its own order (MessageLaunch.validate), each with what it
# means to the person launching when it fails.
_STEPS = [
    ("validate_state", 403, "The launch's state does not match the one this browser was given."),
    ("validate_jwt_format", 400, "The launch's id_token is not a readable JWT."),
    ("validate_nonce", 403, "The launch's nonce was not issued by learnapp or has expired."),
    (
        "validate_registration",
        403,
        "The launch comes from a platform, or is meant for a client, not registered with "
        "learnapp (issuer and audience).",
    ),
    ("validate_jwt_signature", 403, "The launch's signature or validity period is not right."),
    ("validate_deployment", 403, "This deployment is not registered with learnapp or not active."),
    ("validate_message", 400, "The launch message is incomplete."),
]


def validate_launch(request: HttpRequest) -> LtiLaunch:
    """A fully validated launch, or LaunchRefused saying why not."""
    token = request.POST.get("id_token", "")
    state = request.POST.get("state", "")
    if not token:
        raise LaunchRefused(400, "The launch carries no id_token.")
    if not state:
        raise LaunchRefused(400, "The launch carries no state.", detail=_fingerprint(token))
    signing_key()
    storage = _storage()
    try:
        message = DjangoMessageLaunch(request, ToolConfig(), launch_data_storage=storage)
    except LtiException as error:  # over HTTPS: pylti1p3's session cookie did not come back
        raise _cookie_refusal(state, str(error)) from None
    # Expiry and issue time must be present, not just right when present; the audience is
    # checked by the registration lookup below and the azp rule after it.
    message.set_jwt_verify_options({"verify_aud": False, "require": ["exp", "iat"]})
    message.set_auto_validation(enable=False)
    tool_config = message.get_tool_conf()
    for step, status, reason in _STEPS:
        try:
            if step == "validate_jwt_signature":
                _check_signature(message, tool_config.found)
            else:
                getattr(message, step)()
        except KeysetUnavailable as error:
            raise LaunchRefused(
                403,
                "learnapp could not read the platform's public keys to check the launch. "
                "Try again in a moment; if it keeps happening, tell the course administrator.",
                detail=f"keyset: {error}",
            ) from None
        except LtiException as error:
            if step == "validate_state" and f"{PYLTI_COOKIE_PREFIX}{state}" not in request.COOKIES:
                raise _cookie_refusal(state, str(error)) from None
            if step == "validate_jwt_signature" and "expired" in str(error):
                reason = "The launch has expired. Start it again from the course."
            raise LaunchRefused(status, reason, detail=f"{step}: {error}") from None
        except Exception as error:  # anything else pylti1p3 trips on is still a bad token
            raise LaunchRefused(
                400, "The launch could not be read.", detail=f"{step}: {type(error).__name__}"
            ) from None
    body = message.get_launch_data()
    _check_audience(body)
    _spend_nonce(body)
    message.save_launch_data()
    return LtiLaunch(message)


def _check_signature(message: DjangoMessageLaunch, registration: Registration) -> None:
    url = registration.get_key_set_url()
    registration.set_key_set(platform_keyset(url))
    try:
        message.validate_jwt_signature()
    except LtiException as error:
        if "Unable to find public key" not in str(error):
            raise
        registration.set_key_set(platform_keyset(url, fresh=True))
        message.validate_jwt_signature()


def _cookie_refusal(state: str, detail: str) -> LaunchRefused:
    params = cache.get(f"{LOGIN_PARAMS_KEY}{state}")
    return LaunchRefused(
        403,
        "Your browser did not send back the cookie learnapp set a moment ago. Browsers that "
        "block cookies inside another site's frame do this.",
        detail=f"state cookie missing: {detail}",
        new_window_query=urlencode(params) if params else "",
    )


def _check_audience(body: dict) -> None:
    # pylti1p3 takes the first audience as the client ID and finds the registration by it;
    # OIDC also says: several audiences need an azp, and an azp must be that client ID.
    aud = body.get("aud")
    client_id = aud[0] if isinstance(aud, list) and aud else aud
    azp = body.get("azp")
    if (azp is not None and azp != client_id) or (
        isinstance(aud, list) and len(aud) > 1 and azp is None
    ):
        raise LaunchRefused(
            403,
            "The launch names several audiences but not learnapp as the authorized party.",
            detail=f"aud={aud!r} azp={azp!r}",
        )


def _spend_nonce(body: dict) -> None:
    cutoff = timezone.now() - timedelta(days=NONCE_MEMORY_DAYS)
    UsedNonce.objects.filter(used_at__lt=cutoff).delete()
    try:
        with transaction.atomic():
            UsedNonce.objects.create(issuer=body["iss"], nonce=body["nonce"])
    except IntegrityError:
        raise LaunchRefused(
            403,
            "This launch has already been used. Start it again from the course.",
            detail=f"replayed nonce from {body['iss']}",
        ) from None
