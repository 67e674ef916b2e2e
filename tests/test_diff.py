"""The diff engine and the case verdict, rule by rule, on small hand-written captures."""

from __future__ import annotations

import json
from typing import Any

import pytest

from conformance.avro_codec import make_envelope
from conformance.diff import CaseVerdict, diff_values
from conformance.findings import Difference
from conformance.policy import parse_policy
from support.judging import (
    SETTINGS,
    TOKEN,
    StubProfile,
    exchange,
    fixture,
    handshake,
    headers,
    judge,
    minimal,
    shipped,
)

VALUE = [{"order_id": 42, "priority": "gold"}]
START_CLI_BODY: dict[str, Any] = {
    "workflow_id": "wf-polyglot-231",
    "workflow_type": "orders.process",
    "task_queue": "orders",
    "input": VALUE,
    "memo": {"source": "polyglot-fixture"},
    "search_attributes": {"CustomerId": "cust-42", "Tier": "gold"},
    "execution_timeout_seconds": 300,
    "run_timeout_seconds": 120,
    "duplicate_policy": "use-existing",
}


def sdk_start_body(**changes: Any) -> dict[str, Any]:
    body = {**START_CLI_BODY, "input": make_envelope(VALUE)}
    body.update(changes)
    return body


def run(fx_name: str, projection: str, *captures: Any, **kwargs: Any) -> CaseVerdict:
    return judge(shipped(fx_name), projection, [handshake(), *captures], StubProfile(), SETTINGS, **kwargs)


def pointers(differences: list[Difference]) -> list[tuple[str, str]]:
    return [(difference.pointer, difference.kind) for difference in differences]


# --------------------------------------------------------------------------- diff_values


def test_equal_values_have_no_difference() -> None:
    assert diff_values({"a": [1, {"b": 2.5}], "c": None}, {"a": [1, {"b": 2.5}], "c": None}) == []


def test_long_vs_double_is_a_type_change() -> None:
    (difference,) = diff_values({"n": 42}, {"n": 42.0}, "/body")
    assert (difference.pointer, difference.kind, difference.severity) == (
        "/body/n",
        "type_changed",
        "failure",
    )
    assert "integer" in difference.message and "double" in difference.message


@pytest.mark.parametrize(("expected", "actual"), [(42, "42"), (True, 1), (1, True), (None, 0), ([], {})])
def test_other_type_mismatches(expected: Any, actual: Any) -> None:
    (difference,) = diff_values({"v": expected}, {"v": actual})
    assert difference.kind == "type_changed"


def test_changed_missing_unexpected_with_escaped_pointers() -> None:
    differences = diff_values({"a/b": 1, "m~n": 2, "gone": 3}, {"a/b": 9, "m~n": 2, "new": 4}, "/body")
    assert pointers(differences) == [
        ("/body/a~1b", "changed"),
        ("/body/gone", "missing"),
        ("/body/new", "unexpected"),
    ]


def test_list_length_differences_point_at_indexes() -> None:
    assert pointers(diff_values([1, 2, 3], [1, 2])) == [("/2", "missing")]
    assert pointers(diff_values([1], [1, 5])) == [("/1", "unexpected")]


def test_extra_key_is_diagnostic_under_subset_and_failure_under_exact() -> None:
    (subset,) = diff_values({"a": 1}, {"a": 1, "extra": 2}, "/body", mode="subset")
    (exact,) = diff_values({"a": 1}, {"a": 1, "extra": 2}, "/body", mode="exact")
    assert (subset.pointer, subset.kind, subset.severity) == ("/body/extra", "unexpected", "diagnostic")
    assert (exact.pointer, exact.kind, exact.severity) == ("/body/extra", "unexpected", "failure")


def test_subset_applies_to_top_level_keys_only() -> None:
    (difference,) = diff_values({"memo": {"a": 1}}, {"memo": {"a": 1, "b": 2}}, "/body", mode="subset")
    assert (difference.pointer, difference.severity) == ("/body/memo/b", "failure")


# --------------------------------------------------------------------------- judge: pass and body rules


def test_sdk_start_passes_with_handshake_listed_as_ancillary() -> None:
    verdict = run(
        "workflow-start-parity.json", "sdk_python", exchange("POST", "/api/workflows", sdk_start_body())
    )
    assert verdict.status == "pass", verdict.failures
    assert [exchange.path for exchange in verdict.ancillary] == ["/api/cluster/info"]
    assert len(verdict.operation_candidates) == 1
    assert verdict.request is not None and verdict.request.body["input"] == VALUE


def test_cli_start_passes_with_plain_json() -> None:
    verdict = run("workflow-start-parity.json", "cli", exchange("POST", "/api/workflows", START_CLI_BODY))
    assert verdict.status == "pass", verdict.failures
    assert verdict.diagnostics == []


