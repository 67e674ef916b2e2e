"""``summary.md``: a short Markdown page for a CI step summary or a pull-request comment.

Contents, in order: the level and its one-sentence explanation, the gate
(the exit code, and how many failures set it, how many do not, how many
cases were skipped: :mod:`conformance.gating`), counts per adapter, then what
needs a reader's attention (the failures that set the exit code with their
first differences, the failures that do not with why not, the declared
policy exceptions, the skipped cases, the failing parity findings, fixture files that could not be
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

from conformance.compatibility import since_text
from conformance.gating import Gate, RunGates, case_gate, gate_headline, policy_pointers, run_gates
from conformance.replays import is_replayed
from conformance.reporting.common import (
    REPLAYED_NOTE,
    STATUSES,
    TIMES,
    UNIVERSAL_UNASSERTED,
    build_matrix,
    display_status,
    environment_summary,
    environment_warnings,
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
#: The mark of a failure that does not set the exit code, and of a pass by a policy's declared differences.
NOT_GATING_MARK = "🟡 fail, not gating"
POLICY_MARK = "✅ pass (policy)"
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
    exit_code = 1 if level == "nonconforming" else 0
    lines.extend([f"**Gate: exit {exit_code}.** {md_text(gate_headline(document), 400)}.", ""])
    targets = conformance.get("targets") or {}
    if targets:
        lines.append(
            "Targets: "
            + ", ".join(
                f"{md_code(t)} {md_text(s)}{_target_note(document, t, s)}" for t, s in sorted(targets.items())
            )
        )
        lines.append("")
    environments = environment_summary(document)
    if environments:
        lines.append("Environments: " + "; ".join(md_text(line, 300) for line in environments))
        lines.append("")
        lines.extend(f"> ⚠️ {md_text(line, 600)}" for line in environment_warnings(document))
        if environment_warnings(document):
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
    run = RunGates.of(document)
    for fixture in matrix.fixtures:
        marks = []
        for adapter in matrix.adapters:
            case = matrix.cell(fixture, adapter)
            marks.append((_mark(case, run) + (" 🔁 replayed" if is_replayed(case) else "")) if case else "—")
        lines.append(
            f"| {md_text(fixture)} | {md_code(matrix.operations[fixture])} | " + " | ".join(marks) + " |"
        )
    lines.append("")
    return lines


def _target_note(document: Mapping[str, Any], target: str, status: str) -> str:
    """`` (not gating)`` for a failing target none of whose failures set the exit code."""
    if status != "fail":
        return ""
    gating = [case for case, _gate in run_gates(document)["gating"] if case.get("target") == target]
    return "" if gating else " (not gating)"


def _failure_lines(case: Mapping[str, Any]) -> list[str]:
    lines: list[str] = []
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
    return lines


def _case_title(case: Mapping[str, Any]) -> str:
    title = f"**{md_text(case['fixture'])}** {TIMES} {md_text(case['adapter'])}: {md_text(case['status'])}"
    if case.get("status") == "error" and case.get("reason"):
        title += f": {md_text(case['reason'])}"
    return title


def _failures_section(document: Mapping[str, Any]) -> list[str]:
    """The failures that set the exit code, then those that do not (why), then policy exceptions, skips."""
    grouped = run_gates(document)
    lines: list[str] = []
    gating = grouped["gating"]
    if gating:
        lines.extend(["### Gating failures (these set the exit code)", ""])
        for case, gate in gating[:MAX_LISTED]:
            title = f"- ❌ {_case_title(case)}"
            if case.get("known_failure"):
                title += f" ({md_text(known_failure_note(case), 400)})"
            elif gate.why == "strict_fixed":
                title += f" ({md_text(gate.reason, 400)})"
            lines.append(title)
            lines.extend(_failure_lines(case))
        if len(gating) > MAX_LISTED:
            lines.append(f"- … and {len(gating) - MAX_LISTED} more gating cases (see index.html)")
        lines.append("")
    failures = [(case, gate) for case, gate in grouped["not_gating"] if gate.why != "policy"]
    if failures:
        lines.extend(["### Failures that do not gate", "", "Reported; the exit code ignores them.", ""])
        for case, gate in failures[:MAX_LISTED]:
            mark = "🔶" if gate.why == "known_failure" else "🟡"
            lines.append(f"- {mark} {_case_title(case)} — does not gate: {md_text(gate.reason, 400)}")
            lines.extend(_failure_lines(case))
        if len(failures) > MAX_LISTED:
            lines.append(f"- … and {len(failures) - MAX_LISTED} more (see index.html)")
        lines.append("")
    lines.extend(_policy_section(document, [(c, g) for c, g in grouped["not_gating"] if g.why == "policy"]))
    skipped = [(case, gate) for case, gate in grouped["skipped"] if gate.why == "skipped"]
    if skipped:
        lines.extend(["### Skipped", "", "Not exercised; no part in the level.", ""])
        for case, gate in skipped[:MAX_LISTED]:
            lines.append(
                f"- ⏭️ **{md_text(case['fixture'])}** {TIMES} {md_text(case['adapter'])}: "
                f"{md_text(gate.reason, 400)}"
            )
        if len(skipped) > MAX_LISTED:
            lines.append(f"- … and {len(skipped) - MAX_LISTED} more (see index.html)")
        lines.append("")
    return lines


def _policy_section(document: Mapping[str, Any], waived: list[tuple[Mapping[str, Any], Gate]]) -> list[str]:
    """Cases that passed because the policy file declares their differences deliberate."""
    if not waived:
        return []
    source = (document.get("run") or {}).get("policy") or "the policy file"
    lines = [
        "### Declared policy exceptions",
        "",
        f"Passed because {md_code(source)} declares these differences deliberate:",
        "",
    ]
    for case, gate in waived[:MAX_LISTED]:
        pointers = ", ".join(md_code(pointer) for pointer in policy_pointers(case))
        lines.append(
            f"- **{md_text(case['fixture'])}** {TIMES} {md_text(case['adapter'])}: {pointers} — "
            f"{md_text(gate.reason, 600)}"
        )
    if len(waived) > MAX_LISTED:
        lines.append(f"- … and {len(waived) - MAX_LISTED} more (see index.html)")
    lines.append("")
    return lines


def _mark(case: Mapping[str, Any], run: RunGates) -> str:
    """A matrix cell: the display status, told apart when it does not gate or passed by policy."""
    gate = case_gate(case, run)
    if gate.kind == "not_gating" and gate.why == "policy":
        return POLICY_MARK
    if gate.kind == "not_gating" and gate.why != "known_failure":
        return NOT_GATING_MARK if case.get("status") == "fail" else "⚠️ error, not gating"
    return STATUS_MARKS.get(display_status(case), "")


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
    return f"{pointer} {kind}: {detail}" + (f" — {md_text(message, 400)}" if message else "")


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
        "| scenario | client | status | requests | retried after | Retry-After | client ended | surfaced "
        "| gates |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    run = RunGates.of(document)
    scenario_cases = [
        case for case in document.get("cases") or [] if isinstance(case.get("scenario"), Mapping)
    ]
    for row, case in list(zip(rows, scenario_cases, strict=True))[:MAX_LISTED]:
        lines.append(
            f"| {md_text(row.scenario)} | {md_text(row.client)} | {_mark(case, run)} "
            f"| {row.requests} | {md_text(row.retried)} | {md_text(row.retry_after)} | "
            f"{md_text(row.outcome)} | {md_text(row.surfaced)} | {md_text(row.category, 300)} |"
        )
    if len(rows) > MAX_LISTED:
        lines.append(f"| … and {len(rows) - MAX_LISTED} more (see index.html) | | | | | | | | |")
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
