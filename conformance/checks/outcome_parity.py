"""Parity check over two surfaced outcomes: the clients surface the same ``semantic_body`` facts alike.

For each fact of the fixture's ``semantic_body`` that two clients both surface,
the values must agree (containers compared by the values both hold); a fact
one of them does not surface is not compared
(:mod:`conformance.response.parity`).
"""

from __future__ import annotations

from typing import ClassVar

from conformance.checks.base import Subject
from conformance.checks.subjects import OutcomePair
from conformance.response.parity import OutputParityFinding, compare_outputs

__all__ = ["OutcomeParityCheck"]


class OutcomeParityCheck:
    """What the clients surfaced for one fixture against each other."""

    name: ClassVar[str] = "outcome_parity"
    subject: ClassVar[Subject] = "outcome"
    pairs: ClassVar[bool] = True
    mutation_kinds: ClassVar[tuple[str, ...]] = ()
    listing_rank: ClassVar[int] = 100

    def compare(self, pair: OutcomePair) -> list[OutputParityFinding]:
        return compare_outputs(pair.semantic_body, pair.outputs)
