from uuid import uuid4

import pytest

from tests.factories import UserFactory, make_question_set

pytestmark = pytest.mark.django_db

RIGHT = "correct horse battery staple"  # UserFactory's password

PAGES = [
    "/admin/catalog/pattern/",
    "/admin/catalog/question/",
    "/admin/learning/attempt/",
    "/admin/learning/answer/",
    "/admin/classes/classroom/",
    "/admin/classes/assignment/",
    "/admin/classes/instructorinvite/add/",
    "/admin/auth/group/",
]


@pytest.mark.parametrize("url", PAGES)
def test_admin_pages_open_for_an_admin(client, url):
    make_question_set()
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    assert client.get(url).status_code == 200


def test_content_cannot_be_edited_in_the_admin(client):
    pattern, _ = make_question_set()
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    assert client.get("/admin/catalog/pattern/add/").status_code == 403
    assert client.post(f"/admin/catalog/pattern/{pattern.pk}/delete/").status_code == 403


@pytest.fixture
def _own_cache_keys(settings):
    # The log-in throttle counts in the cache; a fresh key prefix keeps each test's counts apart.
    default = settings.CACHES["default"]
    prefix = f"{default.get('KEY_PREFIX', '')}-test-{uuid4().hex}"
    settings.CACHES = {**settings.CACHES, "default": {**default, "KEY_PREFIX": prefix}}


def admin_log_in(client, username, password, ip="198.51.100.7"):
    return client.post(
        "/admin/login/?next=/admin/",
        {"username": username, "password": password, "next": "/admin/"},
        REMOTE_ADDR=ip,
    )


@pytest.mark.usefixtures("_own_cache_keys")
class TestAdminLogIn:
    def test_an_admin_logs_in_through_the_admin_page(self, client):
        admin = UserFactory(is_superuser=True, is_staff=True)
        response = admin_log_in(client, admin.username, RIGHT)
        assert response.status_code == 302
        assert response["Location"] == "/admin/"
        assert client.get("/admin/").status_code == 200

    def test_the_admin_page_still_refuses_an_account_that_is_not_staff(self, client):
        learner = UserFactory()
        response = admin_log_in(client, learner.username, RIGHT)
        assert response.status_code == 200
        assert "staff account" in response.content.decode()
        assert "_auth_user_id" not in client.session

    def test_guessing_an_admins_password_is_stopped_like_on_the_site(self, client):
        admin = UserFactory(is_superuser=True, is_staff=True)
        for _ in range(25):
            admin_log_in(client, admin.username, "wrong")
        response = admin_log_in(client, admin.username, RIGHT)
        assert response.status_code == 429
        assert 0 < int(response["Retry-After"]) <= 15 * 60
        assert "Too many failed log-ins to this account from here" in response.content.decode()
        assert "_auth_user_id" not in client.session

    def test_the_admin_and_the_site_log_in_share_one_count(self, client):
        admin = UserFactory(is_superuser=True, is_staff=True)
        for _ in range(3):
            client.post(
                "/accounts/login/",
                {"username": admin.username, "password": "wrong"},
                REMOTE_ADDR="198.51.100.7",
            )
        for _ in range(2):
            assert admin_log_in(client, admin.username, "wrong").status_code == 200
        assert admin_log_in(client, admin.username, RIGHT).status_code == 429
