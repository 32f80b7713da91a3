"""The metrics page in Chromium, on a phone and a desktop: the learner's own figures beside the
lessons' thresholds, readable without sideways scrolling, and no serious axe violations."""

import pytest
import requests
from playwright.sync_api import expect

from .conftest import serious_accessibility_violations

pytestmark = pytest.mark.browser


def create_key(page) -> str:
    page.goto("/sandbox/")
    page.get_by_label("Name").fill("Metrics key")
    page.get_by_role("button", name="Create key").click()
    return page.locator("#new-key-value").inner_text().strip()


@pytest.mark.parametrize("width", [390, 1280])
def test_the_metrics_page_shows_my_traffic_against_the_thresholds(
    page, live_server, transactional_db, width, tmp_path
):
    page.set_viewport_size({"width": width, "height": 900})
    raw = create_key(page)
    api = live_server.url + "/sandbox/api"
    bearer = {"Authorization": f"Bearer {raw}"}
    requests.get(api + "/data", headers={**bearer, "X-Sandbox-Fault": "503"}, timeout=10)
    requests.get(api + "/data", headers={**bearer, "X-Sandbox-Delay-Ms": "200"}, timeout=10)
    body = {"model": "sandbox-large", "messages": [{"role": "user", "content": "Hi"}]}
    with requests.post(
        api + "/chat/completions",
        json={**body, "stream": True},
        headers=bearer,
        stream=True,
        timeout=10,
    ) as response:
        assert response.content.endswith(b"data: [DONE]\n\n")  # read to the end

    page.get_by_role("link", name="Metrics", exact=True).click()
    expect(page.get_by_role("heading", name="Metrics", exact=True)).to_be_visible()
    expect(page.get_by_text("Over 3 requests")).to_be_visible()
    errors = page.locator("#errors")
    expect(errors.get_by_role("heading")).to_contain_text("bad")  # 1 in 3 is a 5xx
    expect(errors).to_contain_text("5xx error rate")
    expect(page.locator("#latency")).to_contain_text("TTFT p95")
    expect(page.locator("#cost")).to_contain_text("Cost per request")
    expect(
        page.get_by_text("p95 above 5 s, p99 above 10 s, or TTFT p95 above 3 s.")
    ).to_be_visible()
    # Nothing wider than the screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.screenshot(path=str(tmp_path / f"metrics-{width}.png"), full_page=True)
    page.locator("#latency").screenshot(path=str(tmp_path / f"latency-{width}.png"))
    assert serious_accessibility_violations(page) == []
    assert page.console_errors == []

    page.get_by_label("Budget per request (US$)").fill("0.00001")
    page.get_by_role("button", name="Judge cost against this budget").click()
    expect(page.locator("#cost").get_by_role("heading")).to_contain_text("bad")
