"""Sequence check: how many operation requests the client sent in all, retries included.

``expect.attempts`` bounds the count (``min``, ``max``): a client that retries a
final 4xx goes past ``max`` and fails at ``/requests/<max>``; one that gives up
before ``min`` fails at ``/requests``.

Mutants (``attempts_bound``): the bound the client met moved past its count
(``max`` one below it, ``min`` one above it).
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, ClassVar

from conformance.checks.base import Subject
from conformance.checks.subjects import SequenceJudgement, SequenceMutant, SequenceSubject
from conformance.findings import Difference
from conformance.scenarios.model import Scenario

if TYPE_CHECKING:
    from conformance.scenarios.sequence import SentRequest

__all__ = ["AttemptsCheck"]


def _attempt_differences(sequence: list[SentRequest], scenario: Scenario) -> list[Difference]:
    low, high = scenario.expect.attempts_min, scenario.expect.attempts_max
    count = len(sequence)
    if high is not None and count > high:
        return [
            Difference(
                f"/requests/{high}",
                "attempts",
                high,
                count,
                "failure",
                f"request {high + 1}: the client sent {count} requests in all (the server answered "
                f"{', '.join(request.outcome_label() for request in sequence)}); at most {high} "
                f"{'is' if high == 1 else 'are'} acceptable for this answer sequence",
            )
        ]
    if low is not None and count < low:
        return [
            Difference(
                "/requests",
                "attempts",
                low,
                count,
                "failure",
                f"{count} attempt{'s' if count != 1 else ''} in all; at least {low} expected",
            )
        ]
    return []


class AttemptsCheck:
    """The number of operation requests against the scenario's bounds."""

    name: ClassVar[str] = "attempts"
    subject: ClassVar[Subject] = "sequence"
    mutation_kinds: ClassVar[tuple[str, ...]] = ("attempts_bound",)
    listing_rank: ClassVar[int] = 100

    def judge(self, subject: SequenceSubject, judgement: SequenceJudgement) -> None:
        judgement.differences.extend(_attempt_differences(list(subject.requests), subject.scenario))

    def not_asserted(self, scenario: Scenario, projection_key: str) -> list[str]:
        return []

    def mutants(self, subject: SequenceSubject) -> list[SequenceMutant]:
        scenario, count = subject.scenario, len(subject.requests)
        expect = scenario.expect
        if subject.outcome.status == "skipped" or count == 0:
            return []
        mutants = []
        if expect.attempts_max is not None and count <= expect.attempts_max:
            lower = dataclasses.replace(expect, attempts_max=count - 1, attempts_min=None)
            mutants.append(
                SequenceMutant(
                    "attempts_bound",
                    f"/requests/{count - 1}",
                    f"at most {count - 1} attempt(s) (the client made {count})",
                    dataclasses.replace(scenario, expect=lower),
                )
            )
        if expect.attempts_min is not None and count >= expect.attempts_min:
            higher = dataclasses.replace(expect, attempts_min=count + 1, attempts_max=None)
            mutants.append(
                SequenceMutant(
                    "attempts_bound",
                    "/requests",
                    f"at least {count + 1} attempts (the client made {count})",
                    dataclasses.replace(scenario, expect=higher),
                )
            )
        return mutants
