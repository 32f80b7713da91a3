"""An instructor's day in Chromium: the assignment form's error summary and defaults, the
preview as a learner, the locked edit form after a learner started, extensions, feedback and
the landing page; every page axe-clean."""

import pytest
from playwright.sync_api import expect

from learnapp.classes.models import Assignment, Membership
from learnapp.learning.models import Attempt
from tests.factories import ClassroomFactory, UserFactory, make_instructor

from .conftest import serious_accessibility_violations
from .test_classes import log_in

pytestmark = pytest.mark.browser


def test_an_instructor_assigns_previews_edits_extends_and_gives_feedback(
    browser, live_server, shipped_content
):
    ivy = make_instructor(username="ivy")
    lee = UserFactory(username="lee")
    classroom = ClassroomFactory(instructor=ivy, name="Keys 101")
    Membership.objects.create(classroom=classroom, user=lee)
    teacher = log_in(browser, live_server, "ivy")
    expect(teacher.get_by_role("heading", name="Your classes today")).to_be_visible()
    assert serious_accessibility_violations(teacher) == []

    # The form: defaults filled in, required fields marked, a summary on error.
    teacher.goto(f"/classes/{classroom.pk}/assignments/new/")
    assert teacher.get_by_label("Due at").input_value() != ""
    assert (
        teacher.get_by_label("Closes at").input_value()
        == teacher.get_by_label("Due at").input_value()
    )
    expect(teacher.get_by_label("Title")).to_have_attribute("aria-required", "true")
    teacher.get_by_role("button", name="Assign").click()
    summary = teacher.locator("[data-error-summary]")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Choose what to assign")
    assert teacher.title().startswith("Error: ")
    assert serious_accessibility_violations(teacher) == []
    summary.get_by_role("link", name="Title: Give the assignment a title.").click()
    expect(teacher.get_by_label("Title")).to_be_focused()
    teacher.get_by_label("Title").fill("API keys test")
    teacher.get_by_label("Pattern's test").select_option(label="API key management")
    teacher.get_by_role("button", name="Assign").click()
    expect(teacher.get_by_role("heading", name="API keys test")).to_be_visible()
    assignment = Assignment.objects.get()

    # The preview: a banner, a click through, a result; nothing recorded.
    teacher.get_by_role("link", name="Preview as a learner").click()
    expect(teacher.get_by_text("Nothing is recorded")).to_be_visible()
    assert serious_accessibility_violations(teacher) == []
    teacher.locator(".choice").first.click()
    teacher.get_by_role("button", name="Submit the preview").click()
    expect(teacher.get_by_role("heading", name="Review all 10 questions")).to_be_visible()
    assert serious_accessibility_violations(teacher) == []
    assert Attempt.objects.count() == 0

    # A learner starts: the edit form locks what the attempt uses, saying why.
    learner = log_in(browser, live_server, "lee")
    learner.goto("/assigned/")
    learner.get_by_role("button", name="Start").click()
    learner.goto("/assigned/")
    teacher.goto(f"/assignments/{assignment.pk}/edit/")
    expect(teacher.get_by_label("Attempts allowed")).to_be_disabled()
    expect(teacher.get_by_label("Title")).to_be_enabled()
    expect(teacher.locator("#locked-note")).to_be_visible()
    assert serious_accessibility_violations(teacher) == []

    # An extension for one learner, then feedback on their attempt.
    teacher.goto(f"/assignments/{assignment.pk}/")
    assert serious_accessibility_violations(teacher) == []
    form = teacher.get_by_role("form", name="Give or change one learner's extension")
    form.get_by_label("Learner").select_option(label="lee")
    form.get_by_label("New due time").fill("2098-06-01T12:00")
    form.get_by_label("New close time").fill("2098-06-01T12:00")
    form.get_by_role("button", name="Give the extension").click()
    expect(teacher.get_by_text("lee now has until")).to_be_visible()
    attempt = Attempt.objects.get()
    teacher.goto(f"/attempts/{attempt.pk}/feedback/")
    teacher.get_by_label("Comment for the learner").fill("Look again at rotation.")
    teacher.get_by_label("Grade override (points)").fill("12")
    teacher.get_by_role("button", name="Save the feedback").click()
    expect(teacher.locator("[data-error-summary]")).to_contain_text("from 0 to 10")
    assert serious_accessibility_violations(teacher) == []
