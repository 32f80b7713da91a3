"""Browser tests: Playwright driving the system's Chromium against Django's live test server."""

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
AXE = Path(__file__).parent / "vendor" / "axe-4.14.1.min.js"

try:
    from playwright.sync_api import sync_playwright
except ImportError:  # pragma: no cover - playwright is a dev dependency
    sync_playwright = None

if sync_playwright is None or not Path(CHROMIUM).exists():
    pytest.skip(
        f"browser tests need Chromium at {CHROMIUM} (Debian package 'chromium') and Playwright",
        allow_module_level=True,
    )

# Playwright's sync API runs an event loop in this thread; the Django calls the tests make
# (creating data) are ordinary blocking calls all the same.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser(live_server):
    # Depending on the live server makes Chromium close first, with its keep-alive connections,
    # before the server's request threads are stopped.
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    # Init scripts run outside the page's Content-Security-Policy, so axe can be injected while
    # the page keeps its real policy.
    context.add_init_script(path=str(AXE))
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.console_errors = errors
    yield page
    context.close()


@pytest.fixture
def shipped_content(transactional_db, settings):
    from learnapp.catalog.loader import load

    load(settings.CONTENT_DIR)


def serious_accessibility_violations(page) -> list[str]:
    results = page.evaluate("async () => await axe.run(document)")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']]}"
        for v in results["violations"]
        if v["impact"] in ("serious", "critical")
    ]
