"""A run's result document and policy files, read for the handbook.

- ``--result result.json``: a document of format
  ``durable-workflow.v2.platform-conformance.result`` v1, checked with
  :func:`conformance.result.validate_result`; a document that breaks the
  format is refused with each problem's pointer (the handbook must not
  present a half-read verdict as a measurement). Cases are attached to an
  operation page by fixture file name, else by operation id.
- ``--policy FILE``: the same files ``dw-conformance run --policy`` reads
  (:func:`conformance.policy.load_policy`); every entry whose operation is
  the page's operation or ``*`` is listed on that page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conformance.fixture import read_json_file
from conformance.handbook.model import ClientColumn, DeliberateDifference, MeasuredDifference, MeasuredStatus
from conformance.policy import Policy, load_policy
from conformance.problems import InputError, Problem
from conformance.replays import is_replayed
from conformance.result import validate_result

MAX_RESULT_BYTES = 256 * 1024 * 1024


@dataclass
class Measurements:
    source: str = ""
    clients: list[ClientColumn] = field(default_factory=list)
    by_fixture: dict[str, list[MeasuredStatus]] = field(default_factory=dict)
    by_operation: dict[str, list[MeasuredStatus]] = field(default_factory=dict)

    def for_page(self, fixture_name: str, operation: str) -> tuple[MeasuredStatus, ...]:
        found = self.by_fixture.get(fixture_name) or self.by_operation.get(operation) or []
        return tuple(found)


def _difference(item: dict[str, Any]) -> MeasuredDifference:
    return MeasuredDifference(
        pointer=str(item.get("pointer", "")),
        kind=str(item.get("kind", "")),
        expected=item.get("expected"),
        actual=item.get("actual"),
        severity=str(item.get("severity", "failure")),
    )


def load_measurements(path: Path) -> Measurements:
    """Read and check a result document; :class:`InputError` names the file and pointers."""
    document = read_json_file(path, max_bytes=MAX_RESULT_BYTES)
    problems = validate_result(document)
    if problems:
        raise InputError(
            [
                Problem(str(path), line.split(":", 1)[0], "a valid result document (format v1)", line)
                for line in problems[:20]
            ]
        )
    measurements = Measurements(source=str(path))
    names: dict[str, str] = {}
    for implementation in document.get("implementations", []):
        identity = implementation.get("identity") or {}
        label = " ".join(str(identity.get(key, "")) for key in ("name", "version")).strip()
        adapter = str(implementation.get("adapter", ""))
        names[adapter] = label or adapter
        measurements.clients.append(
            ClientColumn(adapter, names[adapter], str(implementation.get("target", "")))
        )
    for case in document.get("cases", []):
        adapter = str(case.get("adapter", ""))
        status = MeasuredStatus(
            adapter=adapter,
            client=names.get(adapter, adapter),
            status=str(case.get("status", "")),
            reason=str(case.get("reason", "")),
            differences=tuple(_difference(item) for item in case.get("differences", [])),
            diagnostics=tuple(_difference(item) for item in case.get("diagnostic_diff", [])),
            not_asserted=tuple(str(item) for item in case.get("not_asserted", [])),
            replayed=is_replayed(case),
        )
        measurements.by_fixture.setdefault(str(case.get("fixture", "")), []).append(status)
        measurements.by_operation.setdefault(str(case.get("operation", "")), []).append(status)
    return measurements


def load_policies(paths: list[Path]) -> list[Policy]:
    return [load_policy(path) for path in paths]


def deliberate_for(operation: str, policies: list[Policy]) -> tuple[DeliberateDifference, ...]:
    found: list[DeliberateDifference] = []
    for policy in policies:
        for entry in policy.entries:
            if entry.operation in ("*", operation):
                found.append(
                    DeliberateDifference(entry.projection, entry.pointers, entry.reason, policy.source)
                )
    return tuple(found)
