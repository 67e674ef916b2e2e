"""The console says why a case failed, in a CI log and on a terminal, and never hides what went unasserted."""

from __future__ import annotations

import io
from typing import Any

from conformance.reporting.console import CaseLines, closing_sections
from conformance.reporting.html import render_html
from conformance.reporting.markdown import render_markdown


def case(
    fixture: str,
    status: str,
    *,
    differences: list[dict[str, Any]] | None = None,
    not_asserted: list[str] | None = None,
    reason: str = "",
    client: dict[str, Any] | None = None,
    response: dict[str, Any] | None = None,
) -> dict[str, Any]:
    return {
        "id": f"{fixture}::cli",
        "fixture": fixture,
        "adapter": "cli",
        "operation": "workflow.repair",
        "status": status,
        "reason": reason,
        "differences": differences or [],
        "diagnostic_diff": [],
        "not_asserted": not_asserted if not_asserted is not None else ["other headers"],
        "rendered": f"RENDERED VERDICT OF {fixture}",
        "client": client,
        "response": response,
    }


REPAIR = case(
    "workflow-repair-parity.json",
    "fail",
    differences=[
        {
            "pointer": "/body",
            "kind": "type_changed",
            "expected": {},
            "actual": [],
            "severity": "failure",
            "message": "expected object, found array",
        }
    ],
    client={"status": "client_error", "exception": None, "output": {"error": "Server error: nope"}},
    # the client failed before any answer came: the response side was not reached, its words are kept
    response={"status": "not_reached", "refusal": "Server error: nope", "differences": []},
)
UNPINNED = case(
    "workflow-describe-parity.json",
    "pass",
    not_asserted=[
        "query (no request.query or expected_query)",
        "body (no request.body ...)",
        "other headers",
    ],
)
ERROR = case("worker-register-parity.json", "error", reason="fixture and client disagree on the parameters")


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def document(*cases: dict[str, Any]) -> dict[str, Any]:
    return {
        "cases": list(cases),
        "implementations": [
            {"adapter": "cli", "available": True, "identity": {}, "target": "cli_json_client"}
        ],
        "conformance": {"level": "nonconforming", "explanation": "x", "targets": {}},
        "summary": {"total": len(cases), "by_adapter": {}},
        "run": {},
        "suite": {},
        "parity": [],
        "input_problems": [],
    }


def test_in_a_log_a_failing_case_prints_its_differences_under_its_line() -> None:
    stream = io.StringIO()
    lines = CaseLines(3, stream)
    for item in (UNPINNED, REPAIR, ERROR):
        lines.case_done(item)
    text = stream.getvalue()
    assert "\r" not in text
    assert text.splitlines() == [
        "[1/3] PASS  workflow-describe-parity.json::cli  (not asserted: query, body)",
        "[2/3] FAIL  workflow-repair-parity.json::cli",
        "    /body: type_changed: expected {}, sent [] (expected object, found array)",
        "    client said: Server error: nope",
        "[3/3] ERROR worker-register-parity.json::cli",
        "    reason: fixture and client disagree on the parameters",
    ]


def test_on_a_terminal_only_passes_share_the_updating_line() -> None:
    stream = Terminal()
    lines = CaseLines(3, stream)
    lines.case_done(UNPINNED)
    lines.case_done(REPAIR)
    lines.case_done(UNPINNED)
    text = stream.getvalue()
    # the failure is printed after clearing the progress line, and stays: no carriage return inside it
    failure_start = text.index("[2/3] FAIL")
    failure_end = text.index("\n", text.index("client said"))
    assert "\r" not in text[failure_start:failure_end]
    assert text[:failure_start].endswith("\r")
    assert text.endswith("\n")


def test_verbose_prints_every_case_whole() -> None:
    stream = io.StringIO()
    lines = CaseLines(1, stream, verbose=True)
    lines.case_done(UNPINNED)
    assert "    RENDERED VERDICT OF workflow-describe-parity.json" in stream.getvalue()


def test_the_closing_sections_list_failures_then_what_went_unasserted() -> None:
    text = closing_sections(document(UNPINNED, REPAIR, ERROR))
    assert text.index("gating failures (2; these set the exit code):") < text.index(
        "not asserted (nobody checked"
    )
    assert "    /body: type_changed: expected {}, sent []" in text
    assert "  query: 1 case (workflow-describe-parity.json::cli)" in text
    # errors are not counted as unasserted passes
    assert "worker-register-parity.json::cli)" not in text.split("not asserted (nobody checked")[1]


def test_summary_md_puts_failures_and_unasserted_parts_before_the_matrix() -> None:
    text = render_markdown(document(UNPINNED, REPAIR, ERROR))
    failures, unasserted, matrix = (
        text.index("### Gating failures (these set the exit code)"),
        text.index("### Not asserted"),
        text.index("### Fixture"),
    )
    assert failures < unasserted < matrix
    assert "**query**: 1 case" in text


def test_index_html_puts_what_needs_attention_before_the_matrix() -> None:
    html = render_html(document(UNPINNED, REPAIR, ERROR))
    attention, matrix = html.index('id="attention"'), html.index('id="matrix"')
    assert attention < matrix
    assert html.index('id="not-passing"') < matrix and html.index('id="not-asserted"') < matrix
