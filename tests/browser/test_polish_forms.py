"""Sign-up, log-in and the site's navigation, in a real Chromium: a failed submit leads with an
error summary that takes focus, errors sit under their own fields, and only the current
section is marked."""

import re

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from .conftest import serious_accessibility_violations

pytestmark = pytest.mark.browser

PASSWORD = "a-long-enough-pass-2026"


def fill_signup(page, username, password1, password2, email="new@example.com"):
    page.goto("/accounts/signup/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(password1)
    page.get_by_label("Password confirmation").fill(password2)
    page.get_by_role("button", name="Sign up").click()


def test_a_failed_sign_up_leads_with_a_focused_summary_that_links_to_the_fields(
    page, transactional_db
):
    get_user_model().objects.create_user("taken", password=PASSWORD)
    fill_signup(page, "taken", PASSWORD, PASSWORD)

    summary = page.get_by_role("alert").filter(has_text="There is a problem")
    expect(summary).to_be_focused()
    assert page.title().startswith("Error")
    # The error was the name: the passwords, both fine, are still there.
    expect(page.get_by_label("Password", exact=True)).to_have_value(PASSWORD)
    expect(page.get_by_label("Password confirmation")).to_have_value(PASSWORD)
    summary.get_by_role("link", name="Username").click()
    expect(page.get_by_label("Username")).to_be_focused()
    assert serious_accessibility_violations(page) == []
    assert page.console_errors == []


def test_a_password_rule_is_said_under_the_password_and_a_mismatch_under_the_confirmation(
    page, transactional_db
):
    fill_signup(page, "newcomer", "short", "short")
    expect(page.locator("#id_password1_error")).to_contain_text("too short")
    expect(page.locator("#id_password2_error")).to_have_count(0)
    # Focus went to the summary, not back to the (valid) first field.
    expect(page.get_by_label("Username")).not_to_be_focused()
    expect(page.get_by_label("Username")).to_have_value("newcomer")

    fill_signup(page, "newcomer", PASSWORD, PASSWORD + "x")
    expect(page.locator("#id_password2_error")).to_be_visible()
    expect(page.locator("#id_password1_error")).to_have_count(0)
    # Only the confirmation, which did not match, is cleared.
    expect(page.get_by_label("Password", exact=True)).to_have_value(PASSWORD)
    expect(page.get_by_label("Password confirmation")).to_have_value("")


def test_signing_up_says_welcome(page, transactional_db):
    fill_signup(page, "newcomer", PASSWORD, PASSWORD)
    expect(page.get_by_role("status")).to_contain_text("Welcome to learnapp, newcomer!")
    assert get_user_model().objects.filter(username="newcomer").exists()


def test_a_failed_log_in_leads_with_a_focused_summary(page, transactional_db):
    get_user_model().objects.create_user("someone", password=PASSWORD)
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("someone")
    page.get_by_label("Password").fill("wrong-password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert").filter(has_text="There is a problem")).to_be_focused()
    assert page.title().startswith("Error")
    # One message, not the summary and a second alert box saying the same.
    assert page.get_by_text("Please enter a correct username and password").count() == 1
    assert page.locator("[autofocus]").count() == 0
    assert serious_accessibility_violations(page) == []


def test_the_navigation_marks_only_the_current_section_and_lines_up(page, transactional_db):
    get_user_model().objects.create_user("someone", password=PASSWORD)
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("someone")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto("/sandbox/")
    nav = page.get_by_role("navigation", name="Main")
    current = nav.locator('[aria-current="page"]')
    expect(current).to_have_count(1)
    expect(current).to_have_text("Sandbox")

    def text_bottom(locator) -> float:
        # Where the words themselves end, whatever padding their element has.
        return locator.evaluate(
            "el => { const r = document.createRange(); r.selectNodeContents(el);"
            " return r.getBoundingClientRect().bottom; }"
        )

    classes = text_bottom(nav.get_by_role("link", name="Classes"))
    assert abs(text_bottom(nav.get_by_role("link", name="someone")) - classes) <= 2
    assert abs(text_bottom(nav.get_by_role("button", name="Log out")) - classes) <= 2


def test_a_failed_assignment_form_leads_with_a_focused_summary_and_groups_its_boxes(
    page, transactional_db
):
    from tests.factories import ClassroomFactory

    classroom = ClassroomFactory(name="Keys 101")
    classroom.instructor.set_password(PASSWORD)
    classroom.instructor.save()
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(classroom.instructor.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(f"/classes/{classroom.pk}/assignments/new/")
    page.get_by_label("Title").fill("")
    page.get_by_role("button", name="Assign").click()

    summary = page.get_by_role("alert").filter(has_text="There is a problem")
    expect(summary).to_be_focused()
    assert page.title().startswith("Error")
    summary.get_by_role("link", name=re.compile("^Title")).click()
    expect(page.get_by_label("Title")).to_be_focused()
    # Checkbox groups are a fieldset named by its legend, not a label pointing nowhere.
    assert page.locator('label[for=""]').count() == 0
    for group in page.locator("fieldset:has(input[type=checkbox])").all():
        assert group.locator("legend").count() == 1
    assert serious_accessibility_violations(page) == []
    # The form comes back with a 400, which the console reports; nothing else is wrong.
    assert [e for e in page.console_errors if "400 (Bad Request)" not in e] == []
