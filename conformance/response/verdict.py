"""The response verdict of one case, and the one rule that combines it with the request verdict.

The request verdict (:mod:`conformance.diff`) judges what a client *sent*.
The response verdict judges what it *did with the answer*:

1. **Did it accept the answer?** A client that fails (non-zero exit, an
   exception) after its operation request was captured *refused* the answer.
   Who is to blame depends on where the answer came from:

   * the fixture's ``response_body`` (dressed as the server dresses it) or a
     real server (live mode): a contract-valid answer, so the refusal is the
     **client's failure** on the response side;
   * the server profile's default reply (the fixture has no
     ``response_body``), or the proxy's own error answer (live mode, the
     upstream could not be reached): the harness made that answer up, so the
     refusal is a **harness error**, never blamed on the client.
   * the stub's 404 (the client asked for a path the fixture does not
     name): the request verdict already fails; the response side is
     ``not_reached``.

   Either way the verdict carries the client's own words (its exception, its
   JSON ``error``, or the first line of stderr).
2. **Do the values it surfaced agree with the answer?**
   (:mod:`conformance.response.surfaced`): the SDK's return value, an exec
   program's ``output`` or the CLI's ``--json`` document, value by shared
   key, against the answer served with the fixture's ``response_body`` put
   over it (in stub mode the two agree; a mutated ``response_body`` becomes
   the expectation in the self-test), or the real answer in live mode. And
   **did it surface a value nobody gave it?**
   (:mod:`conformance.response.invented`): a value that neither the answer
   nor the client's own request held fails, whatever key it sits under.
3. **For the ``dw`` CLI: does its ``--json`` output match the schema the CLI
   publishes for that command?** (:mod:`conformance.response.cli_schemas`,
   with ``--cli-output-schemas``; "not asserted" without it, or when the
   fixture's argv does not ask for ``--json``.)

Response-side differences point into the output (``/output/outcome``) and
declared deliberate ones (``--policy`` entries whose pointers start with
``/output``) become diagnostics, as on the request side.

Statuses: ``pass`` (something was checked and held), ``fail``, ``error``
(the stub's own answer was refused), ``not_asserted`` (nothing to check:
no output, nothing shared, no schema), ``not_reached`` (no operation
request was captured, or the client could not be exercised: the request
side already says why).

A case's status combines this verdict with the request verdict in one rule,
:func:`conformance.case_status.decide_status`. A case whose response side
was not asserted still passes on its request verdict; every report says that
the response side was not asserted.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from conformance.checks import outcome_checks
from conformance.checks.cli_output_schema import CLI_PROJECTION
from conformance.checks.subjects import OutcomeJudgement, OutcomeSubject
from conformance.findings import Difference

if TYPE_CHECKING:
    from conformance.adapters.base import ClientOutcome
    from conformance.capture import CapturedExchange
    from conformance.fixture import Fixture
    from conformance.policy import Policy
    from conformance.response.cli_schemas import CliOutputSchemas
    from conformance.response.facts_map import OperationFacts

__all__ = [
    "CLI_PROJECTION",
    "ResponseVerdict",
    "accepted_judgement",
    "client_words",
    "judge_outcome",
    "judge_response",
    "operation_exchange",
]

ResponseStatus = Literal["pass", "fail", "error", "not_asserted", "not_reached"]
#: Answer sources that are the stub's invention, not a contract-valid answer from the fixture.
_INVENTED = "profile default reply"
#: The proxy answered itself (502: the upstream could not be reached): the harness's answer, not a server's.
_PROXY_ERROR = "the proxy's own error (the upstream could not be reached)"
#: The stub knew no such operation (404): the request side already says what the client got wrong.
_NOT_FOUND = "the stub's 404 (no operation at that path)"


@dataclass
class ResponseVerdict:
    status: ResponseStatus
    #: What was checked and held (or failed), one line each.
    asserted: list[str] = field(default_factory=list)
    not_asserted: list[str] = field(default_factory=list)
    differences: list[Difference] = field(default_factory=list)
    diagnostics: list[Difference] = field(default_factory=list)
    #: The client's own words when it failed: a refusal of the answer, or (``not_reached``) a failure
    #: before any answer came.
    refusal: str | None = None
    #: Where the answer came from: ``fixture response_body``, ``profile default reply``, ``upstream``.
    answer_source: str = ""
    #: Where in the answer the surfaced output was anchored ("" = the whole answer).
    anchor: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "answer_source": self.answer_source,
            "asserted": list(self.asserted),
            "not_asserted": list(self.not_asserted),
            "differences": [item.to_json() for item in self.differences],
            "diagnostic_diff": [item.to_json() for item in self.diagnostics],
            "refusal": self.refusal,
            "anchor": self.anchor,
        }


def client_words(outcome: ClientOutcome) -> str:
    """The client's own message: its exception, its JSON ``error`` field, or its first stderr line."""
    if outcome.exception:
        return outcome.exception[:500]
    if isinstance(outcome.output, dict) and isinstance(outcome.output.get("error"), str):
        return str(outcome.output["error"])[:500]
    for line in (outcome.stderr or "").splitlines():
        if line.strip():
            return line.strip()[:500]
    if outcome.exit_code not in (None, 0):
        return f"exited with status {outcome.exit_code} and said nothing"
    return outcome.detail[:500] or "failed without a message"


