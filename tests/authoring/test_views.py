"""The editor, the bank page, import and export, as instructors, learners and strangers use them."""

import pytest
from django.urls import reverse

from learnapp.authoring import bank
from learnapp.catalog.models import Question
from tests.factories import AssignmentFactory

from .conftest import BROKEN, GOOD


@pytest.fixture
def logged_in(client):
    def log_in(user):
        client.force_login(user)
        return client

    return log_in


def test_a_problem_is_shown_with_its_line_and_nothing_is_saved(cast, logged_in):
    client = logged_in(cast["teacher"])
    response = client.post(
        reverse("authoring:new"),
        {"pattern": cast["pattern"].pk, "text": BROKEN, "action": "save"},
    )
    assert response.status_code == 400
    assert "Line 7: exactly one option must be marked" in response.text
    assert not Question.objects.filter(owner=cast["teacher"]).exists()


def test_the_live_preview_answers_htmx_with_the_fragment_only(cast, logged_in):
    client = logged_in(cast["teacher"])
    response = client.post(
        reverse("authoring:new"),
        {"pattern": cast["pattern"].pk, "text": GOOD},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert "<html" not in response.text
    assert "Which header carries an API key?" in response.text
    assert "<code>Authorization</code>" in response.text
    assert not Question.objects.filter(owner=cast["teacher"]).exists()


def test_saving_then_editing_makes_versions(cast, logged_in):
    client = logged_in(cast["teacher"])
    client.post(
        reverse("authoring:new"), {"pattern": cast["pattern"].pk, "text": GOOD, "action": "save"}
    )
    question = Question.objects.get(owner=cast["teacher"])
    page = client.get(reverse("authoring:edit", args=[question.pk]))
    assert "Which header carries an API key?" in page.text  # the source, to edit again
    client.post(
        reverse("authoring:edit", args=[question.pk]),
        {"pattern": cast["pattern"].pk, "text": GOOD.replace("Which", "What"), "action": "save"},
    )
    question.refresh_from_db()
    assert question.current_version.number == 2


def test_untrusted_markdown_is_sanitized_in_the_preview_and_the_bank(cast, logged_in):
    client = logged_in(cast["teacher"])
    nasty = GOOD.replace(
        "Which header carries an API key?",
        'Which header? <script>alert(1)</script><img src=x onerror="alert(2)"> [x](javascript:alert(3))',
    )
    # The preview fragment (the source textarea shows the text itself, escaped).
    preview = client.post(
        reverse("authoring:new"),
        {"pattern": cast["pattern"].pk, "text": nasty},
        headers={"HX-Request": "true"},
    ).text
    assert "Which header?" in preview
    assert "<script" not in preview and "onerror" not in preview and "javascript:" not in preview


def test_other_instructors_and_learners_never_see_a_question(cast, logged_in, client):
    question = bank.save_question(cast["teacher"], cast["pattern"], GOOD)
    edit = reverse("authoring:edit", args=[question.pk])

    other = logged_in(cast["other"])
    assert other.get(edit).status_code == 404
    assert other.post(reverse("authoring:retire", args=[question.pk])).status_code == 404
    assert "header-choice" not in other.get(reverse("authoring:bank")).text

    learner = logged_in(cast["learner"])
    assert learner.get(reverse("authoring:bank")).status_code == 403
    assert learner.get(edit).status_code == 403

    client.logout()
    assert client.get(edit).status_code == 302  # to the log-in page


def test_only_the_quizs_instructor_exports_it(cast, logged_in):
    question = bank.save_question(cast["teacher"], cast["pattern"], GOOD)
    quiz = AssignmentFactory(classroom=cast["classroom"], pattern=None, question_ids=[question.pk])

    gift_file = logged_in(cast["teacher"]).get(reverse("authoring:export_gift", args=[quiz.pk]))
    assert gift_file.status_code == 200
    assert "::header-choice::" in gift_file.content.decode()
    qti_file = logged_in(cast["teacher"]).get(reverse("authoring:export_qti", args=[quiz.pk]))
    assert qti_file["Content-Type"] == "application/zip"

    assert (
        logged_in(cast["other"]).get(reverse("authoring:export_gift", args=[quiz.pk])).status_code
        == 404
    )


def test_a_malformed_import_names_the_line_and_imports_nothing(cast, logged_in):
    client = logged_in(cast["teacher"])
    response = client.post(
        reverse("authoring:import"),
        {
            "format": "aiken",
            "pattern": cast["pattern"].pk,
            "text": "Which?\nA. a\nB. b\nC. c\nANSWER: Z\n",
        },
    )
    assert response.status_code == 400
    assert "Line 5: &#x27;ANSWER: Z&#x27; is not one of the options" in response.text
    assert not Question.objects.filter(owner=cast["teacher"]).exists()

    good = client.post(
        reverse("authoring:import"),
        {
            "format": "aiken",
            "pattern": cast["pattern"].pk,
            "text": "Which?\nA. a\nB. b\nC. c\nANSWER: B\n",
        },
    )
    assert good.status_code == 302
    assert bank.questions_for(cast["teacher"]).count() == 1


def test_the_bank_page_costs_the_same_for_many_questions(
    cast, logged_in, django_assert_max_num_queries
):
    for n in range(30):
        bank.save_question(
            cast["teacher"], cast["pattern"], GOOD.replace("header-choice", f"q-{n}")
        )
    client = logged_in(cast["teacher"])
    # session, user, instructor group check, the questions (with pattern, version and version
    # count), the custom quizzes (with their class), and the messages/frame context.
    with django_assert_max_num_queries(8):
        response = client.get(reverse("authoring:bank"))
    assert response.text.count("Remove</button>") == 30
