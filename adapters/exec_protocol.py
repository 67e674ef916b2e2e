"""The ``exec`` adapter: clients in any language, through a small JSON protocol.

A client author writes a program in their language and a manifest
(``adapter.yaml``); ``--adapter exec=path/to/adapter.yaml`` runs it. The
protocol is documented for authors in ``README.md`` beside this file; the
JSON Schemas of the request and the result are :data:`REQUEST_SCHEMA` and
:data:`RESULT_SCHEMA` (the README shows the same documents, and a test keeps
the two in step).

Design decisions:

- **One process per case.** The harness runs the manifest's ``command`` with
  one JSON request on stdin and reads one JSON result on stdout; stderr is
  kept for the report. The process runs in its own process group, in the
  manifest's working directory, with the environment scrubbed as for the CLI
  (see :mod:`conformance.adapters.child_env`) plus the case's connection in
  ``DURABLE_WORKFLOW_SERVER_URL`` / ``_NAMESPACE`` / ``_AUTH_TOKEN``. At the
  time limit the whole group is killed and the case is ``timeout``.
- **Strict stdout.** stdout must hold exactly one JSON object (surrounding
  whitespace allowed) that follows :data:`RESULT_SCHEMA`. Nothing printed,
  something that is not JSON, or a result that breaks the schema is a
  ``harness_error`` for that case, with a message that says which and shows
  the start of what was printed. Logs belong on stderr.
- **Drive and error surface.** The request's ``drive`` says whether to walk
  every page (``{"walk": true}``); a program that cannot walk the operation
  answers ``skipped`` with the reason. A ``client_error`` result may carry an
  ``error_surface`` object (what the client surfaced: status, code, message,
  validation errors, retry-after...), kept as the outcome's ``error_surface``.
- **The result is believed.** A program that reports ``completed`` and exits
  non-zero keeps ``completed`` (the exit code is recorded and mentioned).
  A result with ``"replayed": true`` (added to protocol 1 compatibly: older
  harnesses ignore the key) says the program replayed the fixture's
  ``canonical_request`` instead of using its client; the case is marked
  replayed and the run cannot read ``full`` (:mod:`conformance.replays`).
  Extra keys in the result are ignored, so later protocol versions can add
  some without breaking older harnesses.
- **A bad manifest stops the run early.** Loading it (at construction) raises
  :class:`~conformance.adapters.base.AdapterError` whose message lists every
  problem with the file and the JSON pointer, like fixture problems. A
  command whose program cannot be found makes the adapter *unavailable*.
- **The client's own surfaced-facts map.** ``surfaced_facts`` declares where
  the client surfaces each fact of ``semantic_body``, in the shape of
  ``data/surfaced-facts.yaml`` and for the manifest's projection key only:
  inline (a mapping) or in a YAML file beside the manifest (a path relative
  to it). Both go through :func:`~conformance.response.facts_map.parse_client_facts`.
  Its problems do not stop the run: they concern this client's cases of one
  operation, so they are input problems (file and pointer), and those cases
  do not run (:mod:`conformance.planning`).
"""

from __future__ import annotations

import json
import os
import re
import shutil
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

from conformance import jsonpointer
from conformance.adapters.base import (
    Adapter,
    AdapterError,
    Availability,
    CaseInput,
    ClientIdentity,
    ClientOutcome,
)
from conformance.adapters.child_env import client_environment
from conformance.adapters.process_outcome import ProcessWording, process_outcome
from conformance.canonical_request import canonical_request
from conformance.fixture import KNOWN_TOP_LEVEL_KEYS, Fixture
from conformance.problems import InputError, Problem
from conformance.processes import ProcessResult, run_process
from conformance.response.facts_map import ClientFacts, parse_client_facts
from conformance.schema_files import checked_validator
from conformance.strict_yaml import load_yaml_file

