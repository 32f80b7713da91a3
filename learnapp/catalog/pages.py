"""The lesson page's shared part, rendered once per pattern and kept in process memory.

A lesson is the same for every reader; only a status line and a "mark as read" form differ per
learner. Rendering the shared part once (breadcrumbs, header, contents, lesson, pager) turns the
page into little more than the site frame. Entries live CATALOG_PAGE_TTL seconds, so a content
load shows everywhere within that time; the loader also clears this process's entries at once.
"""

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from .models import Pattern

_MAX_ENTRIES = 5000
_pages: dict[str, tuple[float, "LessonPage"]] = {}
# Stand-ins for the two per-request values of a new visitor's page, filled in on every request.
_CSRF_HOLE = f"csrf-{secrets.token_hex(16)}"
_NONCE_HOLE = f"nonce-{secrets.token_hex(16)}"


@dataclass(frozen=True)
class LessonPage:
    pk: int
    slug: str
    title: str
    summary: str
    section_title: str
    head_html: SafeString
    body_html: SafeString
    pager_html: SafeString
    # The whole page as a new visitor sees it, with holes for the CSRF token and CSP nonce.
    _visitor_html: list[str] = field(default_factory=list, compare=False, repr=False)

    def for_new_visitor(self, request: HttpRequest, template: str) -> str:
        """The full page for a visitor with no cookies: no account, no progress, no messages.

        Such visitors all see the same page but for their CSRF token and the CSP nonce, so it
        is rendered once and only those two are filled in per request.
        """
        if not self._visitor_html:
            self._visitor_html.append(
                render_to_string(
                    template,
                    {
                        "page": self,
                        "csrf_token": _CSRF_HOLE,
                        "csp_nonce": _NONCE_HOLE,
                        "learner_progress": {},
                        "messages": [],
                    },
                    request=request,
                )
            )
        return (
            self._visitor_html[0]
            .replace(_CSRF_HOLE, get_token(request))
            .replace(_NONCE_HOLE, str(request._csp_nonce))
        )


def lesson_page(slug: str) -> LessonPage:
    """The page of an active pattern, or Http404."""
    return _kept(_pages, slug, lambda: _render(slug))


def clear_page_cache() -> None:
    _pages.clear()
    _fragments.clear()
    _objects.clear()


# Parts of pages that depend only on their key (immutable content: a question version, a seed,
# an answer's response), kept like the pages: CATALOG_PAGE_TTL seconds, cleared with them.
_fragments: dict[tuple, tuple[float, str]] = {}


def cached_fragment(key: tuple, make: Callable[[], str]) -> str:
    """`make()`'s HTML, made once per `key` and kept in process memory."""
    return _kept(_fragments, key, make)


# Model instances read for a key that names their content exactly (a question at one version),
# kept like the pages. Shared by every request of the process: read them, never change them.
_objects: dict[tuple, tuple[float, object]] = {}


def cached_object[T](key: tuple, make: Callable[[], T]) -> T:
    """`make()`'s result, made once per `key` and kept in process memory."""
    return _kept(_objects, key, make)


def _kept(store: dict, key, make: Callable):
    """`make()`'s result, kept in `store` under `key` for CATALOG_PAGE_TTL seconds (0: not
    kept); a full store is emptied, which bounds the process's memory."""
    ttl = settings.CATALOG_PAGE_TTL
    if ttl <= 0:
        return make()
    now = time.monotonic()
    entry = store.get(key)
    if entry is not None and now - entry[0] < ttl:
        return entry[1]
    made = make()
    if len(store) >= _MAX_ENTRIES:
        store.clear()
    store[key] = (now, made)
    return made


def _render(slug: str) -> LessonPage:
    pattern = get_object_or_404(
        Pattern.objects.active().select_related("section__track"), slug=slug
    )
    neighbours = {
        p.position: p
        for p in Pattern.objects.active()
        .filter(position__in=[pattern.position - 1, pattern.position + 1])
        .only("slug", "title", "position")
    }
    context = {
        "pattern": pattern,
        "section": pattern.section,
        "track": pattern.section.track,
        "previous": neighbours.get(pattern.position - 1),
        "next": neighbours.get(pattern.position + 1),
    }

    def part(name: str) -> SafeString:
        return SafeString(render_to_string(f"catalog/pattern.html#{name}", context))

    return LessonPage(
        pk=pattern.pk,
        slug=pattern.slug,
        title=pattern.title,
        summary=pattern.summary,
        section_title=pattern.section.title,
        head_html=part("head"),
        body_html=part("body"),
        pager_html=part("pager"),
    )
