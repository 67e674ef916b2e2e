"""Checking fixture files: the logic of ``dw-conformance validate [PATH...]``.

Every file is checked completely and every problem is kept, so one run lists
everything wrong in every file. The checks, in order:

1. **Loading** (:func:`conformance.fixture.read_json_file`): readable, within
   the size cap, UTF-8, valid JSON, no duplicate keys, not nested absurdly,
   no symlink out of its directory. A file that fails here gets its one
   problem and no further checks.
2. **Schema** (:mod:`conformance.fixture_schema`): format version 1.
3. **Semantic rules** a JSON Schema cannot express. They run even when the
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
     name actions, not ids, and are skipped.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from conformance import jsonpointer
from conformance.avro_codec import AVRO_CODEC, AvroCodecError, decode_blob
from conformance.drift import json_differences
from conformance.expectations import ENVELOPE_SUFFIX
from conformance.fixture import KNOWN_TOP_LEVEL_KEYS, MAX_JSON_DEPTH, fixture_paths, read_json_file
from conformance.fixture_schema import schema_problems
from conformance.operations import OPERATION_PATTERN, fixture_file_name
from conformance.problems import InputError, Problem
from conformance.textsafe import json_safe

__all__ = [
    "ACTION_SEGMENTS",
    "PATH_ID_KEYS",
    "ValidationReport",
    "ValidationUsageError",
    "collect_files",
    "path_id_problems",
    "validate_document",
    "validate_paths",
]

#: Collection segment of a request path -> the ``semantic_body`` keys that may
#: name the id in the segment after it (the first key present is compared).
PATH_ID_KEYS: dict[str, tuple[str, ...]] = {
    "workflows": ("workflow_id",),
    "runs": ("run_id",),
    "signal": ("signal_name",),
    "query": ("query_name",),
    "update": ("update_name",),
    "updates": ("update_id",),
    "workflow-tasks": ("task_id", "workflow_task_id"),
    "activity-tasks": ("task_id", "activity_task_id"),
    "query-tasks": ("query_task_id", "task_id"),
    "schedules": ("schedule_id",),
    "namespaces": ("name", "namespace"),
    "task-queues": ("task_queue", "name"),
    "build-ids": ("build_id",),
    "workers": ("worker_id",),
    "activities": ("activity_id",),
    "search-attributes": ("name", "attribute_name"),
}

#: Segments that name an action even right after a collection
#: (``POST /worker/workflow-tasks/poll``, ``POST /task-queues/q/build-ids/drain``):
#: never compared as ids.
ACTION_SEGMENTS = frozenset(
    {"poll", "register", "heartbeat", "search", "count", "list", "drain", "promote", "resume"}
)



class ValidationUsageError(Exception):
    """A path given on the command line does not exist (exit code 2)."""


@dataclass
class ValidationReport:
    """Files examined and every problem found in them."""

    files: list[Path] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

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
                f"{len(self.files)} fixture file(s)"
            )
        return lines


def _short(value: Any, limit: int = 80) -> str:
    text = json.dumps(json_safe(value), ensure_ascii=False, sort_keys=True, default=repr)
    return text if len(text) <= limit else text[: limit - 3] + "..."


# ── path ids ─────────────────────────────────────────────────────────────


def path_id_problems(document: dict[str, Any], file: str) -> list[Problem]:
    """Ids in ``request.path`` that disagree with ``semantic_body`` (see :data:`PATH_ID_KEYS`)."""
    request = document.get("request")
    semantic = document.get("semantic_body")
    if not (isinstance(request, dict) and isinstance(semantic, dict)):
        return []
    path = request.get("path")
    if not isinstance(path, str):
        return []
    segments = [segment for segment in path.split("?", 1)[0].split("/") if segment]
    problems: list[Problem] = []
    for index, collection in enumerate(segments[:-1]):
        keys = PATH_ID_KEYS.get(collection)
        segment = segments[index + 1]
        if keys is None or segment in ACTION_SEGMENTS:
            continue
        key = next((name for name in keys if name in semantic), None)
        if key is None:
            continue
        value = semantic[key]
        if isinstance(value, bool) or not isinstance(value, str | int):
            continue
        if unquote(segment) != str(value):
            problems.append(
                Problem(
                    file,
                    "/request/path",
                    f"{value!r} (semantic_body.{key}) after '{collection}/'",
                    repr(unquote(segment)),
                )
            )
    return problems


# ── envelopes ────────────────────────────────────────────────────────────


def _walk(node: Any, pointer: str) -> Iterator[tuple[Any, str]]:
    """Every (value, pointer) of a document, iteratively."""
    stack: list[tuple[Any, str]] = [(node, pointer)]
    while stack:
        current, where = stack.pop()
        yield current, where
        if isinstance(current, dict):
            stack.extend((value, jsonpointer.join(where, key)) for key, value in current.items())
        elif isinstance(current, list):
            stack.extend((value, jsonpointer.join(where, i)) for i, value in enumerate(current))


def _is_avro_envelope(node: Any) -> bool:
    return isinstance(node, dict) and node.get("codec") == AVRO_CODEC and "blob" in node


def _decode_problem(file: str, pointer: str, blob: Any) -> tuple[Any, Problem | None]:
    try:
        return json_safe(decode_blob(blob)), None
    except AvroCodecError as error:
        return None, Problem(
            file,
            jsonpointer.join(pointer, "blob"),
            "a blob that decodes as a durable_workflow.protocol.Value",
            f"{error.reason}: {error}",
        )


def _mismatch(file: str, pointer: str, what: str, decoded: Any, stated: Any) -> Problem | None:
    differences = json_differences(stated, decoded)
    if not differences:
        return None
    first = differences[0]
    inner = f" (first difference at {first.pointer})" if first.pointer else ""
    return Problem(file, pointer, f"{what}: {_short(decoded)}", f"{_short(stated)}{inner}")


def envelope_problems(document: dict[str, Any], file: str) -> list[Problem]:
    """Blobs that do not decode, or decode to something other than the value stated beside them."""
    problems: list[Problem] = []
    specs: set[str] = set()
    for key, projection in document.items():
        if key in KNOWN_TOP_LEVEL_KEYS or not isinstance(projection, dict):
            continue
        spec = projection.get("payload_envelope")
        where = jsonpointer.join("", key, "payload_envelope")
        if not isinstance(spec, dict) or "blob" not in spec or spec.get("codec") != AVRO_CODEC:
            continue
        specs.add(where)
        decoded, problem = _decode_problem(file, where, spec["blob"])
        if problem is not None:
            problems.append(problem)
        elif "decoded" in spec:
            mismatch = _mismatch(
                file,
                jsonpointer.join(where, "decoded"),
                "the value the blob decodes to",
                decoded,
                spec["decoded"],
            )
            if mismatch is not None:
                problems.append(mismatch)
    for node, where in _walk(document, ""):
        if where in specs or not _is_avro_envelope(node):
            continue
        decoded, problem = _decode_problem(file, where, node["blob"])
        if problem is not None:
            problems.append(problem)
            continue
        parent_pointer, _, last = where.rpartition("/")
        name = jsonpointer.unescape(last)
        if not name.endswith(ENVELOPE_SUFFIX) or len(name) == len(ENVELOPE_SUFFIX):
            continue
        try:
            parent = jsonpointer.resolve(document, parent_pointer)
        except jsonpointer.PointerError:
            continue
        sibling = name[: -len(ENVELOPE_SUFFIX)]
        if isinstance(parent, dict) and sibling in parent:
            mismatch = _mismatch(
                file,
                jsonpointer.join(parent_pointer, sibling),
                f"the value {name}'s blob decodes to",
                decoded,
                parent[sibling],
            )
            if mismatch is not None:
                problems.append(mismatch)
    return problems


# ── one document ─────────────────────────────────────────────────────────


def _operation(document: dict[str, Any]) -> str | None:
    operation = document.get("operation")
    return operation if isinstance(operation, str) and OPERATION_PATTERN.match(operation) else None


def file_name_problems(document: dict[str, Any], path: Path) -> list[Problem]:
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
    return problems


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
            problems += directory_problems
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
    report = ValidationReport(files=files)
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
