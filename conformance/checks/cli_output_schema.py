"""Outcome check: ``dw --json`` output matches the schema the CLI publishes for the command.

Only for the ``cli`` projection, and only with ``--cli-output-schemas``
(:mod:`conformance.response.cli_schemas` loads the manifest); "not asserted",
with the reason, without a manifest, without a schema for the command, or
when the fixture's argv does not ask for ``--json``.

Mutants: ``schema_type`` (a property the output has is required to be of
another JSON type; the verdict must fail at that property) and
``schema_required`` (a property the output lacks is required; it must fail
at ``/output``).
"""

from __future__ import annotations

import copy
import dataclasses
from typing import ClassVar

from conformance import jsonpointer
from conformance.checks.base import Subject
from conformance.checks.subjects import OutcomeJudgement, OutcomeMutant, OutcomeSubject
from conformance.textsafe import json_type

__all__ = ["CLI_PROJECTION", "CliOutputSchemaCheck"]

#: Projection key whose client prints a ``--json`` document the CLI's schemas describe.
CLI_PROJECTION = "cli"
_SCHEMA_TYPE_INSTEAD = {
    "string": "integer",
    "integer": "string",
    "double": "string",
    "boolean": "string",
    "null": "string",
    "object": "array",
    "array": "object",
}


class CliOutputSchemaCheck:
    """The CLI's ``--json`` document against the command's published output schema."""

    name: ClassVar[str] = "cli_output_schema"
    subject: ClassVar[Subject] = "outcome"
    mutation_kinds: ClassVar[tuple[str, ...]] = ("schema_type", "schema_required")
    listing_rank: ClassVar[int] = 100

    def judge(self, subject: OutcomeSubject, judgement: OutcomeJudgement) -> None:
        if subject.projection_key != CLI_PROJECTION:
            return
        schemas, command = subject.cli_schemas, subject.cli_command
        if schemas is None:
            judgement.not_asserted.append("--json output schema (no --cli-output-schemas manifest given)")
            return
        if command is None or schemas.schema_for(command) is None:
            judgement.not_asserted.append(f"--json output schema (the manifest has no schema for {command})")
            return
        argv = (subject.fixture.projection(CLI_PROJECTION) or {}).get("argv")
        if not schemas.prints_json(command, argv):
            judgement.not_asserted.append("--json output schema (the fixture's argv does not ask for --json)")
            return
        found = schemas.check(command, subject.outcome.output) or []
        judgement.asserted.append(f"--json output against {schemas.schema_for(command)}")
        judgement.differences.extend(found)
        judgement.evidence = True

    def mutants(self, subject: OutcomeSubject, judgement: OutcomeJudgement) -> list[OutcomeMutant]:
        schemas, command, output = subject.cli_schemas, subject.cli_command, subject.outcome.output
        if subject.projection_key != CLI_PROJECTION or schemas is None or command is None:
            return []
        schema = schemas.schemas.get(command)
        if schema is None or not isinstance(output, dict) or subject.outcome.status != "completed":
            return []
        if not schemas.prints_json(command, (subject.fixture.projection(CLI_PROJECTION) or {}).get("argv")):
            return []
        mutants: list[OutcomeMutant] = []
        for key in sorted(output):
            instead = _SCHEMA_TYPE_INSTEAD[json_type(output[key])]
            mutated = copy.deepcopy(schema)
            mutated.setdefault("properties", {})[key] = {"type": instead}
            mutated.pop("oneOf", None)  # a oneOf branch could otherwise mask the property's new type
            mutants.append(
                OutcomeMutant(
                    "schema_type",
                    jsonpointer.join("/output", key),
                    f"{command}: {key} must be {instead}",
                    dataclasses.replace(subject, cli_schemas=schemas.with_schema(command, mutated)),
                )
            )
        required = copy.deepcopy(schema)
        required["required"] = [*required.get("required", []), "dw_mutant_required"]
        mutants.append(
            OutcomeMutant(
                "schema_required",
                "/output",
                f"{command}: requires dw_mutant_required",
                dataclasses.replace(subject, cli_schemas=schemas.with_schema(command, required)),
            )
        )
        return mutants
