"""The policy file: differences a project declares deliberate, turned into diagnostics.

Format (YAML). The document is a list of entries, or a mapping with a
``deliberate_differences`` list (room for other settings later)::

    - operation: workflow.signal        # an operation id, or "*"
      projection: sdk_python            # a projection key, or "*"
      pointers:                         # exact pointers, or prefixes ending in "/**"
        - /body/request_id
        - /headers/**
      reason: the SDK adds a generated idempotency key

Design decisions:

* ``pointers`` are RFC 6901 pointers into the normalized request (the same
  pointers differences carry). ``/a/**`` matches ``/a`` itself and everything
  below it; ``/**`` matches everything, including the case-level
  ``operation_count`` difference (pointer ``""``). A ``*`` or ``**`` token is
  allowed only as the final ``/**``; no other wildcard exists, so a policy
  never matches more than its author can see.
* ``pointers`` may be a single string. ``reason`` is required and not empty:
  a deliberate difference nobody can explain is not deliberate.
* Applying the policy only ever *lowers* severity (failure -> diagnostic);
  the diagnostic's message carries ``policy: <reason>``. Diagnostics stay as
  they are. Unknown keys in an entry are errors (a typo such as ``pointer``
  must not silently disable an entry).
* Every problem is an :class:`~conformance.problems.InputError` naming the
  file, the JSON pointer into the YAML document and what was expected.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from conformance import jsonpointer
from conformance.findings import Difference
from conformance.problems import InputError, Problem, unknown_key_problems
from conformance.strict_yaml import load_yaml_file

__all__ = ["Policy", "PolicyEntry", "load_policy", "parse_policy"]

_ENTRY_KEYS = ("operation", "projection", "pointers", "reason")
_WILDCARD = "*"
_PREFIX_SUFFIX = "/**"
#: Upper bound on a policy file; real ones are a few hundred bytes.
MAX_POLICY_BYTES = 1024 * 1024


@dataclass(frozen=True)
class PolicyEntry:
    operation: str
    projection: str
    pointers: tuple[str, ...]
    reason: str

    def applies_to(self, operation: str, projection_key: str) -> bool:
        return self.operation in (_WILDCARD, operation) and self.projection in (_WILDCARD, projection_key)

    def matches_pointer(self, pointer: str) -> bool:
        return pointer_pattern_matches(self.pointers, pointer)

    def to_json(self) -> dict[str, Any]:
        return {
            "operation": self.operation,
            "projection": self.projection,
            "pointers": list(self.pointers),
            "reason": self.reason,
        }


@dataclass(frozen=True)
class Policy:
    """A set of deliberate differences; the empty policy changes nothing."""

    entries: tuple[PolicyEntry, ...] = ()
    source: str = ""

    def matching(self, operation: str, projection_key: str, pointer: str) -> PolicyEntry | None:
        """The first entry that declares ``pointer`` deliberate for this operation and projection."""
        for entry in self.entries:
            if entry.applies_to(operation, projection_key) and entry.matches_pointer(pointer):
                return entry
        return None

    def apply(
        self, operation: str, projection_key: str, differences: Sequence[Difference]
    ) -> list[Difference]:
        """``differences`` with every failure the policy declares deliberate turned diagnostic."""
        result: list[Difference] = []
        for difference in differences:
            entry = (
                self.matching(operation, projection_key, difference.pointer)
                if difference.is_failure
                else None
            )
            result.append(difference.as_diagnostic(f"policy: {entry.reason}") if entry else difference)
        return result

    def to_json(self) -> dict[str, Any]:
        return {"source": self.source, "entries": [entry.to_json() for entry in self.entries]}


def pointer_pattern_matches(patterns: Sequence[str], pointer: str) -> bool:
    """Whether ``pointer`` is one of ``patterns``, or under one ending in ``/**`` (``/**`` alone: all)."""
    for pattern in patterns:
        if pattern.endswith(_PREFIX_SUFFIX):
            base = pattern[: -len(_PREFIX_SUFFIX)]
            if pointer == base or pointer.startswith(base + "/") or base == "":
                return True
        elif pointer == pattern:
            return True
    return False


def check_pointer_pattern(pattern: Any, file: str, where: str, problems: list[Problem]) -> str | None:
    """``pattern`` when it is a pointer or a ``/**`` prefix pattern; else a problem (file, where) and None."""
    if not isinstance(pattern, str):
        problems.append(Problem(file, where, "a JSON pointer string", repr(pattern)[:80]))
        return None
    if pattern == "":
        return pattern
    if not pattern.startswith("/"):
        problems.append(
            Problem(file, where, "a JSON pointer starting with '/' (or '/**')", repr(pattern)[:80])
        )
        return None
    body = pattern[: -len(_PREFIX_SUFFIX)] if pattern.endswith(_PREFIX_SUFFIX) else pattern
    if any(token in ("*", "**") for token in jsonpointer.parse(body)):
        problems.append(
            Problem(file, where, "'**' only as the last token ('/body/**'); no other wildcard", repr(pattern))
        )
        return None
    return pattern


def _entry(item: Any, file: str, where: str, problems: list[Problem]) -> PolicyEntry | None:
    if not isinstance(item, dict):
        problems.append(
            Problem(file, where, "a mapping with operation, projection, pointers, reason", repr(item)[:80])
        )
        return None
    before = len(problems)
    problems.extend(unknown_key_problems(item, _ENTRY_KEYS, file, where))
    values: dict[str, str] = {}
    for key in ("operation", "projection", "reason"):
        value = item.get(key)
        if not isinstance(value, str) or not value.strip():
            expected = "a non-empty explanation" if key == "reason" else f"a {key} name or '*'"
            found = "nothing" if value is None else repr(value)[:80]
            problems.append(Problem(file, jsonpointer.join(where, key), expected, found))
        else:
            values[key] = value.strip()
    raw_pointers = item.get("pointers")
    pointers: list[str] = []
    if isinstance(raw_pointers, str):
        raw_pointers = [raw_pointers]
    if not isinstance(raw_pointers, list) or not raw_pointers:
        found = "nothing" if raw_pointers is None else repr(raw_pointers)[:80]
        problems.append(
            Problem(file, jsonpointer.join(where, "pointers"), "a non-empty list of JSON pointers", found)
        )
    else:
        for index, pattern in enumerate(raw_pointers):
            at = jsonpointer.join(where, "pointers", index)
            checked = check_pointer_pattern(pattern, file, at, problems)
            if checked is not None:
                pointers.append(checked)
    if len(problems) != before:
        return None
    return PolicyEntry(values["operation"], values["projection"], tuple(pointers), values["reason"])


def parse_policy(document: Any, file: str) -> Policy:
    """A :class:`Policy` from a parsed YAML document; :class:`InputError` lists every problem."""
    if document is None:
        return Policy((), file)
    base = ""
    items = document
    if isinstance(document, dict):
        # scenario_differences and declared_retries are read by conformance.scenarios.policy
        sections = ("deliberate_differences", "scenario_differences", "declared_retries")
        unknown = [key for key in document if key not in sections]
        if unknown:
            raise InputError(
                [
                    Problem(
                        file,
                        jsonpointer.join("", str(unknown[0])),
                        "only deliberate_differences, scenario_differences and declared_retries",
                        f"{unknown[0]!r}",
                    )
                ]
            )
        items = document.get("deliberate_differences") or []
        base = "/deliberate_differences"
    if not isinstance(items, list):
        raise InputError([Problem(file, base, "a list of deliberate differences", type(items).__name__)])
    problems: list[Problem] = []
    entries: list[PolicyEntry] = []
    for index, item in enumerate(items):
        entry = _entry(item, file, jsonpointer.join(base, index), problems)
        if entry is not None:
            entries.append(entry)
    if problems:
        raise InputError(problems)
    return Policy(tuple(entries), file)


def load_policy(path: Path) -> Policy:
    """Read and parse a policy file; every problem is an :class:`InputError`."""
    return parse_policy(load_yaml_file(path, max_bytes=MAX_POLICY_BYTES), str(path))
