import pytest
from playwright.sync_api import expect

from .conftest import serious_accessibility_violations

pytestmark = pytest.mark.browser


def test_a_learner_reaches_the_api_key_lesson_and_reveals_the_self_check(page, shipped_content):
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    page.get_by_role("link", name="API key management").click()

    expect(page.get_by_role("heading", level=1, name="API key management")).to_be_visible()
    breadcrumb = page.get_by_role("navigation", name="Breadcrumb")
    expect(breadcrumb).to_contain_text("Model Metrics & Evaluation")
    expect(page.get_by_role("row", name="Valid Requests 950")).to_be_visible()

    answer = page.get_by_text("No, because 12% invalid key failures are high", exact=False)
    expect(answer).to_be_hidden()
    page.get_by_text("Show the answer").first.click()
    expect(answer).to_be_visible()
    assert page.console_errors == []


def test_the_self_check_opens_from_the_keyboard(page, shipped_content):
    page.goto("/patterns/api-key-management/")
    summary = page.locator(".self-check summary").first
    summary.focus()
    page.keyboard.press("Enter")
    expect(page.locator(".self-check-answer").first).to_be_visible()


def test_the_contents_link_jumps_to_its_section(page, shipped_content):
    page.goto("/patterns/api-key-management/")
    page.get_by_role("navigation", name="On this page").get_by_role("link").first.click()
    assert "#" in page.url


@pytest.mark.parametrize("path", ["/", "/patterns/api-key-management/", "/patterns/no-such/"])
@pytest.mark.parametrize("width", [390, 1280])
def test_pages_have_no_serious_accessibility_violations(page, shipped_content, path, width):
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(path)
    assert serious_accessibility_violations(page) == []
    # Nothing is wider than the screen: no sideways scrolling on a phone.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
