"""Semantic comparison of two fixture corpora (``dw-conformance drift DIR_A DIR_B``).

The two client repositories each keep a copy of the shared fixtures and today
compare them byte for byte. This module compares their *meaning* instead:

- Files are matched by name (``*.json`` directly in each directory, with the
  loader's safety rules: size cap, strict UTF-8, duplicate keys, symlinks
  that leave the directory). A file present on one side only is drift.
- For files on both sides, the parsed JSON documents are compared and every
  difference is reported at its RFC 6901 pointer, as a
  :class:`~conformance.findings.Difference` whose ``expected`` is side A's
  value and ``actual`` side B's.
- Whitespace, indentation and the order of keys in an object are **not**
  differences. The order of list items **is**.
- Types are compared strictly: ``1``, ``1.0``, ``true`` and ``"1"`` all
  differ from one another (``type_changed``), because an integer and a
  double are different Avro branches and a string is not a number.

The one ordered object: ``argv`` of a projection (``cli.argv`` today, any
future CLI-like projection too). Its keys without a leading ``-`` are the
command's positional arguments *in object order*, so swapping two of them
changes the command line a client runs. Decision: a different relative
order of the positional keys both sides share is drift, reported at
``/<projection>/argv`` with both orders. The order of ``--option`` keys is
not drift: the CLI parses options by name, so reordering them does not
change what it sends (a list value, a repeated option, keeps its item order
and is compared as a list).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conformance import jsonpointer
from conformance.errors import UsageError
from conformance.findings import Difference
from conformance.fixture import KNOWN_TOP_LEVEL_KEYS, fixture_paths, read_json_file
from conformance.problems import InputError, Problem
from conformance.textsafe import json_type

__all__ = [
    "DriftReport",
    "DriftUsageError",
    "FileDrift",
    "compare_corpora",
    "fixture_differences",
    "json_differences",
    "render_report",
]


class DriftUsageError(UsageError):
    """The arguments cannot be compared at all (missing directory, nothing on either side)."""


def json_differences(a: Any, b: Any, pointer: str = "") -> list[Difference]:
    """Every difference between JSON values ``a`` (expected) and ``b`` (actual).

    Object key order is ignored, list order is not, types are strict. Works
    iteratively, so deeply nested documents do not hit the recursion limit.
    Results are sorted by pointer (array indices numerically).
    """
    differences: list[Difference] = []
    stack: list[tuple[Any, Any, str]] = [(a, b, pointer)]
    while stack:
        left, right, where = stack.pop()
        left_kind, right_kind = json_type(left), json_type(right)
        if left_kind != right_kind:
            differences.append(Difference(where, "type_changed", left, right))
            continue
        if left_kind == "object":
            children: list[tuple[Any, Any, str]] = []
            for key, value in left.items():
                child = jsonpointer.join(where, key)
                if key in right:
                    children.append((value, right[key], child))
                else:
                    differences.append(Difference(child, "missing", value, None))
            for key, value in right.items():
                if key not in left:
                    differences.append(Difference(jsonpointer.join(where, key), "unexpected", None, value))
            stack.extend(reversed(children))
        elif left_kind == "array":
            common = min(len(left), len(right))
            for index in range(common, len(left)):
                differences.append(Difference(jsonpointer.join(where, index), "missing", left[index], None))
            for index in range(common, len(right)):
                differences.append(
                    Difference(jsonpointer.join(where, index), "unexpected", None, right[index])
                )
            stack.extend(
                reversed([(left[i], right[i], jsonpointer.join(where, i)) for i in range(common)])
            )
        elif left != right:
            differences.append(Difference(where, "changed", left, right))
    return sorted(differences, key=lambda difference: _pointer_order(difference.pointer))


def _pointer_order(pointer: str) -> list[tuple[int, int | str]]:
    """Sort key keeping array indices numeric (``/a/10`` after ``/a/9``)."""
    return [(0, int(token)) if token.isdigit() else (1, token) for token in jsonpointer.parse(pointer)]


def _positional_keys(argv: Any) -> list[str]:
    if not isinstance(argv, dict):
        return []
    return [key for key in argv if isinstance(key, str) and not key.startswith("-")]


def fixture_differences(a: Any, b: Any) -> list[Difference]:
    """:func:`json_differences` plus the positional order of every projection's ``argv``."""
    differences = json_differences(a, b)
    if not (isinstance(a, dict) and isinstance(b, dict)):
        return differences
    for key, projection in a.items():
        other = b.get(key)
        if key in KNOWN_TOP_LEVEL_KEYS or not isinstance(projection, dict) or not isinstance(other, dict):
            continue
        left = _positional_keys(projection.get("argv"))
        right = _positional_keys(other.get("argv"))
        shared = set(left) & set(right)
        left_order = [name for name in left if name in shared]
        right_order = [name for name in right if name in shared]
        if left_order != right_order:
            differences.append(
                Difference(
                    jsonpointer.join("", key, "argv"),
                    "changed",
                    left_order,
                    right_order,
                    message="positional arguments in another order",
                )
            )
    return sorted(differences, key=lambda difference: _pointer_order(difference.pointer))


