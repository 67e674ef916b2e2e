"""Sequence check: how the client ended against the scenario's ``expect.outcome``.

``completed`` or ``client_error`` (``any``: not judged). An error answer must
surface as an error (a non-zero exit, an exception), never as a success; the
message says what the server's last answer was (its status, and whether its
body was JSON) and what the client did.

Mutants (``outcome_flipped``): the expected outcome set to the opposite of
how the client ended, where the client met the expectation (``any``
included); the verdict must fail at ``/outcome``. A client that already ends
otherwise than expected gets none: no change of the expectation can show a new
failure there.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, ClassVar, Literal

from conformance.adapters.base import ClientOutcome
from conformance.capture import CapturedExchange
from conformance.checks.base import Subject
from conformance.checks.subjects import SequenceJudgement, SequenceMutant, SequenceSubject
from conformance.findings import Difference
from conformance.scenarios.model import Scenario

if TYPE_CHECKING:
    from conformance.scenarios.sequence import SentRequest

__all__ = ["ScenarioOutcomeCheck"]

#: How an expected outcome reads after "where this scenario expects it to".
_OUTCOME_WORDS = {"completed": "complete the operation", "client_error": "fail with an error"}
#: How much of a non-JSON body an outcome message quotes.
_QUOTED_BODY_CHARS = 40


def _answer_words(exchanges: Sequence[CapturedExchange], request: SentRequest) -> str:
    """What the server sent to ``request``, for a reader: status, and whether the body was JSON."""
    if request.error is not None or request.status is None:
        return "no whole answer (the connection dropped)"
    exchange = next(
        (item for item in exchanges if item.started_at == request.started_at and item.path == request.path),
        None,
    )
    words = f"a {request.status}"
    if request.retry_after:
        words += f" with Retry-After: {request.retry_after}"
    if exchange is None:
        return words
    if not exchange.response_body:
        return f"{words} with an empty body"
    content_type = next(
        (value for name, value in exchange.response_headers if name.lower() == "content-type"), "none"
    )
    try:
        json.loads(exchange.response_body)
    except ValueError:
        start = exchange.response_body.decode("utf-8", errors="replace").strip()
        quoted = " ".join(start.split())[:_QUOTED_BODY_CHARS]
        return f"{words} whose body is not JSON (Content-Type: {content_type}; it starts {quoted!r})"
    return f"{words} with a JSON body"


def _outcome_differences(
    scenario: Scenario,
    outcome: ClientOutcome,
    sequence: list[SentRequest],
    exchanges: Sequence[CapturedExchange],
) -> list[Difference]:
    wanted = scenario.expect.outcome
    if wanted == "any" or outcome.status == wanted:
        return []
    answered = "the server was sent no operation request"
    if sequence:
        last = _answer_words(exchanges, sequence[-1])
        answered = f"the server answered request {len(sequence)} (the last) with {last}"
    expects = f"where this scenario expects it to {_OUTCOME_WORDS.get(wanted, f'end with {wanted}')}"
    if outcome.status == "completed":
        did = "the client reported success (it completed the operation)"
    else:
        why = outcome.exception or outcome.detail or outcome.exit_code
        did = f"the client ended with {outcome.status}" + (f" ({why})" if why not in (None, "") else "")
    message = f"{answered}; {did}, {expects}"
    return [Difference("/outcome", "outcome", wanted, outcome.status, "failure", message)]


class ScenarioOutcomeCheck:
    """The client's ending (success or error) against the scenario's expected outcome."""

    name: ClassVar[str] = "outcome"
    subject: ClassVar[Subject] = "sequence"
    mutation_kinds: ClassVar[tuple[str, ...]] = ("outcome_flipped",)
    listing_rank: ClassVar[int] = 100

    def judge(self, subject: SequenceSubject, judgement: SequenceJudgement) -> None:
        judgement.differences.extend(
            _outcome_differences(subject.scenario, subject.outcome, list(subject.requests), subject.exchanges)
        )

    def not_asserted(self, scenario: Scenario, projection_key: str) -> list[str]:
        return []

    def mutants(self, subject: SequenceSubject) -> list[SequenceMutant]:
        status, wanted = subject.outcome.status, subject.scenario.expect.outcome
        if status not in ("completed", "client_error") or wanted not in ("any", status):
            return []  # the client already ends otherwise than expected: no change of it can show
        other: Literal["completed", "client_error"] = "client_error" if status == "completed" else "completed"
        expect = dataclasses.replace(subject.scenario.expect, outcome=other)
        return [
            SequenceMutant(
                "outcome_flipped",
                "/outcome",
                f"outcome {subject.scenario.expect.outcome} -> {other} (the client ended {status})",
                dataclasses.replace(subject.scenario, expect=expect),
            )
        ]
