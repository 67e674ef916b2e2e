"""What ``dw-conformance run`` prints: live case lines, the matrix, and the closing sections.

Written for a CI log first, where nobody can open the HTML report without
downloading an artifact, and for a terminal second.

Design decisions:

* **Every failing case says why, as it finishes.** A ``FAIL`` or ``ERROR``
  line is followed by up to :data:`DIFFERENCES_SHOWN` indented differences
  (pointer, kind, expected, sent) or the error's reason. With ``verbose`` every
  case prints its whole rendered verdict.
* **No overwritten lines in a log.** When the stream is not a terminal each
  case is one plain line (plus its detail). On a terminal, passing cases share
  one updating progress line; a failing case clears it and prints its lines
  for good, so nothing that explains a failure is ever overwritten.
* **Unasserted parts are never silent.** A pass whose fixture did not pin a
  part (the body, the query) says ``not asserted: body`` on its line, and the
  closing section counts every such part across the run.
* **The closing section lists the failures again**, after the matrix, so the
  end of a long log says what went wrong without scrolling back, in the
  kinds :mod:`conformance.gating` decides: the failures that set the exit
  code, the failures that do not (each with why: provisional, known, waived
  by a policy, ...), and the skipped cases with their reasons.

* **Nothing a client or a file wrote can pass for the harness's output.**
  Every string of the document and of a case (ids made of fixture file names,
  a client's error text and output, JSON keys in pointers, known-failure
  reasons) goes through :func:`conformance.textsafe.printable` before it is
  formatted, so a control character shows as ``\x1b``, ``\r`` or ``\n``; a
  client cannot print a fake ``[1/1] PASS`` line or retitle the terminal.
* **A replayed case says so** (:mod:`conformance.replays`): ``(replayed)`` on
  its line, ``PASS(r)`` in the table with a legend under it, and a closing
  section naming the replayed cases.

Input is the result document and its case entries (plain JSON), the same
data every other writer reads.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any, TextIO

from conformance.case_status import NOT_STARTED
from conformance.compatibility import since_text
from conformance.gating import Gate, gate_headline, policy_pointers, run_gates
from conformance.replays import is_replayed
from conformance.reporting.common import (
    REPLAYED_NOTE,
    UNIVERSAL_UNASSERTED,
    case_unasserted,
    counts_against,
    difference_line,
    display_status,
    environment_summary,
    environment_warnings,
    known_failure_note,
    response_lines,
    scenarios_not_applicable,
    unasserted_groups,
)
from conformance.textsafe import printable_lines, printable_tree

__all__ = [
    "DIFFERENCES_SHOWN",
    "STATUS_MARKS",
    "CaseLines",
    "closing_sections",
    "gate_lines",
    "summary_table",
    "terminal_case",
    "terminal_document",
]

STATUS_MARKS = {
    "pass": "PASS",
    "fail": "FAIL",
    "error": "ERROR",
    "skipped": "skip",
    "interrupted": "INTR",
    "known_failure": "KNOWN",
    "fixed": "FIXED",
}
#: Differences printed under a failing case as it finishes (the reports have all of them).
DIFFERENCES_SHOWN = 3
#: Failing cases listed in the closing section.
FAILURES_LISTED = 50
#: Case ids named per unasserted part in the closing section.
CASES_NAMED = 6
_WIDTH = 120


def terminal_case(case: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of a case entry fit for a terminal: every string escaped, ``rendered`` line by line."""
    copy = dict(case)
    rendered = copy.pop("rendered", None)
    safe: dict[str, Any] = printable_tree(copy)
    if rendered is not None:
        safe["rendered"] = printable_lines(str(rendered))
    return safe


