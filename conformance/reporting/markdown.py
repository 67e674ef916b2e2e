"""``summary.md``: a short Markdown page for a CI step summary or a pull-request comment.

Contents, in order: the level and its one-sentence explanation, counts per
adapter, then what needs a reader's attention (the first differences of each
failing case, the failing parity findings, fixture files that could not be
loaded, and the parts of the requests the fixtures did not assert), and only
then the fixture x adapter matrix with status marks. Lists are capped (:data:`MAX_LISTED`) so the
page stays well under the size limits of step summaries and comments; the
full story is in ``index.html``.

Escaping: GitHub renders Markdown *and* inline HTML, and a comment can ping
people. Every text that comes from the document (client values, reasons,
pointers built from keys the client sent, fixture names) goes through
:func:`md_text`, which turns the characters Markdown or HTML would act on
(``< > & | * ` [ ] \\ ~ @ #``, ``_`` at a word boundary, the ``:`` of ``://``,
a leading list marker) into numeric character references and
newlines into spaces, so it displays literally and cannot open a tag, a
link, a table cell or a mention. Values are shown inside ``<code>`` (not
backtick spans, where references would not be decoded).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from conformance.replays import is_replayed
from conformance.reporting.common import (
    REPLAYED_NOTE,
    STATUSES,
    TIMES,
    UNIVERSAL_UNASSERTED,
    build_matrix,
    counts_against,
    display_status,
    failing_parity,
    identity_text,
    known_failure_note,
    scenario_rows,
    scenarios_not_applicable,
    short_value,
    unasserted_groups,
)

MAX_LISTED = 30
MAX_DIFFERENCES_PER_CASE = 5
MAX_TEXT = 200
#: Case ids named per unasserted part.
MAX_NAMED = 8

STATUS_MARKS = {
    "pass": "✅ pass",
    "fail": "❌ fail",
    "error": "⚠️ error",
    "skipped": "⏭️ skipped",
    "interrupted": "⏸️ interrupted",
    "known_failure": "🔶 known failure",
    "fixed": "✨ fixed",
}
LEVEL_MARKS = {
    "full": "✅",
    "replayed": "🔁",
    "partial": "🟡",
    "provisional": "🟡",
    "nonconforming": "❌",
    "incomplete": "⏸️",
}

#: Characters Markdown/HTML act on anywhere in a line (``:`` stops URL autolinks, ``@`` mentions).
_SPECIAL = frozenset("\\`*[]<>|&~@#")
#: ``_`` only emphasises at a word boundary; ``:`` only matters in ``scheme://`` autolinks.
_BOUNDARY_UNDERSCORE = re.compile(r"(?<![0-9A-Za-z])_|_(?![0-9A-Za-z])")
_SCHEME = re.compile(r":(?=//)")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
#: A text starting like a list item or a setext underline would change the line's block type.
_BLOCK_START = re.compile(r"^(?:[+=-]|\d+[.)])(?=\s|$)")


def md_text(value: Any, limit: int = MAX_TEXT) -> str:
    """``value`` as inert Markdown text (see the module docstring)."""
    text = " ".join(_CONTROL.sub("", str(value)).split())
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    escaped = "".join(f"&#{ord(char)};" if char in _SPECIAL else char for char in text)
    escaped = _SCHEME.sub("&#58;", _BOUNDARY_UNDERSCORE.sub("&#95;", escaped))
    block = _BLOCK_START.match(escaped)
    if block:
        marker = block.group(0)
        escaped = marker[:-1] + f"&#{ord(marker[-1])};" + escaped[len(marker) :]
    return escaped


def md_code(value: Any, limit: int = MAX_TEXT) -> str:
    return f"<code>{md_text(value, limit)}</code>"


def _level_section(document: Mapping[str, Any]) -> list[str]:
    conformance = document.get("conformance") or {}
    level = str(conformance.get("level", "unknown"))
    run = document.get("run") or {}
    lines = [
        f"## dw-conformance: {LEVEL_MARKS.get(level, '')} **{md_text(level)}**".replace("  ", " "),
        "",
        md_text(conformance.get("explanation", ""), 1000),
        "",
    ]
    targets = conformance.get("targets") or {}
    if targets:
        lines.append(
            "Targets: " + ", ".join(f"{md_code(t)} {md_text(s)}" for t, s in sorted(targets.items()))
        )
        lines.append("")
    mode = md_text(run.get("mode", ""))
    if run.get("upstream"):
        mode += " against " + md_code(run["upstream"])
    lines.append(
        f"Run: {mode}, suite {md_text((document.get('suite') or {}).get('suite_version', ''))}, "
        f"{md_text(run.get('duration_seconds', ''))} s"
        + ("" if run.get("complete", True) else " — **incomplete** (interrupted)")
    )
    lines.append("")
    return lines


def _counts_section(document: Mapping[str, Any]) -> list[str]:
    summary = document.get("summary") or {}
    by_impl = {str(impl["adapter"]): impl for impl in document.get("implementations") or []}
    lines = [
        "| adapter | client | target | pass | fail | error | skipped |",
        "|---|---|---|---:|---:|---:|---:|",
    ]
    by_adapter = summary.get("by_adapter") or {}
    order = [a for a in build_matrix(document).adapters if a in by_adapter]
    for adapter in order + sorted(set(by_adapter) - set(order)):
        counts = by_adapter[adapter]
        impl = by_impl.get(adapter, {})
        cells = " | ".join(str(counts.get(status, 0)) for status in STATUSES)
        lines.append(
            f"| {md_text(adapter)} | {md_text(identity_text(impl)) if impl else ''} | "
            f"{md_text(impl.get('target', ''))} | {cells} |"
        )
    totals = " | ".join(f"**{summary.get(status, 0)}**" for status in STATUSES)
    lines.append(f"| **total** ({summary.get('total', 0)}) | | | {totals} |")
    unavailable = [impl for impl in by_impl.values() if not impl.get("available", True)]
    for impl in unavailable:
        lines.append("")
        lines.append(f"Not run: {md_text(impl['adapter'])}: {md_text(impl.get('reason', ''))}")
    if summary.get("replayed"):
        per_adapter = ", ".join(
            f"{md_text(adapter)} {counts['replayed']}"
            for adapter, counts in sorted(by_adapter.items())
            if counts.get("replayed")
        )
        lines.append("")
        lines.append(
            f"🔁 **Replayed: {summary['replayed']}** ({per_adapter}): {md_text(REPLAYED_NOTE, 400)}."
        )
    lines.append("")
    return lines


def _matrix_section(document: Mapping[str, Any]) -> list[str]:
    matrix = build_matrix(document)
    if not matrix.fixtures:
        return ["No case ran.", ""]
    header = "| fixture | operation | " + " | ".join(md_text(a) for a in matrix.adapters) + " |"
    lines = [f"### Fixture {TIMES} adapter", "", header, "|---|---|" + "---|" * len(matrix.adapters)]
    for fixture in matrix.fixtures:
        marks = []
        for adapter in matrix.adapters:
            case = matrix.cell(fixture, adapter)
            mark = STATUS_MARKS.get(display_status(case), "") if case else "—"
            marks.append(mark + (" 🔁 replayed" if case and is_replayed(case) else ""))
        lines.append(
            f"| {md_text(fixture)} | {md_code(matrix.operations[fixture])} | " + " | ".join(marks) + " |"
        )
    lines.append("")
    return lines


def _failures_section(document: Mapping[str, Any]) -> list[str]:
    bad = [case for case in document.get("cases") or [] if counts_against(case)]
    if not bad:
        return []
    lines = ["### Failures", ""]
    for case in bad[:MAX_LISTED]:
        title = (
            f"- **{md_text(case['fixture'])}** {TIMES} {md_text(case['adapter'])}: {md_text(case['status'])}"
        )
        if case.get("status") == "error" and case.get("reason"):
            title += f": {md_text(case['reason'])}"
        if case.get("known_failure"):
            title += f" ({md_text(known_failure_note(case), 400)})"
        lines.append(title)
        differences = case.get("differences") or []
        for difference in differences[:MAX_DIFFERENCES_PER_CASE]:
            lines.append(f"  - {_difference_md(difference)}")
        if len(differences) > MAX_DIFFERENCES_PER_CASE:
            lines.append(f"  - … and {len(differences) - MAX_DIFFERENCES_PER_CASE} more (see index.html)")
        response = case.get("response") or {}
        if response.get("status") in ("fail", "error"):
            lines.append(
                f"  - response side: {md_text(response.get('status'))} "
                f"(answer: {md_text(response.get('answer_source', ''))})"
                + (f"; the client said {md_code(response['refusal'])}" if response.get("refusal") else "")
            )
            for difference in (response.get("differences") or [])[:MAX_DIFFERENCES_PER_CASE]:
                lines.append(f"  - {_difference_md(difference, 'surfaced')}")
    if len(bad) > MAX_LISTED:
        lines.append(f"- … and {len(bad) - MAX_LISTED} more failing cases (see index.html)")
    lines.append("")
    return lines


def _known_failures_section(document: Mapping[str, Any]) -> list[str]:
    """Known failures that failed as described, listed cases that now pass, listed cases not run."""
    section = document.get("known_failures")
    if not section:
        return []
    cases = document.get("cases") or []
    known = [case for case in cases if display_status(case) == "known_failure"]
    fixed = [case for case in cases if display_status(case) == "fixed"]
    absent = section.get("not_in_run") or []
    if not (known or fixed or absent):
        return []
    lines = [
        "### Known failures",
        "",
        f"Listed in {md_code(section.get('source', ''))}; a known failure "
        "failing where it is listed does not count against the level.",
        "",
    ]
    for case in known[:MAX_LISTED]:
        pointers = ", ".join(md_code(p) for p in case["known_failure"].get("pointers") or []) or "any pointer"
        lines.append(
            f"- 🔶 **{md_text(case['fixture'])}** {TIMES} {md_text(case['adapter'])}: known failure "
            f"({pointers}): {md_text(case['known_failure'].get('reason', ''), 400)}"
        )
    strict = " **(--strict-known-failures: this fails the run)**" if section.get("strict") else ""
    for case in fixed[:MAX_LISTED]:
        lines.append(
            f"- ✨ **{md_text(case['fixture'])}** {TIMES} {md_text(case['adapter'])}: fixed, it passed; "
            f"remove it from the file{strict}"
        )
    if absent:
        lines.append("- not in this run: " + ", ".join(md_text(case_id) for case_id in absent[:MAX_LISTED]))
    lines.append("")
    return lines


def _compatibility_section(document: Mapping[str, Any]) -> list[str]:
    """One table per adapter run as several instances: operations x versions, and since when they conform."""
    from conformance.compatibility import since_text

    lines: list[str] = []
    for entry in document.get("compatibility") or []:
        instances = entry.get("instances") or []
        heads = " | ".join(f"{md_text(i['adapter'])} ({md_code(i.get('version') or '?')})" for i in instances)
        lines.extend([f"### Version matrix: {md_text(entry['adapter'])}", "", "Oldest version first.", ""])
        lines.append(f"| operation | {heads} | conforming |")
        lines.append("|---|" + "---|" * len(instances) + "---|")
        for operation in entry.get("operations") or []:
            statuses = operation.get("statuses") or {}
            marks = " | ".join(STATUS_MARKS.get(str(statuses.get(i["adapter"])), "—") for i in instances)
            lines.append(
                f"| {md_code(operation['operation'])} | {marks} | {md_text(since_text(entry, operation))} |"
            )
        lines.append("")
    return lines


def _difference_md(difference: Mapping[str, Any], sent_word: str = "sent") -> str:
    pointer = md_code(difference.get("pointer") or "(whole request)")
    kind = md_text(difference.get("kind", ""))
    expected = md_code(short_value(difference.get("expected")))
    actual = md_code(short_value(difference.get("actual")))
    if difference.get("kind") == "missing":
        detail = f"expected {expected}, not {sent_word}"
    elif difference.get("kind") == "unexpected":
        detail = f"{sent_word} {actual}, not expected"
    else:
        detail = f"expected {expected}, {sent_word} {actual}"
    message = difference.get("message")
    return f"{pointer} {kind}: {detail}" + (f" — {md_text(message)}" if message else "")


def _parity_section(document: Mapping[str, Any]) -> list[str]:
    found = failing_parity(document)
    if not found:
        return []
    lines = ["### Parity failures (client versus client)", ""]
    for entry, finding in found[:MAX_LISTED]:
        adapters = list(entry.get("adapters") or [])
        left = md_text(adapters[0]) if adapters else "first"
        right = md_text(adapters[1]) if len(adapters) > 1 else "second"
        lines.append(
            f"- **{md_text(entry['fixture'])}** ({left} vs {right}): "
            f"{md_code(finding.get('pointer') or '/')} "
            f"{md_text(finding.get('kind', ''))}: {left} {md_code(short_value(finding.get('expected')))}, "
            f"{right} {md_code(short_value(finding.get('actual')))}"
        )
    if len(found) > MAX_LISTED:
        lines.append(f"- … and {len(found) - MAX_LISTED} more")
    lines.append("")
    return lines


def _unasserted_section(document: Mapping[str, Any]) -> list[str]:
    groups = unasserted_groups(document)
    if not groups:
        return []
    intro = "What nobody checked: request parts the fixtures do not pin, and answers no client surfaced:"
    lines = ["### Not asserted", "", intro, ""]
    for part, cases in groups:
        named = ", ".join(md_text(case) for case in cases[:MAX_NAMED])
        more = f" and {len(cases) - MAX_NAMED} more" if len(cases) > MAX_NAMED else ""
        plural = "s" if len(cases) != 1 else ""
        lines.append(f"- **{md_text(part)}**: {len(cases)} case{plural} ({named}{more})")
    lines.append(
        "- in every case: "
        + ", ".join(md_text(item) for item in sorted(UNIVERSAL_UNASSERTED))
        + " (only x-namespace, authorization and the version header are asserted)"
    )
    lines.append("")
    return lines


def _scenarios_section(document: Mapping[str, Any]) -> list[str]:
    """What each client did with each sequence of answers (walks, error answers, retries)."""
    rows = scenario_rows(document)
    absent = scenarios_not_applicable(document)
    if not rows and not absent:
        return []
    lines = [
        "### Scenarios (sequences of answers)",
        "",
        "| scenario | client | status | requests | retried after | Retry-After | client ended | surfaced |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in rows[:MAX_LISTED]:
        lines.append(
            f"| {md_text(row.scenario)} | {md_text(row.client)} | {STATUS_MARKS.get(row.status, row.status)} "
            f"| {row.requests} | {md_text(row.retried)} | {md_text(row.retry_after)} | "
            f"{md_text(row.outcome)} | {md_text(row.surfaced)} |"
        )
    if len(rows) > MAX_LISTED:
        lines.append(f"| … and {len(rows) - MAX_LISTED} more (see index.html) | | | | | | | |")
    lines.append("")
    if absent:
        lines.extend(["Not played on this corpus (no part in the level):", ""])
        lines.extend(f"- {md_text(line, 300)}" for line in absent)
        lines.append("")
    return lines


def _problems_section(document: Mapping[str, Any]) -> list[str]:
    problems = document.get("input_problems") or []
    if not problems:
        return []
    lines = ["### Fixture files that could not be used", ""]
    lines.extend(f"- {md_text(problem, 400)}" for problem in problems[:MAX_LISTED])
    if len(problems) > MAX_LISTED:
        lines.append(f"- … and {len(problems) - MAX_LISTED} more")
    lines.append("")
    return lines


def render_markdown(document: Mapping[str, Any]) -> str:
    lines = [
        *_level_section(document),
        *_counts_section(document),
        *_failures_section(document),
        *_known_failures_section(document),
        *_parity_section(document),
        *_scenarios_section(document),
        *_problems_section(document),
        *_compatibility_section(document),
        *_unasserted_section(document),
        *_matrix_section(document),
        "Full report: `index.html` in the `reports/` artifact (open it in a browser).",
        "",
    ]
    return "\n".join(lines)


def write_markdown(document: Mapping[str, Any], path: Path) -> Path:
    path.write_text(render_markdown(document), encoding="utf-8")
    return path