def test_long_vs_double_in_a_decoded_envelope_fails_at_its_pointer() -> None:
    body = sdk_start_body(input=make_envelope([{"order_id": 42.0, "priority": "gold"}]))
    verdict = run("workflow-start-parity.json", "sdk_python", exchange("POST", "/api/workflows", body))
    assert verdict.status == "fail"
    assert pointers(verdict.failures) == [("/body/input/0/order_id", "type_changed")]


def test_missing_field_fails() -> None:
    body = sdk_start_body()
    del body["task_queue"]
    verdict = run("workflow-start-parity.json", "sdk_python", exchange("POST", "/api/workflows", body))
    assert pointers(verdict.failures) == [("/body/task_queue", "missing")]
    assert verdict.failures[0].expected == "orders"


def test_extra_field_under_subset_is_a_diagnostic() -> None:
    verdict = run(
        "workflow-start-parity.json",
        "sdk_python",
        exchange("POST", "/api/workflows", sdk_start_body(priority=5)),
    )
    assert verdict.status == "pass"
    assert pointers(verdict.diagnostics) == [("/body/priority", "unexpected")]


def test_extra_field_under_exact_fails() -> None:
    verdict = run(
        "workflow-start-parity.json", "cli", exchange("POST", "/api/workflows", {**START_CLI_BODY, "x": 1})
    )
    assert verdict.status == "fail"
    assert pointers(verdict.failures) == [("/body/x", "unexpected")]


def test_sdk_plain_json_where_an_envelope_is_required_fails() -> None:
    body = sdk_start_body(input=VALUE)
    verdict = run("workflow-start-parity.json", "sdk_python", exchange("POST", "/api/workflows", body))
    assert pointers(verdict.failures) == [("/body/input", "envelope_invalid")]
    assert "plain JSON" in verdict.failures[0].message


def test_undecodable_blob_fails_once_at_its_pointer() -> None:
    body = sdk_start_body(input={"codec": "avro", "blob": "AAAA"})
    verdict = run("workflow-start-parity.json", "sdk_python", exchange("POST", "/api/workflows", body))
    assert pointers(verdict.failures) == [("/body/input", "envelope_invalid")]
    assert verdict.failures[0].message.startswith("bad_magic")


def test_body_that_is_not_json_fails() -> None:
    captured = exchange("POST", "/api/workflows", raw_body=b"workflow_id=wf-polyglot-231")
    verdict = run("workflow-start-parity.json", "cli", captured)
    assert pointers(verdict.failures) == [("/body", "not_json")]


def test_empty_body_where_json_is_expected_fails() -> None:
    verdict = run("workflow-start-parity.json", "cli", exchange("POST", "/api/workflows"))
    assert pointers(verdict.failures) == [("/body", "not_json")]


def test_not_json_body_is_only_a_diagnostic_when_the_body_is_not_asserted() -> None:
    fx = fixture(minimal(request={"method": "POST", "path": "/x"}, cli={"argv": {}}))
    verdict = judge(fx, "cli", [exchange("POST", "/api/x", raw_body=b"garbage")], StubProfile(), SETTINGS)
    assert verdict.status == "pass"
    assert pointers(verdict.diagnostics) == [("/body", "not_json")]
    assert any(item.startswith("body") for item in verdict.not_asserted)


def test_worker_plane_request_body_exact() -> None:
    body = {
        "next_history_page_token": "history-page-2",
        "lease_owner": "polyglot-worker-231",
        "workflow_task_attempt": 2,
    }
    captured = exchange(
        "POST", "/api/worker/workflow-tasks/workflow-task-231/history", body, header_list=headers(worker=True)
    )
    verdict = run("workflow-task-history-parity.json", "sdk_python", captured)
    assert verdict.status == "pass", verdict.failures
    # SDK 2.8.0 speaks worker protocol 1.20: same major as the configured 1.0, so only a diagnostic
    assert pointers(verdict.diagnostics) == [("/headers/x-durable-workflow-protocol-version", "changed")]


# --------------------------------------------------------------------------- method, path, query


def test_method_and_percent_encoded_path_segment() -> None:
    fx = fixture(minimal(request={"method": "POST", "path": "/workflows/wf%20231/signal/approval.received"}))
    good = exchange("POST", "/api/workflows/wf%20231/signal/approval%2Ereceived")
    assert judge(fx, "cli", [good], StubProfile(), SETTINGS).status == "pass"
    bad = exchange("PUT", "/api/workflows/wf-231/signal/approval.received")
    verdict = judge(fx, "cli", [bad], StubProfile(), SETTINGS)
    assert pointers(verdict.failures) == [("/method", "changed"), ("/path_segments/1", "changed")]
    assert (verdict.failures[1].expected, verdict.failures[1].actual) == ("wf 231", "wf-231")


