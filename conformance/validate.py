"""Checking fixture files: the logic of ``dw-conformance validate [PATH...]``.

Every file is checked completely and every problem is kept, so one run lists
everything wrong in every file. The checks, in order:

1. **Loading** (:func:`conformance.fixture.read_json_file`): readable, within
   the size cap, UTF-8, valid JSON, no duplicate keys, not nested absurdly,
   no symlink out of its directory. A file that fails here gets its one
   problem and no further checks.
2. **Schema** (:mod:`conformance.fixture_schema`): format version 1.
3. **Semantic rules** a JSON Schema cannot express (per-fixture rules live in
   :mod:`conformance.fixture_rules`, which ``run`` applies too; the file-name and
   one-file-per-operation rules are about the directory and stay here). They run even when the
   schema found problems, and quietly skip the parts that are not there or
   have the wrong type (the schema already reported those):

   - *file name*: a fixture for operation ``o`` is named
     :func:`conformance.operations.fixture_file_name` (``o``);
   - *one file per operation*: within one directory, no two files claim the
     same operation (files given one by one are grouped by their directory;
     two corpora given side by side do not clash with each other);
   - *envelopes*: a projection's ``payload_envelope`` with a ``blob`` must
     decode (with the harness's own codec) to exactly its ``decoded`` value;
     any other Avro envelope object (``{"codec": "avro", "blob": ...}``)
     anywhere in the file must decode, and when it sits under a key
     ``<name>_envelope`` next to a key ``<name>`` (the SDK's
     ``request_body`` convention, a server's ``result_envelope``), it must
     decode to that sibling's value. An undecodable blob is a problem at its
     own pointer;
   - *path ids*: an id in ``request.path`` must agree with the
     ``semantic_body`` key that names it. The rule is the table
     :data:`PATH_ID_KEYS`: the segment after a known collection segment
     (``workflows``, ``signal``, ``schedules``...) is compared, percent-
     decoded, with the first of that collection's keys present in
     ``semantic_body``. Segments in :data:`ACTION_SEGMENTS` (``poll``...)
     name actions, not ids, and are skipped;
   - *the fixture agrees with itself*: the expectation of the canonical
     projection and of every projection can be built
     (:func:`conformance.fixture_rules.expectation_problems`; checked once the
     schema passes).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conformance.errors import UsageError
from conformance.fixture import Fixture, fixture_paths, read_json_file
from conformance.fixture_rules import (
    ACTION_SEGMENTS,
    PATH_ID_KEYS,
    envelope_problems,
    expectation_problems,
    path_id_problems,
)
from conformance.fixture_schema import schema_problems
from conformance.operations import OPERATION_PATTERN, fixture_file_name
from conformance.problems import InputError, Problem
from conformance.strict_json import MAX_JSON_DEPTH

__all__ = [
    "ACTION_SEGMENTS",
    "PATH_ID_KEYS",
    "ValidationReport",
    "ValidationUsageError",
    "collect_files",
    "envelope_problems",
    "file_name_problems",
    "path_id_problems",
    "validate_document",
    "validate_paths",
]


class ValidationUsageError(UsageError):
    """A path given on the command line does not exist (exit code 2)."""


@dataclass
class ValidationReport:
    """Files examined and every problem found in them."""

    files: list[Path] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    #: Entries of a directory refused before they could be read (a symlink loop, a symlink out, a
    #: name that is not UTF-8): they count among the files examined, beside the good ones.
    refused: list[str] = field(default_factory=list)

    @property
    def invalid_files(self) -> list[str]:
        """Files (or directories) with at least one problem, in report order."""
        seen: dict[str, None] = {}
        for problem in self.problems:
            seen.setdefault(problem.file, None)
        return list(seen)

    @property
    def ok(self) -> bool:
        return not self.problems

    def lines(self) -> list[str]:
        """One line per problem, then the count line."""
        lines = [problem.render() for problem in self.problems]
        if self.ok:
            lines.append(f"{len(self.files)} fixture file(s) valid")
        else:
            lines.append(
                f"{len(self.problems)} problem(s) in {len(self.invalid_files)} of "
                f"{len(self.files) + len(self.refused)} fixture file(s)"
            )
        return lines


# ── one document ─────────────────────────────────────────────────────────


def _operation(document: dict[str, Any]) -> str | None:
    operation = document.get("operation")
    return operation if isinstance(operation, str) and OPERATION_PATTERN.match(operation) else None


def file_name_problems(document: dict[str, Any], path: Path) -> list[Problem]:
    """The file is named after its operation. A rule of the *corpus directory*, so ``validate``-only.

    ``run`` does not apply it (nor the one-file-per-operation rule of
    :func:`validate_paths`): a fixture under another name still says what to
    send, and refusing it would only hide cases. The per-fixture semantic rules
    (:mod:`conformance.fixture_rules`) apply to ``run`` and ``validate`` alike.
    """
    operation = _operation(document)
    if operation is None:
        return []
    wanted = fixture_file_name(operation)
    if path.name == wanted:
        return []
    expected = f"a file named {wanted!r} for operation {operation!r}"
    return [Problem(str(path), "/operation", expected, repr(path.name))]


def validate_document(document: Any, path: Path) -> list[Problem]:
    """Schema and per-file semantic problems of one parsed document."""
    file = str(path)
    if not isinstance(document, dict):
        kind = "an array" if isinstance(document, list) else json.dumps(document)[:40]
        return [Problem(file, "", "a JSON object (a fixture)", kind)]
    problems = schema_problems(document, file)
    problems += file_name_problems(document, path)
    problems += envelope_problems(document, file)
    problems += path_id_problems(document, file)
    if not problems:
        # The expectation builder's own rules (the fixture agrees with itself), on a well-formed file.
        problems += expectation_problems(Fixture(path, document))
    return list(dict.fromkeys(problems))


# ── files and directories ────────────────────────────────────────────────


def collect_files(paths: Iterable[Path]) -> tuple[list[Path], list[Problem]]:
    """The fixture files named by ``paths`` (files, or directories of ``*.json``).

    Raises :class:`ValidationUsageError` for a path that does not exist.
    Directory problems (no fixtures, a symlink out) are returned as problems.
    A file reached twice is listed once.
    """
    paths = list(paths)
    missing = [path for path in paths if not path.exists() and not path.is_symlink()]
    if missing:
        raise ValidationUsageError("; ".join(f"{path}: no such file or directory" for path in missing))
    files: list[Path] = []
    problems: list[Problem] = []
    seen: set[Path] = set()
    for path in paths:
        if path.is_dir():
            found, directory_problems = fixture_paths(path)
            problems += directory_problems  # refused entries stay beside the good ones (fixture_paths)
        else:
            found = [path]
        for entry in found:
            key = entry.absolute()
            if key not in seen:
                seen.add(key)
                files.append(entry)
    return files, problems


def _duplicate_operation_problems(claims: dict[tuple[Path, str], list[Path]]) -> list[Problem]:
    problems: list[Problem] = []
    for (_directory, operation), claimants in claims.items():
        if len(claimants) < 2:
            continue
        for path in claimants:
            others = ", ".join(other.name for other in claimants if other is not path)
            problems.append(
                Problem(
                    str(path),
                    "/operation",
                    f"the only file of its directory for operation {operation!r}",
                    f"{others} claim(s) it too",
                )
            )
    return problems


def validate_paths(paths: Sequence[Path]) -> ValidationReport:
    """Validate every fixture file under ``paths``; see the module docstring for the rules."""
    files, problems = collect_files(paths)
    directories = {str(path) for path in paths}
    refused = list(dict.fromkeys(problem.file for problem in problems if problem.file not in directories))
    report = ValidationReport(files=files, refused=refused)
    claims: dict[tuple[Path, str], list[Path]] = {}
    per_file: list[Problem] = []
    for path in files:
        try:
            document = read_json_file(path, max_depth=MAX_JSON_DEPTH)
        except InputError as error:
            per_file += error.problems
            continue
        per_file += validate_document(document, path)
        operation = _operation(document) if isinstance(document, dict) else None
        if operation is not None:
            claims.setdefault((path.absolute().parent, operation), []).append(path)
    per_file += _duplicate_operation_problems(claims)
    order = {str(path): index for index, path in enumerate(files)}
    per_file.sort(key=lambda item: (order.get(item.file, len(order)), item.pointer, item.expected))
    report.problems = problems + per_file
    return report
