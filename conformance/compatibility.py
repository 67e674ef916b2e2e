"""The version matrix: several instances of one adapter, compared operation by operation.

A run may hold several instances of one adapter (``--adapter
python-sdk@pypi=... --adapter python-sdk@head=...``; case labels
``<adapter>@<label>``). For every adapter with two or more instances the
result document carries a derived ``compatibility`` entry:

- ``instances``: each instance's case label, its label (after ``@``) and the
  client version it reported (``implementations[*].identity.version``),
  ordered oldest first by that version (numeric release parts, then
  ``dev`` < ``a`` < ``b`` < ``rc`` < final; instances whose version cannot
  be read keep their run order, after the others);
- ``operations``: per operation (its fixtures taken together), each
  instance's status: ``fail`` if any case of it counts against the level,
  else ``error``, else ``known_failure``, else ``pass``, else ``skipped``
  (``—`` when the instance had no case of it); ``conforming``: the instances
  whose status is ``pass``; ``since``: the oldest instance from which every
  newer instance conforms (``null`` when the newest does not).

A known failure does not conform (it is excused from the gate, not fixed).
Like the summary and the level, the section is derived from the cases each
time a document is built, so it can never disagree with them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from conformance.known_failures import EXCUSED, known_outcome

__all__ = ["compatibility", "instance_base", "version_key"]

_VERSION = re.compile(
    r"^v?(?P<release>\d+(?:\.\d+)*)(?:[-._]?(?P<pre>dev|alpha|a|beta|b|rc|c|pre|preview)[-._]?(?P<num>\d*))?",
    re.IGNORECASE,
)
_PRE_RANK = {"dev": 0, "alpha": 1, "a": 1, "beta": 2, "b": 2, "rc": 3, "c": 3, "pre": 3, "preview": 3}
_FINAL = 4
#: Worst first: the status an operation gets when its fixtures disagree.
_PRECEDENCE = ("fail", "error", "known_failure", "pass", "skipped")


def instance_base(label: str) -> str:
    """The adapter an instance label belongs to: ``python-sdk@pypi`` -> ``python-sdk``."""
    return label.split("@", 1)[0]


def version_key(version: str) -> tuple[tuple[int, ...], int, int] | None:
    """A sort key for a client version (``2.12.0``, ``2.0.0-rc.35``, ``2.0.0rc1``), or None if unreadable."""
    match = _VERSION.match(version.strip())
    if match is None:
        return None
    release = tuple(int(part) for part in match.group("release").split("."))
    release = release + (0,) * (4 - len(release)) if len(release) < 4 else release
    pre = match.group("pre")
    if pre is None:
        return release, _FINAL, 0
    return release, _PRE_RANK[pre.lower()], int(match.group("num") or 0)


def _case_status(case: Mapping[str, Any]) -> str:
    status = str(case.get("status"))
    if status == "fail" and known_outcome(case) == EXCUSED:
        return "known_failure"
    return status if status in _PRECEDENCE else "skipped"


def _combined(statuses: Sequence[str]) -> str:
    for status in _PRECEDENCE:
        if status in statuses:
            return status
    return "—"


def compatibility(
    cases: Sequence[Mapping[str, Any]],
    implementations: Sequence[Mapping[str, Any]],
    categories: Mapping[str, str] | None = None,
) -> list[dict[str, Any]]:
    """The document's ``compatibility`` section (empty when no adapter has two instances).

    Cases of a provisional category (``categories``: the scenarios in this
    release) take no part: the matrix says which versions conform on what the
    level requires.
    """
    stability = categories or {}
    cases = [case for case in cases if stability.get(str(case.get("category", ""))) != "provisional"]
    groups: dict[str, list[Mapping[str, Any]]] = {}
    for impl in implementations:
        if impl.get("available", True):
            groups.setdefault(instance_base(str(impl["adapter"])), []).append(impl)
    section: list[dict[str, Any]] = []
    for base, members in groups.items():
        if len(members) < 2:
            continue
        keyed = [
            (version_key(str((impl.get("identity") or {}).get("version", ""))), index, impl)
            for index, impl in enumerate(members)
        ]
        ordered = [
            impl for _, _, impl in sorted(keyed, key=lambda item: (item[0] is None, item[0] or (), item[1]))
        ]
        labels = [str(impl["adapter"]) for impl in ordered]
        instances = [
            {
                "adapter": label,
                "label": label.split("@", 1)[1] if "@" in label else "",
                "version": str((impl.get("identity") or {}).get("version", "")),
            }
            for label, impl in zip(labels, ordered, strict=True)
        ]
        by_operation: dict[str, dict[str, list[str]]] = {}
        fixtures: dict[str, list[str]] = {}
        for case in cases:
            adapter = str(case.get("adapter"))
            if adapter not in labels:
                continue
            operation = str(case.get("operation", ""))
            by_operation.setdefault(operation, {}).setdefault(adapter, []).append(_case_status(case))
            names = fixtures.setdefault(operation, [])
            if case.get("fixture") not in names:
                names.append(str(case.get("fixture")))
        operations = []
        for operation in sorted(by_operation):
            statuses = {label: _combined(by_operation[operation].get(label, [])) for label in labels}
            conforming = [label for label in labels if statuses[label] == "pass"]
            since: str | None = None
            for label in reversed(labels):
                if statuses[label] != "pass":
                    break
                since = label
            operations.append(
                {
                    "operation": operation,
                    "fixtures": sorted(fixtures[operation]),
                    "statuses": statuses,
                    "conforming": conforming,
                    "since": since,
                }
            )
        section.append({"adapter": base, "instances": instances, "operations": operations})
    return section


def since_text(entry: Mapping[str, Any], operation: Mapping[str, Any]) -> str:
    """``all``, ``since <label> (<version>)`` or ``not in the newest (<label>)``, for one operation."""
    instances = {str(item["adapter"]): item for item in entry.get("instances") or []}
    order = [str(item["adapter"]) for item in entry.get("instances") or []]
    since = operation.get("since")
    statuses = set((operation.get("statuses") or {}).values())
    if statuses <= {"skipped", "—"}:
        return "not run"
    if since is None:
        newest = order[-1] if order else ""
        return f"not in the newest ({newest})"
    if order and since == order[0]:
        return "all versions"
    item = instances.get(str(since), {})
    return f"since {since} ({item.get('version', '')})"
