"""The one rule that decides a case's status and the reason shown with it.

:func:`decide_status` is a pure function of what happened to a case: whether
the adapter declined the fixture, whether the harness itself failed, whether
the run was interrupted, what became of the client, and the two verdicts
(request and response). Nothing else sets a case's status.

The rule, first match wins:

1. the adapter failed while deciding whether it can express the fixture
   (``adapter_error``, an adapter bug) -> ``error``, "harness error: ...";
2. the adapter cannot express the fixture -> ``skipped``, its reason;
   then a fixture whose expectation cannot be built (a plan made by hand for
   a fixture that contradicts itself) -> ``error`` naming the problem, and
   the client never ran;
3. the run was interrupted before the case started -> ``interrupted``;
4. the run was interrupted while the case ran -> ``interrupted`` (no verdict
   on a client that was stopped mid-way; what it did is kept), unless the
   adapter skipped the fixture;
5. the harness failed while the case ran -> ``error``, "harness error: ...";
6. the adapter skipped the fixture once it saw it -> ``skipped``;
   for a scenario case, the scenario verdict decides from here: its
   ``skipped``, ``error``, ``fail`` or ``pass`` (a client that reports the
   server's error is what an error scenario expects, not a client error);
7. the client could not be exercised (time limit, fixture/client drift, an
   adapter failure) -> ``error``, with what happened;
8. the response verdict is ``error`` (the client refused an answer the
   harness made up, or the proxy's own error) -> ``error``, "harness error:
   the client refused ...";
9. the request verdict or the response verdict failed -> ``fail``;
10. otherwise -> ``pass``.

A client that refuses a contract-valid answer fails on the response side
(rule 9), it is never shown as a pass.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from conformance.adapters.base import ClientOutcome
from conformance.response.verdict import ResponseVerdict
from conformance.scenarios.judge import ScenarioVerdict

__all__ = ["NOT_STARTED", "CaseStatus", "Interruption", "StatusDecision", "decide_status"]

CaseStatus = Literal["pass", "fail", "error", "skipped", "interrupted"]
#: When an interruption reached the case, if it did.
Interruption = Literal["before", "during"]
#: The reason of a case the run never started because it was interrupted first.
NOT_STARTED = "the run was interrupted before this case started"
#: Outcome statuses that mean the client could not be exercised at all.
UNEXERCISED_OUTCOMES = frozenset({"timeout", "drift", "harness_error"})


@dataclass(frozen=True)
class StatusDecision:
    status: CaseStatus
    reason: str = ""


def decide_status(
    *,
    adapter_error: str | None = None,
    skip_reason: str | None = None,
    input_problem: str | None = None,
    harness_error: str | None = None,
    interruption: Interruption | None = None,
    outcome: ClientOutcome | None = None,
    request_passed: bool | None = None,
    response: ResponseVerdict | None = None,
    scenario: ScenarioVerdict | None = None,
) -> StatusDecision:
    """The status and reason of a case (see the module docstring for the rule)."""
    if adapter_error is not None:
        return StatusDecision("error", f"harness error: {adapter_error}")
    if skip_reason is not None:
        return StatusDecision("skipped", skip_reason)
    if input_problem is not None:
        return StatusDecision("error", f"the fixture cannot be used: {input_problem}")
    if interruption == "before":
        return StatusDecision("interrupted", NOT_STARTED)
    outcome_skipped = outcome is not None and outcome.status == "skipped" and harness_error is None
    if interruption == "during" and not outcome_skipped:
        return StatusDecision(
            "interrupted",
            "the run was interrupted while this case ran; its client was stopped "
            "(what it did until then is kept below)",
        )
    if harness_error is not None:
        return StatusDecision("error", f"harness error: {harness_error}")
    if outcome is None:
        return StatusDecision("error", "harness error: the case ended without a client outcome")
    if outcome.status == "skipped":
        return StatusDecision("skipped", outcome.detail or "the adapter skipped this fixture")
    if scenario is not None:
        if scenario.status in ("skipped", "error"):
            return StatusDecision(scenario.status, scenario.reason)
        return StatusDecision("fail" if scenario.status == "fail" else "pass")
    if outcome.status in UNEXERCISED_OUTCOMES:
        return StatusDecision("error", unexercised_reason(outcome))
    if response is not None and response.status == "error":
        return StatusDecision(
            "error", f"harness error: the client refused {response.answer_source}: {response.refusal}"
        )
    if request_passed is False or (response is not None and response.status == "fail"):
        return StatusDecision("fail")
    return StatusDecision("pass")


def unexercised_reason(outcome: ClientOutcome) -> str:
    """Why a client that could not be exercised (time limit, drift, adapter failure) has no verdict."""
    if outcome.status == "timeout":
        return outcome.detail or "the client did not finish within the time limit and was stopped"
    if outcome.status == "drift":
        lines = outcome.drift or [outcome.detail]
        return "fixture and client disagree on the operation's parameters: " + "; ".join(lines)
    return outcome.detail or outcome.exception or f"adapter reported {outcome.status}"
