"""A corrected question regrades the submitted attempts that asked its earlier version, once."""

import re
from io import StringIO

import pytest
from django.core.management import call_command

from learnapp.learning.models import Attempt, RegradeRecord, ReviewCard
from learnapp.learning.progress import progress_by_pattern
from tests.factories import QuestionVersionFactory, shown_letter

pytestmark = pytest.mark.django_db


def take_test(client, pattern, answers: dict[int, str]) -> Attempt:
    """A self-study test answered by canonical letter (B is right), the rest left blank."""
    client.post(f"/patterns/{pattern.slug}/test/")
    attempt = Attempt.objects.latest("pk")
    for number, canonical in answers.items():
        client.post(
            f"/tests/{attempt.pk}/answer/",
            {"number": number, "choice": shown_letter(attempt, number, canonical)},
            HTTP_ACCEPT="application/json",
        )
    client.post(f"/tests/{attempt.pk}/submit/")
    attempt.refresh_from_db()
    return attempt


def correct(version, **changes):
    """What the loader does when an author edits a question: a new version becomes current."""
    fields = {
        "question": version.question,
        "number": version.number + 1,
        "stem_html": version.stem_html,
        "options": version.options,
        "correct_letter": version.correct_letter,
        "solution_steps": version.solution_steps,
        "final_answer_html": version.final_answer_html,
        "quick_check_html": version.quick_check_html,
        "hint_html": version.hint_html,
        "common_mistakes": version.common_mistakes,
        **changes,
    }
    return QuestionVersionFactory(**fields)


def regrade() -> str:
    out = StringIO()
    call_command("regrade", stdout=out)
    return out.getvalue()


def test_a_corrected_answer_key_regrades_a_submitted_test_once(client, pattern, versions):
    # Question 4 was keyed B; the learner answered C, which was in fact right.
    attempt = take_test(client, pattern, {1: "B", 2: "B", 3: "B", 4: "C"})
    assert attempt.score == 3
    fixed = correct(versions[3], correct_letter="C", final_answer_html="<p>Option C</p>")

    assert "Regraded 1 attempt (1 corrected question)" in regrade()

    attempt.refresh_from_db()
    assert attempt.score == 4
    record = RegradeRecord.objects.get(attempt=attempt)
    assert (record.reason, record.number, record.old_score, record.new_score) == (
        "correction",
        4,
        3,
        4,
    )
    assert (record.from_version_id, record.to_version_id) == (versions[3].pk, fixed.pk)
    assert attempt.items.get(number=4).question_version_id == fixed.pk
    answer = attempt.answers.get(question=versions[3].question)
    assert answer.is_correct and answer.question_version_id == versions[3].pk  # as answered

    # Once: a second run finds nothing and records nothing.
    assert "Regraded 0 attempts" in regrade()
    attempt.refresh_from_db()
    assert attempt.score == 4 and RegradeRecord.objects.count() == 1

    page = client.get(f"/tests/{attempt.pk}/result/").content.decode()
    assert "Question 4 was regraded on" in page
    assert "the question was corrected; your score went from 3 to 4." in page
    assert "<p>Option C</p>" in page  # the review shows the corrected answer


def test_a_reworded_question_leaves_past_attempts_as_they_were(client, pattern, versions):
    attempt = take_test(client, pattern, {4: "B"})
    correct(versions[3], stem_html="<p>Reworded stem?</p>", hint_html="<p>Better hint</p>")

    assert "Regraded 0 attempts" in regrade()
    assert attempt.items.get(number=4).question_version_id == versions[3].pk
    assert not RegradeRecord.objects.exists()


def test_an_open_test_is_left_alone_and_caught_by_the_next_run(client, pattern, versions):
    client.post(f"/patterns/{pattern.slug}/test/")
    attempt = Attempt.objects.latest("pk")
    client.post(
        f"/tests/{attempt.pk}/answer/",
        {"number": 4, "choice": shown_letter(attempt, 4, "C")},
        HTTP_ACCEPT="application/json",
    )
    correct(versions[3], correct_letter="C")
    regrade()
    assert attempt.items.get(number=4).question_version_id == versions[3].pk

    client.post(f"/tests/{attempt.pk}/submit/")
    regrade()
    attempt.refresh_from_db()
    assert attempt.score == 1


