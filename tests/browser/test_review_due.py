"""A learner takes two hint tiers, misses the question, and reviews it when it is due."""

import re

import pytest
from playwright.sync_api import expect

from learnapp.learning.models import HintUse, ReviewCard

from .conftest import serious_accessibility_violations

pytestmark = pytest.mark.browser

PRACTICE = "/patterns/api-key-management/practice/"


def test_two_hint_tiers_then_a_review_session(page, shipped_content):
    page.goto(PRACTICE + "1/")
    page.get_by_role("button", name="Show a hint (1 of 3)").click()
    hint = page.locator("#hint")
    expect(hint).to_contain_text("Ask what the service checks")
    # The button pressed is replaced: focus moves to the next one, so Enter opens the next tier.
    expect(page.get_by_role("button", name="Show the next hint (2 of 3)")).to_be_focused()
    page.keyboard.press("Enter")
    expect(hint).to_contain_text("a key never changes how the model works")
    expect(hint).to_contain_text("Ask what the service checks")  # the first tier stays
    expect(hint).not_to_contain_text("secret passwords")  # the last tier is not open yet
    expect(page.get_by_role("button", name="Show the next hint (3 of 3)")).to_be_visible()
    assert serious_accessibility_violations(page) == []

    page.get_by_label("To improve the accuracy of the AI model").check()
    page.get_by_role("button", name="Check answer").click()
    expect(page.get_by_role("heading", name="Not quite.")).to_be_visible()
    assert sorted(HintUse.objects.values_list("tier", flat=True)) == [1, 2]
    assert ReviewCard.objects.count() == 1

    page.goto("/")
    page.get_by_role("link", name="Due for review (1)").click()
    expect(page.get_by_role("heading", name="Due for review")).to_be_visible()
    expect(page.locator(".review-card")).to_contain_text("What is the main purpose of an API key")
    assert serious_accessibility_violations(page) == []
    page.get_by_label("To control who can access the AI service").check()
    page.get_by_role("button", name="Check answer").click()
    expect(page.get_by_role("heading", name="Right!")).to_be_visible()
    expect(page.locator("[data-comes-back]")).to_have_text(
        re.compile(r"This card comes back in 10 minutes\.")
    )
    assert serious_accessibility_violations(page) == []
    page.get_by_role("link", name="All done: my progress").click()
    expect(page.get_by_role("link", name="Due for review (0)")).to_be_visible()
    assert page.console_errors == []