PROTOCOL = "dw-conformance.exec-adapter"
PROTOCOL_VERSION = 1
MANIFEST_NAME = "adapter.yaml"
MAX_MANIFEST_BYTES = 64 * 1024
RESULT_STATUSES = ("completed", "client_error", "skipped")
_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
_PROJECTION = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_TARGET = re.compile(r"^[a-z0-9][a-z0-9_]*$")
_SHOWN = 200
WORDING = ProcessWording(
    start_failed="the adapter program could not start: {error}",
    timed_out="the adapter program did not finish within {timeout} s; its group was killed",
)

#: JSON Schema of the request the harness writes on the program's stdin.
REQUEST_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "dw-conformance exec adapter request, protocol version 1",
    "type": "object",
    "required": [
        "protocol",
        "protocol_version",
        "case_id",
        "operation",
        "fixture_path",
        "fixture",
        "projection_key",
        "projection",
        "server_url",
        "namespace",
        "token",
        "timeout_seconds",
        "scratch_dir",
    ],
    "properties": {
        "protocol": {"const": PROTOCOL},
        "protocol_version": {"const": PROTOCOL_VERSION},
        "case_id": {"type": "string"},
        "operation": {"type": "string"},
        "fixture_path": {"type": "string"},
        "fixture": {"type": "object"},
        "projection_key": {"type": "string"},
        "projection": {"type": "object"},
        "has_projection": {"type": "boolean"},
        "semantic_body": True,
        "canonical_request": {
            "type": ["object", "null"],
            "required": ["method", "path", "query", "has_body", "body"],
            "properties": {
                "method": {"type": "string"},
                "path": {"type": "string"},
                "query": {
                    "type": "object",
                    "additionalProperties": {"type": "array", "items": {"type": "string"}},
                },
                "has_body": {"type": "boolean"},
                "body": True,
            },
        },
        "server_url": {"type": "string"},
        "namespace": {"type": "string"},
        "token": {"type": "string"},
        "timeout_seconds": {"type": "number", "exclusiveMinimum": 0},
        "scratch_dir": {"type": "string"},
        "drive": {
            "type": "object",
            "required": ["walk"],
            "properties": {"walk": {"type": "boolean"}, "machine_output": {"type": "boolean"}},
            "additionalProperties": True,
        },
    },
    "additionalProperties": True,
}

#: What a manifest's ``drives`` may declare (see ``Drive``): the program walks every page when asked.
KNOWN_DRIVES = ("walk",)

#: JSON Schema of the result the program prints on stdout.
RESULT_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "dw-conformance exec adapter result, protocol version 1",
    "type": "object",
    "required": ["status"],
    "properties": {
        "protocol_version": {"const": PROTOCOL_VERSION},
        "status": {"enum": list(RESULT_STATUSES)},
        "error": {"type": ["string", "null"]},
        "output": True,
        "error_surface": {"type": ["object", "null"]},
        "replayed": {"type": "boolean"},
    },
    "allOf": [
        {
            "if": {"properties": {"status": {"enum": ["client_error", "skipped"]}}},
            "then": {"required": ["error"], "properties": {"error": {"type": "string", "minLength": 1}}},
        }
    ],
    "additionalProperties": True,
}


@dataclass(frozen=True)
class Manifest:
    """A loaded, checked ``adapter.yaml``."""

    path: Path
    name: str
    projection: str
    target: str
    command: tuple[str, ...]
    working_directory: Path
    client: ClientIdentity
    #: Drives the program declares it understands (``drives: [walk]``); a walk is skipped without it.
    drives: frozenset[str] = frozenset()
    #: The client's own surfaced-facts map (``surfaced_facts``), when the manifest declares one.
    surfaced_facts: ClientFacts | None = None


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return f"{type(value).__name__} {value!r}"[:80]


def _string(
    document: dict[str, Any],
    key: str,
    file: str,
    problems: list[Problem],
    pattern: re.Pattern[str] | None = None,
    what: str = "a non-empty string",
    base: str = "",
) -> str:
    pointer = jsonpointer.join(base, key)
    if key not in document:
        problems.append(Problem(file, pointer, f"the required key {key!r} ({what})", "nothing"))
        return ""
    value = document[key]
    if not isinstance(value, str) or not value.strip():
        problems.append(Problem(file, pointer, what, _kind(value)))
        return ""
    if pattern is not None and not pattern.match(value):
        problems.append(Problem(file, pointer, what, repr(value)))
        return ""
    return value


