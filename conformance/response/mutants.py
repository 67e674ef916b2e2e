"""Mutants of the response side's expectations, for the self-test.

The self-test proves a check catches what it claims to: it changes one thing
the check relies on and judges the same captured case again. On the response
side, the things a verdict relies on are:

* **the fixture's ``response_body``** (what the client should surface).
  ``response_value``: one value the client surfaced, changed in the
  fixture (a string gets a suffix, a number grows by one, a boolean flips,
  ``null`` becomes a string); ``response_type``: the same value given
  another JSON type (``42`` -> ``"42"``). Only values the unmutated verdict
  actually compared are mutated: a value nobody surfaced cannot be caught,
  and the report says how many were left out that way.
* **the CLI's output schema for the command** (what ``dw --json`` must
  look like). ``schema_type``: a property the output has is required to be
  of another JSON type; ``schema_required``: a property the output lacks is
  made required.

Each mutant names the pointer in the output where the verdict must now
fail. :func:`judge_mutant` re-judges the case and says whether it did.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from conformance import jsonpointer
from conformance.response.facts_map import OperationFacts
from conformance.response.surfaced import compare_surfaced
from conformance.response.verdict import CLI_PROJECTION, ResponseVerdict, judge_response
from conformance.textsafe import json_type

if TYPE_CHECKING:
    from conformance.adapters.base import ClientOutcome
    from conformance.capture import CapturedExchange
    from conformance.fixture import Fixture
    from conformance.policy import Policy
    from conformance.response.cli_schemas import CliOutputSchemas

__all__ = [
    "RESPONSE_MUTATION_KINDS",
    "ResponseCase",
    "ResponseMutant",
    "derive_response_mutants",
    "judge_mutant",
]

RESPONSE_MUTATION_KINDS = ("response_value", "response_type", "schema_type", "schema_required")
_OTHER_TYPE_VALUE: dict[str, Any] = {
    "string": 7,
    "integer": "7",
    "double": "7.5",
    "boolean": "true",
    "null": "null",
    "object": [],
    "array": {},
}
_SCHEMA_TYPE_INSTEAD = {
    "string": "integer",
    "integer": "string",
    "double": "string",
    "boolean": "string",
    "null": "string",
    "object": "array",
    "array": "object",
}


@dataclass(frozen=True)
class ResponseCase:
    """What one captured case gives the response judge (everything but the expectations)."""

    fixture: Fixture
    projection_key: str
    outcome: ClientOutcome
    operation: CapturedExchange | None
    live: bool = False
    cli_command: str | None = None
    cli_schemas: CliOutputSchemas | None = None
    policy: Policy | None = None
    namespace: str = ""
    facts: OperationFacts | None = None

    def judge(
        self, fixture: Fixture | None = None, schemas: CliOutputSchemas | None = None
    ) -> ResponseVerdict:
        return judge_response(
            fixture or self.fixture,
            self.projection_key,
            self.outcome,
            self.operation,
            live=self.live,
            cli_command=self.cli_command,
            cli_schemas=schemas or self.cli_schemas,
            policy=self.policy,
            namespace=self.namespace,
            facts=self.facts,
        )


@dataclass(frozen=True)
class ResponseMutant:
    kind: str
    #: Where in the client's output the mutated verdict must fail (``/output/outcome``).
    target: str
    description: str
    fixture: Fixture | None = None
    schemas: CliOutputSchemas | None = None


def _changed_value(value: Any) -> Any:
    if isinstance(value, bool):
        return not value
    if isinstance(value, int | float):
        return value + 1
    if isinstance(value, str):
        return value + "-dw-mutant"
    return "dw-mutant"


def _response_mutants(case: ResponseCase) -> list[ResponseMutant]:
    fixture = case.fixture
    if case.live or not fixture.has_response_body or case.outcome.status != "completed":
        return []
    comparison = compare_surfaced(case.outcome.output, fixture.response_body)
    mutants: list[ResponseMutant] = []
    for output_pointer, answer_pointer in comparison.pairs:
        try:
            original = jsonpointer.resolve(fixture.response_body, answer_pointer)
        except jsonpointer.PointerError:
            continue  # inside a payload envelope of the answer: its blob is not edited here
        for kind, value in (
            ("response_value", _changed_value(original)),
            ("response_type", _OTHER_TYPE_VALUE[json_type(original)]),
        ):
            data = copy.deepcopy(fixture.data)
            body = data["response_body"]
            tokens = jsonpointer.parse(answer_pointer)
            parent = jsonpointer.resolve(body, jsonpointer.from_tokens(tokens[:-1]))
            last: str | int = int(tokens[-1]) if isinstance(parent, list) else tokens[-1]
            parent[last] = value
            mutants.append(
                ResponseMutant(
                    kind,
                    output_pointer,
                    f"response_body{answer_pointer}: {original!r} -> {value!r}",
                    fixture=fixture.with_data(data),
                )
            )
    return mutants


def _schema_mutants(case: ResponseCase) -> list[ResponseMutant]:
    schemas, command, output = case.cli_schemas, case.cli_command, case.outcome.output
    if case.projection_key != CLI_PROJECTION or schemas is None or command is None:
        return []
    schema = schemas.schemas.get(command)
    if schema is None or not isinstance(output, dict) or case.outcome.status != "completed":
        return []
    if not schemas.prints_json(command, (case.fixture.projection(CLI_PROJECTION) or {}).get("argv")):
        return []
    mutants: list[ResponseMutant] = []
    for key in sorted(output):
        instead = _SCHEMA_TYPE_INSTEAD[json_type(output[key])]
        mutated = copy.deepcopy(schema)
        mutated.setdefault("properties", {})[key] = {"type": instead}
        mutated.pop("oneOf", None)  # a oneOf branch could otherwise mask the property's new type
        pointer = jsonpointer.join("/output", key)
        mutants.append(
            ResponseMutant(
                "schema_type",
                pointer,
                f"{command}: {key} must be {instead}",
                schemas=schemas.with_schema(command, mutated),
            )
        )
    required = copy.deepcopy(schema)
    required["required"] = [*required.get("required", []), "dw_mutant_required"]
    mutants.append(
        ResponseMutant(
            "schema_required",
            "/output",
            f"{command}: requires dw_mutant_required",
            schemas=schemas.with_schema(command, required),
        )
    )
    return mutants


def derive_response_mutants(case: ResponseCase) -> list[ResponseMutant]:
    """Every response-side mutant of one captured case (see the module docstring)."""
    return [*_response_mutants(case), *_schema_mutants(case)]


def _failure_keys(verdict: ResponseVerdict) -> set[tuple[str, str]]:
    return {(item.pointer, repr(item.expected)) for item in verdict.differences}


def judge_mutant(case: ResponseCase, base: ResponseVerdict, mutant: ResponseMutant) -> bool:
    """Whether the mutant's verdict has a new failure at or below its target (the catch rule)."""
    verdict = case.judge(mutant.fixture, mutant.schemas)
    new = _failure_keys(verdict) - _failure_keys(base)
    return any(pointer == mutant.target or pointer.startswith(mutant.target + "/") for pointer, _ in new)


