import re

import pytest
from django.db.models.signals import post_init

from learnapp.learning.models import Answer

pytestmark = pytest.mark.django_db


def practice_url(n=1):
    return f"/patterns/keys/practice/{n}/"


def form_token(client, n=1) -> str:
    page = client.get(practice_url(n)).content.decode()
    return re.search(r'name="form_token" value="([^"]+)"', page).group(1)


def answer(client, choice, n=1, token=None, **extra):
    return client.post(
        practice_url(n), {"choice": choice, "form_token": token or form_token(client, n)}, **extra
    )


def test_a_right_answer_shows_the_full_solution(client, pattern):
    page = answer(client, "B").content.decode()
    assert "Right!" in page
    for part in ("SECRET-STEP-1", "SECRET-FINAL-1", "SECRET-QUICK-1", "SECRET-MISTAKE-1"):
        assert part in page
    assert "Next question" in page


def test_a_wrong_answer_shows_both_choices_and_why_it_is_wrong(client, pattern):
    page = answer(client, "C").content.decode()
    assert "Not quite." in page
    assert "Your answer" in page and "Option C of 1" in page
    assert "Correct answer" in page and "Option B of 1" in page
    assert "SECRET-FEEDBACK-C" in page
    assert "SECRET-FEEDBACK-A" not in page  # only the chosen option's feedback line
    answer_row = Answer.objects.get()
    assert (answer_row.choice, answer_row.is_correct, answer_row.mode) == ("C", False, "practice")


def test_htmx_gets_only_the_feedback_fragment(client, pattern):
    response = answer(client, "B", HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert response.status_code == 200
    # What goes inside the page's own #feedback region, which stays (and keeps being announced).
    assert page.lstrip().startswith('<div class="feedback feedback-right"')
    assert 'id="feedback"' not in page
    assert "<html" not in page


def test_a_double_click_counts_once(client, pattern):
    token = form_token(client)
    first = answer(client, "C", token=token)
    second = answer(client, "C", token=token)
    assert first.status_code == second.status_code == 200
    assert Answer.objects.count() == 1
    # A fresh form ("Try again") is a new answer.
    answer(client, "B")
    assert Answer.objects.count() == 2


def test_an_option_that_does_not_exist_is_refused(client, pattern):
    response = answer(client, "Z")
    assert response.status_code == 400
    assert "not an option of this question" in response.content.decode()
    assert not Answer.objects.exists()


def test_no_choice_is_refused_with_a_reason(client, pattern):
    response = answer(client, "")
    assert response.status_code == 400
    assert "Choose one of the options" in response.content.decode()


def test_a_forged_or_foreign_form_token_is_refused(client, pattern):
    assert answer(client, "B", token="garbage").status_code == 400
    other_question_token = form_token(client, 2)
    response = answer(client, "B", n=1, token=other_question_token)
    assert response.status_code == 400
    assert "expired or was changed" in response.content.decode()
    assert not Answer.objects.exists()


def test_a_json_client_gets_a_json_reason(client, pattern):
    response = answer(client, "Z", HTTP_ACCEPT="application/json")
    assert response.status_code == 400
    assert "not an option" in response.json()["error"]


def test_the_hint_is_shown_on_demand_and_recorded(client, pattern):
    assert "SECRET-HINT-1" not in client.get(practice_url()).content.decode()
    hint = client.post(practice_url() + "hint/", HTTP_HX_REQUEST="true")
    assert "SECRET-HINT-1" in hint.content.decode()
    assert "SECRET-HINT-1" in client.get(practice_url()).content.decode()
    answer(client, "B")
    assert Answer.objects.get().used_hint is True


def test_the_hint_works_without_javascript(client, pattern):
    response = client.post(practice_url() + "hint/")
    assert response.status_code == 302
    assert "SECRET-HINT-1" in client.get(response.url).content.decode()


def test_an_answer_without_a_hint_says_so_and_records_time(client, pattern):
    answer(client, "B")
    saved = Answer.objects.get()
    assert saved.used_hint is False
    assert saved.time_taken_ms is not None and saved.time_taken_ms >= 0


def test_the_overview_marks_right_and_wrong(client, pattern):
    answer(client, "B", n=1)
    answer(client, "A", n=2)
    page = client.get(practice_url(3)).content.decode()
    assert "Question 1, easy: last answered right" in page
    assert "Question 2, easy: last answered wrong" in page
    assert "Question 3, easy: not answered" in page
    assert "2 of 10 answered" in page


def test_practice_start_goes_to_the_first_unanswered_question(client, pattern):
    answer(client, "B", n=1)
    response = client.get("/patterns/keys/practice/")
    assert response.url == practice_url(2)


@pytest.mark.parametrize("signed_in", [False, True])
def test_checking_an_answer_takes_at_most_seven_queries(
    client, pattern, signed_in, django_assert_max_num_queries, learner_client
):
    browser = learner_client if signed_in else client
    if not signed_in:
        browser.logout()
    token = form_token(browser)
    answer(browser, "B", token=form_token(browser))  # the learner exists from here on
    # A wrong answer ("C") also makes its review card: one INSERT (spaced.add_practice_miss).
    with django_assert_max_num_queries(7):
        response = answer(browser, "C", token=token, HTTP_HX_REQUEST="true")
    assert response.status_code == 200


def test_an_unknown_question_is_a_404(client, pattern):
    assert client.get(practice_url(11)).status_code == 404
    assert client.get("/patterns/nope/practice/1/").status_code == 404


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "plain-post"])
def test_checking_again_with_a_new_choice_grades_the_new_choice(client, pattern, htmx):
    # htmx swaps only the feedback, so the form (and its token) stays on the page; a plain form
    # is sent again with the same token after the back button.
    extra = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    token = form_token(client)
    assert "Not quite." in answer(client, "A", token=token, **extra).content.decode()
    page = answer(client, "B", token=token, **extra).content.decode()
    assert "Right!" in page
    assert "<strong>B.</strong> Option B of 1" in page  # "Your answer" is the new choice
    assert "<strong>A.</strong>" not in page
    assert list(Answer.objects.order_by("pk").values_list("choice", "is_correct")) == [
        ("A", False),
        ("B", True),
    ]
    # Progress counts the new, right answer.
    assert "Question 1, easy: last answered right" in client.get(practice_url(2)).content.decode()


