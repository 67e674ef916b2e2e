"""Outcome check: name what the client surfaced that nothing compared.

It judges nothing itself and never fails a case: after the surfaced values
and the facts have been compared, each surfaced scalar that maps to nothing
in the answer or in ``semantic_body`` is listed as "not asserted", with its
path, so a verdict never reads as if the whole output had been checked.
"""

from __future__ import annotations

from typing import ClassVar

from conformance.checks.base import Subject
from conformance.checks.subjects import OutcomeJudgement, OutcomeMutant, OutcomeSubject
from conformance.response.facts import client_pointer, unmapped_paths

__all__ = ["UNMAPPED_SHOWN", "UnmappedValuesCheck"]

#: How many unmapped surfaced paths a verdict names (the count is always given).
UNMAPPED_SHOWN = 8


class UnmappedValuesCheck:
    """The surfaced values no other outcome check compared, listed as not asserted."""

    name: ClassVar[str] = "unmapped_values"
    subject: ClassVar[Subject] = "outcome"
    mutation_kinds: ClassVar[tuple[str, ...]] = ()
    listing_rank: ClassVar[int] = 100

    def judge(self, subject: OutcomeSubject, judgement: OutcomeJudgement) -> None:
        output = subject.outcome.output
        if output is None:
            return
        compared = [client_pointer(pointer, judgement.moved) for pointer, _there in judgement.pairs]
        unmapped = unmapped_paths(output, compared, judgement.read_paths)
        if unmapped:
            shown = ", ".join(unmapped[:UNMAPPED_SHOWN])
            more = f" and {len(unmapped) - UNMAPPED_SHOWN} more" if len(unmapped) > UNMAPPED_SHOWN else ""
            judgement.not_asserted.append(
                f"{len(unmapped)} surfaced value(s) that map to nothing in the answer or semantic_body: "
                f"{shown}{more}"
            )

    def mutants(self, subject: OutcomeSubject, judgement: OutcomeJudgement) -> list[OutcomeMutant]:
        return []  # it lists, it does not compare: nothing to catch