def _answer(operation: CapturedExchange | None) -> Any:
    """The JSON answer the client was given (``None`` when there is none, or it is not JSON)."""
    if operation is None or not operation.response_body:
        return None
    try:
        return json.loads(operation.response_body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None


def _overlay(base: Any, pinned: Any) -> Any:
    """``base`` with every member ``pinned`` states put over it (objects merged, anything else replaced)."""
    if isinstance(base, dict) and isinstance(pinned, dict):
        merged = dict(base)
        for key, value in pinned.items():
            merged[key] = _overlay(base.get(key), value)
        return merged
    return pinned


def _expected_answer(fixture: Fixture, served: Any, live: bool) -> Any:
    """What the client should surface: the answer served, with the fixture's ``response_body`` over it.

    In stub mode the served answer *is* ``response_body`` plus what the server adds (the contract
    object, the worker protocol fields), so the overlay changes nothing for a true run; it makes a
    mutated ``response_body`` (the self-test) the expectation. In live mode the real answer is it.
    """
    if live or not fixture.has_response_body:
        return served
    return _overlay(served, fixture.response_body) if served is not None else fixture.response_body


def operation_exchange(candidates: Sequence[CapturedExchange], method: str) -> CapturedExchange | None:
    """The captured operation exchange: the first candidate with the fixture's method, else the first."""
    for exchange in candidates:
        if exchange.method.upper() == method.upper():
            return exchange
    return candidates[0] if candidates else None


def _source(fixture: Fixture, operation: CapturedExchange | None, live: bool) -> str:
    answered_by = operation.answered_by if operation is not None else ""
    if answered_by == "proxy":
        return _PROXY_ERROR
    if answered_by == "not_found":
        return _NOT_FOUND
    if live:
        return "upstream"
    return "fixture response_body" if fixture.has_response_body else _INVENTED


def judge_response(
    fixture: Fixture,
    projection_key: str,
    outcome: ClientOutcome,
    operation: CapturedExchange | None,
    *,
    live: bool = False,
    cli_command: str | None = None,
    cli_schemas: CliOutputSchemas | None = None,
    policy: Policy | None = None,
    namespace: str = "",
    facts: OperationFacts | None = None,
) -> ResponseVerdict:
    """The response verdict of one case (see the module docstring).

    ``operation`` is the captured operation exchange (``None`` when none was
    captured); its answer body is what the client was given.
    """
    subject = OutcomeSubject(
        fixture,
        projection_key,
        outcome,
        operation,
        live=live,
        cli_command=cli_command,
        cli_schemas=cli_schemas,
        policy=policy,
        namespace=namespace,
        facts=facts,
    )
    return judge_outcome(subject)


def judge_outcome(subject: OutcomeSubject) -> ResponseVerdict:
    """The response verdict of ``subject``: was the answer reached and accepted, then every outcome check.

    Whether the answer was reached and accepted is the verdict's own status rule
    (a refusal of a contract-valid answer fails, of the harness's own answer is
    an error); what the accepted answer's surfaced values must satisfy is the
    registry's outcome checks (:func:`conformance.checks.outcome_checks`), in
    registry order.
    """
    fixture, outcome, operation = subject.fixture, subject.outcome, subject.operation
    source = _source(fixture, operation, subject.live)
    if (
        operation is None
        or source == _NOT_FOUND
        or outcome.status in ("timeout", "drift", "harness_error", "skipped")
    ):
        words = client_words(outcome) if outcome.status == "client_error" else None
        return ResponseVerdict("not_reached", answer_source=source, refusal=words)
    verdict = ResponseVerdict("not_asserted", answer_source=source)
    if outcome.status == "client_error":
        verdict.refusal = client_words(outcome)
        if source in (_INVENTED, _PROXY_ERROR):
            verdict.status = "error"
            verdict.asserted.append(f"the client refused an answer of the harness's own: {source}")
        else:
            verdict.status = "fail"
            verdict.asserted.append(f"the client refused a contract-valid answer ({source})")
        return verdict
    judgement = accepted_judgement(subject)
    verdict.anchor = judgement.anchor
    verdict.asserted.extend(judgement.asserted)
    verdict.not_asserted.extend(judgement.not_asserted)
    failures, diagnostics = _with_policy(
        judgement.differences, fixture, subject.projection_key, subject.policy
    )
    verdict.differences, verdict.diagnostics = failures, diagnostics
    if failures:
        verdict.status = "fail"
    elif judgement.evidence:
        verdict.status = "pass"
    return verdict


def accepted_judgement(subject: OutcomeSubject) -> OutcomeJudgement:
    """What every outcome check finds for an answer the client accepted (before the policy)."""
    served = _answer(subject.operation)
    judgement = OutcomeJudgement(served, _expected_answer(subject.fixture, served, subject.live))
    judgement.asserted.append("the client accepted the answer")
    for check in outcome_checks():
        check.judge(subject, judgement)
    return judgement


def _with_policy(
    differences: list[Difference], fixture: Fixture, projection_key: str, policy: Policy | None
) -> tuple[list[Difference], list[Difference]]:
    if policy is not None:
        differences = policy.apply(fixture.operation, projection_key, differences)
    failures = [item for item in differences if item.severity == "failure"]
    diagnostics = [item for item in differences if item.severity != "failure"]
    return failures, diagnostics
