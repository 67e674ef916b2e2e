"""Operation tables: CLI command names, SDK method names and file slugs.

The tables live in ``data/operations.yaml`` and can be extended by a user
file of the same shape (:func:`load_tables`); the only code here is the
general CLI naming rule for operations the table does not list.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from conformance.problems import InputError, Problem
from conformance.strict_yaml import load_shipped_yaml, load_yaml_file

OPERATION_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]*(\.[a-z0-9][a-z0-9_-]*)+$")


@dataclass(frozen=True)
class OperationTables:
    cli_commands: dict[str, str] = field(default_factory=dict)
    sdk_methods: dict[str, str] = field(default_factory=dict)

    def cli_command(self, operation: str) -> str:
        """The ``dw`` command for ``operation`` (table first, then the rule)."""
        if operation in self.cli_commands:
            return self.cli_commands[operation]
        group, _, rest = operation.partition(".")
        return f"{group.replace('_', '-')}:{rest.replace('.', '-').replace('_', '-')}"

    def sdk_method(self, operation: str) -> str | None:
        return self.sdk_methods.get(operation)

    def merged(self, other: OperationTables) -> OperationTables:
        return OperationTables(
            cli_commands={**self.cli_commands, **other.cli_commands},
            sdk_methods={**self.sdk_methods, **other.sdk_methods},
        )


def operation_slug(operation: str) -> str:
    """``workflow-task.history`` -> ``workflow-task-history`` (file names are ``<slug>-parity.json``)."""
    return operation.replace(".", "-").replace("_", "-")


def fixture_file_name(operation: str) -> str:
    return f"{operation_slug(operation)}-parity.json"


def _tables_from(document: Any, source: str) -> OperationTables:
    problems: list[Problem] = []
    if not isinstance(document, dict):
        raise InputError(
            [Problem(source, "", "a mapping with cli_commands and/or sdk_methods", type(document).__name__)]
        )
    tables: dict[str, dict[str, str]] = {}
    for key in ("cli_commands", "sdk_methods"):
        section = document.get(key, {}) or {}
        if not isinstance(section, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in section.items()
        ):
            problems.append(
                Problem(source, f"/{key}", "a mapping of operation id to name", repr(section)[:80])
            )
            continue
        tables[key] = dict(section)
    unknown = sorted(set(document) - {"cli_commands", "sdk_methods"})
    if unknown:
        problems.append(
            Problem(source, f"/{unknown[0]}", "only cli_commands and sdk_methods", f"key {unknown[0]!r}")
        )
    if problems:
        raise InputError(problems)
    return OperationTables(tables.get("cli_commands", {}), tables.get("sdk_methods", {}))


def default_tables() -> OperationTables:
    text = resources.files("conformance").joinpath("data/operations.yaml").read_text(encoding="utf-8")
    file = "conformance/data/operations.yaml"
    return _tables_from(load_shipped_yaml(text, file), file)


def load_tables(extra: Path | None = None) -> OperationTables:
    """The shipped tables, extended by ``extra`` when given."""
    tables = default_tables()
    if extra is None:
        return tables
    return tables.merged(_tables_from(load_yaml_file(extra), str(extra)))