def load_manifest(path: Path) -> Manifest:
    """Read and check a manifest; :class:`AdapterError` lists every problem (file and pointer)."""
    if path.is_dir():
        path = path / MANIFEST_NAME
    file = str(path)
    try:
        document = load_yaml_file(path, max_bytes=MAX_MANIFEST_BYTES)
    except InputError as error:
        raise AdapterError(str(error)) from None
    if not isinstance(document, dict):
        expected = "a mapping (name, projection, target, command, client)"
        raise AdapterError(Problem(file, "", expected, _kind(document)).render())
    problems: list[Problem] = []
    version = document.get("adapter_protocol", PROTOCOL_VERSION)
    if version != PROTOCOL_VERSION or isinstance(version, bool):
        expected = f"the protocol version {PROTOCOL_VERSION}"
        problems.append(Problem(file, "/adapter_protocol", expected, _kind(version)))
    name = _string(document, "name", file, problems, _NAME, "a name of lower-case letters, digits, . _ -")
    projection = _string(document, "projection", file, problems, _PROJECTION, "a key such as sdk_node")
    if projection in KNOWN_TOP_LEVEL_KEYS:
        expected = "a projection key, not a fixture field"
        problems.append(Problem(file, "/projection", expected, repr(projection)))
    target = _string(document, "target", file, problems, _TARGET, "a target such as official_sdk")
    command: list[str] = []
    raw_command = document.get("command")
    if raw_command is None:
        expected = "the required key 'command' (a list of strings)"
        problems.append(Problem(file, "/command", expected, "nothing"))
    elif not isinstance(raw_command, list) or not raw_command:
        problems.append(Problem(file, "/command", "a non-empty list of strings", _kind(raw_command)))
    else:
        for index, item in enumerate(raw_command):
            if isinstance(item, str) and item:
                command.append(item)
            else:
                problems.append(Problem(file, f"/command/{index}", "a non-empty string", _kind(item)))
    working = path.parent.resolve()
    raw_directory = document.get("working_directory", ".")
    if not isinstance(raw_directory, str) or not raw_directory:
        expected = "a directory relative to the manifest"
        problems.append(Problem(file, "/working_directory", expected, _kind(raw_directory)))
    else:
        working = (path.parent / raw_directory).resolve()
        if not working.is_dir():
            problems.append(Problem(file, "/working_directory", "an existing directory", str(working)))
    client = ClientIdentity("", "", "")
    raw_client = document.get("client")
    if not isinstance(raw_client, dict):
        found = "nothing" if raw_client is None else _kind(raw_client)
        problems.append(Problem(file, "/client", "a mapping with name, version and installed", found))
    else:
        client_name = _string(raw_client, "name", file, problems, base="/client")
        client_version = _string(raw_client, "version", file, problems, base="/client")
        installed = raw_client.get("installed", f"declared in {path.name}")
        if not isinstance(installed, str) or not installed:
            problems.append(Problem(file, "/client/installed", "a non-empty string", _kind(installed)))
        client = ClientIdentity(client_name, client_version, str(installed))
        problems.extend(
            Problem(file, jsonpointer.join("/client", key), "only name, version, installed", f"key {key!r}")
            for key in raw_client
            if key not in ("name", "version", "installed")
        )
    drives: set[str] = set()
    raw_drives = document.get("drives", [])
    if not isinstance(raw_drives, list):
        problems.append(Problem(file, "/drives", f"a list of {', '.join(KNOWN_DRIVES)}", _kind(raw_drives)))
    else:
        for index, item in enumerate(raw_drives):
            if item in KNOWN_DRIVES:
                drives.add(str(item))
            else:
                expected = f"one of {', '.join(KNOWN_DRIVES)}"
                problems.append(Problem(file, f"/drives/{index}", expected, _kind(item)))
    known = {
        "adapter_protocol",
        "name",
        "projection",
        "target",
        "command",
        "working_directory",
        "client",
        "drives",
        "surfaced_facts",
    }
    problems.extend(
        Problem(file, jsonpointer.join("", str(key)), "only " + ", ".join(sorted(known)), f"key {key!r}")
        for key in document
        if key not in known
    )
    if problems:
        raise AdapterError("\n".join(problem.render() for problem in problems))
    return Manifest(
        path.resolve(),
        name,
        projection,
        target,
        tuple(command),
        working,
        client,
        frozenset(drives),
        _client_facts(document, path, projection),
    )


