"""``junit.xml``: one ``<testcase>`` per fixture x adapter, for CI systems that read JUnit.

Layout decisions:

- one ``<testsuite>`` per adapter (named after it) inside ``<testsuites>``, so
  CI pages group the cases by client; ``classname`` is the adapter and
  ``name`` the fixture file, as the issue asks;
- ``fail`` -> ``<failure>``, ``error`` -> ``<error>``, ``skipped`` ->
  ``<skipped message=reason>``; the element's ``message`` is the first
  difference (or the reason), its text the full plain-text verdict;
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

from conformance.replays import is_replayed
from conformance.reporting.common import (
    REPLAYED_NOTE,
    build_matrix,
    case_headline,
    case_text,
    display_status,
    known_failure_note,
    truncate,
)

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


def junit_status(case: Mapping[str, Any], strict: bool) -> str:
    """The JUnit outcome of a case: its status, ``known_failure``, or ``fixed_strict``."""
    shown = display_status(case)
    if shown == "known_failure":
        return shown
    if shown == "fixed" and strict:
        return "fixed_strict"
    return str(case.get("status"))


def _testcase(parent: ET.Element, case: Mapping[str, Any], strict: bool = False) -> None:
    element = ET.SubElement(parent, "testcase")
    _set(element, "classname", case["adapter"])
    _set(element, "name", case["fixture"])
    _set(element, "time", _seconds(case.get("duration_seconds")))
    if case.get("fixture_path"):
        _set(element, "file", case["fixture_path"])
    status = junit_status(case, strict)
    message, _ = truncate(case_headline(case), MAX_MESSAGE_CHARS)
    note = known_failure_note(case)
    if is_replayed(case):
        prop = ET.SubElement(ET.SubElement(element, "properties"), "property")
        _set(prop, "name", "replayed")
        _set(prop, "value", "true")
        note = f"replayed: {REPLAYED_NOTE}" + (f"; {note}" if note else "")
    if status == "known_failure":
        child = ET.SubElement(element, "skipped")
        _set(child, "message", truncate(note, MAX_MESSAGE_CHARS)[0])
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
    from conformance.compatibility import since_text

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
    strict = bool((document.get("known_failures") or {}).get("strict"))
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
            outcome = {"known_failure": "skipped", "fixed_strict": "fail", "interrupted": "skipped"}.get(
                junit_status(case, strict)
            )
            counts[outcome or str(case["status"])] = counts.get(outcome or str(case["status"]), 0) + 1
            duration += float(case.get("duration_seconds") or 0.0)
        _count(suite, counts, duration)
        properties = ET.SubElement(suite, "properties")
        for name, value in (
            ("conformance.level", level),
            ("target", cases[0].get("target", "")),
            *_client_properties(document, adapter),
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
            _testcase(suite, case, strict)
        for status, number in counts.items():
            totals[status] = totals.get(status, 0) + number
        total_time += duration
    _count(root, totals, total_time)
    ET.indent(root)
    return ET.ElementTree(root)


def write_junit(document: Mapping[str, Any], path: Path) -> Path:
    """Write ``junit.xml`` for ``document`` to ``path``."""
    junit_tree(document).write(path, encoding="utf-8", xml_declaration=True)
    return path
