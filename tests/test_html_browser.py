"""index.html in a real headless Chromium (Debian's ``chromium``) driven by Playwright.

Needs ``apt-get install chromium`` and ``pip install playwright`` (the wheel
carries its driver; no ``playwright install``: the system browser is used).
Skips with the reason when either is missing. ``DW_CONFORMANCE_CHROMIUM``
overrides the browser path.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conformance.reporting import write_reports
from conformance.result import validate_result
from support.results import sample_document

pytestmark = pytest.mark.browser

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _chromium_path() -> str | None:
    configured = os.environ.get("DW_CONFORMANCE_CHROMIUM")
    if configured:
        return configured if os.path.exists(configured) else None
    return shutil.which("chromium") or ("/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else None)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("playwright is not installed (pip install playwright; the system chromium is used)")
    executable = _chromium_path()
    if executable is None:
        pytest.skip("chromium is not installed (apt-get install chromium)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture()
def report(tmp_path: Path) -> Path:
    document = sample_document()
    assert validate_result(document) == []
    return write_reports(document, tmp_path / "reports")["html"]


def test_page_renders_matrix_and_opens_a_failing_cells_diff(
    browser: Any, report: Path, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    requests: list[str] = []
    problems: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.goto(report.as_uri())

    assert page.locator("#level").inner_text() == "partial"
    assert page.locator("table.matrix tbody tr").count() == 4  # one row per fixture
    headers = page.locator("table.matrix thead th[data-adapter]")
    assert headers.count() == 3  # one column per adapter
    assert [headers.nth(i).get_attribute("data-adapter") for i in range(3)] == [
        "canonical",
        "python-sdk",
        "cli",
    ]
    for row in range(4):
        assert page.locator("table.matrix tbody tr").nth(row).locator("td.cell").count() == 3
    assert page.locator("article.case:visible").count() == 0  # no detail until a cell is chosen

    page.locator("td.cell[data-status='fail'] a").click()
    detail = page.locator("article.case:visible")
    expect(detail).to_have_count(1)
    assert detail.get_attribute("data-case-id") == "workflow-start-parity.json::python-sdk"
    pointer_cell = detail.locator("table.differences tr[data-pointer='/body/input/0/order_id'] code.pointer")
    expect(pointer_cell).to_be_visible()
    assert pointer_cell.inner_text() == "/body/input/0/order_id"
    highlighted = detail.locator(".json .ln.sev-failure[data-pointer='/body/input/0/order_id']")
    assert highlighted.count() == 2  # expected pane and sent pane
    expect(highlighted.first).to_be_visible()
    assert "42" in highlighted.nth(0).inner_text() and "43" in highlighted.nth(1).inner_text()
    expect(detail.locator(".sent .ln.ghost[data-pointer='/body/task_queue']")).to_contain_text("not sent")
    expect(page.locator("td.cell.selected[data-status='fail']")).to_have_count(1)  # the script ran

    detail.locator("table.differences tr[data-pointer='/body/input/0/order_id']").click()
    expect(detail.locator(".json .ln.focus")).to_have_count(2)

    screenshot = tmp_path / "report.png"
    page.screenshot(path=str(screenshot), full_page=True)
    assert screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    assert page.evaluate("typeof window.__pwned") == "undefined"  # hostile client output stayed text
    assert requests == [report.as_uri()], requests  # self-contained: nothing else fetched
    assert problems == [], problems  # no script error, no CSP violation
    context.close()


def test_cells_open_their_detail_without_javascript(browser: Any, report: Path) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(report.as_uri())
    page.locator("td.cell[data-status='error'] a").click()
    detail = page.locator("article.case:visible")
    assert detail.count() == 1
    assert "could not be exercised" in detail.inner_text()
    page.locator("a[href='#cases']").click()
    assert page.locator("article.case:visible").count() == 11
    context.close()
