"""Tests draw from the assessment pool by the blueprint, unseen items first, and keep the draw."""

import random
from collections import Counter

import pytest

from learnapp.catalog.models import Pool
from learnapp.learning.draw import PoolItem, choose
from learnapp.learning.grading import start_attempt
from learnapp.learning.models import Answer, Attempt, Learner
from tests.factories import make_assessment_pool, make_question_set, right_letter, shown_letter

pytestmark = pytest.mark.django_db


@pytest.fixture
def pool(pattern):
    return make_assessment_pool(pattern)


def start(client) -> Attempt:
    client.post("/patterns/keys/test/")
    return Attempt.objects.latest("pk")


def test_a_test_draws_its_blueprint_from_the_assessment_pool_never_the_practice_set(
    client, pattern, pool
):
    attempt = start(client)
    items = list(attempt.items.select_related("question").order_by("number"))
    assert [i.difficulty for i in items] == ["easy"] * 3 + ["medium"] * 4 + ["hard"] * 3
    assert {i.question.pool for i in items} == {Pool.ASSESSMENT}
    assert attempt.total == 10
    page = client.get(f"/tests/{attempt.pk}/q/1/").content.decode()
    assert "Pool stem" in page and "Stem of question" not in page


def test_a_retake_draws_afresh_from_items_not_seen_before(client, pattern, pool):
    first = start(client)
    client.post(f"/tests/{first.pk}/submit/")
    second = start(client)
    asked_first = set(first.items.values_list("question_id", flat=True))
    asked_second = set(second.items.values_list("question_id", flat=True))
    # 20 items for 10 places: the second draw takes only items the learner has not seen.
    assert asked_first.isdisjoint(asked_second)
    assert (first.new_items, second.new_items) == (10, 10)


def test_an_assigned_attempt_counts_as_seen_for_the_next_self_study_draw(pattern, pool):
    from learnapp.classes.assigning import start_assigned_attempt
    from learnapp.classes.models import Membership
    from tests.factories import AssignmentFactory, UserFactory

    user = UserFactory()
    assignment = AssignmentFactory(pattern=pattern)
    Membership.objects.create(classroom=assignment.classroom, user=user)
    assigned = start_assigned_attempt(assignment, user)
    later = start_attempt(assigned.learner, pattern)
    assert later.assignment_id is None
    assert set(assigned.items.values_list("question_id", flat=True)).isdisjoint(
        later.items.values_list("question_id", flat=True)
    )


def test_resuming_shows_the_same_draw_and_option_order(client, pattern, pool):
    attempt = start(client)
    before = list(attempt.items.values_list("question_id", "seed", "option_order"))
    assert start(client).pk == attempt.pk
    assert list(attempt.items.values_list("question_id", "seed", "option_order")) == before


def test_options_are_shuffled_per_attempt_and_the_answer_is_stored_canonically(pattern, pool):
    orders = set()
    for _ in range(8):
        attempt = start_attempt(Learner.objects.create(), pattern)
        orders.add(tuple(attempt.items.get(number=1).option_order))
    # Eight attempts all showing the written order would mean no shuffle (1 in 24**7).
    assert len(orders) > 1


def test_the_letter_shown_for_the_right_option_scores_and_is_stored_as_written(client, pattern):
    attempt = start(client)
    shown = right_letter(attempt, 1)
    client.post(
        f"/tests/{attempt.pk}/answer/",
        {"number": 1, "choice": shown},
        HTTP_ACCEPT="application/json",
    )
    answer = Answer.objects.get()
    assert (answer.choice, answer.response, answer.credit, answer.is_correct) == ("B", "B", 1, True)
    page = client.get(f"/tests/{attempt.pk}/q/1/").content.decode()
    assert f'value="{shown}" checked' in page


def test_options_marked_ordered_keep_their_written_order(client, pattern):
    from learnapp.catalog.models import QuestionVersion

    QuestionVersion.objects.update(ordered=True)
    attempt = start(client)
    assert {tuple(i.option_order) for i in attempt.items.all()} == {("A", "B", "C", "D")}
    assert shown_letter(attempt, 1, "B") == "B"


