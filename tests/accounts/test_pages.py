import pytest

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("url", "heading"),
    [
        ("/accounts/login/", "Log in"),
        ("/accounts/signup/", "Sign up"),
        ("/accounts/password/reset/", "Reset password"),
        ("/accounts/password/reset/done/", "Check your email"),
        ("/accounts/password/reset/MQ/bad-token/", "Choose a new password"),
        ("/accounts/password/reset/complete/", "Password set"),
    ],
)
def test_every_public_page_renders_with_its_heading(client, url, heading):
    response = client.get(url)
    assert response.status_code == 200
    assert f"<h1>{heading}</h1>" in response.content.decode()


@pytest.mark.parametrize(
    ("url", "heading"),
    [
        ("/accounts/", "Account"),
        ("/accounts/password/change/", "Change password"),
        ("/accounts/password/change/done/", "Password changed"),
    ],
)
def test_every_account_page_renders_with_its_heading(client, url, heading):
    client.force_login(UserFactory())
    response = client.get(url)
    assert response.status_code == 200
    assert f"<h1>{heading}</h1>" in response.content.decode()


def test_the_account_page_shows_the_user_and_links_to_password_change_and_log_out(client):
    client.force_login(UserFactory(username="ada", email="ada@example.com"))
    page = client.get("/accounts/").content.decode()
    assert "ada@example.com" in page
    assert "Signed in as <strong>ada</strong>" in page
    assert 'href="/accounts/password/change/"' in page
    assert 'action="/accounts/logout/"' in page


def test_the_account_page_requires_logging_in(client):
    response = client.get("/accounts/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/accounts/"
