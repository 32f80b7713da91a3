import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_the_demo_accounts_from_the_readme_can_log_in(client):
    call_command("demoaccounts")
    call_command("demoaccounts")  # a second run resets, never duplicates
    for username, password in [("learner", "learn-demo-2026"), ("instructor", "teach-demo-2026")]:
        response = client.post("/accounts/login/", {"username": username, "password": password})
        assert response.status_code == 302, f"{username} could not log in"
        page = client.get("/").content.decode()
        assert "Log out" in page
        client.post("/accounts/logout/")
        assert "Log in" in client.get("/").content.decode()


def test_a_wrong_password_is_refused_with_a_message(client):
    call_command("demoaccounts")
    response = client.post("/accounts/login/", {"username": "learner", "password": "nope"})
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()


def test_the_login_page_links_to_sign_up_and_password_reset(client):
    page = client.get("/accounts/login/?next=/patterns/x/").content.decode()
    assert 'href="/accounts/signup/?next=/patterns/x/"' in page
    assert 'href="/accounts/password/reset/"' in page
    assert "Forgot your password?" in page
