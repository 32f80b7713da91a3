import re

import pytest

from learnapp.learning.models import Answer, Attempt, Learner, LessonRead
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"


def practise(client, number, choice):
    page = client.get(f"/patterns/keys/practice/{number}/").content.decode()
    token = re.search(r'name="form_token" value="([^"]+)"', page).group(1)
    client.post(f"/patterns/keys/practice/{number}/", {"choice": choice, "form_token": token})


def test_a_visitor_can_practise_and_test_without_an_account(client, pattern):
    practise(client, 1, "B")
    client.post("/patterns/keys/test/")
    learner = Learner.objects.get()
    assert learner.user is None
    assert Answer.objects.filter(learner=learner).count() == 1
    assert Attempt.objects.filter(learner=learner).count() == 1


def test_logging_in_joins_the_visitors_progress_to_the_account(client, pattern):
    user = UserFactory(username="grace")
    client.post("/patterns/keys/read/")
    practise(client, 1, "B")
    practise(client, 2, "C")
    client.post("/patterns/keys/test/")
    response = client.post("/accounts/login/", {"username": "grace", "password": PASSWORD})
    assert response.status_code == 302
    learner = Learner.objects.get(user=user)
    assert Learner.objects.count() == 1  # the visitor's learner is gone, its rows moved
    assert Answer.objects.filter(learner=learner).count() == 2
    assert Attempt.objects.filter(learner=learner).count() == 1
    assert LessonRead.objects.filter(learner=learner).count() == 1
    page = client.get("/progress/").content.decode()
    assert "1 / 2" in page  # right / answered, as the visitor left it


def test_joining_twice_never_duplicates(client, pattern):
    user = UserFactory(username="grace")
    client.force_login(user)
    client.post("/patterns/keys/read/")
    practise(client, 1, "B")
    client.logout()
    client.post("/patterns/keys/read/")  # read again as a visitor
    practise(client, 3, "B")
    client.post("/accounts/login/", {"username": "grace", "password": PASSWORD})
    client.post("/accounts/login/", {"username": "grace", "password": PASSWORD})
    learner = Learner.objects.get(user=user)
    assert LessonRead.objects.filter(learner=learner).count() == 1
    assert Answer.objects.filter(learner=learner).count() == 2
    assert Learner.objects.count() == 1


def test_signing_up_keeps_the_visitors_progress(client, pattern):
    practise(client, 1, "B")
    response = client.post(
        "/accounts/signup/",
        {
            "username": "newbie",
            "email": "newbie@example.com",
            "password1": "a long and unusual passphrase",
            "password2": "a long and unusual passphrase",
        },
    )
    assert response.status_code == 302
    learner = Learner.objects.get(user__username="newbie")
    assert Answer.objects.filter(learner=learner).count() == 1


def test_a_learner_sees_only_their_own_progress(client, learner_client, pattern):
    practise(learner_client, 1, "B")
    client.logout()
    page = client.get("/progress/").content.decode()
    assert "1 / 1" not in page
    other = UserFactory(username="other")
    client.force_login(other)
    assert "1 / 1" not in client.get("/progress/").content.decode()
