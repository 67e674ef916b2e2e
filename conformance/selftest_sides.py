"""The outcome and sequence halves of the self-test: every check's mutants, judged again.

The request half lives in :mod:`conformance.selftest` (its mutants change the
expectation built from the fixture, :mod:`conformance.mutation`). The two
other halves work the same way through the same registry
(:data:`conformance.checks.CHECKS`):

* **outcome**: each outcome check's :meth:`mutants` gives subjects with one
  thing the check relies on changed (a value of ``response_body`` the client
  surfaced, a ``semantic_body`` fact, the CLI's output schema); the captured
  outcome is judged again (:func:`conformance.response.verdict.judge_outcome`);
* **sequence**: each sequence check's :meth:`mutants` gives the scenario with
  one expectation changed (a cursor of the walk, the walk's length, the
  attempts bound, the expected outcome, an item of a page); the captured
  sequence is judged again (:func:`conformance.scenarios.judge.judge_sequence`).

**The catch rule** is the request half's: a mutant is caught when its verdict
has a failure the unmutated verdict did not have (compared by pointer, kind
and the expected value it states) at the mutant's target or below it.

An unmutated outcome that fails is a *false alarm* (the fixture's own answer,
served by the stub, cannot be wrong to surface). An unmutated sequence that
fails is the client's: a scenario's rules are not replayed by ``canonical``,
and a real client that gets a scenario wrong (``dw`` reporting success for a
non-JSON body) is what ``run`` reports. Its mutants are still judged: a
mutant at a place the client already fails is only caught when the judge
reports the mutant's expected value there.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from conformance.checks import outcome_checks, sequence_checks
from conformance.checks.subjects import OutcomeMutant, OutcomeSubject, SequenceMutant, SequenceSubject
from conformance.findings import Difference
from conformance.response.verdict import accepted_judgement, judge_outcome
from conformance.scenarios.judge import judge_sequence
from conformance.textsafe import json_safe

__all__ = [
    "SideSelftest",
    "outcome_mutants",
    "sequence_mutants",
]


def _failure_keys(differences: Iterable[Difference]) -> set[tuple[str, str, str]]:
    return {
        (item.pointer, item.kind, json.dumps(json_safe(item.expected), sort_keys=True, ensure_ascii=False))
        for item in differences
        if item.is_failure
    }


def _under(pointer: str, target: str) -> bool:
    return pointer == target or pointer.startswith(target.rstrip("/") + "/")


def _caught(base: set[tuple[str, str, str]], mutated: Iterable[Difference], target: str) -> bool:
    return any(_under(pointer, target) for pointer, _kind, _expected in _failure_keys(mutated) - base)


def outcome_mutants(subject: OutcomeSubject) -> list[OutcomeMutant]:
    """Every outcome check's mutants of ``subject`` (an answer the client accepted), in registry order."""
    judgement = accepted_judgement(subject)
    return [mutant for check in outcome_checks() for mutant in check.mutants(subject, judgement)]


def sequence_mutants(subject: SequenceSubject) -> list[SequenceMutant]:
    """Every sequence check's mutants of ``subject``'s scenario, in registry order."""
    return [mutant for check in sequence_checks() for mutant in check.mutants(subject)]


def outcome_kinds() -> tuple[str, ...]:
    """The outcome checks' mutation kinds, in registry order (the report's rows)."""
    return tuple(kind for check in outcome_checks() for kind in check.mutation_kinds)


def sequence_kinds() -> tuple[str, ...]:
    """The sequence checks' mutation kinds, in registry order (the report's rows)."""
    return tuple(kind for check in sequence_checks() for kind in check.mutation_kinds)


@dataclass
class SideSelftest:
    """One half of the self-test beyond the request: mutants per kind, misses, unmutated failures."""

    #: ``"response"`` (outcome checks) or ``"sequence"`` (sequence checks), used in the report.
    side: str
    #: kind -> [caught, total]
    counts: dict[str, list[int]] = field(default_factory=dict)
    #: ``case id: what failed`` for each unmutated case that failed where it must not.
    false_alarms: list[str] = field(default_factory=list)
    #: ``case id: what failed`` for each unmutated sequence the client already gets wrong.
    client_differences: list[str] = field(default_factory=list)
    #: ``case id kind target: description`` for each mutant that was not caught.
    missed: list[str] = field(default_factory=list)
    #: Unmutated cases judged.
    cases: int = 0

    @property
    def total(self) -> int:
        return sum(total for _caught, total in self.counts.values())

    @property
    def caught(self) -> int:
        return sum(caught for caught, _total in self.counts.values())

    @property
    def passed(self) -> bool:
        return not self.missed and not self.false_alarms

    def _count(self, case_id: str, kind: str, target: str, description: str, caught: bool) -> None:
        entry = self.counts.setdefault(kind, [0, 0])
        entry[1] += 1
        if caught:
            entry[0] += 1
        else:
            self.missed.append(f"{case_id} {kind} at {target}: {description}")

    def add_outcome_case(self, case_id: str, subject: OutcomeSubject) -> None:
        """Judge one captured outcome unmutated (a false alarm if it fails) and every mutant of it."""
        self.cases += 1
        base = judge_outcome(subject)
        if base.status in ("fail", "error"):
            first = base.differences[0].pointer if base.differences else (base.refusal or base.status)
            self.false_alarms.append(f"{case_id}: response {base.status} ({first})")
            return
        if base.status == "not_reached":
            return
        baseline = _failure_keys(base.differences)
        for mutant in outcome_mutants(subject):
            verdict = judge_outcome(mutant.subject)
            caught = _caught(baseline, verdict.differences, mutant.target)
            self._count(case_id, mutant.kind, mutant.target, mutant.description, caught)

    def add_sequence_case(self, case_id: str, subject: SequenceSubject) -> None:
        """Judge one captured sequence unmutated and every mutant of its scenario's expectation."""
        self.cases += 1
        base = judge_sequence(subject).differences
        failing = sorted({item.pointer for item in base if item.is_failure})
        if failing:
            self.client_differences.append(f"{case_id}: fails unmutated at {', '.join(failing)}")
        baseline = _failure_keys(base)
        for mutant in sequence_mutants(subject):
            mutated = dataclasses.replace(subject, scenario=mutant.scenario)
            caught = _caught(baseline, judge_sequence(mutated).differences, mutant.target)
            self._count(case_id, mutant.kind, mutant.target, mutant.description, caught)

    def to_json(self) -> dict[str, Any]:
        document: dict[str, Any] = {
            "counts": {kind: {"caught": c, "total": t} for kind, (c, t) in sorted(self.counts.items())},
            "false_alarms": list(self.false_alarms),
            "missed": list(self.missed),
        }
        if self.side == "sequence":
            document["cases"] = self.cases
            document["client_differences"] = list(self.client_differences)
        return document