def _client_facts(document: dict[str, Any], path: Path, projection: str) -> ClientFacts | None:
    """The manifest's ``surfaced_facts``: inline, or the YAML file it names (relative to the manifest)."""
    if "surfaced_facts" not in document:
        return None
    declared = document["surfaced_facts"]
    if isinstance(declared, str) and declared:
        file = path.parent / declared
        try:
            loaded = load_yaml_file(file)
        except InputError as error:
            return ClientFacts(projection, str(file), "", problems=tuple(error.problems), unreadable=True)
        return parse_client_facts(loaded, str(file), "", projection)
    if declared is not None and not isinstance(declared, dict):
        expected = "a mapping of operation id to its facts, or a YAML file of one beside the manifest"
        problem = Problem(str(path), "/surfaced_facts", expected, _kind(declared))
        return ClientFacts(projection, str(path), "/surfaced_facts", problems=(problem,), unreadable=True)
    return parse_client_facts(declared, str(path), "/surfaced_facts", projection)


def build_request(case: CaseInput, manifest: Manifest) -> dict[str, Any]:
    """The request document for one case (see :data:`REQUEST_SCHEMA`)."""
    fixture = case.fixture
    return {
        "protocol": PROTOCOL,
        "protocol_version": PROTOCOL_VERSION,
        "case_id": case.case_id or f"{fixture.name}::{manifest.name}",
        "operation": fixture.operation,
        "fixture_path": str(fixture.path),
        "fixture": fixture.data,
        "projection_key": manifest.projection,
        "projection": fixture.projection(manifest.projection) or {},
        "has_projection": fixture.projection(manifest.projection) is not None,
        "semantic_body": fixture.data.get("semantic_body"),
        "canonical_request": _canonical_or_none(fixture),
        "server_url": case.server_url,
        "namespace": case.namespace,
        "token": case.token,
        "timeout_seconds": case.timeout,
        "scratch_dir": str(case.work_dir),
        "drive": case.drive.to_json(),
    }


def _canonical_or_none(fixture: Fixture) -> dict[str, Any] | None:
    """The fixture's canonical request as plain JSON (``None`` when the fixture contradicts itself)."""
    try:
        request = canonical_request(fixture)
    except InputError:
        return None
    return {
        "method": request.method,
        "path": request.path,
        "query": {name: list(values) for name, values in request.query.items()},
        "has_body": request.has_body,
        "body": request.body,
    }


def _shown(text: str) -> str:
    flat = text.strip().replace("\n", "\\n")
    return flat if len(flat) <= _SHOWN else flat[:_SHOWN] + "..."


def _last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1][:_SHOWN] if lines else ""


@cache
def _result_validator() -> Draft202012Validator:
    return checked_validator(RESULT_SCHEMA)


