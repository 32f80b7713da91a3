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


def _row(model, pk) -> dict:
    row = model.objects.filter(pk=pk).values().get()
    row.pop("id")
    return row


def test_an_insert_compiled_once_writes_what_save_writes_and_sends_the_same_signals():
    from django.db.models.signals import post_save, pre_save
    from django.utils import timezone

    from learnapp.learning.models import Answer, Learner, Mode
    from learnapp.prepared import PreparedInsert

    _, versions = make_question_set()
    version = versions[0]
    learner = Learner.objects.create()

    def answer(token: str) -> Answer:
        return Answer(
            learner=learner,
            question=version.question,
            pattern_id=version.question.pattern_id,
            question_version=version,
            mode=Mode.PRACTICE,
            difficulty=version.difficulty,
            choice="A",
            response=["A", "C"],
            credit="1/2",
            is_correct=False,
            time_taken_ms=1234,
            form_token=token,
        )

    sent = []

    def note(sender, instance, **kwargs):
        sent.append((kwargs["signal"], instance, kwargs.get("created")))

    by_save = answer("a.0")
    by_save.save(force_insert=True)
    pre_save.connect(note, sender=Answer)
    post_save.connect(note, sender=Answer)
    try:
        prepared = answer("b.0")
        PreparedInsert(Answer).insert(prepared)
    finally:
        pre_save.disconnect(note, sender=Answer)
        post_save.disconnect(note, sender=Answer)
    assert prepared.pk is not None and prepared.pk != by_save.pk
    assert not prepared._state.adding
    assert [(s, i, c) for s, i, c in sent] == [
        (pre_save, prepared, None),
        (post_save, prepared, True),
    ]
    # Every column the same (auto_now and auto_now_add filled in too), but the times and token.
    ours, theirs = _row(Answer, prepared.pk), _row(Answer, by_save.pk)
    for name in ("answered_at", "updated_at"):
        assert abs(ours.pop(name) - theirs.pop(name)) < timezone.timedelta(seconds=5)
    assert ours.pop("form_token") == "b.0" and theirs.pop("form_token") == "a.0"
    assert ours == theirs


def test_an_insert_ignoring_conflicts_keeps_the_row_already_there():
    from django.utils import timezone

    from learnapp.learning.models import Learner, ReviewCard
    from learnapp.prepared import PreparedInsert

    _, versions = make_question_set()
    question = versions[0].question
    learner = Learner.objects.create()
    insert = PreparedInsert(ReviewCard, ignore_conflicts=True)
    now = timezone.now()
    for step in (0, 5):
        insert.insert(
            ReviewCard(
                learner=learner,
                pattern_id=question.pattern_id,
                question=question,
                created_at=now,
                due=now,
                state=1,
                step=step,
            )
        )
    assert list(ReviewCard.objects.values_list("step", flat=True)) == [0]