def test_an_edit_that_changes_the_options_letters_is_reported_not_guessed(
    client, pattern, versions
):
    attempt = take_test(client, pattern, {4: "B"})
    correct(
        versions[3],
        options=[{"letter": x, "html": f"New {x}", "feedback_html": ""} for x in "ABC"],
        correct_letter="C",
    )

    out = regrade()
    assert "Regraded 0 attempts" in out
    assert f"attempt {attempt.pk}: question {versions[3].question.key} changed" in out
    attempt.refresh_from_db()
    assert attempt.score == 1 and not RegradeRecord.objects.exists()


def test_a_correction_recomputes_the_verdict_with_the_rule_the_attempt_was_graded_under(
    client, pattern, versions
):
    # 7 right including a hard one; question 4 (C answered) is corrected to C: 8, strong.
    attempt = take_test(
        client, pattern, {1: "B", 2: "B", 3: "B", 4: "C", 5: "B", 6: "B", 7: "B", 8: "B"}
    )
    assert (attempt.score, attempt.is_strong) == (7, False)
    attempt.rule = {"min_correct": 8, "min_hard_correct": 1}
    attempt.save(update_fields=["rule"])
    correct(versions[3], correct_letter="C")
    regrade()
    attempt.refresh_from_db()
    assert (attempt.score, attempt.is_strong) == (8, True)
    assert progress_by_pattern(attempt.learner)[pattern.pk].mastery == "strong"


def test_loading_changed_questions_reminds_to_regrade(tmp_path, settings):
    import shutil

    root = tmp_path / "content"
    shutil.copytree(settings.CONTENT_DIR, root)
    out = StringIO()
    call_command("loadcontent", str(root), stdout=out)
    assert "manage.py regrade" not in out.getvalue()  # nothing was there to change

    practice = next(root.rglob("api-key-management/practice.md"))
    stem = "What is the main purpose of an API key in AI services?"
    practice.write_text(practice.read_text().replace(stem, "What is an API key mainly for?"))
    out = StringIO()
    call_command("loadcontent", str(root), stdout=out)
    assert "Questions changed: run `manage.py regrade`" in out.getvalue()


def test_moving_the_keyed_option_without_changing_any_text_changes_no_score(
    client, learner_client, pattern, versions
):
    # The author moves question 4's right option (B) to the end and the last one up: letters
    # are positions, so a right "B" must stay right, now as "D", and a wrong "D" stay wrong.
    right = take_test(client, pattern, {1: "B", 2: "B", 3: "B", 4: "B"})
    wrong = take_test(learner_client, pattern, {1: "B", 2: "B", 3: "B", 4: "D"})
    order_before = right.items.get(number=4).option_order
    old = versions[3]
    texts = {o["letter"]: o for o in old.options}
    moved = [texts["A"], texts["C"], texts["D"], texts["B"]]
    correct(
        old,
        options=[
            {**option, "letter": letter} for option, letter in zip(moved, "ABCD", strict=True)
        ],
        correct_letter="D",
    )
    regrade()
    right.refresh_from_db()
    wrong.refresh_from_db()
    assert (right.score, wrong.score) == (4, 3)
    answer = right.answers.get(question=old.question)
    assert answer.response == "D" and answer.is_correct
    # The review shows each option where the learner saw it: the same texts, in the same places.
    item = right.items.get(number=4)
    fixed = item.question_version
    texts_now = {o["letter"]: o["html"] for o in fixed.options}
    assert [texts_now[letter] for letter in item.option_order] == [
        texts[letter]["html"] for letter in order_before
    ]


def test_a_correction_that_rewords_an_option_is_left_for_an_instructor(client, pattern, versions):
    attempt = take_test(client, pattern, {1: "B", 2: "B", 3: "B", 4: "B"})
    old = versions[3]
    options = [dict(o) for o in old.options]
    options[0]["html"] = "<p>A reworded option</p>"
    correct(old, options=options, correct_letter="A")
    out = regrade()
    attempt.refresh_from_db()
    assert attempt.score == 4  # nothing guessed
    assert old.question.key in out