def test_segment_count_difference_points_at_path() -> None:
    fx = fixture(minimal(request={"method": "POST", "path": "/workflows"}))
    verdict = judge(fx, "cli", [exchange("POST", "/api/workflows/")], StubProfile(), SETTINGS)
    assert pointers(verdict.failures) == [("/path", "changed")]


def test_missing_api_prefix_fails() -> None:
    fx = fixture(minimal(request={"method": "POST", "path": "/workflows"}))
    verdict = judge(fx, "cli", [exchange("POST", "/workflows")], StubProfile(), SETTINGS)
    assert pointers(verdict.failures) == [("/path", "changed")]


def test_typed_query_values_match_their_wire_strings() -> None:
    data = minimal(
        request={"method": "GET", "path": "/schedules/s/history"},
        cli={"argv": {}, "expected_query": {"limit": 100, "wait": False}},
    )
    fx = fixture(data)
    for wire in ("limit=100&wait=false", "limit=100&wait=0", "wait=0&limit=100"):
        verdict = judge(
            fx, "cli", [exchange("GET", "/api/schedules/s/history", query=wire)], StubProfile(), SETTINGS
        )
        assert verdict.status == "pass", (wire, verdict.failures)
    verdict = judge(
        fx,
        "cli",
        [exchange("GET", "/api/schedules/s/history", query="limit=100.0&wait=no&x=1")],
        StubProfile(),
        SETTINGS,
    )
    assert pointers(verdict.failures) == [
        ("/query/limit", "changed"),
        ("/query/wait", "changed"),
        ("/query/x", "unexpected"),
    ]
    assert verdict.failures[0].expected == 100 and verdict.failures[0].actual == "100.0"
    verdict = judge(
        fx, "cli", [exchange("GET", "/api/schedules/s/history", query="wait=1")], StubProfile(), SETTINGS
    )
    assert pointers(verdict.failures) == [("/query/limit", "missing"), ("/query/wait", "changed")]


def test_query_without_a_fixture_statement_is_a_diagnostic() -> None:
    verdict = run(
        "workflow-start-parity.json",
        "cli",
        exchange("POST", "/api/workflows", START_CLI_BODY, query="debug=1"),
    )
    assert verdict.status == "pass"
    assert pointers(verdict.diagnostics) == [("/query/debug", "unexpected")]


def test_request_query_from_the_shipped_fixture() -> None:
    captured = exchange(
        "GET", "/api/schedules/daily-inventory-check/history", query="limit=100&after_sequence=5"
    )
    assert run("schedule-history-parity.json", "sdk_python", captured).status == "pass"


# --------------------------------------------------------------------------- headers


def test_wrong_namespace_missing_version_and_wrong_token() -> None:
    header_list = [
        ("Authorization", "Bearer another-token-entirely"),
        ("X-Namespace", "billing"),
        ("Content-Type", "application/json"),
    ]
    verdict = run(
        "workflow-start-parity.json",
        "cli",
        exchange("POST", "/api/workflows", START_CLI_BODY, header_list=header_list),
    )
    assert pointers(verdict.failures) == [
        ("/headers/x-namespace", "changed"),
        ("/headers/authorization", "changed"),
        ("/headers/x-durable-workflow-control-plane-version", "missing"),
    ]
    rendered = json.dumps(verdict.to_json())
    assert "another-token-entirely" not in rendered and TOKEN not in rendered
    assert "Bearer [REDACTED] (a different token)" in rendered


@pytest.mark.parametrize(
    ("sent", "passes"),
    [("bearer {token}", True), ("BEARER {token}", True), ("Bearer {upper}", False), ("Basic {token}", False)],
)
def test_the_auth_scheme_is_case_insensitive_the_token_is_not(sent: str, passes: bool) -> None:
    header_list = [
        (name, sent.format(token=TOKEN, upper=TOKEN.upper()) if name == "Authorization" else value)
        for name, value in headers()
    ]
    verdict = run(
        "workflow-start-parity.json",
        "cli",
        exchange("POST", "/api/workflows", START_CLI_BODY, header_list=header_list),
    )
    assert (verdict.status == "pass") is passes
    if not passes:
        assert pointers(verdict.failures) == [("/headers/authorization", "changed")]


def test_missing_authorization() -> None:
    captured = exchange("POST", "/api/workflows", START_CLI_BODY, header_list=headers(token=None))
    verdict = run("workflow-start-parity.json", "cli", captured)
    assert pointers(verdict.failures) == [("/headers/authorization", "missing")]


