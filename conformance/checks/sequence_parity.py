"""Parity check over two sequences: the clients walk, retry, end and report errors alike.

Every pair of clients that ran one scenario (pass or fail), compared aspect by
aspect: the requests' paging parameters, the retries, the outcome, the
collapsed items and the error surface (:mod:`conformance.scenarios.compare`).
The scenario policy lowers declared deliberate differences to diagnostics.
"""

from __future__ import annotations

from typing import ClassVar

from conformance.checks.base import Subject
from conformance.checks.subjects import SequencePair
from conformance.scenarios.compare import ScenarioFinding, compare_scenario_outcomes

__all__ = ["SequenceParityCheck"]


class SequenceParityCheck:
    """The clients' verdicts of one scenario against each other."""

    name: ClassVar[str] = "sequence_parity"
    subject: ClassVar[Subject] = "sequence"
    pairs: ClassVar[bool] = True
    mutation_kinds: ClassVar[tuple[str, ...]] = ()
    listing_rank: ClassVar[int] = 100

    def compare(self, pair: SequencePair) -> list[ScenarioFinding]:
        return compare_scenario_outcomes(pair.scenario, pair.verdicts, pair.policy)
