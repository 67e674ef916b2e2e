"""The verdict of one scenario case: the client's request sequence against the expected one.

``judge_scenario(scenario, exchanges, outcome, ...)`` checks, in this order:

1. **The walk** (``expect.requests``): each request's paging parameters (a
   listed query name with a value must be sent with that value, one listed
   as null must be absent; listed body keys must equal), the number of
   requests (a walk that stops early: ``missing_request``; a request after
   the last page: ``extra_request``), a page asked for twice after it was
   answered whole (``repeated_page``).
2. **Attempts** (``expect.attempts``): how many operation requests the
   client sent in all, retries included.
3. **Retry-After** (``expect.retry_after: honour``, the default): a request
   that follows an answer carrying ``Retry-After: N`` (seconds) must come at
   least N seconds (less a 50 ms allowance for clocks) after that answer.
4. **The bound**: a sequence the stub had to stop (``route == "bound"``) is
   a failure: the walk or the retries did not end by themselves. Likewise a
   request the scenario held unanswered (``hold``) until the hold ran out: the
   client's own timeout did not end the wait.
5. **The outcome** (``expect.outcome``): ``completed`` or ``client_error``.
6. **The collapsed result** (``expect.items``): the items the client
   surfaced (the CLI's envelope at the pointer, the SDK iterator's list)
   against the items of the pages, by ``key`` when given.
7. **The error surface**: what the client surfaced on an error, recorded;
   a language-specific leak in machine-readable output (a PHP class name, a
   file path, a stack trace) is a failure
   (:mod:`conformance.scenarios.error_surface`).
8. **The error kind**: the kind the last answer implies (a 401, a 404 for a
   workflow, a 422 with its ``errors``...) against the kind the client's
   surface names, by the client's entry in ``data/error-kinds.yaml``
   (:mod:`conformance.scenarios.error_kinds`); what its map does not list is
   "not asserted" in the verdict's notes.
9. **Declared retries**: where the policy file declares the client's own
   retry behaviour (``declared_retries``), the retries it made against that
   declaration (:mod:`conformance.scenarios.declared_retries`).

Every difference is a :class:`~conformance.findings.Difference` whose
pointer addresses the sequence (``/requests/2/query/after_sequence``,
``/requests/3``, ``/outcome``, ``/items/4``, ``/error_surface/json/...``) and
whose message reads on its own for someone who does not know the harness:
it says what the server sent and what the client did (``request 3: after
the server's page answered to request 2, the next page is asked for with
after_sequence=200; the client sent after_sequence=100``; ``the server
answered request 1 (the last) with a 200 whose body is not JSON (...); the
client reported success ...``). The retry behaviour (attempts, delays, which
statuses were retried) is recorded whether or not anything is expected of it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from itertools import pairwise
from typing import TYPE_CHECKING, Any, Literal

from conformance.capture import CapturedExchange
from conformance.checks import sequence_checks
from conformance.checks.retry_after import RETRY_AFTER_ALLOWANCE
from conformance.checks.subjects import SequenceJudgement, SequenceSubject
from conformance.findings import Difference
from conformance.scenarios.model import Scenario
from conformance.scenarios.sequence import SentRequest, operation_sequence, retry_after_seconds
from conformance.textsafe import json_safe

if TYPE_CHECKING:
    from conformance.adapters.base import ClientOutcome
    from conformance.proxy.profile import ServerProfile
    from conformance.scenarios.policy import ScenarioPolicy

__all__ = [
    "RETRY_AFTER_ALLOWANCE",
    "SCENARIO_RESPONSE_NOTE",
    "SEQUENCE_KINDS",
    "RetryBehaviour",
    "ScenarioVerdict",
    "judge_scenario",
    "judge_sequence",
    "scenario_not_asserted",
    "sequence_subject",
]

#: Difference kinds of a scenario verdict (besides the request diff's own).
SEQUENCE_KINDS: tuple[str, ...] = (
    "paging_parameter",
    "missing_request",
    "extra_request",
    "repeated_page",
    "attempts",
    "retry_after",
    "bound",
    "hold",
    "outcome",
    "collapsed_result",
    "error_leak",
    "error_kind",
    "declared_retry",
)
ScenarioStatus = Literal["pass", "fail", "error", "skipped"]

#: The response side of a scenario case: its verdict covers what the client did with the answers.
SCENARIO_RESPONSE_NOTE = (
    "a scenario's answers are judged by its scenario verdict (outcome, collapsed items, error surface)"
)


def scenario_not_asserted(scenario: Scenario, projection_key: str) -> list[str]:
    """What a scenario case leaves unchecked for this client: each sequence check's words, in order."""
    return [line for check in sequence_checks() for line in check.not_asserted(scenario, projection_key)]


