import re

import pytest

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

OLD = "correct horse battery staple"  # UserFactory's password
NEW = "quartz-meadow-19-violin"


class TestPasswordChange:
    def test_it_requires_logging_in(self, client):
        response = client.get("/accounts/password/change/")
        assert response.status_code == 302
        assert response["Location"] == "/accounts/login/?next=/accounts/password/change/"

    def test_it_changes_the_password_and_keeps_the_user_logged_in(self, client):
        user = UserFactory()
        client.force_login(user)
        response = client.post(
            "/accounts/password/change/",
            {"old_password": OLD, "new_password1": NEW, "new_password2": NEW},
        )
        assert response.status_code == 302
        assert response["Location"] == "/accounts/password/change/done/"
        user.refresh_from_db()
        assert user.check_password(NEW)
        assert client.get("/accounts/").status_code == 200

    def test_a_wrong_old_password_changes_nothing(self, client):
        user = UserFactory()
        client.force_login(user)
        response = client.post(
            "/accounts/password/change/",
            {"old_password": "wrong", "new_password1": NEW, "new_password2": NEW},
        )
        assert response.status_code == 200
        assert "Your old password was entered incorrectly" in response.content.decode()
        user.refresh_from_db()
        assert user.check_password(OLD)


class TestPasswordReset:
    def test_the_emailed_link_sets_a_new_password_to_log_in_with(self, client, mailoutbox):
        user = UserFactory(email="ada@example.com")
        response = client.post("/accounts/password/reset/", {"email": "ada@example.com"})
        assert response["Location"] == "/accounts/password/reset/done/"
        assert len(mailoutbox) == 1
        email = mailoutbox[0]
        assert email.to == ["ada@example.com"]
        assert email.subject == "Reset your learnapp password"
        link = re.search(r"http://testserver(/accounts/password/reset/\S+/\S+/)", email.body)
        assert link, email.body

        # Django swaps the token in the link for one kept in the session, then shows the form.
        form_url = client.get(link[1])["Location"]
        assert "Choose a new password" in client.get(form_url).content.decode()
        response = client.post(form_url, {"new_password1": NEW, "new_password2": NEW})
        assert response["Location"] == "/accounts/password/reset/complete/"

        response = client.post("/accounts/login/", {"username": user.username, "password": NEW})
        assert response.status_code == 302
        assert client.session["_auth_user_id"] == str(user.pk)

    def test_a_used_link_does_not_work_twice(self, client, mailoutbox):
        UserFactory(email="ada@example.com")
        client.post("/accounts/password/reset/", {"email": "ada@example.com"})
        path = re.search(r"http://testserver(\S+)", mailoutbox[0].body)[1]
        form_url = client.get(path)["Location"]
        client.post(form_url, {"new_password1": NEW, "new_password2": NEW})
        response = client.get(path, follow=True)
        assert "This link has expired or has already been used." in response.content.decode()

    def test_an_unknown_address_gets_the_same_answer_and_no_email(self, client, mailoutbox):
        response = client.post("/accounts/password/reset/", {"email": "nobody@example.com"})
        assert response["Location"] == "/accounts/password/reset/done/"
        assert mailoutbox == []
