"""Importing questions in Chromium: a pasted Aiken file with a mistake is refused with the line
named and nothing saved; fixed, its questions join the instructor's bank; a custom quiz of them
is exported as GIFT from the browser and the file, imported again, changes nothing. Every page
axe-clean."""

import pytest
from playwright.sync_api import expect

from learnapp.catalog.models import Question
from learnapp.classes.models import Assignment
from tests.factories import ClassroomFactory, PatternFactory, make_instructor

from .conftest import serious_accessibility_violations
from .test_classes import log_in

pytestmark = pytest.mark.browser

AIKEN = (
    "Which header carries an API key?\nA. Authorization\nB. Accept\nC. Key\nANSWER: A\n\n"
    "Which status says the key is missing?\nA. 200\nB. 401\nC. 500\nANSWER: {answer}\n"
)


def test_an_instructor_imports_aiken_and_round_trips_a_quiz_as_gift(browser, live_server, tmp_path):
    ivy = make_instructor(username="ivy")
    classroom = ClassroomFactory(instructor=ivy, name="Keys 101")
    PatternFactory(title="API keys")
    page = log_in(browser, live_server, "ivy")

    page.goto("/authoring/import/")
    page.get_by_label("Format").select_option("aiken")
    page.get_by_label("Pattern").select_option(label="API keys")
    page.get_by_label("Or paste the questions").fill(AIKEN.format(answer="D"))
    page.get_by_role("button", name="Import").click()
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("Nothing was imported")
    expect(summary).to_contain_text("11")  # the line of "ANSWER: D"
    expect(summary).to_contain_text("'ANSWER: D' is not one of the options")
    assert page.title().startswith("Error: ")
    assert serious_accessibility_violations(page) == []
    assert not Question.objects.filter(owner=ivy).exists()

    page.get_by_label("Or paste the questions").fill(AIKEN.format(answer="B"))
    page.get_by_role("button", name="Import").click()
    expect(page.get_by_role("heading", name="Your questions")).to_be_visible()
    assert Question.objects.filter(owner=ivy).count() == 2
    assert serious_accessibility_violations(page) == []

    owned = list(Question.objects.filter(owner=ivy).order_by("pk").values_list("pk", flat=True))
    quiz = Assignment.objects.create(
        classroom=classroom,
        title="Key basics",
        question_ids=owned,
        opens_at=classroom.created_at,
        due_at=classroom.created_at.replace(year=2098),
        closes_at=classroom.created_at.replace(year=2098),
    )
    page.goto("/authoring/")
    with page.expect_download() as download:
        page.get_by_role("link", name="GIFT file of Key basics").click()
    gift = tmp_path / "quiz.gift"
    download.value.save_as(gift)
    assert "Which status says the key is missing?" in gift.read_text()
    versions = {q.pk: q.current_version_id for q in Question.objects.filter(owner=ivy)}

    page.goto("/authoring/import/")
    page.get_by_label("Format").select_option("gift")
    page.get_by_label("Pattern").select_option(label="API keys")
    page.get_by_label("File").set_input_files(str(gift))
    page.get_by_role("button", name="Import").click()
    expect(page.get_by_role("heading", name="Your questions")).to_be_visible()
    # The same questions: no new question, no new version.
    assert {q.pk: q.current_version_id for q in Question.objects.filter(owner=ivy)} == versions
    assert quiz.question_ids == owned