def test_two_runs_that_found_the_same_stale_attempt_regrade_it_once(client, pattern, versions):
    # Two `manage.py regrade` runs (or a run and a retry) both list the attempt as stale before
    # either takes its lock: the second finds it moved on under the lock and records nothing.
    from learnapp.learning import regrade as regrading
    from learnapp.learning.models import AttemptItem

    attempt = take_test(client, pattern, {1: "B", 4: "C"})
    correct(versions[3], correct_letter="C", final_answer_html="<p>Option C</p>")
    stale = list(
        AttemptItem.objects.filter(attempt=attempt, number=4).select_related(
            "question_version", "question__current_version"
        )
    )
    assert regrading._correct_attempt(attempt.pk, stale, None) == 1
    assert regrading._correct_attempt(attempt.pk, stale, None) == 0
    attempt.refresh_from_db()
    assert attempt.score == 2 and RegradeRecord.objects.filter(attempt=attempt).count() == 1


def test_the_regrade_command_records_who_made_the_correction(client, pattern, versions):
    from django.core.management.base import CommandError

    from tests.factories import UserFactory

    author = UserFactory(username="author")
    attempt = take_test(client, pattern, {4: "C"})
    correct(versions[3], correct_letter="C", final_answer_html="<p>Option C</p>")
    with pytest.raises(CommandError, match="No user is called 'nobody'"):
        call_command("regrade", "--by", "nobody", stdout=StringIO())
    assert not RegradeRecord.objects.exists()
    call_command("regrade", "--by", "author", stdout=StringIO())
    record = RegradeRecord.objects.get(attempt=attempt)
    assert record.regraded_by == author and record.regraded_at is not None
    assert (record.old_score, record.new_score) == (0, 1)


def due_for_review(client) -> str:
    return client.get("/review/due/").content.decode()


def test_an_answer_a_correction_makes_right_is_no_longer_due_for_review(client, pattern, versions):
    # The learner answered C to question 4, keyed B: a miss, so a card to review.
    attempt = take_test(client, pattern, {1: "B", 2: "B", 3: "B", 4: "C"})
    assert "Due for review (1)" in client.get("/").content.decode()
    correct(versions[3], correct_letter="C", final_answer_html="<p>Option C</p>")

    regrade()

    assert "Due for review" not in client.get("/").content.decode()
    assert "Nothing is due" in due_for_review(client)
    assert attempt.answers.get(question=versions[3].question).is_correct


def test_an_answer_a_correction_makes_wrong_comes_back_for_review(client, pattern, versions):
    # Question 4 was keyed B and answered B: right, no card.
    take_test(client, pattern, {1: "B", 2: "B", 3: "B", 4: "B"})
    assert "Due for review" not in client.get("/").content.decode()
    correct(versions[3], correct_letter="C", final_answer_html="<p>Option C</p>")

    regrade()

    assert "Due for review (1)" in client.get("/").content.decode()
    assert versions[3].stem_html in due_for_review(client)
    # Once: a second run changes nothing.
    regrade()
    assert "Due for review (1)" in client.get("/").content.decode()


def test_a_card_stays_while_the_learner_missed_the_question_elsewhere_too(
    client, pattern, versions
):
    # Missed in a test (the card is that test's), then, after the correction, in a retake.
    take_test(client, pattern, {4: "C"})
    correct(versions[3], correct_letter="C", final_answer_html="<p>Option C</p>")
    retake = take_test(client, pattern, {4: "A"})
    assert not retake.answers.get(question=versions[3].question).is_correct

    regrade()

    # The first test's answer is right now, but the retake's miss still stands for the card.
    assert "Due for review (1)" in client.get("/").content.decode()
    assert ReviewCard.objects.get().attempt_id == retake.pk


def test_a_card_from_a_practice_miss_outlives_a_regrade_of_the_test(client, pattern, versions):
    page = client.get(f"/patterns/{pattern.slug}/practice/4/").content.decode()
    token = re.search(r'name="form_token" value="([^"]+)"', page).group(1)
    client.post(f"/patterns/{pattern.slug}/practice/4/", {"choice": "C", "form_token": token})
    take_test(client, pattern, {4: "C"})
    correct(versions[3], correct_letter="C", final_answer_html="<p>Option C</p>")

    regrade()

    # The practice miss was against the question as it was (C was then wrong): still a card.
    assert ReviewCard.objects.get().attempt_id is None
    assert "Due for review (1)" in client.get("/").content.decode()
