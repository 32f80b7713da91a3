"""A test the clock submitted says so on its result page, with the questions left unanswered;
one the learner submitted in time says nothing about time."""

from datetime import timedelta

import pytest
from django.utils import timezone

from learnapp.learning.models import Attempt

from .test_test_mode import save, start

pytestmark = pytest.mark.django_db


def test_the_result_of_an_attempt_the_clock_submitted_says_time_ran_out(
    client, pattern, django_assert_max_num_queries
):
    attempt = start(client)
    for number in (1, 2, 4):
        save(client, attempt, number, "A")
    Attempt.objects.filter(pk=attempt.pk).update(deadline_at=timezone.now() - timedelta(seconds=1))
    client.get(f"/tests/{attempt.pk}/q/5/")  # any page: the server submits it, stamped at 0:00
    page = client.get(f"/tests/{attempt.pk}/result/").content.decode()
    assert "Time ran out" in page
    assert "Questions 3, 5, 6, 7, 8, 9 and 10 had no answer." in page


def test_one_unanswered_question_is_named_in_the_singular(client, pattern):
    attempt = start(client)
    for number in range(1, 10):
        save(client, attempt, number, "A")
    Attempt.objects.filter(pk=attempt.pk).update(deadline_at=timezone.now() - timedelta(seconds=1))
    page = client.get(f"/tests/{attempt.pk}/result/").content.decode()
    assert "Question 10 had no answer." in page


def test_a_test_submitted_in_time_says_nothing_about_time(client, pattern):
    attempt = start(client)
    Attempt.objects.filter(pk=attempt.pk).update(deadline_at=timezone.now() + timedelta(minutes=5))
    client.post(f"/tests/{attempt.pk}/submit/")
    page = client.get(f"/tests/{attempt.pk}/result/").content.decode()
    assert "You scored" in page
    assert "Time ran out" not in page