@pytest.mark.parametrize("size", [20, 2000])
def test_starting_a_test_takes_the_same_queries_for_a_pool_of_20_or_2000(
    size, django_assert_num_queries
):
    pattern, _ = make_question_set()
    make_assessment_pool(pattern, easy=size * 3 // 10, medium=size * 4 // 10, hard=size * 3 // 10)
    learner = Learner.objects.create()
    # 1. an unfinished attempt to resume  2. the pool (ids, versions, difficulty only)
    # 3. the questions this learner was asked before  4. the ten drawn versions' options
    # 5. savepoint  6. the attempt  7. its ten items, in one insert  8. release the savepoint
    with django_assert_num_queries(8):
        attempt = start_attempt(learner, pattern)
    assert attempt.items.count() == 10


def _pool(easy=6, medium=8, hard=6) -> list[PoolItem]:
    counts = {"easy": easy, "medium": medium, "hard": hard}
    items, pk = [], 0
    for level, count in counts.items():
        for _ in range(count):
            pk += 1
            items.append(PoolItem(pk, 1000 + pk, level))
    return items


BLUEPRINT = {"easy": 3, "medium": 4, "hard": 3}


def test_over_1000_draws_every_item_is_used_and_unseen_items_come_first():
    rng = random.Random(20261129)
    pool = _pool()
    by_level = {
        level: {i.question_id for i in pool if i.difficulty == level} for level in BLUEPRINT
    }
    used = Counter()
    for _ in range(1000):
        # A learner who has seen a random part of the pool already.
        seen = {i.question_id for i in pool if rng.random() < 0.5}
        drawn = choose(pool, BLUEPRINT, seen, rng)
        assert [i.difficulty for i in drawn] == ["easy"] * 3 + ["medium"] * 4 + ["hard"] * 3
        assert len({i.question_id for i in drawn}) == 10
        for level, wanted in BLUEPRINT.items():
            ids = [i.question_id for i in drawn if i.difficulty == level]
            unseen = by_level[level] - seen
            # Unseen first: as many unseen items as the level has, up to its count.
            assert sum(1 for q in ids if q not in seen) == min(wanted, len(unseen))
        used.update(i.question_id for i in drawn)
    assert set(used) == {i.question_id for i in pool}
    # Random among equals: every item of a level is drawn about as often as the others
    # (easy: 3 of 6 a draw, so ~500 each; a fair draw stays well inside 350..650).
    for level, ids in by_level.items():
        share = 1000 * BLUEPRINT[level] / len(ids)
        assert all(0.7 * share < used[q] < 1.3 * share for q in ids), (level, used)


def test_a_learner_who_takes_the_test_again_and_again_meets_the_whole_pool_first():
    rng = random.Random(7)
    pool = _pool()
    seen: set[int] = set()
    for _ in range(2):
        drawn = choose(pool, BLUEPRINT, seen, rng)
        assert not {i.question_id for i in drawn} & seen
        seen |= {i.question_id for i in drawn}
    assert seen == {i.question_id for i in pool}


@pytest.mark.parametrize(
    "pool_sizes",
    [None, (6, 8, 6), (1, 8, 2)],
    ids=["practice set", "full pool", "pool short of the blueprint"],
)
def test_the_size_said_before_a_test_is_the_size_of_a_drawn_test(pattern, pool_sizes):
    from learnapp.learning.draw import test_sizes

    if pool_sizes:
        easy, medium, hard = pool_sizes
        make_assessment_pool(pattern, easy=easy, medium=medium, hard=hard)
        pattern.refresh_from_db()
    said = test_sizes([pattern, None])
    attempt = start_attempt(Learner.objects.create(), pattern)
    assert said == {pattern.pk: attempt.items.count()}
    assert said[pattern.pk] == {None: 10, (6, 8, 6): 10, (1, 8, 2): 7}[pool_sizes]
