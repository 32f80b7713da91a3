"""The URL configuration: every page of the site is reached by its own URL, whatever the order.

learnapp/urls.py puts the busiest pages first; that is safe only while no pattern catches
another's URLs. Each named pattern is reversed with sample values and resolved again: it must
come back to the same name (a pattern listed earlier that matched it would answer instead).
"""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse

# A sample value per path converter, unlike any literal segment of the site's URLs.
SAMPLES = {
    "int": 7,
    "slug": "sample-slug",
    "string": "sample",
    "uuid": "6f1c0e1e-0000-4000-8000-000000000007",
}


def named_patterns(patterns=None, namespace=""):
    """(full name, {group: converter}) of every named pattern of the project's apps."""
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(entry, URLResolver):
            if entry.app_name == "admin":
                continue  # Django's own admin, with its own catch-all
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from named_patterns(entry.url_patterns, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            # A re_path() has no converters: any text fits its groups.
            groups = entry.pattern.regex.groupindex
            converters = getattr(entry.pattern, "converters", None) or dict.fromkeys(groups)
            yield f"{namespace}{entry.name}", converters


def sample_kwargs(converters):
    return {
        name: SAMPLES[type(conv).__name__.removesuffix("Converter").lower()] if conv else "sample"
        for name, conv in converters.items()
    }


def test_the_admin_is_reached_behind_the_site_s_own_parts():
    # Left out of the named patterns below: Django's admin, which its own tests cover.
    assert resolve("/admin/login/").url_name == "admin_login"  # the throttled one
    assert resolve("/admin/").app_name == "admin"
    assert resolve("/admin/auth/user/").url_name == "auth_user_changelist"


def test_the_busiest_pages_are_tried_first():
    # The order the comment in learnapp/urls.py gives: a lesson page, then practice and tests.
    assert resolve("/patterns/sample-slug/").url_name == "pattern"
    assert len(resolve("/patterns/sample-slug/").tried) == 2
    assert len(resolve("/patterns/sample-slug/practice/7/").tried) <= 7


@pytest.mark.parametrize(
    "name, converters", list(named_patterns()), ids=lambda v: v if isinstance(v, str) else ""
)
def test_every_named_url_resolves_to_its_own_pattern(name, converters):
    url = reverse(name, kwargs=sample_kwargs(converters))
    match = resolve(url)
    assert match.view_name == name, f"{url} is answered by {match.view_name}, not {name}"
