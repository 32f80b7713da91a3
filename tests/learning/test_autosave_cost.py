"""Test autosave (a request on every click) stays a few narrow queries, and still saves right."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from learnapp.learning.models import Answer, Attempt

pytestmark = pytest.mark.django_db


def start(client) -> Attempt:
    client.post("/patterns/keys/test/")
    return Attempt.objects.latest("pk")


def autosave(client, attempt, choice, elapsed=1000):
    return client.post(
        f"/tests/{attempt.pk}/answer/",
        {"number": 1, "choice": choice, "elapsed_ms": elapsed},
        HTTP_ACCEPT="application/json",
    )


def test_changing_a_saved_answer_takes_one_lock_and_one_update(
    client, pattern, django_assert_num_queries
):
    attempt = start(client)
    assert autosave(client, attempt, "A").json() == {"saved": True, "number": 1}
    # 1 the item with four columns of its version and the attempt's own five, found through
    # the learner; 2 savepoint (the test's transaction stands in for BEGIN); 3 the attempt's
    # lock, its submitted_at only; 4 the UPDATE of the answer; 5 release. No re-read of the
    # answer, no savepoint inside, no session write.
    with django_assert_num_queries(5):
        assert autosave(client, attempt, "C").json() == {"saved": True, "number": 1}


def test_the_item_query_reads_only_what_scoring_needs(client, pattern):
    attempt = start(client)
    with CaptureQueriesContext(connection) as queries:
        autosave(client, attempt, "B")
    item_query = next(q["sql"] for q in queries if '"learning_attemptitem"' in q["sql"])
    # The version's HTML, options and solution are never shown by autosave.
    assert "stem_html" not in item_query
    assert "solution_steps" not in item_query
    selects = [q["sql"] for q in queries if q["sql"].startswith("SELECT")]
    assert not any('"catalog_pattern"' in sql for sql in selects)


def test_a_changed_answer_keeps_when_it_was_first_given_and_adds_the_time(client, pattern):
    attempt = start(client)
    autosave(client, attempt, "A", 3000)
    first = Answer.objects.get()
    autosave(client, attempt, "C", 2000)
    changed = Answer.objects.get()
    assert changed.pk == first.pk
    assert changed.response != first.response
    assert changed.answered_at == first.answered_at
    assert changed.updated_at > first.updated_at
    assert changed.time_taken_ms == 5000
