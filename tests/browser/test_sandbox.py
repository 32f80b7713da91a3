"""A visitor creates a sandbox key, sees it once, and uses it in the playground, in Chromium."""

import re

import pytest
from playwright.sync_api import expect

from learnapp.sandbox.models import AccessLogEntry
from tests.sandbox.leaks import LeakWatch, installed

from .conftest import serious_accessibility_violations

pytestmark = pytest.mark.browser

KEY = re.compile(r"sbx_test_[0-9a-f]{12}_[0-9a-f]{40}")


@pytest.fixture
def leak_watch():
    with installed(), LeakWatch() as watch:
        yield watch
    assert watch.problems() == []


def create_key(page, name="Browser key", rate_limit="60") -> str:
    page.goto("/sandbox/")
    page.get_by_label("Name").fill(name)
    page.get_by_label("Rate limit").fill(rate_limit)
    page.get_by_role("button", name="Create key").click()
    expect(page.get_by_role("heading", name=f"Your new key “{name}”")).to_be_visible()
    return page.locator("#new-key-value").inner_text().strip()


def send(page, preset: str) -> None:
    page.get_by_role("link", name=re.compile(preset)).click()
    expect(page.locator(".preset-note")).to_contain_text(preset)
    page.get_by_role("button", name="Send").click()


def test_a_visitor_creates_a_key_and_gets_a_200_and_a_401(page, transactional_db, leak_watch):
    raw = create_key(page)
    assert KEY.fullmatch(raw)
    page.goto("/sandbox/")  # shown once: never again
    assert raw not in page.content()
    expect(page.get_by_text(raw[:22] + "****")).to_be_visible()

    page.get_by_role("link", name="Playground").click()
    page.get_by_label("Your sandbox key").fill(raw)
    send(page, "Valid key")
    result = page.locator("#result")
    expect(result.locator(".status-line")).to_have_text("HTTP/1.1 200 OK")
    expect(result).to_contain_text("RateLimit-Policy")
    assert page.url.endswith("/sandbox/playground/")  # no reload: htmx swapped the result in

    # The snippets mask the key until the learner asks to see it (in the page, never the server).
    assert raw not in result.inner_text()
    page.get_by_role("button", name="Show my key in these snippets").click()
    expect(result.locator("pre.snippet").first).to_contain_text(raw)

    send(page, "No Authorization header")
    expect(result.locator(".status-line")).to_have_text("HTTP/1.1 401 Unauthorized")
    expect(result).to_contain_text('Bearer realm="sandbox"')
    expect(result.locator(".why")).to_contain_text("no Authorization header")
    expect(result).to_contain_text("GET /sandbox/api/data")  # recent requests

    assert list(AccessLogEntry.objects.order_by("created_at").values_list("status", "source")) == [
        (200, "playground"),
        (401, "playground"),
    ]
    assert page.console_errors == []


def test_the_playground_works_without_javascript(browser, live_server, transactional_db):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    raw = create_key(page, name="No script")
    page.goto("/sandbox/playground/?preset=valid")
    page.get_by_label("Your sandbox key").fill(raw)
    page.get_by_role("button", name="Send").click()
    expect(page.locator(".status-line")).to_have_text("HTTP/1.1 200 OK")
    expect(page.get_by_text("paste it again")).to_be_visible()
    context.close()


@pytest.mark.parametrize("width", [390, 1280])
def test_sandbox_pages_have_no_serious_accessibility_violations(page, transactional_db, width):
    page.set_viewport_size({"width": width, "height": 900})
    raw = create_key(page, rate_limit="5")
    assert serious_accessibility_violations(page) == []
    page.get_by_role("link", name="Browser key").click()
    # axe must not start on the page the click is leaving.
    expect(page.get_by_role("heading", level=1, name="Browser key")).to_be_visible()
    assert serious_accessibility_violations(page) == []
    page.get_by_role("button", name="Rotate").click()
    expect(page.get_by_role("heading", name="Step 1 done: the replacement key")).to_be_visible()
    assert serious_accessibility_violations(page) == []
    page.goto("/sandbox/playground/")
    page.get_by_label("Your sandbox key").fill(raw)
    send(page, "Over the rate limit")
    expect(page.locator("#result .status-line")).to_contain_text("429")
    assert serious_accessibility_violations(page) == []
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    for path in ("/sandbox/log/", "/sandbox/challenges/", "/progress/"):
        page.goto(path)
        assert serious_accessibility_violations(page) == [], path
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), path