@dataclass(frozen=True)
class RetryBehaviour:
    """What the client did after each answer: retried it, or stopped."""

    attempts: int
    #: Answer labels ("429", "500", "dropped") the client sent another request after.
    retried: tuple[str, ...]
    #: The failed answer the client stopped on ("" when the last answer was a success or there was none).
    stopped_on: str
    #: Seconds between each answer and the next request.
    delays: tuple[float, ...]
    #: True/False when some answer carried Retry-After and was retried; None otherwise.
    honoured_retry_after: bool | None

    def to_json(self) -> dict[str, Any]:
        return {
            "attempts": self.attempts,
            "retried": list(self.retried),
            "stopped_on": self.stopped_on,
            "delays_seconds": [round(delay, 3) for delay in self.delays],
            "honoured_retry_after": self.honoured_retry_after,
        }


@dataclass(frozen=True)
class ScenarioVerdict:
    """The verdict of one scenario for one client (``to_json()`` for the result document)."""

    scenario: str
    fixture: str
    adapter: str
    status: ScenarioStatus
    requests: tuple[SentRequest, ...]
    differences: tuple[Difference, ...]
    retry: RetryBehaviour
    outcome_status: str
    bound_reached: bool
    #: The items the client surfaced for a walk (None when not a walk or none could be read).
    items: list[Any] | None = None
    #: What the client surfaced on an error (the adapter's ``error_surface``), JSON-safe.
    error_surface: dict[str, Any] | None = None
    #: The error surface's facts in one shape for every client (status, code, message, errors...).
    error_summary: dict[str, Any] | None = None
    reason: str = ""
    notes: tuple[str, ...] = field(default=())

    @property
    def failures(self) -> list[Difference]:
        return [difference for difference in self.differences if difference.is_failure]

    def case_id(self) -> str:
        return f"{self.scenario}::{self.adapter}"

    def sequence_diff(self) -> list[str]:
        """The readable lines of the sequence diff (one per difference, failures first)."""
        ordered = sorted(self.differences, key=lambda difference: not difference.is_failure)
        return [
            f"{difference.pointer or '(sequence)'}: {difference.message}"
            + ("" if difference.is_failure else " [diagnostic]")
            for difference in ordered
        ]

    def to_json(self) -> dict[str, Any]:
        return {
            "case_id": self.case_id(),
            "scenario": self.scenario,
            "fixture": self.fixture,
            "adapter": self.adapter,
            "status": self.status,
            "reason": self.reason,
            "outcome_status": self.outcome_status,
            "requests": [request.to_json() for request in self.requests],
            "differences": [difference.to_json() for difference in self.differences],
            "sequence_diff": self.sequence_diff(),
            "retry": self.retry.to_json(),
            "bound_reached": self.bound_reached,
            "items": json_safe(self.items),
            "error_surface": json_safe(self.error_surface),
            "error_summary": json_safe(self.error_summary),
            "notes": list(self.notes),
        }


def _retry_behaviour(sequence: list[SentRequest]) -> RetryBehaviour:
    retried: list[str] = []
    delays: list[float] = []
    honoured: bool | None = None
    for previous, current in pairwise(sequence):
        if current.delay_seconds is not None:
            delays.append(current.delay_seconds)
        if previous.failed:
            retried.append(previous.outcome_label())
            wait = retry_after_seconds(previous.retry_after)
            if wait is not None and current.delay_seconds is not None:
                ok = current.delay_seconds + RETRY_AFTER_ALLOWANCE >= wait
                honoured = ok if honoured is None else honoured and ok
    stopped_on = sequence[-1].outcome_label() if sequence and sequence[-1].failed else ""
    return RetryBehaviour(len(sequence), tuple(retried), stopped_on, tuple(delays), honoured)


