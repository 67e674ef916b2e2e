"""Cross-client parity: what differs between clients, and which differences the fixture documents."""

from __future__ import annotations

import json
from typing import Any

from conformance.avro_codec import make_envelope
from conformance.normalize import NormalizedRequest, normalize
from conformance.parity import ParityFinding, as_differences
from conformance.policy import parse_policy
from support.judging import compare_clients, exchange, fixture, headers, minimal, shipped

SIGNAL_INPUT = [{"carrier": "ups", "tracking": "1Z999"}]
START_BODY: dict[str, Any] = {
    "workflow_id": "wf-polyglot-231",
    "workflow_type": "orders.process",
    "task_queue": "orders",
    "input": [{"order_id": 42, "priority": "gold"}],
    "memo": {"source": "polyglot-fixture"},
    "search_attributes": {"CustomerId": "cust-42", "Tier": "gold"},
    "execution_timeout_seconds": 300,
    "run_timeout_seconds": 120,
    "duplicate_policy": "use-existing",
}


def req(method: str, path: str, body: Any = None, query: str = "") -> NormalizedRequest:
    return normalize(exchange(method, path, body, query=query))


def summary(findings: list[ParityFinding]) -> list[tuple[str, str, str]]:
    return [(item.pointer, item.kind, item.severity) for item in findings]


def test_sdk_envelope_equal_to_cli_plain_json_is_parity() -> None:
    fx = shipped("workflow-start-parity.json")
    cli = req("POST", "/api/workflows", START_BODY)
    sdk = req("POST", "/api/workflows", {**START_BODY, "input": make_envelope(START_BODY["input"])})
    assert compare_clients(fx, {"cli": ("cli", cli), "python-sdk": ("sdk_python", sdk)}) == []


def test_headers_are_not_compared() -> None:
    fx = shipped("workflow-start-parity.json")
    cli = normalize(
        exchange(
            "POST",
            "/api/workflows",
            START_BODY,
            header_list=headers(extra=[("X-Durable-Workflow-Protocol-Version", "1.0")]),
        )
    )
    sdk = normalize(exchange("POST", "/api/workflows", START_BODY, header_list=headers(token="other")))
    assert compare_clients(fx, {"cli": ("cli", cli), "sdk": ("sdk_python", sdk)}) == []


def test_value_both_projections_pin_is_a_failure() -> None:
    fx = shipped("workflow-start-parity.json")
    cli = req("POST", "/api/workflows", START_BODY)
    sdk = req("POST", "/api/workflows", {**START_BODY, "run_timeout_seconds": 120.0})
    (finding,) = compare_clients(fx, {"cli": ("cli", cli), "python-sdk": ("sdk_python", sdk)})
    assert summary([finding]) == [("/body/run_timeout_seconds", "type_changed", "failure")]
    assert (finding.left, finding.right, finding.left_value, finding.right_value) == (
        "cli",
        "python-sdk",
        120,
        120.0,
    )
    assert "both projections agree" in finding.message


def test_projections_that_drifted_apart_are_a_failure_even_when_each_client_matches() -> None:
    data = minimal(
        cli={"argv": {}, "expected_body": {"wait_for": "completed"}},
        sdk_python={"expected_body": {"wait_for": "accepted"}},
    )
    cli = req("POST", "/api/workflows", {"wait_for": "completed"})
    sdk = req("POST", "/api/workflows", {"wait_for": "accepted"})
    (finding,) = compare_clients(fixture(data), {"cli": ("cli", cli), "sdk": ("sdk_python", sdk)})
    assert summary([finding]) == [("/body/wait_for", "changed", "failure")]
    assert "projections disagree" in finding.message


def test_field_one_expected_body_omits_is_a_documented_diagnostic() -> None:
    data = minimal(
        cli={"argv": {}, "expected_body": {"reason": "x", "note": "cli only"}},
        sdk_python={"expected_body": {"reason": "x"}},
    )
    cli = req("POST", "/api/workflows", {"reason": "x", "note": "cli only"})
    sdk = req("POST", "/api/workflows", {"reason": "x"})
    (finding,) = compare_clients(fixture(data), {"cli": ("cli", cli), "sdk": ("sdk_python", sdk)})
    assert summary([finding]) == [("/body/note", "missing", "diagnostic")]
    assert "documented" in finding.message