def test_a_double_click_after_a_new_choice_still_counts_once(client, pattern):
    token = form_token(client)
    for choice in ("A", "B", "B", "A", "A"):
        answer(client, choice, token=token, HTTP_HX_REQUEST="true")
    assert list(Answer.objects.order_by("pk").values_list("choice", flat=True)) == ["A", "B", "A"]
    page = client.get(practice_url(2)).content.decode()
    assert "Question 1, easy: last answered wrong" in page  # the last choice made was A


def test_checking_reads_a_bounded_number_of_earlier_answers(client, pattern):
    # Every "Check" used to load all of the learner's earlier answers to the question: a learner
    # (or a script) with hundreds of them made each check slower than the last.
    answer(client, "C")
    earlier = Answer.objects.get()
    Answer.objects.bulk_create(
        [
            Answer(**{**_fields(earlier), "form_token": f"older-form-{index}.0"})
            for index in range(300)
        ]
    )
    token = form_token(client)
    loaded = []

    def count(sender, **kwargs):
        loaded.append(sender)

    post_init.connect(count, sender=Answer)
    try:
        first = answer(client, "B", token=token)
        again = answer(client, "B", token=token)  # a double click still counts once
    finally:
        post_init.disconnect(count, sender=Answer)
    assert first.status_code == again.status_code == 200
    assert Answer.objects.filter(choice="B").count() == 1
    assert len(loaded) < 10


def _fields(answer_row: Answer) -> dict:
    return {
        field.attname: getattr(answer_row, field.attname)
        for field in Answer._meta.concrete_fields
        if not field.primary_key
    }


def test_the_feedback_fragment_is_the_same_whether_rendered_afresh_or_kept(
    client, pattern, settings
):
    htmx = {"HTTP_HX_REQUEST": "true"}
    settings.CATALOG_PAGE_TTL = 0  # nothing kept: rendered on every Check
    fresh = {choice: answer(client, choice, **htmx).content.decode() for choice in "CB"}
    settings.CATALOG_PAGE_TTL = 60
    kept = {
        choice: [answer(client, choice, **htmx).content.decode() for _ in range(2)]
        for choice in "CB"
    }
    assert kept == {choice: [fresh[choice], fresh[choice]] for choice in "CB"}
    assert "Not quite." in fresh["C"] and "SECRET-FEEDBACK-C" in fresh["C"]
    assert "Right!" in fresh["B"] and "SECRET-FEEDBACK-C" not in fresh["B"]
    # Another learner answering the same way sees the same.
    other = type(client)()
    assert answer(other, "C", **htmx).content.decode() == fresh["C"]
    assert Answer.objects.count() == 2 + 4 + 1


def test_practice_pages_never_load_the_lesson_parts_left_out_of_their_query(client, pattern):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from learnapp.learning.views import PRACTICE_PATTERN_UNREAD

    with CaptureQueriesContext(connection) as queries:
        assert client.get(practice_url()).status_code == 200
        assert answer(client, "C", HTTP_HX_REQUEST="true").status_code == 200
        assert answer(client, "B").status_code == 200
        assert client.post(practice_url() + "hint/", HTTP_HX_REQUEST="true").status_code == 200
        assert client.get(practice_url(2)).status_code == 200
    late = [
        q["sql"]
        for q in queries
        if any(f'"catalog_pattern"."{name}" FROM' in q["sql"] for name in PRACTICE_PATTERN_UNREAD)
    ]
    assert late == []


def test_a_miss_makes_its_review_card_once_and_a_miss_after_it_writes_none(client, pattern):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from learnapp.learning.models import ReviewCard

    answer(client, "B", n=1)  # the learner exists from here on

    def miss() -> list[str]:
        token = form_token(client)
        with CaptureQueriesContext(connection) as queries:
            assert "Not quite." in answer(client, "C", token=token).content.decode()
        return [q["sql"] for q in queries if "learning_reviewcard" in q["sql"]]

    first, second = miss(), miss()

    assert [sql.split()[0] for sql in first] == ["SELECT", "INSERT"]
    assert [sql.split()[0] for sql in second] == ["SELECT"]  # it knew there was a card
    assert ReviewCard.objects.count() == 1