def interpret_result(stdout: str, stderr: str, exit_code: int | None) -> ClientOutcome:
    """The outcome a program's stdout describes; garbage or nothing is a ``harness_error``."""
    outcome = ClientOutcome("harness_error", exit_code=exit_code, stdout=stdout, stderr=stderr)
    tail = f"; stderr ends with: {_last_line(stderr)}" if stderr.strip() else ""
    hint = f" (exit code {exit_code}{tail})"
    if not stdout.strip():
        outcome.detail = "the adapter program printed nothing on stdout; it must print one JSON result" + hint
        return outcome
    try:
        document = json.loads(stdout)
    except ValueError as error:
        outcome.detail = (
            f"the adapter program's stdout is not one JSON document ({error}); "
            f"it printed: {_shown(stdout)}{hint}"
        )
        return outcome
    errors = sorted(_result_validator().iter_errors(document), key=lambda e: list(e.path))
    if errors:
        first = errors[0]
        pointer = jsonpointer.from_tokens(list(first.path)) or "(result)"
        outcome.detail = f"the program's result breaks the protocol at {pointer}: {first.message}{hint}"
        return outcome
    status = document["status"]
    error_text = document.get("error")
    outcome.status = status
    outcome.output = document.get("output")
    outcome.replayed = document.get("replayed") is True and status != "skipped"
    if status == "client_error":
        outcome.exception = str(error_text)
        surface = document.get("error_surface")
        if isinstance(surface, dict):
            outcome.error_surface = surface
    elif status == "skipped":
        outcome.detail = str(error_text)
    if exit_code not in (0, None) and status == "completed":
        outcome.detail = f"the program reported completed but exited with {exit_code}"
    return outcome


class ExecAdapter(Adapter):
    name = "exec"
    projection = "exec"
    target = "exec"

    def __init__(self, arg: str | None = None, **options: Any) -> None:
        super().__init__(arg, **options)
        if not arg:
            raise AdapterError("the exec adapter needs a manifest: --adapter exec=path/to/adapter.yaml")
        self.manifest = load_manifest(Path(arg).expanduser())

    @property
    def label(self) -> str:
        return self.manifest.name

    @property
    def projection_key(self) -> str:
        return self.manifest.projection

    @property
    def claimed_target(self) -> str:
        return self.manifest.target

    def identity(self) -> ClientIdentity:
        return self.manifest.client

    def surfaced_facts(self) -> ClientFacts | None:
        return self.manifest.surfaced_facts

    def skip_reason(self, fixture: Fixture) -> str | None:
        """Never for a missing projection: such a fixture is judged against its canonical request.

        A new-language client runs the whole corpus unmodified; its program
        gets ``has_projection: false``, the ``semantic_body`` and the
        ``canonical_request`` to act on.
        """
        return None

    def program(self) -> str | None:
        """The first word of the command as an absolute path (``None`` when it cannot be found).

        Symlinks are *not* resolved: a virtualenv's ``bin/python`` is a
        symlink to the base interpreter, and only the link's own path makes
        Python use the virtualenv.
        """
        first = self.manifest.command[0]
        if os.sep in first or (os.altsep and os.altsep in first):
            candidate = Path(os.path.normpath(self.manifest.working_directory / first))
            return str(candidate) if candidate.is_file() and os.access(candidate, os.X_OK) else None
        return shutil.which(first)

    def check_available(self) -> Availability:
        if self.program() is None:
            first = self.manifest.command[0]
            where = f"in {self.manifest.working_directory}" if os.sep in first else "on PATH"
            reason = f"{self.manifest.path}: /command/0: {first!r} is not an executable {where}"
            return Availability(False, reason)
        return Availability(True)

    def run(self, case: CaseInput) -> ClientOutcome:
        program = self.program()
        if program is None:
            return ClientOutcome("harness_error", detail=self.check_available().reason)
        if case.drive.walk and "walk" not in self.manifest.drives:
            # a protocol-1 program written before walks existed would make one call and be blamed
            return ClientOutcome(
                "skipped", detail=f"{self.manifest.path.name} does not declare drives: [walk] (a paged walk)"
            )
        case.work_dir.mkdir(parents=True, exist_ok=True)
        request = build_request(case, self.manifest)
        result = run_process(
            [program, *self.manifest.command[1:]],
            env=client_environment(case.server_url, case.namespace, case.token),
            cwd=self.manifest.working_directory,
            timeout=case.timeout,
            stdin_data=json.dumps(request).encode("utf-8"),
        )
        outcome = process_outcome(result, wording=WORDING, shown_timeout=case.timeout, finished=_finished)
        return outcome.redacted([case.token])


def _finished(result: ProcessResult) -> ClientOutcome:
    outcome = interpret_result(result.stdout, result.stderr, result.exit_code)
    outcome.duration = result.duration
    return outcome
