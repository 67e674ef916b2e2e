"""Sequence check: the sequence ended by itself.

A sequence the stub had to stop (``route == "bound"``: the scenario answers
only so many requests) is a failure at the first refused request: the walk or
the retries did not end. A request the scenario held unanswered (``hold``)
until the hold ran out is a failure too: the client's own timeout did not end
the wait. No mutants: both come from the captured sequence.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from conformance.checks.base import Subject
from conformance.checks.subjects import SequenceJudgement, SequenceMutant, SequenceSubject
from conformance.findings import Difference

if TYPE_CHECKING:
    from conformance.scenarios.model import Scenario

__all__ = ["SequenceEndCheck"]


class SequenceEndCheck:
    """No sequence the stub had to stop, no hold the client's own timeout did not end."""

    name: ClassVar[str] = "sequence_end"
    subject: ClassVar[Subject] = "sequence"
    mutation_kinds: ClassVar[tuple[str, ...]] = ()
    listing_rank: ClassVar[int] = 100

    def judge(self, subject: SequenceSubject, judgement: SequenceJudgement) -> None:
        sequence = subject.requests
        first = next((request for request in sequence if request.bound), None)
        if first is not None:
            judgement.differences.append(
                Difference(
                    f"/requests/{first.index}",
                    "bound",
                    first.index,
                    len(sequence),
                    "failure",
                    f"request {first.index + 1}: the sequence did not end by itself; the stub refused it "
                    f"(the scenario answers at most {first.index} operation requests)",
                )
            )
        judgement.differences.extend(
            Difference(
                f"/requests/{request.index}",
                "hold",
                "the client gives up by its own timeout",
                "still waiting when the hold ran out",
                "failure",
                f"request {request.index + 1}: the server never answered and the client was still waiting "
                "when the scenario's hold ran out: no timeout of its own ended the wait",
            )
            for request in sequence
            if request.hold_ran_out
        )

    def not_asserted(self, scenario: Scenario, projection_key: str) -> list[str]:
        return []

    def mutants(self, subject: SequenceSubject) -> list[SequenceMutant]:
        return []
