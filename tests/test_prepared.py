"""Querysets compiled once (learnapp.prepared) find what the ORM would, in one statement."""

import pytest
from django.db.models import QuerySet

from learnapp.catalog.models import Question
from learnapp.prepared import Prepared
from tests.factories import make_question_set

pytestmark = pytest.mark.django_db


def by_slug_and_position(slug: str, position: int) -> QuerySet:
    return (
        Question.objects.select_related("current_version", "pattern")
        .filter(pattern__slug=slug, position=position)
        .order_by("pk")
    )


QUESTION = Prepared(by_slug_and_position, str, int)


def test_each_call_finds_the_rows_of_its_own_values(django_assert_num_queries):
    pattern, _ = make_question_set()
    other, _ = make_question_set()
    for slug, position in [(pattern.slug, 3), (other.slug, 3), (pattern.slug, 7)]:
        expected = by_slug_and_position(slug, position).get()
        with django_assert_num_queries(1):
            found = QUESTION.first(slug, position)
            # Related rows come with it, as select_related gives them: no further query.
            assert found.current_version.stem_html == expected.current_version.stem_html
            assert found.pattern.slug == slug
        assert (found.pk, found.current_version_id, found.key) == (
            expected.pk,
            expected.current_version_id,
            expected.key,
        )
        # Converted as the ORM converts them (a JSON column is read back as lists and dicts).
        assert found.current_version.options == expected.current_version.options


def test_values_that_match_nothing_find_nothing():
    pattern, _ = make_question_set()
    assert QUESTION.first(pattern.slug, 11) is None
    assert QUESTION.first("no-such-pattern", 1) is None
    # Beyond any integer column: nothing, as the ORM would say, rather than a database error.
    assert QUESTION.all(pattern.slug, 10**20) == []


def test_a_value_of_the_wrong_type_is_refused():
    with pytest.raises(TypeError):
        QUESTION.first("slug", "1")


def test_a_value_the_query_does_not_use_as_given_is_refused():
    # startswith adds a wildcard: the value never reaches the SQL as it is, so it cannot be
    # swapped in later.
    prefix = Prepared(lambda key: Question.objects.filter(key__startswith=key), str)
    with pytest.raises(ValueError):
        prefix.first("x")
