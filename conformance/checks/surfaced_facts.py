"""Outcome check: each client is held to the facts of the fixture's ``semantic_body`` where it surfaces them.

Where a client surfaces each fact is data (``data/surfaced-facts.yaml``, and
an exec client's own declarations): the SDK's ``executions[*].workflow_id``
and ``dw --json``'s ``workflows[*].workflow_id`` are both the fact
``semantic_body.workflow_ids``. Lists are compared for length, order and
identity; a fact this client does not surface is "not asserted" with the
reason (:func:`conformance.response.facts.judge_facts`).

Mutants (``fact_value``): each fact the fixture states and the map places for
this client, changed in ``semantic_body`` (a list loses its last item); the
verdict must then fail at ``/semantic_body/<fact>``.
"""

from __future__ import annotations

import copy
import dataclasses
from typing import Any, ClassVar

from conformance import jsonpointer
from conformance.checks.base import Subject
from conformance.checks.mutant_values import changed_json_value
from conformance.checks.subjects import OutcomeJudgement, OutcomeMutant, OutcomeSubject
from conformance.response.facts import judge_facts
from conformance.response.facts_map import OperationFacts

__all__ = ["SurfacedFactsCheck"]


def _changed_fact(value: Any) -> Any:
    if isinstance(value, list):
        return value[:-1] if value else ["dw-mutant"]
    return changed_json_value(value)


class SurfacedFactsCheck:
    """``semantic_body`` facts against where this client surfaces them (by meaning, not by key name)."""

    name: ClassVar[str] = "surfaced_facts"
    subject: ClassVar[Subject] = "outcome"
    mutation_kinds: ClassVar[tuple[str, ...]] = ("fact_value",)
    listing_rank: ClassVar[int] = 100

    def judge(self, subject: OutcomeSubject, judgement: OutcomeJudgement) -> None:
        outcome = subject.outcome
        judged = judge_facts(
            subject.facts or OperationFacts(),
            subject.projection_key,
            subject.fixture.semantic_body,
            outcome.output,
            outcome.stdout or "",
        )
        judgement.differences.extend(judged.differences)
        judgement.asserted.extend(judged.asserted)
        judgement.not_asserted.extend(judged.not_asserted)
        judgement.read_paths.extend(judged.read_paths)
        judgement.evidence = judgement.evidence or bool(judged.asserted)

    def mutants(self, subject: OutcomeSubject, judgement: OutcomeJudgement) -> list[OutcomeMutant]:
        if subject.outcome.status != "completed" or subject.facts is None:
            return []
        fixture = subject.fixture
        mutants: list[OutcomeMutant] = []
        for fact, path in sorted(subject.facts.paths_for(subject.projection_key).items()):
            if path is None:
                continue
            try:
                original = jsonpointer.resolve(fixture.semantic_body, fact)
            except jsonpointer.PointerError:
                continue  # the fixture does not state it (or it sits inside an envelope's blob)
            value = _changed_fact(original)
            data = copy.deepcopy(fixture.data)
            jsonpointer.replace(data["semantic_body"], fact, value)
            mutants.append(
                OutcomeMutant(
                    "fact_value",
                    jsonpointer.join("/semantic_body", *jsonpointer.parse(fact)),
                    f"semantic_body{fact}: {original!r} -> {value!r}",
                    dataclasses.replace(subject, fixture=fixture.with_data(data)),
                )
            )
        return mutants
