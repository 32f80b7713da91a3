"""Cheaper versions of Django's CSRF token drawing and CSP and messages middleware, same behaviour.

Every request passes through these, so their fixed cost shows on the busiest pages (a lesson
read by a first-time visitor, a practice Check):

- CSRF: a new visitor's token takes two 32-character random strings. Django draws them one
  `secrets.choice` at a time, a fifth of a cached lesson page's time; `random_string` draws
  the same uniform characters from one `os.urandom` call. The tokens, cookies and checks are
  Django's own (only the random string is swapped, in the CSRF module, when this module
  loads); Django's CsrfViewMiddleware stays in MIDDLEWARE by name, as `check --deploy` wants.
- CSP: the policy is the same text on every response but for the nonce, so it is built once
  per policy and the nonce filled in, instead of being rebuilt from the settings each time.
- Messages: the message storage is made when a message is added or read, not on every
  request; a request that does neither has nothing to store (Django's `update` does nothing
  for storage never used).
"""

import os

from django.conf import settings
from django.contrib.messages import middleware as messages_middleware
from django.contrib.messages.storage import default_storage
from django.middleware import csrf
from django.middleware.csp import ContentSecurityPolicyMiddleware, get_nonce
from django.utils.crypto import RANDOM_STRING_CHARS, get_random_string
from django.utils.csp import CSP, build_policy
from django.utils.functional import SimpleLazyObject, empty

_tables: dict[str, tuple[bytes, bytes]] = {}


def random_string(length: int, allowed_chars: str = RANDOM_STRING_CHARS) -> str:
    """What django.utils.crypto.get_random_string returns (each character uniform over
    `allowed_chars`, from the operating system's secure source), from one urandom call.

    A byte picks a character by `byte % len(allowed_chars)`; bytes at or above the largest
    multiple of that length are dropped (not wrapped round), so no character is favoured.
    """
    n = len(allowed_chars)
    if not allowed_chars.isascii() or not 1 < n <= 256 or length <= 0:
        return get_random_string(length, allowed_chars)
    table = _tables.get(allowed_chars)
    if table is None:
        limit = 256 - 256 % n
        chars = allowed_chars.encode()
        table = _tables[allowed_chars] = (
            bytes(chars[b % n] if b < limit else 0 for b in range(256)),
            bytes(range(limit, 256)),
        )
    translate, dropped = table
    out = b""
    while len(out) < length:
        # 62 characters keep 248 of every 256 bytes: 8 spare bytes nearly always suffice.
        out += os.urandom(length - len(out) + 8).translate(translate, dropped)
    return out[:length].decode()


# The CSRF module looks the function up when it draws a token (a secret, and a mask per page).
csrf.get_random_string = random_string


class CspMiddleware(ContentSecurityPolicyMiddleware):
    """Django's CSP middleware with the site's policies built once (see the module)."""

    # A stand-in for the nonce, put in by build_policy and replaced by each response's nonce.
    _HOLE = "learnapp-csp-nonce-hole"

    def __init__(self, get_response):
        super().__init__(get_response)
        # (the config as last seen, policy with the hole, policy without a nonce) per header.
        # A changed setting is a new object (override_settings, a reload), so identity tells.
        self._built: dict[str, tuple] = {}

    def _policy(self, header: str, config, nonce) -> str:
        built = self._built.get(header)
        if built is None or built[0] is not config:
            built = (config, build_policy(config, self._HOLE), build_policy(config, None))
            self._built[header] = built
        return built[1].replace(self._HOLE, str(nonce)) if nonce else built[2]

    def process_response(self, request, response):
        if hasattr(response, "_csp_config") or hasattr(response, "_csp_ro_config"):
            # A response with its own policy (an LTI launch's frame): built as Django does.
            return super().process_response(request, response)
        nonce = get_nonce(request)
        for header, config in [
            (CSP.HEADER_ENFORCE, settings.SECURE_CSP),
            (CSP.HEADER_REPORT_ONLY, settings.SECURE_CSP_REPORT_ONLY),
        ]:
            # As Django's: a view's own header is kept, an empty policy sends none.
            if config and header not in response:
                response.headers[str(header)] = self._policy(str(header), config, nonce)
        return response


class MessageMiddleware(messages_middleware.MessageMiddleware):
    """Django's, with the storage made on first use (see the module)."""

    def process_request(self, request):
        request._messages = SimpleLazyObject(lambda: default_storage(request))

    def process_response(self, request, response):
        messages = getattr(request, "_messages", None)
        if isinstance(messages, SimpleLazyObject) and messages._wrapped is empty:
            return response  # never added to nor read: nothing to store
        return super().process_response(request, response)