def terminal_document(document: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of a result document fit for a terminal (see :func:`terminal_case`)."""
    copy = dict(document)
    cases = copy.pop("cases", None) or []
    safe: dict[str, Any] = printable_tree(copy)
    safe["cases"] = [terminal_case(case) for case in cases]
    return safe


def case_detail(case: Mapping[str, Any], *, verbose: bool = False) -> list[str]:
    """The indented lines under one case's status line."""
    lines: list[str] = []
    note = known_failure_note(case)
    if note:
        lines.append(f"    {note}")
    if verbose and case.get("rendered"):
        if case.get("reason"):
            lines.append(f"    reason: {case['reason']}")
        lines.extend(f"    {line}" for line in str(case["rendered"]).splitlines())
        return lines
    status = case.get("status")
    if status in ("fail", "error") and case.get("provisional_reason"):
        lines.append(f"    provisional, does not gate: {case['provisional_reason']}")
    if status in ("error", "skipped", "interrupted") and case.get("reason"):
        lines.append(f"    reason: {case['reason']}")
    if status in ("fail", "error"):
        differences = list(case.get("differences") or [])
        lines.extend(f"    {difference_line(item)}" for item in differences[:DIFFERENCES_SHOWN])
        if len(differences) > DIFFERENCES_SHOWN:
            lines.append(f"    ... and {len(differences) - DIFFERENCES_SHOWN} more (see the reports)")
        response = response_lines(case)
        if response:
            lines.extend(f"    {line}" for line in response[: DIFFERENCES_SHOWN + 2])
        else:
            refusal = (case.get("response") or {}).get("refusal")
            if status == "fail" and refusal:
                lines.append(f"    client said: {refusal}")
    return lines


def case_headline(case: Mapping[str, Any], index: int, total: int) -> str:
    mark = STATUS_MARKS.get(display_status(case), str(case.get("status")))
    line = f"[{index}/{total}] {mark:<5} {case.get('id', '')}"
    if is_replayed(case):
        line += "  (replayed: the program sent the canonical request, not the client)"
    unasserted = case_unasserted(case) if case.get("status") == "pass" else []
    if unasserted:
        line += "  (not asserted: " + ", ".join(unasserted) + ")"
    return line


class CaseLines:
    """Prints each case as it finishes (see the module docstring); safe to call from worker threads."""

    def __init__(self, total: int, stream: TextIO, *, verbose: bool = False) -> None:
        self.total = total
        self.done = 0
        self.failed = 0
        self.stream = stream
        self.verbose = verbose
        self.tty = stream.isatty()
        self._progress_shown = False
        self._lock = threading.Lock()

    def case_done(self, case: Mapping[str, Any]) -> None:
        case = terminal_case(case)
        with self._lock:
            self.done += 1
            status = case.get("status")
            if counts_against(case):
                self.failed += 1
            headline = case_headline(case, self.done, self.total)
            detail = case_detail(case, verbose=self.verbose)
            durable = (
                not self.tty or status in ("fail", "error") or self.verbose or display_status(case) == "fixed"
            )
            if durable:
                if self._progress_shown:
                    self.stream.write("\r" + " " * _WIDTH + "\r")
                    self._progress_shown = False
                self.stream.write("\n".join([headline, *detail]) + "\n")
            else:
                progress = f"[{self.done}/{self.total}] {self.failed} failing  {headline.split('] ', 1)[1]}"
                self.stream.write("\r" + progress[:_WIDTH].ljust(_WIDTH))
                self._progress_shown = True
            if self.done == self.total and self._progress_shown:
                self.stream.write("\n")
                self._progress_shown = False
            self.stream.flush()


def summary_table(document: Mapping[str, Any]) -> str:
    """Fixture x adapter table of statuses, for the terminal."""
    document = terminal_document(document)
    adapters = [item["adapter"] for item in document.get("implementations") or [] if item.get("available")]
    cells: dict[tuple[str, str], str] = {}
    fixtures: list[str] = []
    for case in document.get("cases") or []:
        if case["fixture"] not in fixtures:
            fixtures.append(case["fixture"])
        mark = STATUS_MARKS.get(display_status(case), case["status"])
        cells[(case["fixture"], case["adapter"])] = mark + ("(r)" if is_replayed(case) else "")
    if not fixtures:
        return "(no cases ran)"
    first = max(len("fixture"), *(len(name) for name in fixtures))
    widths = [
        max(len(adapter), 5, *(len(cells.get((f, adapter), "")) for f in fixtures)) for adapter in adapters
    ]
    header = ["fixture".ljust(first), *(a.ljust(w) for a, w in zip(adapters, widths, strict=True))]
    lines = ["  ".join(header).rstrip()]
    lines.append("  ".join(["-" * first, *("-" * w for w in widths)]))
    for name in fixtures:
        row = [name.ljust(first)]
        row.extend(
            cells.get((name, adapter), "-").ljust(width)
            for adapter, width in zip(adapters, widths, strict=True)
        )
        lines.append("  ".join(row).rstrip())
    if any(is_replayed(case) for case in document.get("cases") or []):
        lines.append(f"(r): replayed: {REPLAYED_NOTE}")
    return "\n".join(lines)


def _known_failure_section(document: Mapping[str, Any]) -> list[str]:
    """Known failures that failed as described, listed cases now passing, listed cases not in the run."""
    cases = document.get("cases") or []
    known = [case for case in cases if display_status(case) == "known_failure"]
    fixed = [case for case in cases if display_status(case) == "fixed"]
    section = document.get("known_failures") or {}
    lines: list[str] = []
    if known:  # each is listed, with its reason, among the failures that do not gate
        lines.append(
            f"known failures: {len(known)} excused by {section.get('source', 'the known-failures file')} "
            "(listed above among the failures that do not gate)"
        )
        lines.append("")
    if fixed:
        strict = " (--strict-known-failures: this fails the run)" if section.get("strict") else ""
        lines.append(f"fixed: listed as known failures but passed ({len(fixed)}){strict}:")
        lines.extend(
            f"  FIXED  {case.get('id', '')}: remove it from the known-failures file" for case in fixed
        )
        lines.append("")
    absent = section.get("not_in_run") or []
    if absent:
        lines.append(f"listed as known failures but not in this run ({len(absent)}): " + ", ".join(absent))
        lines.append("")
    return lines


def compatibility_lines(document: Mapping[str, Any]) -> list[str]:
    """The version matrix (``compatibility``): per adapter with several instances, one row per operation."""
    lines: list[str] = []
    for entry in document.get("compatibility") or []:
        instances = entry.get("instances") or []
        heads = [f"{item['adapter']} ({item.get('version') or '?'})" for item in instances]
        lines.append(f"version matrix of {entry['adapter']} (oldest first):")
        operations = entry.get("operations") or []
        first = max([len("operation"), *(len(str(op["operation"])) for op in operations)])
        widths = [max(len(head), 5) for head in heads]
        header = ["operation".ljust(first), *(h.ljust(w) for h, w in zip(heads, widths, strict=True))]
        lines.append("  " + "  ".join(header) + "  conforming")
        for operation in operations:
            statuses = operation.get("statuses") or {}
            marks = [STATUS_MARKS.get(str(statuses.get(item["adapter"])), "-") for item in instances]
            row = [
                str(operation["operation"]).ljust(first),
                *(m.ljust(w) for m, w in zip(marks, widths, strict=True)),
            ]
            lines.append("  " + "  ".join(row) + "  " + since_text(entry, operation))
        everywhere = sum(1 for op in operations if since_text(entry, op) == "all versions")
        lines.append(f"  {everywhere} of {len(operations)} operations conform in every version")
        lines.append("")
    return lines


def _gate_sections(document: Mapping[str, Any]) -> list[str]:
    """The failures that set the exit code, those that do not (and why), and the skipped cases."""
    grouped = run_gates(document)
    lines: list[str] = []
    gating = grouped["gating"]
    if gating:
        lines.append(f"gating failures ({len(gating)}; these set the exit code):")
        for case, _gate in gating[:FAILURES_LISTED]:
            lines.append(f"  {STATUS_MARKS.get(display_status(case), case['status'])}  {case.get('id', '')}")
            lines.extend("  " + line for line in case_detail(case))
        if len(gating) > FAILURES_LISTED:
            lines.append(f"  ... and {len(gating) - FAILURES_LISTED} more (see the reports)")
        lines.append("")
    failures = [(case, gate) for case, gate in grouped["not_gating"] if gate.why != "policy"]
    if failures:
        lines.append(f"failures that do not gate ({len(failures)}; reported, the exit code ignores them):")
        for case, gate in failures[:FAILURES_LISTED]:
            lines.append(f"  {STATUS_MARKS.get(display_status(case), case['status'])}  {case.get('id', '')}")
            lines.append(f"    does not gate: {gate.reason}")
            said = ("known", "provisional, does not gate")  # the gate's reason above says it already
            lines.extend("  " + line for line in case_detail(case) if not line.strip().startswith(said))
        if len(failures) > FAILURES_LISTED:
            lines.append(f"  ... and {len(failures) - FAILURES_LISTED} more (see the reports)")
        lines.append("")
    waived = [(case, gate) for case, gate in grouped["not_gating"] if gate.why == "policy"]
    if waived:
        source = (document.get("run") or {}).get("policy") or "the policy file"
        lines.append(f"declared policy exceptions ({len(waived)}; passed because {source} declares them):")
        for case, gate in waived[:FAILURES_LISTED]:
            pointers = ", ".join(policy_pointers(case))
            lines.append(f"  POLICY {case.get('id', '')}: {pointers}")
            lines.append(f"    {gate.reason}")
        lines.append("")
    skipped = [(case, gate) for case, gate in grouped["skipped"] if gate.why == "skipped"]
    if skipped:
        lines.append(f"skipped ({len(skipped)}; not exercised, no part in the level):")
        lines.extend(_skip_line(case, gate) for case, gate in skipped[:FAILURES_LISTED])
        lines.append("")
    return lines


def _skip_line(case: Mapping[str, Any], gate: Gate) -> str:
    return f"  skip   {case.get('id', '')}: {gate.reason}"


def gate_lines(document: Mapping[str, Any], exit_code: int) -> list[str]:
    """The last word of a run on what gates: the exit code and the gate kinds' counts."""
    return [f"gate: exit {exit_code}: {gate_headline(document)}"]


def closing_sections(document: Mapping[str, Any]) -> str:
    """What gates (failures that do, that do not, policy exceptions, skips), then what went unasserted."""
    document = terminal_document(document)
    lines: list[str] = _gate_sections(document)
    cases = document.get("cases") or []
    environments = environment_summary(document)
    if environments:
        lines.append("environments:")
        lines.extend(f"  {line}" for line in environments)
        lines.extend(f"  WARNING: {line}" for line in environment_warnings(document))
        lines.append("")
    lines.extend(_known_failure_section(document))
    replayed = [str(case.get("id", "")) for case in cases if is_replayed(case)]
    if replayed:
        lines.append(f"replayed ({len(replayed)}; {REPLAYED_NOTE}):")
        named = ", ".join(replayed[:CASES_NAMED]) + (" ..." if len(replayed) > CASES_NAMED else "")
        lines.append(f"  {named}")
        lines.append("")
    cut_short = [case for case in cases if case.get("status") == "interrupted"]
    if cut_short:
        lines.append(f"cut short by the interruption ({len(cut_short)}; no verdict on their clients):")
        lines.extend(
            f"  INTR   {case.get('id', '')}" + (" (not started)" if case.get("reason") == NOT_STARTED else "")
            for case in cut_short
        )
        lines.append("")
    lines.extend(compatibility_lines(document))
    absent = scenarios_not_applicable(document)
    if absent:
        lines.append(f"scenarios not played ({len(absent)}; no part in the level):")
        lines.extend(f"  {line}" for line in absent)
        lines.append("")
    groups = unasserted_groups(document)
    if groups:
        lines.append("not asserted (nobody checked these parts):")
        for part, cases in groups:
            named = ", ".join(cases[:CASES_NAMED]) + (" ..." if len(cases) > CASES_NAMED else "")
            lines.append(f"  {part}: {len(cases)} case{'s' if len(cases) != 1 else ''} ({named})")
        lines.append(
            "  in every case: "
            + ", ".join(sorted(UNIVERSAL_UNASSERTED))
            + " (only x-namespace, authorization and the version header are asserted)"
        )
        lines.append("")
    return "\n".join(lines)
