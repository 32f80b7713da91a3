import pytest

from tests.factories import UserFactory, make_question_set

pytestmark = pytest.mark.django_db

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