def catch_counts(case: ResponseCase, mutants: Sequence[ResponseMutant]) -> dict[str, tuple[int, int]]:
    """``kind -> (caught, total)`` for ``mutants`` of ``case``."""
    base = case.judge()
    counts: dict[str, tuple[int, int]] = {}
    for mutant in mutants:
        caught, total = counts.get(mutant.kind, (0, 0))
        counts[mutant.kind] = (caught + judge_mutant(case, base, mutant), total + 1)
    return counts


@dataclass
class ResponseSelftest:
    """The response side's part of the self-test: mutants per kind, and false alarms."""

    #: kind -> [caught, total]
    counts: dict[str, list[int]] = field(default_factory=dict)
    #: ``case id: what failed`` for each unmutated case whose response side failed or erred.
    false_alarms: list[str] = field(default_factory=list)
    #: ``case id kind target: description`` for each mutant that was not caught.
    missed: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(total for _caught, total in self.counts.values())

    @property
    def caught(self) -> int:
        return sum(caught for caught, _total in self.counts.values())

    @property
    def passed(self) -> bool:
        return not self.missed and not self.false_alarms

    def add_case(self, case_id: str, case: ResponseCase) -> None:
        """Judge one captured case unmutated (a false alarm if it fails) and every mutant of it."""
        base = case.judge()
        if base.status in ("fail", "error"):
            first = base.differences[0].pointer if base.differences else (base.refusal or base.status)
            self.false_alarms.append(f"{case_id}: response {base.status} ({first})")
            return
        for mutant in derive_response_mutants(case):
            entry = self.counts.setdefault(mutant.kind, [0, 0])
            entry[1] += 1
            if judge_mutant(case, base, mutant):
                entry[0] += 1
            else:
                self.missed.append(f"{case_id} {mutant.kind} at {mutant.target}: {mutant.description}")

    def to_json(self) -> dict[str, Any]:
        return {
            "counts": {kind: {"caught": c, "total": t} for kind, (c, t) in sorted(self.counts.items())},
            "false_alarms": list(self.false_alarms),
            "missed": list(self.missed),
        }
