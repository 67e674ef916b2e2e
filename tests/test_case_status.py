"""The one status rule (conformance.case_status.decide_status), rule by rule."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conformance.adapters.base import ClientOutcome
from conformance.case_status import decide_status
from conformance.fixture import Fixture, shipped_corpus_dir
from conformance.response.verdict import ResponseVerdict
from conformance.runner import CasePlan, RunSettings, Session


def outcome(status: str, **fields: object) -> ClientOutcome:
    return ClientOutcome(status=status, **fields)  # type: ignore[arg-type]


def test_an_adapter_failing_to_decide_is_a_harness_error_before_anything_else() -> None:
    decision = decide_status(adapter_error="KeyError: 'x'", skip_reason="ignored", interruption="before")
    assert (decision.status, decision.reason) == ("error", "harness error: KeyError: 'x'")


def test_a_fixture_the_adapter_cannot_express_is_skipped_with_its_reason() -> None:
    decision = decide_status(skip_reason="no cli projection", interruption="before")
    assert (decision.status, decision.reason) == ("skipped", "no cli projection")


def test_an_interruption_before_the_case_started() -> None:
    assert decide_status(interruption="before").status == "interrupted"


def test_an_interruption_while_the_client_ran_is_no_verdict_even_on_a_failure() -> None:
    decision = decide_status(
        interruption="during",
        outcome=outcome("completed"),
        request_passed=False,
        response=ResponseVerdict("fail"),
    )
    assert decision.status == "interrupted"
    assert "interrupted while this case ran" in decision.reason


def test_an_adapter_that_skipped_during_an_interruption_stays_skipped() -> None:
    decision = decide_status(interruption="during", outcome=outcome("skipped", detail="cannot walk"))
    assert (decision.status, decision.reason) == ("skipped", "cannot walk")


def test_a_harness_failure_while_the_case_ran() -> None:
    decision = decide_status(harness_error="OSError: disk full", outcome=outcome("completed"))
    assert (decision.status, decision.reason) == ("error", "harness error: OSError: disk full")


@pytest.mark.parametrize(
    ("status", "fields", "reason_part"),
    [
        ("timeout", {}, "did not finish within the time limit"),
        ("drift", {"drift": ["unknown parameter memo"]}, "disagree on the operation's parameters: unknown"),
        ("harness_error", {"detail": "dw not executable"}, "dw not executable"),
    ],
)
def test_a_client_that_could_not_be_exercised_is_an_error_even_if_its_request_passed(
    status: str, fields: dict[str, object], reason_part: str
) -> None:
    decision = decide_status(outcome=outcome(status, **fields), request_passed=True, response=None)
    assert decision.status == "error"
    assert reason_part in decision.reason


def test_a_refused_invented_answer_is_a_harness_error_not_a_pass() -> None:
    refused = ResponseVerdict("error", answer_source="the stub's invented answer", refusal="bad JSON")
    decision = decide_status(outcome=outcome("client_error"), request_passed=True, response=refused)
    assert decision.status == "error"
    assert decision.reason == "harness error: the client refused the stub's invented answer: bad JSON"


@pytest.mark.parametrize(
    ("request_passed", "response", "status"),
    [
        (False, "pass", "fail"),
        (True, "fail", "fail"),
        (True, "not_asserted", "pass"),
        (True, "pass", "pass"),
        (False, None, "fail"),
    ],
)
def test_either_side_failing_fails_the_case(request_passed: bool, response: str | None, status: str) -> None:
    verdict = ResponseVerdict(response) if response else None  # type: ignore[arg-type]
    decision = decide_status(outcome=outcome("completed"), request_passed=request_passed, response=verdict)
    assert decision.status == status


def test_a_case_without_a_client_outcome_is_never_a_pass() -> None:
    assert decide_status(request_passed=True).status == "error"


def test_an_outcome_outside_the_vocabulary_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown client outcome status 'ok'; expected one of completed"):
        ClientOutcome(status="ok")


def test_a_hand_made_plan_of_a_self_contradicting_fixture_errors_before_its_client_runs(
    tmp_path: Path,
) -> None:
    """A plan made without its expectation (fuzz, the self-test): the executor builds it first."""
    pytest.importorskip("durable_workflow")
    data = json.loads((shipped_corpus_dir() / "workflow-start-parity.json").read_text(encoding="utf-8"))
    data["sdk_python"]["payload_envelope"]["decoded"] = [{"order_id": 43}]  # the blob says 42
    fixture = Fixture(tmp_path / "workflow-start-parity.json", data)
    settings = RunSettings(adapter_specs=["python-sdk"], report_dir=tmp_path / "r", write_har=False)
    with Session(settings) as session:
        (slot,) = session.slots
        run = session.execute(CasePlan(fixture, slot))
    assert run.status == "error"
    assert run.reason.startswith("the fixture cannot be used: ")
    assert "/sdk_python/payload_envelope/decoded" in run.reason
    assert run.exchanges == [] and run.outcome is None  # no client was started
