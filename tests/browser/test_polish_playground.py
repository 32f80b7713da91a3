"""The playground in a real Chromium: the chosen preset is the only one marked, a preset that
needs a particular key checks the one pasted, keys are masked without eating the punctuation
after them, the response is announced from a region that stays, and nothing breaks the CSP."""

import re

import pytest
from playwright.sync_api import expect

from .conftest import serious_accessibility_violations
from .test_sandbox import create_key, send
from .test_sandbox import leak_watch as leak_watch  # a fixture the tests here use too

pytestmark = pytest.mark.browser


def test_only_the_chosen_preset_is_marked(page, transactional_db):
    page.goto("/sandbox/playground/?preset=valid")
    marked = page.locator('.preset-list a[aria-current="true"]')
    expect(marked).to_have_text(re.compile("Valid key"))
    page.get_by_role("link", name=re.compile("Token scheme")).click()
    expect(page.locator(".preset-note")).to_contain_text("Token scheme")
    expect(marked).to_have_count(1)
    expect(marked).to_have_text(re.compile("Token scheme"))
    page.get_by_role("link", name=re.compile("Key in the URL")).click()
    expect(page.locator(".preset-note")).to_contain_text("Key in the URL")
    expect(marked).to_have_count(1)
    expect(marked).to_have_text(re.compile("Key in the URL"))
    assert page.console_errors == []


def test_a_preset_that_needs_a_read_only_key_says_so_and_checks_the_one_pasted(
    page, transactional_db, leak_watch
):
    raw = create_key(page)  # read and write: an everyday key
    page.goto("/sandbox/playground/")
    expect(
        page.get_by_role("link", name=re.compile("Read-only key.*needs a particular key"))
    ).to_have_count(1)
    page.get_by_label("Your sandbox key").fill(raw)
    send(page, "Read-only key")
    expect(page.locator(".preset-note")).to_contain_text("Needs a key with only the read scope")
    result = page.locator("#result")
    expect(result.locator(".status-line")).to_have_text(re.compile("HTTP/1.1 200"))
    expect(result.locator(".key-note")).to_contain_text(
        "needs a key with only the read scope; yours can write"
    )
    # A preset any working key suits says nothing about the key.
    page.get_by_label("Your sandbox key").fill(raw)
    send(page, "Valid key")
    expect(result.locator(".status-line")).to_have_text("HTTP/1.1 200 OK")
    expect(result.locator(".key-note")).to_have_count(0)
    assert page.console_errors == []


def test_the_response_is_announced_from_a_region_that_stays_and_focus_moves_to_it(
    page, transactional_db, leak_watch
):
    raw = create_key(page)
    page.goto("/sandbox/playground/")
    page.evaluate("document.getElementById('result').kept = true")
    page.get_by_label("Your sandbox key").fill(raw)
    send(page, "No Authorization header")
    expect(page.locator("#result-verdict")).to_have_text(re.compile("HTTP/1.1 401 Unauthorized"))
    expect(page.get_by_role("heading", name="Response", exact=True)).to_be_focused()
    assert page.evaluate("document.getElementById('result').kept === true")
    assert page.locator("#result #result").count() == 0
    assert serious_accessibility_violations(page) == []
    assert page.console_errors == []


def test_a_masked_key_keeps_the_punctuation_after_it(page, transactional_db, leak_watch):
    raw = create_key(page)
    page.goto("/sandbox/playground/?preset=chat")
    page.get_by_label("Your sandbox key").fill(raw)
    page.get_by_label("JSON body").fill('{"note": "{key}: 5"}')
    page.get_by_role("button", name="Send").click()
    snippet = page.locator("#result pre.snippet").first
    expect(snippet).to_contain_text(raw[:22] + "****: 5")
    assert raw not in page.locator("#result").inner_text()
