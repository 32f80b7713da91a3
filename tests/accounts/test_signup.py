import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

User = get_user_model()
PASSWORD = "plum-orchard-47-lantern"


def signup_data(**overrides: str) -> dict[str, str]:
    return {
        "username": "ada",
        "email": "ada@example.com",
        "password1": PASSWORD,
        "password2": PASSWORD,
        **overrides,
    }


def test_it_creates_the_user_logs_them_in_and_goes_home(client):
    response = client.post("/accounts/signup/", signup_data())
    assert response.status_code == 302
    assert response["Location"] == "/"
    user = User.objects.get(username="ada")
    assert user.email == "ada@example.com"
    assert user.check_password(PASSWORD)
    assert client.session["_auth_user_id"] == str(user.pk)


def test_it_logs_in_through_django_so_user_logged_in_receivers_run(client):
    seen = []

    def receiver(sender, request, user, **kwargs):
        seen.append(user.username)

    user_logged_in.connect(receiver)
    try:
        client.post("/accounts/signup/", signup_data())
    finally:
        user_logged_in.disconnect(receiver)
    assert seen == ["ada"]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"password2": "plum-orchard-47-lantern!"}, "The two password fields didn"),
        ({"password1": "password", "password2": "password"}, "This password is too common."),
        ({"password1": "ab3", "password2": "ab3"}, "This password is too short."),
        ({"password1": "ada-example", "password2": "ada-example"}, "too similar to the"),
        ({"email": ""}, "This field is required."),
        ({"email": "not-an-address"}, "Enter a valid email address."),
    ],
)
def test_an_invalid_sign_up_re_renders_with_errors_and_creates_nothing(client, overrides, message):
    response = client.post("/accounts/signup/", signup_data(**overrides))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not User.objects.filter(username="ada").exists()
    assert "_auth_user_id" not in client.session


def test_a_taken_username_is_refused_whatever_its_case(client):
    UserFactory(username="ada")
    response = client.post("/accounts/signup/", signup_data(username="ADA"))
    assert response.status_code == 200
    assert "A user with that username already exists." in response.content.decode()
    assert User.objects.count() == 1
    assert "_auth_user_id" not in client.session


def test_it_follows_a_safe_next_after_signing_up(client):
    response = client.post("/accounts/signup/?next=/patterns/loops/", signup_data())
    assert response["Location"] == "/patterns/loops/"


def test_it_follows_next_from_the_form_too(client):
    response = client.post("/accounts/signup/", signup_data(next="/patterns/loops/"))
    assert response["Location"] == "/patterns/loops/"


@pytest.mark.parametrize(
    "next_url", ["https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:x"]
)
def test_it_ignores_a_next_that_leaves_the_site(client, next_url):
    response = client.post("/accounts/signup/", signup_data(next=next_url))
    assert response["Location"] == "/"


def test_it_carries_a_safe_next_into_the_form_and_drops_an_unsafe_one(client):
    assert (
        'value="/patterns/loops/"'
        in client.get("/accounts/signup/?next=/patterns/loops/").content.decode()
    )
    page = client.get("/accounts/signup/?next=https://evil.example/").content.decode()
    assert '<input type="hidden" name="next" value="">' in page


def test_a_logged_in_user_is_sent_home(client):
    client.force_login(UserFactory())
    response = client.get("/accounts/signup/")
    assert response.status_code == 302
    assert response["Location"] == "/"
