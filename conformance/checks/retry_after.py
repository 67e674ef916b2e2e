"""Sequence check: a request that follows an answer with ``Retry-After: N`` waits at least N seconds.

Applies when the scenario says ``expect.retry_after: honour`` (the default).
The measured delay is a duration; the difference states the comparison only,
so the same behaviour gives the same result document at every run. No
mutants: the wait comes from the captured answers, not from an expectation.
"""

from __future__ import annotations

from itertools import pairwise
from typing import TYPE_CHECKING, ClassVar

from conformance.checks.base import Subject
from conformance.checks.subjects import SequenceJudgement, SequenceMutant, SequenceSubject
from conformance.findings import Difference
from conformance.proxy.script import retry_after_seconds

if TYPE_CHECKING:
    from conformance.scenarios.model import Scenario
    from conformance.scenarios.sequence import SentRequest

__all__ = ["RETRY_AFTER_ALLOWANCE", "RetryAfterCheck"]

#: Clock allowance when a delay is compared with Retry-After (proxy timestamps, one clock).
RETRY_AFTER_ALLOWANCE = 0.05


def _retry_after_differences(sequence: list[SentRequest]) -> list[Difference]:
    differences: list[Difference] = []
    for previous, current in pairwise(sequence):
        wait = retry_after_seconds(previous.retry_after)
        if wait is None or current.delay_seconds is None:
            continue
        if current.delay_seconds + RETRY_AFTER_ALLOWANCE >= wait:
            continue
        # The measured delay is a duration (``/requests/N/delay_seconds``); the difference states the
        # comparison only, so that the same behaviour gives the same result document at every run.
        differences.append(
            Difference(
                f"/requests/{current.index}/delay_seconds",
                "retry_after",
                f"at least {wait:g} s after the answer",
                f"less than {wait:g} s after the answer",
                "failure",
                f"request {current.index + 1}: the server answered request {previous.index + 1} with "
                f"{previous.outcome_label()} and Retry-After: {previous.retry_after}; the client sent "
                f"request {current.index + 1} less than {wait:g} s later, before that wait had passed",
            )
        )
    return differences


class RetryAfterCheck:
    """Retry-After honoured: no request before the wait the server asked for."""

    name: ClassVar[str] = "retry_after"
    subject: ClassVar[Subject] = "sequence"
    mutation_kinds: ClassVar[tuple[str, ...]] = ()
    listing_rank: ClassVar[int] = 100

    def judge(self, subject: SequenceSubject, judgement: SequenceJudgement) -> None:
        if subject.scenario.expect.retry_after == "honour":
            judgement.differences.extend(_retry_after_differences(list(subject.requests)))

    def not_asserted(self, scenario: Scenario, projection_key: str) -> list[str]:
        return []

    def mutants(self, subject: SequenceSubject) -> list[SequenceMutant]:
        return []
