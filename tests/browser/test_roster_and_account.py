"""An instructor adds learners by name and email; a new learner sets a password from the
emailed link and fills in their account page. Desktop and phone widths, axe on every page."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from learnapp.classes.models import Classroom
from tests.factories import ClassroomFactory, make_instructor

from .conftest import AXE, serious_accessibility_violations
from .test_classes import PASSWORD, log_in

pytestmark = pytest.mark.browser


def phone(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 390, "height": 844})
    context.add_init_script(path=str(AXE))
    page = context.new_page()
    page.console_errors = []
    page.on("console", lambda m: page.console_errors.append(m.text) if m.type == "error" else None)
    return page


def test_adding_learners_and_a_new_learners_first_visit(
    browser, live_server, transactional_db, run_queued_tasks
):
    ivy = make_instructor(username="ivy")
    classroom = ClassroomFactory(instructor=ivy, name="Keys 101")
    teacher = log_in(browser, live_server, "ivy")
    teacher.goto(f"/classes/{classroom.pk}/")
    teacher.get_by_role("link", name="Add learners by name and email").click()
    expect(teacher.get_by_role("heading", name="Add learners to Keys 101")).to_be_visible()
    assert serious_accessibility_violations(teacher) == []

    # A typo: nothing is added, the summary takes focus and points at the line.
    teacher.get_by_label("Names and emails").fill(
        "Ana Lima <ana@example.com>\nBo, bo(at)example.com"
    )
    teacher.get_by_role("button", name="Add learners").click()
    summary = teacher.get_by_role("alert")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Line 2: “bo(at)example.com” is not an email address.")
    expect(teacher).to_have_title(re.compile(r"^Error: "))
    assert serious_accessibility_violations(teacher) == []
    summary.get_by_role("link").click()
    expect(teacher.get_by_label("Names and emails")).to_be_focused()

    teacher.get_by_label("Names and emails").fill(
        "Ana Lima <ana@example.com>\nBo Brand, bo@example.com"
    )
    teacher.get_by_role("button", name="Add learners").click()
    expect(teacher.get_by_role("heading", name="Done: 2 learners added")).to_be_visible()
    assert serious_accessibility_violations(teacher) == []
    assert Classroom.objects.get().memberships.count() == 2

    run_queued_tasks()
    ana_mail = next(m for m in mail.outbox if m.to == ["ana@example.com"])
    link = re.search(r"http://127\.0\.0\.1:8000(/\S+)", ana_mail.body)[1]

    ana = phone(browser, live_server)
    ana.goto(link)
    expect(ana.get_by_role("heading", name="Choose a new password")).to_be_visible()
    ana.get_by_label("New password", exact=True).fill(PASSWORD)
    ana.get_by_label("New password confirmation").fill(PASSWORD)
    ana.get_by_role("button", name="Set password").click()
    ana.get_by_role("link", name="Log in").last.click()
    ana.get_by_label("Username").fill("ana")
    ana.get_by_label("Password").fill(PASSWORD)
    ana.get_by_role("button", name="Log in").click()
    ana.goto("/accounts/")
    expect(ana.get_by_label("Display name")).to_have_value("Ana Lima")
    assert serious_accessibility_violations(ana) == []
    ana.get_by_label("Time zone").select_option("Europe/Lisbon")
    ana.get_by_label("Reminder emails").uncheck()
    ana.get_by_role("button", name="Save").click()
    expect(ana.get_by_text("Your account details are saved.")).to_be_visible()
    expect(ana.get_by_label("Reminder emails")).not_to_be_checked()
    # Nothing on the phone-width page is wider than the screen.
    assert ana.evaluate("document.documentElement.scrollWidth") <= 390
    assert ana.console_errors == []  # no Content-Security-Policy complaint, no failed load

    teacher.goto(f"/classes/{classroom.pk}/gradebook/")
    expect(teacher.get_by_role("link", name="Ana Lima")).to_be_visible()
