"""The cheaper CSRF, CSP and messages middleware behave as Django's (learnapp/middleware.py)."""

import re
from collections import Counter

import pytest
from django.contrib import messages
from django.http import HttpResponse
from django.middleware import csrf
from django.test import override_settings
from django.urls import path
from django.utils.crypto import RANDOM_STRING_CHARS
from django.utils.csp import CSP, build_policy

from learnapp.middleware import random_string

pytestmark = pytest.mark.django_db


def test_random_strings_are_uniform_over_the_alphabet():
    assert len(random_string(32)) == 32
    drawn = Counter("".join(random_string(62) for _ in range(4000)))  # 248,000 characters
    assert set(drawn) == set(RANDOM_STRING_CHARS)
    expected = 4000
    # A byte taken modulo 62 without dropping 248-255 gives the first 8 characters 25 % more.
    assert max(abs(count - expected) for count in drawn.values()) < expected * 0.08
    first, rest = RANDOM_STRING_CHARS[:8], RANDOM_STRING_CHARS[8:]
    share_first = sum(drawn[c] for c in first) / len(first)
    share_rest = sum(drawn[c] for c in rest) / len(rest)
    assert 0.97 < share_first / share_rest < 1.03
    assert set(random_string(40, "ab")) <= {"a", "b"}


def test_a_new_visitor_gets_a_csrf_token_that_a_post_must_carry(client):
    assert csrf.get_random_string is random_string
    checked = type(client)(enforce_csrf_checks=True)
    page = checked.get("/accounts/login/")
    secret = page.cookies["csrftoken"].value
    assert re.fullmatch(r"[A-Za-z0-9]{32}", secret)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode())[1]
    assert len(token) == 64 and csrf._unmask_cipher_token(token) == secret
    form = {"username": "nobody", "password": "wrong"}
    assert checked.post("/accounts/login/", form).status_code == 403
    assert (
        checked.post("/accounts/login/", {**form, "csrfmiddlewaretoken": token}).status_code == 200
    )


def test_the_csp_header_is_djangos_with_each_pages_nonce(client, settings):
    first = client.get("/accounts/login/")
    second = client.get("/accounts/login/")
    nonces = [
        re.search(r"'nonce-([^']+)'", r["Content-Security-Policy"])[1] for r in (first, second)
    ]
    assert nonces[0] != nonces[1]
    for response, nonce in zip((first, second), nonces, strict=True):
        assert response["Content-Security-Policy"] == build_policy(settings.SECURE_CSP, nonce)
        assert f'nonce="{nonce}"' in response.content.decode()
    # A changed policy is sent at once, not the one built before.
    with override_settings(SECURE_CSP={**settings.SECURE_CSP, "img-src": [CSP.SELF]}):
        assert "img-src 'self';" in client.get("/accounts/login/")["Content-Security-Policy"]
    assert "img-src 'self' data:" in client.get("/accounts/login/")["Content-Security-Policy"]


def _add_message(request):
    messages.success(request, "Saved it.")
    return HttpResponse("added")


def _quiet(request):
    return HttpResponse("nothing")


urlpatterns = [path("add/", _add_message), path("quiet/", _quiet)]


@override_settings(ROOT_URLCONF=__name__)
def test_a_message_is_kept_for_the_next_page_and_a_quiet_request_stores_nothing(client):
    from django.contrib.messages import get_messages

    quiet = client.get("/quiet/")
    assert "messages" not in quiet.cookies
    client.get("/add/")
    request = client.get("/quiet/").wsgi_request
    assert [str(m) for m in get_messages(request)] == ["Saved it."]
