"""``junit.xml``: one ``<testcase>`` per fixture x adapter, for CI systems that read JUnit.

Layout decisions:

- one ``<testsuite>`` per adapter (named after it) inside ``<testsuites>``, so
  CI pages group the cases by client; ``classname`` is the adapter and
  ``name`` the fixture file, as the issue asks;
- what gates decides the element (:func:`conformance.gating.case_gate`, the
  decision every report shares): only a *gating* ``fail`` is a
  ``<failure>`` and only a gating ``error`` an ``<error>``, so the file's
  ``failures``/``errors`` counts are exactly what turned the job red. A
  failure or error that does not gate (a provisional category, a self-check
  that does not decide, a ``partial`` level, an unfinished run) is a
  ``<skipped message="does not gate: <why>; <first difference>">`` keeping
  the whole verdict as its text; ``skipped`` -> ``<skipped message=reason>``.
  The element's ``message`` is the first difference (or the reason), its
  text the full plain-text verdict;
- every case that is not a plain pass carries testcase ``<properties>``:
  ``dw-conformance.gate`` (``gating``, ``not_gating``, ``skipped``) and
  ``dw-conformance.gate.reason``; a case that passed only by a policy's
  declared differences is a passing testcase with ``dw-conformance.policy``
  (the policy's reasons), so a declared exception is visible in CI views;
- ``interrupted`` (a case cut short by Ctrl-C/SIGTERM) -> ``<skipped
  message="interrupted: ...">``: no verdict either way;
- a known failure failing as listed (``--known-failures``) -> ``<skipped
  message="known failure: <reason>">``: CI pages show it, it is not counted
  as a failure (the gate does not count it either) and its text keeps the
  whole verdict; a listed case that now passes is a passing test case whose
  ``<system-out>`` starts with a note, except under ``--strict-known-failures``
  where it is a ``<failure type="conformance.fixed_known_failure">``;
- a replayed case (:mod:`conformance.replays`) keeps its outcome and carries
  ``<property name="replayed" value="true"/>``, a ``<system-out>`` that starts
  with the note, and its suite a ``replayed`` count property;
- the client's stdout/stderr go to ``<system-out>``/``<system-err>``, cut to
  :data:`MAX_STREAM_CHARS` (result.json keeps them whole);
- the run's input problems (``input_problems``: a fixture or scenario file
  that could not be used) -> one more ``<testsuite name="input_problems">``
  with an ``<error type="conformance.input_problem">`` per problem, named
  after its file: a CI test view shows a corpus that lost a file, not only
  the cases that ran;
- characters XML 1.0 forbids (most C0 controls, lone surrogates, U+FFFE/F)
  are removed from every text and attribute: client output is arbitrary, and
  one such character would make the whole file unreadable to a CI system.
  ElementTree escapes ``<``, ``&`` and quotes.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from conformance.compatibility import since_text
from conformance.gating import Gate, RunGates, case_gate
from conformance.replays import is_replayed
from conformance.reporting.common import (
    REPLAYED_NOTE,
    build_matrix,
    case_headline,
    case_text,
    display_status,
    environment_summary,
    environment_warnings,
    known_failure_note,
    truncate,
)
from conformance.result import DEFAULT_CATEGORY, exit_code_for

MAX_STREAM_CHARS = 64 * 1024
MAX_MESSAGE_CHARS = 500

_XML_FORBIDDEN = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(value: Any) -> str:
    """``value`` as a string XML 1.0 can carry."""
    return _XML_FORBIDDEN.sub("", str(value))


def _set(element: ET.Element, name: str, value: Any) -> None:
    element.set(name, xml_text(value))


def _seconds(value: Any) -> str:
    try:
        return f"{float(value):.3f}"
    except (TypeError, ValueError):
        return "0.000"


def _stream(case: Mapping[str, Any], key: str) -> str:
    client = case.get("client") or {}
    text, cut = truncate(str(client.get(key) or ""), MAX_STREAM_CHARS)
    return text + ("\n[... cut; the whole output is in result.json]" if cut else "")


def junit_status(case: Mapping[str, Any], gate: Gate) -> str:
    """The JUnit outcome of a case: ``known_failure``, ``fixed_strict``, ``not_gating``, or its status."""
    shown = display_status(case)
    if shown == "known_failure":
        return shown
    if gate.why == "strict_fixed":
        return "fixed_strict"
    if gate.kind == "not_gating" and case.get("status") in ("fail", "error"):
        return "not_gating"
    return str(case.get("status"))


def _case_properties(element: ET.Element, case: Mapping[str, Any], gate: Gate) -> None:
    if gate.kind == "pass":
        return
    properties = ET.SubElement(element, "properties")
    pairs = [
        ("dw-conformance.gate", gate.kind),
        ("dw-conformance.gate.reason", gate.reason),
        ("dw-conformance.category", str(case.get("category", DEFAULT_CATEGORY))),
    ]
    if gate.why == "policy":
        pairs.append(("dw-conformance.policy", gate.reason.removeprefix("waived by policy: ")))
    for name, value in pairs:
        prop = ET.SubElement(properties, "property")
        _set(prop, "name", name)
        _set(prop, "value", truncate(value, MAX_MESSAGE_CHARS)[0])


def _testcase(parent: ET.Element, case: Mapping[str, Any], gate: Gate) -> None:
    element = ET.SubElement(parent, "testcase")
    _set(element, "classname", case["adapter"])
    _set(element, "name", case["fixture"])
    _set(element, "time", _seconds(case.get("duration_seconds")))
    if case.get("fixture_path"):
        _set(element, "file", case["fixture_path"])
    _case_properties(element, case, gate)
    status = junit_status(case, gate)
    message, _ = truncate(case_headline(case), MAX_MESSAGE_CHARS)
    note = known_failure_note(case)
    if is_replayed(case):
        properties = element.find("properties")
        if properties is None:
            properties = ET.SubElement(element, "properties")
        prop = ET.SubElement(properties, "property")
        _set(prop, "name", "replayed")
        _set(prop, "value", "true")
        note = f"replayed: {REPLAYED_NOTE}" + (f"; {note}" if note else "")
    if status == "known_failure":
        child = ET.SubElement(element, "skipped")
        _set(child, "message", truncate(note, MAX_MESSAGE_CHARS)[0])
        child.text = xml_text(case_text(case))
    elif status == "not_gating":
        child = ET.SubElement(element, "skipped")
        _set(child, "message", truncate(f"does not gate: {gate.reason}; {message}", MAX_MESSAGE_CHARS)[0])
        child.text = xml_text(case_text(case))
    elif status == "fixed_strict":
        child = ET.SubElement(element, "failure")
        _set(child, "message", truncate(note, MAX_MESSAGE_CHARS)[0])
        _set(child, "type", "conformance.fixed_known_failure")
    elif status in ("fail", "error"):
        tag = "failure" if status == "fail" else "error"
        child = ET.SubElement(element, tag)
        _set(child, "message", message)
        _set(child, "type", "conformance." + ("difference" if status == "fail" else "error"))
        child.text = xml_text(case_text(case))
    elif status == "skipped":
        _set(ET.SubElement(element, "skipped"), "message", message)
    elif status == "interrupted":
        _set(ET.SubElement(element, "skipped"), "message", "interrupted: " + message)
    for key, tag in (("stdout", "system-out"), ("stderr", "system-err")):
        text = _stream(case, key)
        if key == "stdout" and note and status != "known_failure":
            text = f"[dw-conformance] {note}\n" + text
        if text:
            ET.SubElement(element, tag).text = xml_text(text)


def _input_problems_suite(root: ET.Element, problems: list[str], allowed: bool) -> None:
    """One test case per input problem (named after the file the problem names).

    An ``<error>`` when the problems gate (the default); a ``<skipped>`` saying
    why not when the run allowed them (``--allow-input-problems``).
    """
    suite = ET.SubElement(root, "testsuite")
    _set(suite, "name", "input_problems")
    _count(suite, {"skipped" if allowed else "error": len(problems)}, 0.0)
    for problem in problems:
        element = ET.SubElement(suite, "testcase")
        _set(element, "classname", "input_problems")
        _set(element, "name", problem.split(": ", 1)[0])
        _set(element, "time", _seconds(0.0))
        if allowed:
            message = f"does not gate: input problems allowed by --allow-input-problems: {problem}"
            child = ET.SubElement(element, "skipped")
        else:
            message = problem
            child = ET.SubElement(element, "error")
            _set(child, "type", "conformance.input_problem")
        _set(child, "message", truncate(message, MAX_MESSAGE_CHARS)[0])
        child.text = xml_text(problem)


def _count(element: ET.Element, counts: Mapping[str, int], duration: float) -> None:
    _set(element, "tests", sum(counts.values()))
    _set(element, "failures", counts.get("fail", 0))
    _set(element, "errors", counts.get("error", 0))
    _set(element, "skipped", counts.get("skipped", 0))
    _set(element, "time", _seconds(duration))


def _client_properties(document: Mapping[str, Any], adapter: str) -> list[tuple[str, str]]:
    """The client under test (name, version) and, for an instance of a version matrix, its compatibility.

    One ``compatibility.<operation>`` property per operation: this instance's status, then which
    versions conform (``pass; conforming since python-sdk@2.12 (2.12.0)``).
    """
    found: list[tuple[str, str]] = []
    for implementation in document.get("implementations") or []:
        if implementation.get("adapter") == adapter:
            identity = implementation.get("identity") or {}
            found += [
                ("client.name", str(identity.get("name", ""))),
                ("client.version", str(identity.get("version", ""))),
            ]
    for entry in document.get("compatibility") or []:
        if adapter not in {instance.get("adapter") for instance in entry.get("instances") or []}:
            continue
        for operation in entry.get("operations") or []:
            status = str((operation.get("statuses") or {}).get(adapter, "—"))
            found.append(
                (f"compatibility.{operation['operation']}", f"{status}; {since_text(entry, operation)}")
            )
    return found


def junit_tree(document: Mapping[str, Any]) -> ET.ElementTree[ET.Element]:
    matrix = build_matrix(document)
    root = ET.Element("testsuites")
    _set(root, "name", (document.get("suite") or {}).get("name", "dw-conformance"))
    totals: dict[str, int] = {}
    total_time = 0.0
    run = document.get("run") or {}
    level = (document.get("conformance") or {}).get("level", "")
    gates = RunGates.of(document)
    for adapter in matrix.adapters:
        cases = [c for f in matrix.fixtures if (c := matrix.cell(f, adapter)) is not None]
        if not cases:
            continue
        suite = ET.SubElement(root, "testsuite")
        _set(suite, "name", adapter)
        if run.get("started_at"):
            _set(suite, "timestamp", run["started_at"])
        counts: dict[str, int] = {}
        duration = 0.0
        for case in cases:
            outcome = {
                "known_failure": "skipped",
                "not_gating": "skipped",
                "fixed_strict": "fail",
                "interrupted": "skipped",
            }.get(junit_status(case, case_gate(case, gates)))
            counts[outcome or str(case["status"])] = counts.get(outcome or str(case["status"]), 0) + 1
            duration += float(case.get("duration_seconds") or 0.0)
        _count(suite, counts, duration)
        properties = ET.SubElement(suite, "properties")
        for name, value in (
            ("conformance.level", level),
            ("conformance.exit_code", str(exit_code_for(document))),
            ("target", cases[0].get("target", "")),
            *_client_properties(document, adapter),
            *(("environment", line) for line in environment_summary(document)),
            *(("environment.warning", line) for line in environment_warnings(document)),
            *(
                (("replayed", sum(1 for case in cases if is_replayed(case))),)
                if any(map(is_replayed, cases))
                else ()
            ),
        ):
            prop = ET.SubElement(properties, "property")
            _set(prop, "name", name)
            _set(prop, "value", value)
        for case in cases:
            _testcase(suite, case, case_gate(case, gates))
        for status, number in counts.items():
            totals[status] = totals.get(status, 0) + number
        total_time += duration
    problems = [str(problem) for problem in document.get("input_problems") or []]
    if problems:
        allowed = bool((document.get("run") or {}).get("allow_input_problems"))
        _input_problems_suite(root, problems, allowed)
        kind = "skipped" if allowed else "error"
        totals[kind] = totals.get(kind, 0) + len(problems)
    _count(root, totals, total_time)
    ET.indent(root)
    return ET.ElementTree(root)


def write_junit(document: Mapping[str, Any], path: Path) -> Path:
    """Write ``junit.xml`` for ``document`` to ``path``."""
    junit_tree(document).write(path, encoding="utf-8", xml_declaration=True)
    return path
