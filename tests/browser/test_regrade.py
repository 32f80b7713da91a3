"""An instructor drops a question from item analysis by keyboard; the learner sees the note."""

import re

import pytest
from playwright.sync_api import expect

from learnapp.catalog.models import Pattern
from learnapp.classes.models import Membership
from tests.factories import AssignmentFactory, ClassroomFactory, UserFactory, make_instructor

from .conftest import serious_accessibility_violations
from .test_classes import log_in
from .test_learning import answer_by_keyboard

pytestmark = pytest.mark.browser


def test_an_instructor_drops_a_question_and_the_learner_is_told(
    browser, live_server, shipped_content
):
    teacher_user = make_instructor(username="ivy")
    learner_user = UserFactory(username="lee")
    classroom = ClassroomFactory(instructor=teacher_user, name="Keys 101")
    Membership.objects.create(classroom=classroom, user=learner_user)
    assignment = AssignmentFactory(
        classroom=classroom,
        pattern=Pattern.objects.get(slug="api-key-management"),
        title="API keys test",
    )

    learner = log_in(browser, live_server, "lee")
    learner.goto("/assigned/")
    learner.get_by_role("button", name=re.compile("Start")).click()
    for number in range(1, 11):
        expect(learner.locator("form[data-ready]")).to_have_count(1)
        answer_by_keyboard(learner)
        learner.get_by_role(
            "button", name="Save and next →" if number < 10 else "Review and submit"
        ).click()
    learner.get_by_role("button", name="Submit the test").click()
    expect(
        learner.get_by_role("heading", name=re.compile(r"You scored [\d.]+ of 10"))
    ).to_be_visible()

    teacher = log_in(browser, live_server, "ivy")
    teacher.goto(f"/assignments/{assignment.pk}/items/")
    assert serious_accessibility_violations(teacher) == []
    drop = teacher.get_by_role("link", name="Drop it… question 1", exact=True)
    drop.focus()
    teacher.keyboard.press("Enter")
    expect(teacher.get_by_role("heading", name="Regrade a question")).to_be_visible()
    expect(teacher.get_by_text("This regrades 1 submitted attempt now")).to_be_visible()
    assert serious_accessibility_violations(teacher) == []
    teacher.get_by_role("button", name="Yes: drop it from the score").focus()
    teacher.keyboard.press("Enter")
    expect(teacher.get_by_text("1 submitted attempt regraded.")).to_be_visible()
    expect(teacher.get_by_text("Dropped", exact=True)).to_be_visible()
    assert serious_accessibility_violations(teacher) == []

    learner.reload()
    expect(
        learner.get_by_role("heading", name=re.compile(r"You scored [\d.]+ of 9"))
    ).to_be_visible()
    expect(learner.get_by_text(re.compile(r"Question \d+ was regraded on"))).to_be_visible()
    assert serious_accessibility_violations(learner) == []
