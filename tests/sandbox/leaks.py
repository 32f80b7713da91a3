"""Proof that a raw sandbox key goes nowhere but the one response that created it.

While a LeakWatch is active it records every raw key that `keys.new_key` mints, and everything
that leaves the process or is stored:

- every log record (formatted, with its traceback and any string attributes);
- every SQL statement with its parameters, on any thread (the live server's too);
- every value written to the cache, and every session before it is encoded;
- every response the Django handler returns (test client and live server alike).

`problems()` then lists each place a raw key turned up. A key may appear in exactly one
response: the page that the creating POST (a new key or a rotation) redirects to, a GET.
"""

import contextlib
import logging
import re

from django.contrib.sessions.backends.base import SessionBase
from django.core.cache import caches
from django.core.handlers.base import BaseHandler
from django.db.backends.utils import CursorWrapper

from learnapp.sandbox import keys

REVEALING_PATHS = re.compile(r"\A/sandbox/(keys/[0-9a-f]{12}/)?\Z")

_ACTIVE: list["LeakWatch"] = []
_INSTALLED = [0]  # nesting depth: the hooks go in once, however many users ask


class LeakWatch:
    def __init__(self) -> None:
        self.raw_keys: list[str] = []
        self.records: list[str] = []
        self.stored: list[str] = []
        self.responses: list[tuple[str, str, str]] = []

    def __enter__(self) -> "LeakWatch":
        _ACTIVE.append(self)
        return self

    def __exit__(self, *exc) -> None:
        _ACTIVE.remove(self)

    def problems(self) -> list[str]:
        found = []
        for raw in self.raw_keys:
            shown = keys.mask_keys(raw)
            for text in self.records:
                if raw in text:
                    found.append(f"{shown} in a log record: {keys.mask_keys(text)[:200]}")
            for text in self.stored:
                if raw in text:
                    found.append(
                        f"{shown} stored (SQL, cache or session): {keys.mask_keys(text)[:200]}"
                    )
            carrying = [(m, p) for m, p, body in self.responses if raw in body]
            revealing = [(m, p) for m, p in carrying if m == "GET" and REVEALING_PATHS.match(p)]
            if len(carrying) > 1 or len(carrying) != len(revealing):
                found.append(f"{shown} in responses other than the one that created it: {carrying}")
        return found


class _RecordCapture(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = logging.Formatter().format(record)
        except Exception:  # a record that cannot be formatted is still scanned by its parts
            text = f"{record.msg!r} {record.args!r}"
        extras = " ".join(v for v in vars(record).values() if isinstance(v, str))
        for watch in _ACTIVE:
            watch.records.append(f"{text} {extras}")


def _note_stored(text: str) -> None:
    for watch in _ACTIVE:
        watch.stored.append(text)


@contextlib.contextmanager
def installed():
    """Hook the watch into key minting, logging, SQL, the cache, sessions and responses."""
    if _INSTALLED[0]:
        _INSTALLED[0] += 1
        try:
            yield
        finally:
            _INSTALLED[0] -= 1
        return
    original_new_key = keys.new_key
    original_execute = CursorWrapper._execute_with_wrappers
    original_encode = SessionBase.encode
    original_get_response = BaseHandler.get_response
    cache_class = type(caches["default"])
    cache_methods = {name: getattr(cache_class, name) for name in ("set", "add", "set_many")}

    def new_key():
        minted = original_new_key()
        for watch in _ACTIVE:
            watch.raw_keys.append(minted.raw)
        return minted

    def execute(self, sql, params, many, executor):
        if not many or isinstance(params, list | tuple):
            _note_stored(f"{sql} {params!r}")
        return original_execute(self, sql, params, many, executor)

    def encode(self, session_dict):
        _note_stored(repr(session_dict))
        return original_encode(self, session_dict)

    def get_response(self, request):
        response = original_get_response(self, request)
        if not getattr(response, "streaming", False):
            body = response.content.decode("utf-8", "replace")
            headers = repr(list(response.items()))
            for watch in _ACTIVE:
                watch.responses.append((request.method, request.path, body + headers))
        return response

    def cache_wrapper(name):
        original = cache_methods[name]

        def wrapper(self, *args, **kwargs):
            _note_stored(f"cache.{name} {args!r} {kwargs!r}")
            return original(self, *args, **kwargs)

        return wrapper

    handler = _RecordCapture(level=logging.DEBUG)
    loggers = [logging.getLogger(), logging.getLogger("django.server")]
    keys.new_key = new_key
    CursorWrapper._execute_with_wrappers = execute
    SessionBase.encode = encode
    BaseHandler.get_response = get_response
    for name in cache_methods:
        setattr(cache_class, name, cache_wrapper(name))
    for logger in loggers:
        logger.addHandler(handler)
    _INSTALLED[0] = 1
    try:
        yield
    finally:
        _INSTALLED[0] = 0
        for logger in loggers:
            logger.removeHandler(handler)
        for name, original in cache_methods.items():
            setattr(cache_class, name, original)
        BaseHandler.get_response = original_get_response
        SessionBase.encode = original_encode
        CursorWrapper._execute_with_wrappers = original_execute
        keys.new_key = original_new_key