@dataclass
class FileDrift:
    """The differences of one file present on both sides."""

    name: str
    differences: list[Difference]


@dataclass
class DriftReport:
    side_a: Path
    side_b: Path
    only_a: list[str] = field(default_factory=list)
    only_b: list[str] = field(default_factory=list)
    changed: list[FileDrift] = field(default_factory=list)
    #: Files that could not be read or parsed on either side (they cannot be compared).
    problems: list[Problem] = field(default_factory=list)
    #: Names compared on both sides (including those that agree).
    compared: list[str] = field(default_factory=list)

    @property
    def agrees(self) -> bool:
        return not (self.only_a or self.only_b or self.changed or self.problems)


def _side_files(path: Path) -> tuple[dict[str, Path], list[Problem]]:
    """Name -> path of the fixture files of one side (a directory or a single file)."""
    if path.is_file():
        return {path.name: path}, []
    paths, problems = fixture_paths(path)
    # "no fixtures here" is not a per-file problem for drift: the caller decides.
    problems = [problem for problem in problems if problem.expected != "at least one *.json fixture"]
    return {entry.name: entry for entry in paths}, problems


def _check_side(path: Path) -> None:
    if not path.exists():
        raise DriftUsageError(f"{path}: no such file or directory")
    if not (path.is_dir() or path.is_file()):
        raise DriftUsageError(f"{path}: neither a directory nor a file")


def compare_corpora(side_a: Path, side_b: Path) -> DriftReport:
    """Compare two fixture directories (or two single files).

    Raises :class:`DriftUsageError` when a side does not exist, when one side
    is a file and the other a directory, or when neither side holds a
    ``*.json`` file (almost always a wrong path).
    """
    _check_side(side_a)
    _check_side(side_b)
    if side_a.is_file() != side_b.is_file():
        raise DriftUsageError(f"compare two directories or two files, not {side_a} with {side_b}")
    files_a, problems_a = _side_files(side_a)
    files_b, problems_b = _side_files(side_b)
    report = DriftReport(side_a, side_b, problems=problems_a + problems_b)
    if not files_a and not files_b and not report.problems:
        raise DriftUsageError(f"no *.json fixture files in {side_a} nor in {side_b}: nothing to compare")
    if side_a.is_file():  # two single files: compare them whatever their names
        pairs = [(side_a.name, side_a, side_b)]
    else:
        report.only_a = sorted(set(files_a) - set(files_b))
        report.only_b = sorted(set(files_b) - set(files_a))
        pairs = [(name, files_a[name], files_b[name]) for name in sorted(set(files_a) & set(files_b))]
    for name, path_a, path_b in pairs:
        documents: list[Any] = []
        for path in (path_a, path_b):
            try:
                documents.append(read_json_file(path))
            except InputError as error:
                report.problems.extend(error.problems)
        if len(documents) != 2:
            continue
        report.compared.append(name)
        differences = fixture_differences(documents[0], documents[1])
        if differences:
            report.changed.append(FileDrift(name, differences))
    return report


def _short(value: Any, limit: int = 100) -> str:
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, default=repr)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def render_difference(name: str, difference: Difference) -> str:
    """``file: pointer: what differs`` (side A is the first directory)."""
    where = difference.pointer or "(document)"
    if difference.kind == "missing":
        what = f"only in A: {_short(difference.expected)}"
    elif difference.kind == "unexpected":
        what = f"only in B: {_short(difference.actual)}"
    else:
        what = f"A has {_short(difference.expected)}; B has {_short(difference.actual)}"
        if difference.kind == "type_changed":
            what += f" (a {json_type(difference.expected)} against a {json_type(difference.actual)})"
    if difference.message:
        what = f"{difference.message}: {what}"
    return f"{name}: {where}: {what}"


def render_report(report: DriftReport) -> list[str]:
    """The lines ``dw-conformance drift`` prints, ending with a summary line."""
    lines = [f"A = {report.side_a}", f"B = {report.side_b}"]
    lines += [f"{name}: only in A" for name in report.only_a]
    lines += [f"{name}: only in B" for name in report.only_b]
    lines += [problem.render() for problem in report.problems]
    for drift in report.changed:
        lines += [render_difference(drift.name, difference) for difference in drift.differences]
    if report.agrees:
        lines.append(f"no drift: {len(report.compared)} file(s) agree")
    else:
        count = sum(len(drift.differences) for drift in report.changed)
        lines.append(
            f"drift: {count} difference(s) in {len(report.changed)} of "
            f"{len(report.compared)} compared file(s); "
            f"{len(report.only_a)} only in A, {len(report.only_b)} only in B; "
            f"{len(report.problems)} unreadable"
        )
    return lines
