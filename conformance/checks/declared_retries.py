"""Sequence check: a client's retries against what its policy file declares of them.

Only where the run's policy declares the client's own retry behaviour
(``declared_retries``, :mod:`conformance.scenarios.declared_retries`): giving up
on a declared answer early, or going past ``max_attempts``, is a
``declared_retry`` failure. No mutants: the declaration is the user's, and the
self-test runs without one unless ``--policy`` gives it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from conformance.checks.base import Subject
from conformance.checks.subjects import SequenceJudgement, SequenceMutant, SequenceSubject

if TYPE_CHECKING:
    from conformance.scenarios.model import Scenario

__all__ = ["DeclaredRetriesCheck"]


class DeclaredRetriesCheck:
    """The retries the client made against the ones its policy declares."""

    name: ClassVar[str] = "declared_retries"
    subject: ClassVar[Subject] = "sequence"
    mutation_kinds: ClassVar[tuple[str, ...]] = ()
    listing_rank: ClassVar[int] = 100

    def judge(self, subject: SequenceSubject, judgement: SequenceJudgement) -> None:
        if subject.policy is not None:
            judgement.differences.extend(
                subject.policy.retry_differences(subject.projection_key, subject.requests, subject.outcome)
            )

    def not_asserted(self, scenario: Scenario, projection_key: str) -> list[str]:
        return []

    def mutants(self, subject: SequenceSubject) -> list[SequenceMutant]:
        return []
