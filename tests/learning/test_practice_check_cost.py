"""A practice "Check" finds the form's earlier answers without reading the learner's others."""

import re

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db


def practice_url(n=1):
    return f"/patterns/keys/practice/{n}/"


def form_token(client, n=1) -> str:
    page = client.get(practice_url(n)).content.decode()
    return re.search(r'name="form_token" value="([^"]+)"', page).group(1)


def sqlite_steps(action) -> int:
    """How much work SQLite did during `action`, in thousands of its virtual machine's steps."""
    steps = [0]

    def count():
        steps[0] += 1
        return 0  # carry on

    connection.ensure_connection()
    connection.connection.set_progress_handler(count, 1000)
    try:
        action()
    finally:
        connection.connection.set_progress_handler(None, 1000)
    return steps[0]


@pytest.mark.skipif(connection.vendor != "sqlite", reason="counts SQLite's own steps")
def test_a_check_costs_the_same_after_thousands_of_answers(client, pattern):
    from learnapp.learning.models import Answer

    def check() -> int:
        token = form_token(client, 1)
        return sqlite_steps(
            lambda: client.post(practice_url(1), {"choice": "B", "form_token": token})
        )

    check()  # the learner and its first answer
    first_checks = [check() for _ in range(3)]
    answer = Answer.objects.latest("pk")
    earlier = []
    for i in range(3000):
        answer.pk = None
        answer.form_token = f"earlier{i}.0"
        earlier.append(
            Answer(**{f.attname: getattr(answer, f.attname) for f in Answer._meta.fields})
        )
    Answer.objects.bulk_create(earlier)
    # Looking for the form's earlier answers went through all of the learner's answers to the
    # question: 3,000 more made each Check about 30 of these units dearer.
    assert min(check() for _ in range(3)) <= max(first_checks) + 3


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


def test_a_form_used_again_after_another_tab_answered_adds_a_new_answer(client, pattern):
    from learnapp.learning.models import Answer

    first_tab, second_tab = form_token(client, 1), form_token(client, 1)
    for token, choice in [(first_tab, "A"), (second_tab, "C"), (first_tab, "A"), (first_tab, "A")]:
        response = client.post(practice_url(1), {"choice": choice, "form_token": token})
        assert response.status_code == 200
    # The first tab's A again after the second tab's C is a new answer (the learner's latest
    # changed in between); the same A once more is a double click.
    assert list(Answer.objects.order_by("pk").values_list("choice", flat=True)) == ["A", "C", "A"]
    tokens = list(Answer.objects.order_by("pk").values_list("form_token", flat=True))
    assert tokens[2].endswith(".1") and tokens[2].split(".")[0] == tokens[0].split(".")[0]