def test_worker_protocol_major_mismatch_fails() -> None:
    body = {
        "next_history_page_token": "history-page-2",
        "lease_owner": "polyglot-worker-231",
        "workflow_task_attempt": 2,
    }
    header_list = [*headers(worker=False), ("X-Durable-Workflow-Protocol-Version", "2.0")]
    captured = exchange(
        "POST", "/api/worker/workflow-tasks/workflow-task-231/history", body, header_list=header_list
    )
    verdict = run("workflow-task-history-parity.json", "cli", captured)
    assert pointers(verdict.failures) == [("/headers/x-durable-workflow-protocol-version", "changed")]


def test_cli_headers_on_the_worker_plane_pass() -> None:
    body = {
        "next_history_page_token": "history-page-2",
        "lease_owner": "polyglot-worker-231",
        "workflow_task_attempt": 2,
    }
    header_list = [*headers(worker=False), ("X-Durable-Workflow-Protocol-Version", "1.0")]
    captured = exchange(
        "POST", "/api/worker/workflow-tasks/workflow-task-231/history", body, header_list=header_list
    )
    verdict = run("workflow-task-history-parity.json", "cli", captured)
    assert verdict.status == "pass" and verdict.diagnostics == []


# --------------------------------------------------------------------------- operation count


def test_two_operation_requests_fail_and_say_what_was_seen() -> None:
    first = exchange("POST", "/api/workflows", START_CLI_BODY, status=503, sequence=1)
    second = exchange("POST", "/api/workflows", START_CLI_BODY, status=200, sequence=2)
    verdict = run("workflow-start-parity.json", "cli", first, second)
    assert pointers(verdict.failures) == [("", "operation_count")]
    assert verdict.failures[0].actual == ["POST /api/workflows -> 503", "POST /api/workflows -> 200"]
    assert len(verdict.operation_candidates) == 2
    assert verdict.request is not None  # the first matching one is still judged


def test_the_matching_candidate_is_judged_among_several() -> None:
    stray = exchange("GET", "/api/namespaces/default", sequence=1, status=404)
    real = exchange("POST", "/api/workflows", START_CLI_BODY, sequence=2)
    verdict = run("workflow-start-parity.json", "cli", stray, real)
    assert pointers(verdict.failures) == [("", "operation_count")]
    assert verdict.request is not None and verdict.request.method == "POST"


def test_zero_operation_requests_fail() -> None:
    verdict = run("workflow-start-parity.json", "cli")
    assert pointers(verdict.failures) == [("", "operation_count")]
    assert verdict.failures[0].actual == []
    assert verdict.request is None
    assert "no operation request" in verdict.failures[0].message


def test_handshake_alone_never_fails_a_case_by_itself() -> None:
    broken = handshake()
    broken.request_headers = []
    broken.response_status = 500
    verdict = judge(
        shipped("workflow-start-parity.json"),
        "cli",
        [broken, exchange("POST", "/api/workflows", START_CLI_BODY)],
        StubProfile(),
        SETTINGS,
    )
    assert verdict.status == "pass"
    assert len(verdict.ancillary) == 1


# --------------------------------------------------------------------------- policy and output


def test_policy_turns_declared_failures_into_diagnostics_with_the_reason() -> None:
    policy = parse_policy(
        [
            {
                "operation": "workflow.start",
                "projection": "cli",
                "pointers": ["/body/x"],
                "reason": "known CLI quirk",
            }
        ],
        "policy.yaml",
    )
    verdict = run(
        "workflow-start-parity.json",
        "cli",
        exchange("POST", "/api/workflows", {**START_CLI_BODY, "x": 1}),
        policy=policy,
    )
    assert verdict.status == "pass"
    (diagnostic,) = verdict.diagnostics
    assert diagnostic.pointer == "/body/x" and "known CLI quirk" in diagnostic.message


def test_verdict_json_is_serialisable_and_lists_not_asserted() -> None:
    verdict = run(
        "workflow-start-parity.json", "sdk_python", exchange("POST", "/api/workflows", sdk_start_body())
    )
    document = verdict.to_json()
    json.dumps(document)
    assert document["status"] == "pass"
    assert any("query" in item for item in document["not_asserted"])
    assert document["ancillary"][0]["route"] == "handshake"
    assert TOKEN not in json.dumps(document)


def test_api_prefix_comes_from_the_profile() -> None:
    class OtherPrefix(StubProfile):
        api_prefix = "/v2"

    verdict = judge(
        shipped("workflow-start-parity.json"),
        "cli",
        [exchange("POST", "/v2/workflows", START_CLI_BODY)],
        OtherPrefix(),
        SETTINGS,
    )
    assert verdict.status == "pass", verdict.failures
