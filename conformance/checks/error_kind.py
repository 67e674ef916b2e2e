"""Sequence check: the kind of error the client names matches what the server's last answer implies.

A 401, a 404 for a workflow, a 422 with its ``errors``... each implies a kind;
the client's entry in ``data/error-kinds.yaml`` says where its surface names
one (:mod:`conformance.scenarios.error_kinds`). Judged only when the client
ended in an error; what the client's map does not list is "not asserted", in
the verdict's notes. No mutants: the kinds are the data's, not the scenario's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from conformance.checks.base import Subject
from conformance.checks.subjects import SequenceJudgement, SequenceMutant, SequenceSubject
from conformance.scenarios import error_kinds

if TYPE_CHECKING:
    from conformance.scenarios.model import Scenario

__all__ = ["ErrorKindCheck"]


class ErrorKindCheck:
    """The error kind the client surfaces against the one the last answer implies."""

    name: ClassVar[str] = "error_kind"
    subject: ClassVar[Subject] = "sequence"
    mutation_kinds: ClassVar[tuple[str, ...]] = ()
    listing_rank: ClassVar[int] = 100

    def judge(self, subject: SequenceSubject, judgement: SequenceJudgement) -> None:
        if subject.outcome.status != "client_error":
            return
        last_status = subject.requests[-1].status if subject.requests else None
        judgement.differences.extend(
            error_kinds.kind_differences(
                last_status, subject.last_body, judgement.error_surface, subject.projection_key
            )
        )
        judgement.notes.extend(
            error_kinds.kind_not_asserted(last_status, subject.last_body, subject.projection_key)
        )

    def not_asserted(self, scenario: Scenario, projection_key: str) -> list[str]:
        return []

    def mutants(self, subject: SequenceSubject) -> list[SequenceMutant]:
        return []