def _last_answer_body(exchanges: list[CapturedExchange], sequence: list[SentRequest]) -> Any:
    """The body of the last operation answer (JSON when it parses, else text): what a leak may echo."""
    if not sequence:
        return None
    last = sequence[-1]
    for exchange in exchanges:
        if exchange.started_at == last.started_at and exchange.path == last.path:
            raw = exchange.response_body
            try:
                return json.loads(raw) if raw else None
            except ValueError:
                return raw.decode("utf-8", errors="replace")
    return None


def sequence_subject(
    scenario: Scenario,
    exchanges: list[CapturedExchange],
    outcome: ClientOutcome,
    *,
    adapter: str = "",
    api_prefix: str = "/api",
    profile: ServerProfile | None = None,
    policy: ScenarioPolicy | None = None,
    projection_key: str = "",
) -> SequenceSubject:
    """What the sequence checks judge of one scenario case: its operation requests, in order, and more."""
    sequence = (
        operation_sequence(exchanges, scenario.fixture, api_prefix=api_prefix, profile=profile)
        if scenario.fixture is not None
        else []
    )
    return SequenceSubject(
        scenario,
        exchanges,
        outcome,
        sequence,
        last_body=_last_answer_body(exchanges, sequence),
        adapter=adapter,
        projection_key=projection_key,
        policy=policy,
    )


def judge_scenario(
    scenario: Scenario,
    exchanges: list[CapturedExchange],
    outcome: ClientOutcome,
    *,
    adapter: str = "",
    api_prefix: str = "/api",
    profile: ServerProfile | None = None,
    policy: ScenarioPolicy | None = None,
    projection_key: str = "",
) -> ScenarioVerdict:
    """The verdict of ``scenario`` for the client whose case recorded ``exchanges``, ended in ``outcome``.

    ``projection_key`` names the client in the error-kinds map and in the
    policy's declared retries (``""``: neither applies). Whether the case could
    be judged at all (the corpus has the fixture, the client ran) is decided
    here; what the sequence must satisfy is the registry's sequence checks
    (:func:`judge_sequence`).
    """
    subject = sequence_subject(
        scenario,
        exchanges,
        outcome,
        adapter=adapter,
        api_prefix=api_prefix,
        profile=profile,
        policy=policy,
        projection_key=projection_key,
    )
    sequence = list(subject.requests)
    retry = _retry_behaviour(sequence)
    bound_reached = any(request.bound for request in sequence)

    def verdict(
        status: ScenarioStatus,
        differences: tuple[Difference, ...] = (),
        reason: str = "",
        **extra: Any,
    ) -> ScenarioVerdict:
        return ScenarioVerdict(
            scenario=scenario.name,
            fixture=scenario.fixture_name,
            adapter=adapter,
            status=status,
            requests=tuple(sequence),
            differences=differences,
            retry=retry,
            outcome_status=outcome.status,
            bound_reached=bound_reached,
            reason=reason,
            **extra,
        )

    if scenario.fixture is None:
        return verdict("skipped", reason=scenario.not_applicable_reason)
    if outcome.status == "skipped":
        return verdict("skipped", reason=outcome.detail)
    if outcome.status in ("timeout", "harness_error", "drift") and not bound_reached:
        return verdict(
            "error", reason=f"{outcome.status}: {outcome.detail or outcome.exception or ''}".strip()
        )
    judgement = judge_sequence(subject)
    differences = judgement.differences
    status: ScenarioStatus = "fail" if any(difference.is_failure for difference in differences) else "pass"
    return verdict(
        status,
        tuple(differences),
        items=judgement.items,
        error_surface=judgement.error_surface,
        error_summary=judgement.error_summary,
        notes=tuple(judgement.notes),
    )


def judge_sequence(subject: SequenceSubject) -> SequenceJudgement:
    """Every sequence check of the registry on ``subject``, in registry order, then the scenario policy."""
    judgement = SequenceJudgement()
    for check in sequence_checks():
        check.judge(subject, judgement)
    if subject.policy is not None:
        judgement.differences = subject.policy.apply(
            subject.scenario.name, subject.adapter, judgement.differences
        )
    return judgement
