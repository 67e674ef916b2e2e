"""The CLI's published ``--json`` output schemas, and the check of one command's output against them.

The ``dw`` repository publishes a manifest (``schemas/output/manifest.json``,
schema ``durable-workflow.cli.output-schema-manifest``) that maps each command
to a draft 2020-12 JSON Schema of what ``dw <command> --json`` prints. A CLI
repository's gate points the harness at it with ``--cli-output-schemas``;
without it the CLI's output is "not asserted" against a schema.

Decisions:

* A manifest entry's ``output`` says when the command prints that JSON:
  ``--json`` only when asked (the fixture's argv must hold ``--json``), or
  ``stdout-json`` always (``workflow:history-export``).
* A manifest entry's ``schema`` path is resolved against the checkout that
  holds the manifest (``<root>/schemas/output/manifest.json`` names
  ``schemas/output/x.schema.json``), then beside the manifest.
* Each schema's ``sha256`` in the manifest is checked: a schema that does not
  match its manifest is an input problem (the gate would check a schema the
  CLI did not publish).
* Schemas refer to each other by file name (``workflow-list.schema.json#/...``):
  every schema of the manifest is registered under its ``$id`` and under its
  file name, so those references resolve without any network access.
* Every problem with the manifest (unreadable, a missing schema, a bad
  digest, a schema that is not valid draft 2020-12) is an
  :class:`~conformance.problems.InputError` naming the file and the pointer;
  the run refuses to start with it (a configuration error), since a gate
  that silently checks nothing is worse than one that stops.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError
from referencing import Registry, Resource

from conformance import jsonpointer
from conformance.findings import Difference
from conformance.input_file import read_input_bytes
from conformance.problems import InputError, Problem

__all__ = ["CliOutputSchemas", "load_cli_output_schemas"]

MANIFEST_SCHEMA = "durable-workflow.cli.output-schema-manifest"
MAX_ERRORS = 20


@dataclass
class CliOutputSchemas:
    """Validators by command name (``workflow:list``), from one manifest."""

    manifest: Path
    version: Any
    validators: dict[str, Draft202012Validator] = field(default_factory=dict)
    schema_files: dict[str, str] = field(default_factory=dict)
    #: The raw schema of each command, and the registry its references resolve in (for mutants).
    schemas: dict[str, dict[str, Any]] = field(default_factory=dict)
    registry: Registry[Any] = field(default_factory=Registry)
    #: How each command prints JSON: ``--json`` (only when asked) or ``stdout-json`` (always).
    output_modes: dict[str, str] = field(default_factory=dict)

    def prints_json(self, command: str, argv: Any) -> bool:
        """Whether ``dw <command>`` with this fixture ``argv`` prints the JSON its schema describes."""
        if self.output_modes.get(command) == "stdout-json":
            return True
        return isinstance(argv, dict) and argv.get("--json") is True

    def with_schema(self, command: str, schema: dict[str, Any]) -> CliOutputSchemas:
        """A copy in which ``command``'s output must match ``schema`` instead (the self-test's mutants)."""
        copy = CliOutputSchemas(self.manifest, self.version, dict(self.validators), dict(self.schema_files))
        copy.schemas, copy.registry = {**self.schemas, command: schema}, self.registry
        copy.output_modes = self.output_modes
        copy.validators[command] = Draft202012Validator(schema, registry=self.registry)
        return copy

    def schema_for(self, command: str) -> str | None:
        """The schema file (relative to the manifest's checkout) that ``command``'s output must match."""
        return self.schema_files.get(command)

    def check(self, command: str, output: Any, *, base: str = "/output") -> list[Difference] | None:
        """Differences of ``output`` from ``command``'s schema; ``None`` when no schema covers the command."""
        validator = self.validators.get(command)
        if validator is None:
            return None
        differences: list[Difference] = []
        errors = sorted(validator.iter_errors(output), key=lambda item: [str(t) for t in item.absolute_path])
        for error in errors[:MAX_ERRORS]:
            pointer = jsonpointer.join(base, *[str(token) for token in error.absolute_path])
            keyword = error.validator
            differences.append(
                Difference(
                    pointer,
                    "schema_violation",
                    f"{keyword}: {_short(error.validator_value)}",
                    error.instance if not isinstance(error.instance, dict | list) else None,
                    "failure",
                    f"{self.schema_files.get(command, '')}: {error.message[:300]}",
                )
            )
        return differences


def _short(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, default=str)
    return text if len(text) <= 120 else text[:119] + "…"


#: Upper bound on the manifest and on each schema file it names (the CLI's are a few kilobytes).
MAX_SCHEMA_FILE_BYTES = 8 * 1024 * 1024


def _read_json(path: Path, file: str) -> Any:
    raw = read_input_bytes(path, max_bytes=MAX_SCHEMA_FILE_BYTES)  # a regular file, size and time bounded
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise InputError([Problem(file, "", "a JSON document", str(error)[:200])]) from error


def _schema_path(manifest: Path, relative: str) -> Path | None:
    root = manifest.resolve().parent
    candidates = [root.parent.parent / relative, root / relative, root / Path(relative).name]
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    return None


def load_cli_output_schemas(manifest: Path) -> CliOutputSchemas:
    """Load the manifest and every schema it names (see the module docstring)."""
    file = str(manifest)
    document = _read_json(manifest, file)
    if not isinstance(document, dict) or document.get("schema") != MANIFEST_SCHEMA:
        found = document.get("schema") if isinstance(document, dict) else type(document).__name__
        raise InputError([Problem(file, "/schema", f"{MANIFEST_SCHEMA!r}", repr(found))])
    commands = document.get("commands")
    if not isinstance(commands, dict) or not commands:
        expected = "an object of command -> schema entries"
        raise InputError([Problem(file, "/commands", expected, repr(commands)[:80])])
    problems: list[Problem] = []
    loaded: dict[str, tuple[str, dict[str, Any], str]] = {}
    by_file: dict[str, dict[str, Any]] = {}
    for command, entry in commands.items():
        where = jsonpointer.join("/commands", command)
        if not isinstance(entry, dict) or not isinstance(entry.get("schema"), str):
            problems.append(Problem(file, where, "an entry with a 'schema' path", repr(entry)[:80]))
            continue
        relative: str = entry["schema"]
        path = _schema_path(manifest, relative)
        if path is None:
            problems.append(Problem(file, where + "/schema", "an existing schema file", relative))
            continue
        try:
            raw = read_input_bytes(path, max_bytes=MAX_SCHEMA_FILE_BYTES)
        except InputError as error:
            problems.extend(error.problems)
            continue
        digest = entry.get("sha256")
        if isinstance(digest, str) and digest.removeprefix("sha256:") != hashlib.sha256(raw).hexdigest():
            problems.append(
                Problem(file, where + "/sha256", f"the digest of {relative}", "a schema that does not match")
            )
            continue
        try:
            schema = json.loads(raw.decode("utf-8"))
            Draft202012Validator.check_schema(schema)
        except (UnicodeDecodeError, json.JSONDecodeError, SchemaError) as error:
            problems.append(Problem(str(path), "", "a draft 2020-12 JSON Schema", str(error)[:200]))
            continue
        loaded[command] = (relative, schema, str(entry.get("output") or "--json"))
        by_file[path.name] = schema
    if problems:
        raise InputError(problems)
    registry: Registry[Any] = Registry()
    for name, schema in by_file.items():
        resource = Resource.from_contents(schema)
        registry = registry.with_resource(name, resource)
        if isinstance(schema.get("$id"), str):
            registry = registry.with_resource(schema["$id"], resource)
    result = CliOutputSchemas(manifest=manifest, version=document.get("version"), registry=registry)
    for command, (relative, schema, mode) in loaded.items():
        result.validators[command] = Draft202012Validator(schema, registry=registry)
        result.schema_files[command] = relative
        result.schemas[command] = schema
        result.output_modes[command] = mode
    return result
