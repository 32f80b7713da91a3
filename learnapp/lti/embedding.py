"""Letting a platform frame learnapp, per response and only for LTI-launched sessions.

The site's policy forbids framing (CSP `frame-ancestors 'none'`, X-Frame-Options DENY); that
stays the default. A launch records the platform's origins in the session; every response to
that session then names those origins in `frame-ancestors` instead, and the cookies that must
come back from inside the frame (session, CSRF) are sent SameSite=None; Secure, which browsers
require of cookies used in a cross-site frame.
"""

from collections.abc import Callable, Iterable
from http.cookies import Morsel

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.http import HttpRequest, HttpResponse
from django.utils.csp import CSP

SESSION_KEY = "lti_frame_origins"


def embed_in(session, origins: Iterable[str]) -> None:
    session[SESSION_KEY] = sorted(set(origins))


def frame_origins(request: HttpRequest) -> list[str]:
    session = getattr(request, "session", None)
    if session is None:
        return []
    # Reading a session the request never touched would cost a cache read on every request;
    # only a browser that holds a session cookie can be in an LTI-launched session.
    if not session.accessed and settings.SESSION_COOKIE_NAME not in request.COOKIES:
        return []
    return session.get(SESSION_KEY, [])


def allow_framing(response: HttpResponse, origins: Iterable[str]) -> None:
    """Let `origins` (and nobody else) frame this one response."""
    origins = sorted(set(origins))
    if not origins:
        return
    response.xframe_options_exempt = True
    if "X-Frame-Options" in response:
        del response["X-Frame-Options"]
    header = str(CSP.HEADER_ENFORCE)
    policy = response.get(header)
    if policy is None:
        # The CSP middleware has not run yet (a view's own response): it builds the policy
        # from this copy of the site's settings.
        config = dict(getattr(response, "_csp_config", None) or settings.SECURE_CSP)
        config["frame-ancestors"] = origins
        response._csp_config = config
        return
    directives = [d for d in policy.split(";") if d.strip()]
    kept = [d.strip() for d in directives if not d.strip().startswith("frame-ancestors")]
    response[header] = "; ".join([*kept, "frame-ancestors " + " ".join(origins)])


class _PartitionedMorsel(Morsel):
    """A cookie with the Partitioned attribute, which Python's cookies learn only in 3.14."""

    def OutputString(self, attrs=None):
        return super().OutputString(attrs) + "; Partitioned"


def cookies_for_frames(response: HttpResponse, names: Iterable[str]) -> None:
    """Make the named cookies of this response usable inside a cross-site frame.

    SameSite=None lets the browser send them from inside the LMS's frame; browsers drop it
    without Secure (over plain HTTP only localhost keeps a Secure cookie, which development and
    the browser tests use; platforms require HTTPS anyway). Partitioned (CHIPS) keeps them where
    third-party cookies are blocked, as Chromium does by default now: the cookie is kept for
    learnapp under the LMS's site only. Safari keeps neither; the launch then offers a window.
    """
    for name in names:
        if name not in response.cookies:
            continue
        old = response.cookies[name]
        cookie = _PartitionedMorsel()
        cookie.set(old.key, old.value, old.coded_value)
        cookie.update(old)
        cookie["samesite"] = "None"
        cookie["secure"] = True
        response.cookies[name] = cookie


class LtiEmbeddingMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        origins = frame_origins(request)
        if origins:
            allow_framing(response, origins)
            # The messages cookie too: a message set after a form in the frame ("Roster synced
            # …") is shown by the next page, in the frame.
            cookies_for_frames(
                response,
                [
                    settings.SESSION_COOKIE_NAME,
                    settings.CSRF_COOKIE_NAME,
                    CookieStorage.cookie_name,
                ],
            )
        return response
