"""The sandbox API answers from just after the security middleware.

The API reads no cookie, session, user, CSRF token, message or time zone, and its JSON needs no
Content-Security-Policy or frame options, yet the site's full middleware stack cost about a third
of each API request. Placed after TrustedProxyMiddleware (the client's address, which keys'
allowed networks and the per-address budget use) and SecurityMiddleware (the HTTPS redirect,
HSTS, nosniff), this sends /sandbox/api/ requests straight to their view; every other request
goes on through the stack as before.
"""

import functools

from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, get_resolver, reverse


@functools.cache
def _site_prefix() -> str:
    """Where the sandbox's URLs are mounted, "/sandbox/", as the project's URLconf says."""
    return reverse("sandbox:home")


def sandbox_api_shortcut(get_response):
    def middleware(request: HttpRequest) -> HttpResponse:
        path = request.path_info
        site = _site_prefix()
        if not path.startswith(site + "api/"):
            return get_response(request)
        # Resolved against the sandbox's own few patterns, not the whole site's list.
        try:
            match = get_resolver("learnapp.sandbox.urls").resolve(path[len(site) - 1 :])
        except Resolver404:
            return get_response(request)
        return match.func(request, *match.args, **match.kwargs)

    return middleware
