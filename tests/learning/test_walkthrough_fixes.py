"""What a new learner's walk through a pattern found in the way, each fixed and kept fixed."""

import re

import pytest

from learnapp.learning.models import Learner
from learnapp.sandbox.models import create_key


def practice_page(client, n: int) -> str:
    return client.get(f"/patterns/keys/practice/{n}/").content.decode()


def open_hint(client, n: int) -> str:
    page = practice_page(client, n)
    token = re.search(r'name="form_token" value="([^"]+)"', page).group(1)
    response = client.post(
        f"/patterns/keys/practice/{n}/hint/",
        {"form_token": token, "tier": 1},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.django_db
def test_a_single_hint_is_not_numbered_as_if_more_were_to_come(client, versions):
    # The shipped metrics lessons give most questions one hint; it showed as a list item "1.".
    shown = open_hint(client, 2)
    assert "SECRET-HINT-2" in shown
    assert "<ol" not in shown and "<li" not in shown
    assert "Hint 1 of" not in shown


@pytest.mark.django_db
def test_tiered_hints_stay_a_numbered_list(client, versions):
    versions[0].hints = ["<p>TIER-ONE</p>", "<p>SECRET-HINT-1</p>"]
    versions[0].save(update_fields=["hints"])
    shown = open_hint(client, 1)
    assert '<ol class="hint-tiers">' in shown and "Hint 1 of 2" in shown


@pytest.mark.django_db
def test_an_unknown_labelled_set_is_explained_as_a_path_not_a_query(client):
    _, raw = create_key(Learner.objects.create(), name="k", scopes=["read", "write"])
    response = client.post(
        "/sandbox/api/evaluate/api-key-management",
        "{}",
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {raw}",
    )
    assert response.status_code == 404
    body = response.json()
    assert "query parameter" not in body["explanation"]
    assert "path" in body["explanation"]
    assert "extraction-exact-match-f1" in body["hint"]


@pytest.mark.django_db
def test_sign_up_says_the_email_is_required_and_why_before_the_first_try(client):
    page = client.get("/accounts/signup/").content.decode()
    email = re.search(r'<input type="email"[^>]*>', page).group(0)
    assert 'aria-describedby="id_email_helptext"' in email
    help_text = re.search(r'id="id_email_helptext">([^<]+)<', page).group(1)
    assert help_text.startswith("Required") and "password" in help_text
