"""A practice "Check" looks through the learner's answers to that question only."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

pytestmark = pytest.mark.django_db


def practice_url(n=1):
    return f"/patterns/keys/practice/{n}/"


def form_token(client, n=1) -> str:
    page = client.get(practice_url(n)).content.decode()
    return re.search(r'name="form_token" value="([^"]+)"', page).group(1)


def test_checking_looks_up_this_forms_answers_among_this_questions_only(client, pattern):
    client.post(practice_url(2), {"choice": "A", "form_token": form_token(client, 2)})
    token = form_token(client, 1)
    with CaptureQueriesContext(connection) as queries:
        response = client.post(practice_url(1), {"choice": "B", "form_token": token})
    assert response.status_code == 200
    by_token = [q["sql"] for q in queries if "LIKE" in q["sql"] and "form_token" in q["sql"]]
    assert by_token
    # A prefix match (LIKE) seeks no index: without the question it went through every answer
    # the learner ever gave, and a busy learner's checks slowed down with each one.
    outer = by_token[0].split(" WHERE ", 1)[1]
    assert re.search(r'"learning_answer"\."question_id" = ', outer.split("(SELECT")[0])


def test_a_wrong_answer_makes_its_review_card_without_waiting(client, pattern, monkeypatch):
    from fsrs import card as fsrs_card

    from learnapp.learning.models import ReviewCard

    def no_sleeping(seconds):
        raise AssertionError("a Check must not sleep")

    # fsrs sleeps a millisecond after numbering a Card by the clock: a sync worker would sit
    # idle through it on every wrong practice answer.
    monkeypatch.setattr(fsrs_card.time, "sleep", no_sleeping)
    token = form_token(client, 1)
    wrong = "C"  # B is always right
    response = client.post(practice_url(1), {"choice": wrong, "form_token": token})
    assert response.status_code == 200
    assert ReviewCard.objects.count() == 1
