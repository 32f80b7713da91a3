"""The practice set's overview keeps up with answers checked in place, in a real Chromium."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

PRACTICE = "/patterns/api-key-management/practice/"


def test_checking_in_place_updates_the_dots_and_the_answered_count(page, shipped_content):
    page.goto(PRACTICE + "1/")
    count = page.get_by_text("0 of 10 answered")
    expect(count).to_be_visible()
    dot = page.locator('.question-overview a[aria-current="step"]')

    page.get_by_label("To improve the accuracy of the AI model").check()
    page.get_by_role("button", name="Check answer").click()
    expect(page.get_by_role("heading", name="Not quite.")).to_be_visible()
    expect(page.get_by_text("1 of 10 answered")).to_be_visible()
    expect(dot).to_have_class("qdot qdot-wrong")
    expect(dot).to_have_attribute("aria-label", "Question 1, easy: last answered wrong")

    # A second answer to the same question changes its dot, not the count.
    page.get_by_label("To control who can access the AI service").check()
    page.get_by_role("button", name="Check answer").click()
    expect(page.get_by_role("heading", name="Right!")).to_be_visible()
    expect(dot).to_have_class("qdot qdot-right")
    expect(page.get_by_text("1 of 10 answered")).to_be_visible()
    assert page.url.endswith(PRACTICE + "1/")  # all of it in place, no reload
    assert page.console_errors == []