def test_sdk_request_id_left_open_by_the_shipped_signal_fixture_is_a_diagnostic() -> None:
    fx = shipped("workflow-signal-parity.json")
    path = "/api/workflows/wf-polyglot-231/signal/shipment_received"
    cli = req("POST", path, {"input": SIGNAL_INPUT})
    sdk = req("POST", path, {"input": make_envelope(SIGNAL_INPUT), "request_id": "r-1"})
    (finding,) = compare_clients(fx, {"cli": ("cli", cli), "python-sdk": ("sdk_python", sdk)})
    assert summary([finding]) == [("/body/request_id", "unexpected", "diagnostic")]
    assert (finding.left_value, finding.right_value) == (None, "r-1")


def test_key_no_projection_pins_is_an_undocumented_failure() -> None:
    data = minimal(
        sdk_python={"expected_body": {"a": 1}}, sdk_rust={"expected_body": {"a": 1}, "body_match": "subset"}
    )
    left = req("POST", "/api/workflows", {"a": 1, "extra": True})
    right = req("POST", "/api/workflows", {"a": 1})
    (finding,) = compare_clients(fixture(data), {"py": ("sdk_python", left), "rs": ("sdk_rust", right)})
    assert summary([finding]) == [("/body/extra", "missing", "failure")]
    assert "not documented" in finding.message


def test_method_path_and_query_differences_fail() -> None:
    fx = shipped("schedule-history-parity.json")
    cli = req("GET", "/api/schedules/daily-inventory-check/history", query="limit=100&after_sequence=5")
    sdk = req("POST", "/api/schedules/daily%20inventory/history", query="limit=10")
    findings = compare_clients(fx, {"cli": ("cli", cli), "sdk": ("sdk_python", sdk)})
    assert summary(findings) == [
        ("/method", "changed", "failure"),
        ("/path_segments/1", "changed", "failure"),
        ("/query/limit", "changed", "failure"),
        ("/query/after_sequence", "missing", "failure"),
    ]


def test_accepted_boolean_spellings_are_a_diagnostic() -> None:
    data = minimal(
        request={"method": "GET", "path": "/x", "query": {"wait": True}},
    )
    left = req("GET", "/api/x", query="wait=1")
    right = req("GET", "/api/x", query="wait=true")
    (finding,) = compare_clients(fixture(data), {"cli": ("cli", left), "sdk": ("sdk_python", right)})
    assert summary([finding]) == [("/query/wait", "changed", "diagnostic")]


def test_percent_encoding_differences_are_not_parity_differences() -> None:
    fx = fixture(minimal(request={"method": "POST", "path": "/workflows/wf%20231/cancel"}))
    left = req("POST", "/api/workflows/wf%20231/cancel")
    right = req("POST", "/api/workflows/wf 231/cancel".replace(" ", "%20").replace("cancel", "c%61ncel"))
    assert compare_clients(fx, {"a": ("cli", left), "b": ("sdk_python", right)}) == []


def test_every_pair_of_three_clients_is_compared() -> None:
    fx = shipped("workflow-start-parity.json")
    good = req("POST", "/api/workflows", START_BODY)
    odd = req("POST", "/api/workflows", {**START_BODY, "task_queue": "other"})
    findings = compare_clients(
        fx, {"cli": ("cli", good), "python-sdk": ("sdk_python", good), "canonical": ("canonical", odd)}
    )
    assert [(item.left, item.right) for item in findings] == [
        ("cli", "canonical"),
        ("python-sdk", "canonical"),
    ]


def test_policy_demotes_a_parity_failure_for_either_projection() -> None:
    fx = shipped("workflow-start-parity.json")
    cli = req("POST", "/api/workflows", START_BODY)
    sdk = req("POST", "/api/workflows", {**START_BODY, "memo": {}})
    policy = parse_policy(
        [
            {
                "operation": "*",
                "projection": "sdk_python",
                "pointers": "/body/memo/**",
                "reason": "memo is optional",
            }
        ],
        "p.yaml",
    )
    (finding,) = compare_clients(fx, {"cli": ("cli", cli), "sdk": ("sdk_python", sdk)}, policy=policy)
    assert finding.severity == "diagnostic" and "memo is optional" in finding.message


def test_findings_serialise_and_convert_to_differences() -> None:
    fx = shipped("workflow-start-parity.json")
    cli = req("POST", "/api/workflows", START_BODY)
    sdk = req("POST", "/api/workflows", {**START_BODY, "task_queue": "b"})
    findings = compare_clients(fx, {"cli": ("cli", cli), "sdk": ("sdk_python", sdk)})
    json.dumps([item.to_json() for item in findings])
    (difference,) = as_differences(findings)
    assert (difference.pointer, difference.expected, difference.actual) == ("/body/task_queue", "orders", "b")
