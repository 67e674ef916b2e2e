"""Text rendering of verdicts and parity findings."""

from __future__ import annotations

from conformance.avro_codec import make_envelope
from conformance.findings import Difference
from conformance.normalize import normalize
from conformance.render import render_difference, render_parity, render_value, render_verdict
from support.judging import (
    SETTINGS,
    TOKEN,
    StubProfile,
    compare_clients,
    exchange,
    handshake,
    headers,
    judge,
    shipped,
)

BODY = {
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


def test_failing_verdict_names_expected_sent_and_pointers() -> None:
    body = {**BODY, "input": make_envelope([{"order_id": 42.0, "priority": "gold"}]), "request_id": "r1"}
    captured = exchange("POST", "/api/workflows", body, header_list=headers(token="leaky-other-token"))
    verdict = judge(
        shipped("workflow-start-parity.json"), "sdk_python", [handshake(), captured], StubProfile(), SETTINGS
    )
    text = render_verdict(verdict, label="python-sdk")
    lines = text.splitlines()
    assert lines[0] == "FAIL workflow-start-parity.json [sdk_python (python-sdk)]"
    assert "expected POST /workflows" in text
    assert "sent: POST /api/workflows -> 200  [envelopes: /body/input avro]" in text
    assert (
        "    /body/input/0/order_id  type_changed: expected 42, sent 42.0 (expected integer, found double)"
        in lines
    )
    assert any(line.startswith("    /headers/authorization  changed") for line in lines)
    assert any(line.startswith('    /body/request_id  unexpected: sent "r1"') for line in lines)
    assert "not asserted by the fixture: query" in text
    assert "ancillary (not judged): GET /api/cluster/info -> 200 (handshake)" in text
    assert TOKEN not in text and "leaky-other-token" not in text


def test_passing_verdict_and_missing_operation() -> None:
    fx = shipped("workflow-start-parity.json")
    verdict = judge(
        fx, "cli", [handshake(), exchange("POST", "/api/workflows", BODY)], StubProfile(), SETTINGS
    )
    assert render_verdict(verdict).startswith("PASS workflow-start-parity.json [cli]")
    empty = render_verdict(judge(fx, "cli", [handshake()], StubProfile(), SETTINGS))
    assert "sent: no operation request" in empty
    assert "(case)  operation_count: expected one POST /workflows request; seen: nothing" in empty


def test_not_json_body_is_shown_as_text() -> None:
    fx = shipped("workflow-start-parity.json")
    verdict = judge(fx, "cli", [exchange("POST", "/api/workflows", raw_body=b"a=1")], StubProfile(), SETTINGS)
    text = render_verdict(verdict)
    assert 'sent body (decoded): "a=1"' in text
    assert "/body  not_json" in text


def test_values_are_cut_to_the_width() -> None:
    assert render_value("x" * 500, width=20) == '"' + "x" * 16 + "..."
    assert render_value(b"\x00") == '{"$bytes":"AA=="}'
    missing = render_difference(Difference("/body/a", "missing", 1, None))
    assert missing == "/body/a  missing: expected 1, sent (absent)"


def test_parity_rendering() -> None:
    fx = shipped("workflow-start-parity.json")
    cli = normalize(exchange("POST", "/api/workflows", BODY))
    sdk = normalize(exchange("POST", "/api/workflows", {**BODY, "task_queue": "other", "request_id": "r"}))
    text = render_parity(compare_clients(fx, {"cli": ("cli", cli), "python-sdk": ("sdk_python", sdk)}))
    lines = text.splitlines()
    assert lines[0] == "parity workflow-start-parity.json: 1 failure(s), 1 diagnostic(s)"
    assert lines[1] == "  cli [cli] vs python-sdk [sdk_python]"
    assert any(
        line.startswith('    diag /body/request_id  unexpected: cli (absent), python-sdk "r"')
        for line in lines
    )
    assert any(
        line.startswith('    FAIL /body/task_queue  changed: cli "orders", python-sdk "other"')
        for line in lines
    )
    assert render_parity([], fixture_name="x.json") == "parity x.json: no differences"
