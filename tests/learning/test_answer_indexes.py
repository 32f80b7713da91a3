"""The answers table, written on every Check and autosave, carries no index another one covers,
and the reads the dropped ones served still find their rows by an index."""

import pytest
from django.db import connection

from learnapp.learning.models import Answer, Attempt, Learner

pytestmark = pytest.mark.django_db


def test_no_index_of_the_answers_table_is_a_prefix_of_another():
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, Answer._meta.db_table)
    indexes = {
        name: tuple(c["columns"])
        for name, c in constraints.items()
        if (c["index"] or c["unique"]) and not c["primary_key"]
    }
    covered = [
        (name, columns, other)
        for name, columns in indexes.items()
        for other_name, other in indexes.items()
        if other_name != name and other[: len(columns)] == columns
    ]
    assert covered == []


@pytest.mark.parametrize(
    "queryset",
    [
        lambda: Answer.objects.filter(attempt=Attempt(pk=5)),
        lambda: Answer.objects.filter(attempt_id__in=[5, 6, 7]),
        lambda: Answer.objects.filter(learner=Learner(pk=5)),
        lambda: Answer.objects.filter(learner_id__in=[5, 6]),
    ],
    ids=["attempt", "attempts", "learner", "learners"],
)
def test_an_attempts_or_a_learners_answers_are_found_by_an_index(queryset):
    plan = queryset().explain()
    if connection.vendor == "sqlite":
        assert "SEARCH" in plan and "INDEX" in plan, plan  # not a SCAN of the table
    else:
        with connection.cursor() as cursor:
            # On an empty table PostgreSQL would rightly scan it: ask whether it could not.
            cursor.execute("SET LOCAL enable_seqscan = off")
            plan = queryset().explain()
        assert "Index" in plan, plan
