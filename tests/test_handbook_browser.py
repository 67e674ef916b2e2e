"""The handbook in a real headless Chromium (Debian's ``chromium``) driven by Playwright.

Same conventions as ``test_html_browser.py`` (which it reuses): skips with the
reason when playwright or chromium is missing. The site is built from the
upstream corpus when ``../shared`` is there, else from the shipped corpus,
with a measured column from the ``canonical`` replay.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_handbook import handbook
from test_html_browser import browser  # noqa: F401  (the module-scoped Chromium fixture)

from conformance.canonical_request import canonical_request
from conformance.fixture import load_fixture, shipped_corpus_dir
from support import real_clients
from support.harness_run import run_command

pytestmark = pytest.mark.browser


def corpus() -> Path:
    upstream = real_clients.shared_upstream()
    candidate = upstream / "cli" / "tests" / "fixtures" / "control-plane" if upstream else None
    return candidate if candidate is not None and candidate.is_dir() else shipped_corpus_dir()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    root = tmp_path_factory.mktemp("handbook-browser")
    completed = run_command(
        root / "reports", "--adapter", "canonical", "--fixtures", str(corpus()), "--no-har"
    )
    assert completed.code == 0, completed.stderr
    result = handbook(
        root / "site", "--fixtures", str(corpus()), "--result", str(root / "reports" / "result.json")
    )
    assert result.returncode == 0, result.stderr
    yield root / "site"


def watch(page: Any) -> tuple[list[str], list[str]]:
    requests: list[str] = []
    problems: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    return requests, problems


def test_matrix_lists_every_operation_with_its_measured_cell(browser: Any, site: Path) -> None:  # noqa: F811
    from playwright.sync_api import expect

    fixtures = sorted(corpus().glob("*.json"))
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    requests, problems = watch(page)
    page.goto((site / "index.html").as_uri())
    rows = page.locator("table.matrix tbody tr[data-operation]")
    expect(rows).to_have_count(len(fixtures))
    expect(page.locator("table.matrix thead th[data-adapter='canonical']")).to_have_count(1)
    cells = page.locator("table.matrix td.cell[data-adapter='canonical']")
    expect(cells).to_have_count(len(fixtures))
    assert {cells.nth(i).get_attribute("data-status") for i in range(cells.count())} == {"pass"}
    assert page.locator("#coverage").get_attribute("data-covered") == str(len(fixtures))
    domains = page.locator("table.matrix tr.domain th")
    assert "Workflows" in [domains.nth(i).inner_text() for i in range(domains.count())]
    assert problems == [], problems
    assert requests == [(site / "index.html").as_uri()], requests  # self-contained
    page.close()


def test_navigation_to_an_operation_page_that_matches_its_fixture(browser: Any, site: Path) -> None:  # noqa: F811
    from playwright.sync_api import expect

    fixture = load_fixture(corpus() / "workflow-start-parity.json")
    page = browser.new_page(viewport={"width": 1300, "height": 1000})
    requests, problems = watch(page)
    page.goto((site / "index.html").as_uri())
    page.locator("a.operation", has_text="workflow.start").first.click()
    expect(page.locator("h1#operation")).to_have_attribute("data-operation", "workflow.start")
    assert page.url.endswith("/operations/workflow-start.html")

    line = page.locator("pre.request-line")
    assert line.get_attribute("data-method") == fixture.method
    assert line.get_attribute("data-path") == fixture.path_template
    expect(line).to_contain_text(f"{fixture.method} <server>/api/workflows")
    shown_body = json.loads(page.locator("pre.body").inner_text())
    cli_body = fixture.data["cli"]["expected_body"]
    assert shown_body == cli_body == canonical_request(fixture).body
    assert page.locator("pre.body").get_attribute("data-source") == "cli.expected_body"

    envelope = page.locator("section.envelope[data-field='input']")
    expect(envelope).to_have_count(1)
    assert (
        json.loads(envelope.locator("pre.value").inner_text())
        == fixture.data["sdk_python"]["payload_envelope"]["decoded"]
    )
    expect(envelope.locator("pre.bytes")).to_contain_text("c3 01")
    envelope.locator("summary", has_text="item by item").click()
    expect(envelope.locator("table.walk")).to_be_visible()
    expect(envelope.locator("table.walk")).to_contain_text("long 42 (zig-zag varint)")

    expect(page.locator(".invocation[data-client='dw CLI'] pre")).to_contain_text("dw workflow:start")
    expect(page.locator(".invocation[data-client='Python SDK'] pre")).to_contain_text(
        "client.start_workflow("
    )
    expect(page.locator("table.measured tr[data-adapter='canonical']")).to_have_attribute(
        "data-status", "pass"
    )

    page.locator("#nav-start").click()
    expect(page.locator("h1")).to_have_text("Start here")
    expect(page.locator("#envelopes")).to_be_visible()
    expect(page.locator("pre", has_text="init-adapter --language node")).to_have_count(1)
    assert problems == [], problems
    assert all(url.startswith("file://") for url in requests), requests
    page.close()
