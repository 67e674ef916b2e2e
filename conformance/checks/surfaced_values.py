"""Outcome check: the values a client surfaced agree with the answer it was given.

The client's output (the SDK's return value, ``dw --json``, an exec program's
``output``) is compared value by shared key with the answer: the one served,
with the fixture's ``response_body`` put over it
(:class:`~conformance.checks.subjects.OutcomeJudgement` ``expected``).
Containers the surfaced-facts map renames for this client
(``data/surfaced-facts.yaml``: the SDK's ``executions`` for the answer's
``workflows``) are renamed first, so a renamed list is compared, never
skipped. An answer member the map says this client surfaces, and that nothing
surfaced was compared with, is ``missing`` at ``/response_body/...``.

Mutants (``response_value``, ``response_type``): each value of the fixture's
``response_body`` that the unmutated verdict compared, changed or retyped;
the verdict must then fail at the output pointer that surfaced it.
"""

from __future__ import annotations

import copy
import dataclasses
from typing import ClassVar

from conformance import jsonpointer
from conformance.checks.base import Subject
from conformance.checks.mutant_values import changed_json_value, other_type_value
from conformance.checks.subjects import OutcomeJudgement, OutcomeMutant, OutcomeSubject
from conformance.response.facts import client_pointer, missing_members, rename_containers
from conformance.response.facts_map import OperationFacts
from conformance.response.surfaced import compare_surfaced

__all__ = ["SurfacedValuesCheck"]


class SurfacedValuesCheck:
    """The surfaced values against the answer, by shared key (renamed containers mapped first)."""

    name: ClassVar[str] = "surfaced_values"
    subject: ClassVar[Subject] = "outcome"
    mutation_kinds: ClassVar[tuple[str, ...]] = ("response_value", "response_type")
    listing_rank: ClassVar[int] = 100

    def judge(self, subject: OutcomeSubject, judgement: OutcomeJudgement) -> None:
        entry = subject.facts or OperationFacts()
        output = subject.outcome.output
        renamed, moved = rename_containers(output, entry.containers.get(subject.projection_key, {}))
        surfaced = compare_surfaced(renamed, judgement.expected)
        judgement.anchor, judgement.pairs, judgement.moved = surfaced.anchor, list(surfaced.pairs), moved
        if moved:
            judgement.asserted.append("renamed containers compared with the answer: " + ", ".join(moved))
        if surfaced.compared:
            where = f" at {surfaced.anchor}" if surfaced.anchor else ""
            basis = (
                "the answer (response_body as the server dresses it)"
                if subject.fixture.has_response_body and not subject.live
                else "the answer served"
            )
            judgement.asserted.append(f"{surfaced.compared} surfaced values agree with {basis}{where}")
            judgement.evidence = True
        else:
            judgement.not_asserted.append("surfaced values (the client surfaced nothing the answer holds)")
        # a difference inside a renamed container points where the client put the value
        judgement.differences.extend(
            dataclasses.replace(item, pointer=client_pointer(item.pointer, moved))
            for item in surfaced.differences
        )
        if output is not None:
            judgement.differences.extend(
                missing_members(entry, subject.projection_key, surfaced.pairs, surfaced.anchor)
            )

    def mutants(self, subject: OutcomeSubject, judgement: OutcomeJudgement) -> list[OutcomeMutant]:
        fixture = subject.fixture
        if subject.live or not fixture.has_response_body or subject.outcome.status != "completed":
            return []
        comparison = compare_surfaced(subject.outcome.output, fixture.response_body)
        mutants: list[OutcomeMutant] = []
        for output_pointer, answer_pointer in comparison.pairs:
            try:
                original = jsonpointer.resolve(fixture.response_body, answer_pointer)
            except jsonpointer.PointerError:
                continue  # inside a payload envelope of the answer: its blob is not edited here
            for kind, value in (
                ("response_value", changed_json_value(original)),
                ("response_type", other_type_value(original)),
            ):
                data = copy.deepcopy(fixture.data)
                jsonpointer.replace(data["response_body"], answer_pointer, value)
                mutants.append(
                    OutcomeMutant(
                        kind,
                        output_pointer,
                        f"response_body{answer_pointer}: {original!r} -> {value!r}",
                        dataclasses.replace(subject, fixture=fixture.with_data(data)),
                    )
                )
        return mutants
