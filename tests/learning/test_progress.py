import pytest
from django.utils import timezone

from learnapp.learning.models import Answer, Attempt, Learner, LessonRead
from tests.factories import PracticeAnswerFactory, make_question_set

pytestmark = pytest.mark.django_db


def seed_progress(learner, patterns_and_versions, attempts_per_pattern=1):
    """Practice answers, a lesson read and submitted tests for each pattern."""
    answers, attempts = [], []
    for pattern, versions in patterns_and_versions:
        LessonRead.objects.create(learner=learner, pattern=pattern)
        answers += [
            PracticeAnswerFactory.build(
                learner=learner,
                question_version=version,
                is_correct=bool(version.question.position % 2),
            )
            for version in versions[:4]
        ]
        for n in range(attempts_per_pattern):
            attempts.append(
                Attempt(
                    learner=learner,
                    pattern=pattern,
                    submitted_at=timezone.now(),
                    score=n % 11,
                    total=10,
                    is_strong=n % 11 >= 8,
                    breakdown={"easy": [0, 3], "medium": [0, 4], "hard": [0, 3]},
                    rule={"min_correct": 8, "min_hard_correct": 1},
                )
            )
    Answer.objects.bulk_create(answers)
    Attempt.objects.bulk_create(attempts)


def test_the_progress_page_shows_each_pattern(learner_client, question_set):
    learner = Learner.objects.get(user=learner_client.user)
    seed_progress(learner, [question_set], attempts_per_pattern=3)
    page = learner_client.get("/progress/").content.decode()
    assert "Keys" in page
    assert "Read" in page
    assert "2 / 4" in page  # right / answered in practice
    assert "2 / 10" in page  # best test (scores 0, 1, 2)
    assert "Practising" in page
    assert "<svg" in page and "Test scores over time" in page
    assert "How mastery is decided" in page


@pytest.mark.parametrize(("patterns", "attempts"), [(1, 1), (50, 10)])
def test_the_progress_page_takes_the_same_queries_however_much_there_is(
    learner_client, patterns, attempts, django_assert_num_queries
):
    learner = Learner.objects.get(user=learner_client.user)
    sets = [make_question_set() for _ in range(patterns)]
    seed_progress(learner, sets, attempts_per_pattern=attempts)
    learner_client.get("/progress/")  # warm the session's learner id
    # The session comes from the cache. 1. the user  2. lessons read  3. practice counts by
    # pattern and difficulty  4. submitted tests  5. active patterns with section and track
    # 6. review cards due (the "Due for review" button)
    # (The sandbox challenges come from the cache the first visit filled.)
    with django_assert_num_queries(6):
        response = learner_client.get("/progress/")
    assert response.content.decode().count('class="badge badge-') >= patterns


def test_the_progress_page_is_constant_with_500_attempts(learner_client, django_assert_num_queries):
    learner = Learner.objects.get(user=learner_client.user)
    seed_progress(learner, [make_question_set()], attempts_per_pattern=500)
    learner_client.get("/progress/")
    with django_assert_num_queries(6):  # as above
        response = learner_client.get("/progress/")
    assert "500 tests" in response.content.decode()


def test_mastery_follows_the_published_rule(learner_client, question_set):
    pattern, versions = question_set
    learner = Learner.objects.get(user=learner_client.user)

    def mastery():
        from learnapp.learning.progress import progress_by_pattern

        return progress_by_pattern(learner)[pattern.pk].mastery

    LessonRead.objects.create(learner=learner, pattern=pattern)
    assert mastery() == "practising"
    for version in (versions[0], versions[4], versions[9]):  # an easy, a medium, a hard one
        PracticeAnswerFactory(learner=learner, question_version=version)
    assert mastery() == "familiar"
    Attempt.objects.create(
        learner=learner,
        pattern=pattern,
        submitted_at=timezone.now(),
        score=9,
        total=10,
        is_strong=True,
        breakdown={},
        rule={},
    )
    assert mastery() == "strong"


def test_the_catalog_and_lesson_show_the_learners_status(learner_client, question_set):
    pattern, _ = question_set
    learner = Learner.objects.get(user=learner_client.user)
    LessonRead.objects.create(learner=learner, pattern=pattern)
    assert "badge-practising" in learner_client.get("/").content.decode()
    page = learner_client.get(pattern.get_absolute_url()).content.decode()
    assert "Your status" in page and "Practising" in page
    assert "Lesson read" in page


def test_review_my_mistakes_lists_what_was_last_answered_wrong(learner_client, question_set):
    _, versions = question_set
    learner = Learner.objects.get(user=learner_client.user)
    for version, right in ((versions[0], False), (versions[1], False), (versions[1], True)):
        PracticeAnswerFactory(learner=learner, question_version=version, is_correct=right)
    page = learner_client.get("/review/").content.decode()
    assert "1 question you last answered wrong" in page
    assert "/patterns/keys/practice/1/?review=1" in page
    assert "/patterns/keys/practice/2/" not in page
