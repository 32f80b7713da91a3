"""The account page: display name, email, time zone and reminder emails."""

import re

import pytest
from django.test import Client

from learnapp.accounts.models import Profile
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def ana():
    return UserFactory(username="ana", email="ana@example.com")


@pytest.fixture
def client_of(ana):
    client = Client()
    client.force_login(ana)
    return client


def test_a_user_without_a_profile_sees_the_defaults(client_of, ana):
    page = client_of.get("/accounts/").content.decode()
    assert 'value="ana@example.com"' in page
    [checkbox] = re.findall(r"<input[^>]*name=\"reminder_emails\"[^>]*>", page)
    assert "checked" in checkbox
    assert "Not set (UTC)" in page
    assert 'href="/accounts/password/change/"' in page
    # Made on demand, with the defaults.
    assert Profile.objects.get(user=ana).reminder_emails is True


def test_the_browsers_zone_is_offered_until_one_is_saved(client_of):
    client_of.cookies["tz"] = "Europe/Lisbon"
    page = client_of.get("/accounts/").content.decode()
    assert '<option value="Europe/Lisbon" selected>' in page


def test_saving_the_profile(client_of, ana):
    response = client_of.post(
        "/accounts/",
        {
            "display_name": "  Ana   Lima ",
            "email": "ana.lima@example.com",
            "time_zone": "America/Sao_Paulo",
        },
        follow=True,
    )
    assert response.redirect_chain == [("/accounts/", 302)]
    assert "Your account details are saved." in response.content.decode()
    profile = Profile.objects.get(user=ana)
    assert (profile.display_name, profile.time_zone, profile.reminder_emails) == (
        "Ana Lima",
        "America/Sao_Paulo",
        False,  # the box was left unticked
    )
    ana.refresh_from_db()
    assert ana.email == "ana.lima@example.com"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("time_zone", "Mars/Olympus_Mons", "Select a valid choice."),
        ("email", "not-an-email", "Enter a valid email address."),
        ("email", "BO@example.com", "Another account uses this email address."),
        ("display_name", "x" * 121, "at most 120 characters"),
    ],
)
def test_bad_values_are_refused_with_a_reason_and_nothing_saved(
    client_of, ana, field, value, message
):
    UserFactory(username="bo", email="bo@example.com")
    data = {"display_name": "Ana", "email": "ana@example.com", "time_zone": "", field: value}
    response = client_of.post("/accounts/", data)
    assert response.status_code == 200
    page = response.content.decode()
    assert message in page
    assert "<title>Error: Account" in page
    assert 'role="alert"' in page
    assert not Profile.objects.filter(display_name="Ana").exists()
    ana.refresh_from_db()
    assert ana.email == "ana@example.com"


def test_the_page_needs_a_log_in():
    response = Client().get("/accounts/")
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


def test_query_count_of_the_account_page(client_of, django_assert_max_num_queries):
    client_of.get("/accounts/")
    with django_assert_max_num_queries(6):
        assert client_of.get("/accounts/").status_code == 200
