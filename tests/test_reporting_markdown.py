"""summary.md: level, counts, matrix, first differences, parity failures; all client text inert."""

from __future__ import annotations

import re

from conformance.reporting.markdown import MAX_LISTED, md_text, render_markdown
from conformance.result import validate_result
from support.results import HOSTILE_TEXT, ResultBuilder, difference, sample_document


def _render(document: dict) -> str:  # type: ignore[type-arg]
    assert validate_result(document) == []
    return render_markdown(document)


def _table_rows(text: str, header_start: str) -> list[list[str]]:
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(header_start))
    rows = []
    for line in lines[start:]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in line.strip().strip("|").split("|")])
    return rows


def test_level_counts_and_matrix() -> None:
    document = sample_document()
    text = _render(document)
    assert text.startswith("## dw-conformance: 🟡 **partial**")
    rows = _table_rows(text, "| fixture |")
    assert rows[0] == ["fixture", "operation", "canonical", "python-sdk", "cli"]
    body = rows[2:]
    assert [row[0] for row in body] == [
        "workflow-cancel-parity.json",
        "workflow-query-parity.json",
        "workflow-signal-parity.json",
        "workflow-start-parity.json",
    ]
    assert all(len(row) == 5 for row in body)
    start = body[3]
    # the level is partial (exit 0): the SDK's failure is reported, and marked as not gating
    assert start[2:] == ["✅ pass", "🟡 fail, not gating", "✅ pass"]
    assert body[1][3] == "⚠️ error, not gating" and body[1][4] == "—"  # no cli case for the query fixture
    assert body[0][3] == "⏭️ skipped"
    counts = _table_rows(text, "| adapter |")
    assert counts[-1][0] == "**total** (11)"


def test_failing_cases_list_their_first_differences_by_pointer() -> None:
    text = _render(sample_document())
    failures = text.split("### Failures", 1)[1].split("###", 1)[0]
    assert "**workflow-start-parity.json** \u00d7 python-sdk: fail" in failures
    assert (
        "<code>/body/input/0/order_id</code> changed: expected <code>42</code>, sent <code>43</code>"
        in failures
    )
    assert "<code>/body/task_queue</code> missing" in failures
    assert "python-sdk: error: fixture and client disagree" in failures
    assert "execution_timeout_seconds" not in failures  # diagnostics are not failures


def test_only_failing_parity_findings_are_listed() -> None:
    text = _render(sample_document())
    parity = text.split("### Parity failures", 1)[1]
    assert "(cli vs python-sdk)" in parity
    assert "cli <code>42</code>, python-sdk <code>43</code>" in parity
    assert "execution" not in parity.split("###", 1)[0]


def test_client_text_cannot_inject_markup_mentions_or_table_cells() -> None:
    builder = ResultBuilder()
    builder.case(
        "workflow-start-parity.json",
        "cli",
        "fail",
        differences=[difference("/body/x|y", expected=HOSTILE_TEXT, actual="- item\n# heading")],
    )
    builder.case("workflow-signal-parity.json", "cli", "error", reason=HOSTILE_TEXT)
    text = _render(builder.build())
    for raw in ("<script", "<img", "@everyone", "](http", "**bold**", "\x00", "\n# heading"):
        assert raw not in text, raw
    assert "&#64;everyone" in text
    # every matrix row keeps its cell count even though a pointer contains a pipe
    rows = _table_rows(text, "| fixture |")
    assert {len(row) for row in rows} == {3}
    # the only HTML elements are the ones the writer made
    assert set(re.findall(r"</?([a-zA-Z]+)", text)) <= {"code"}


def test_md_text_escapes_and_keeps_plain_words_readable() -> None:
    assert md_text("workflow-start-parity.json") == "workflow-start-parity.json"
    assert md_text("cli_json_client") == "cli_json_client"
    assert md_text("_emphasis_") == "&#95;emphasis&#95;"
    assert md_text("see http://x.example") == "see http&#58;//x.example"
    assert md_text("1. not a list") == "1&#46; not a list"
    assert md_text("a\nb\tc") == "a b c"
    assert md_text("x" * 300, limit=10) == "x" * 9 + "…"


def test_long_failure_lists_are_capped() -> None:
    builder = ResultBuilder()
    for index in range(MAX_LISTED + 5):
        builder.case(f"f-{index:03}-parity.json", "cli", "fail")
    text = _render(builder.build())
    assert "… and 5 more gating cases" in text
    assert text.count("**f-") == MAX_LISTED


def test_unavailable_adapters_and_input_problems_are_mentioned() -> None:
    builder = ResultBuilder()
    builder.case("workflow-start-parity.json", "python-sdk")
    builder.implementation("cli", available=False, reason="no dw on PATH")
    builder.input_problems.append("bad.json: /version: expected 1; found 2")
    text = _render(builder.build())
    assert "Not run: cli: no dw on PATH" in text
    assert "### Fixture files that could not be used" in text and "bad.json" in text
    # an input problem the run did not allow: the level claims nothing, and says what the cases give
    assert "**incomplete**" in text and "would give 'full'" in text
