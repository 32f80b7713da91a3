"""A new key's secret is shown once, even to a browser that sends the one-time cookie again."""

import re

import pytest

from learnapp.sandbox.models import SandboxKey

KEY_IN_PAGE = re.compile(r"sbx_test_[0-9a-f]{12}_[0-9a-f]{40}")
FORM = {"name": "mine", "scopes": ["read"], "rate_limit_per_minute": "60", "expires_in": ""}

pytestmark = pytest.mark.django_db


def test_a_replayed_reveal_cookie_does_not_show_the_secret_again(client):
    response = client.post("/sandbox/keys/new/", FORM)
    assert response.status_code == 302
    pad = client.cookies["sandbox_reveal"].value
    first = client.get("/sandbox/").content.decode()
    assert KEY_IN_PAGE.search(first) and "only time it is shown" in first
    # A browser (or a replayed request) that keeps the cookie the page asked it to drop.
    client.cookies["sandbox_reveal"] = pad
    again = client.get("/sandbox/").content.decode()
    assert not KEY_IN_PAGE.search(again) and "only time it is shown" not in again
    assert SandboxKey.objects.count() == 1
