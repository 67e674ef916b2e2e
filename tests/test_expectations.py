"""Expectations per projection: which body, query and headers a fixture pins."""

from __future__ import annotations

import json

import pytest

from conformance.avro_codec import encode_blob, make_envelope
from conformance.checks.query import compare_query
from conformance.expectations import (
    CANONICAL,
    JudgeSettings,
    body_expectation,
    build_expectation,
    pinned_body,
    query_expectation,
    values_equal,
)
from conformance.fixture_rules import envelope_problems
from conformance.normalize import NormalizedRequest
from conformance.problems import InputError
from support.judging import SETTINGS, TOKEN, fixture, minimal, shipped

VALUE = [{"order_id": 42, "priority": "gold"}]


def test_method_and_path_come_from_request() -> None:
    fx = fixture(minimal(request={"method": "post", "path": "/workflows/wf%201/signal/go"}))
    expectation = build_expectation(fx, "cli", SETTINGS)
    assert expectation.method == "POST"
    assert expectation.path == "/workflows/wf%201/signal/go"
    assert expectation.path_segments == ("workflows", "wf 1", "signal", "go")
    assert expectation.plane == "control"


def test_request_body_is_exact_for_every_projection_and_envelopes_decode() -> None:
    data = minimal(
        request={"method": "POST", "path": "/x", "body": {"input": make_envelope(VALUE)}},
        cli={"argv": {}, "expected_body": {"ignored": True}},
        sdk_python={"expected_body": {"ignored": True}},
    )
    for key in ("cli", "sdk_python", "sdk_rust", CANONICAL):
        body = body_expectation(fixture(data), key)
        assert body is not None
        assert (body.mode, body.source, body.value) == ("exact", "request.body", {"input": VALUE})


def test_cli_expected_body_is_exact_and_sdk_expected_body_is_subset() -> None:
    fx = shipped("workflow-start-parity.json")
    cli = body_expectation(fx, "cli")
    sdk = body_expectation(fx, "sdk_python")
    assert cli is not None and cli.mode == "exact" and cli.envelopes == ()
    assert sdk is not None and sdk.mode == "subset"
    assert sdk.value["input"] == VALUE  # merged from payload_envelope
    (requirement,) = sdk.envelopes
    assert (requirement.pointer, requirement.codec) == ("/body/input", "avro")


def test_future_projection_is_exact_unless_it_says_subset() -> None:
    data = minimal(sdk_rust={"expected_body": {"a": 1}})
    body = body_expectation(fixture(data), "sdk_rust")
    assert body is not None and body.mode == "exact"
    data["sdk_rust"]["body_match"] = "subset"
    body = body_expectation(fixture(data), "sdk_rust")
    assert body is not None and body.mode == "subset"


def test_bad_body_match_names_the_pointer() -> None:
    data = minimal(sdk_rust={"expected_body": {"a": 1}, "body_match": "loose"})
    with pytest.raises(InputError) as caught:
        body_expectation(fixture(data), "sdk_rust")
    (problem,) = caught.value.problems
    assert (problem.file, problem.pointer) == ("/fixtures/test-parity.json", "/sdk_rust/body_match")


def test_payload_envelope_alone_gives_a_one_key_subset() -> None:
    data = json.loads(json.dumps(shipped("workflow-signal-parity.json").data))
    del data["sdk_python"]["expected_body"]  # the shipped file states an empty one, as the clients' do
    body = body_expectation(fixture(data), "sdk_python")
    assert body is not None
    signal_input = [{"approved_by": "ada", "approved": True, "notes": "ship it"}]
    assert body.mode == "subset" and body.value == {"input": signal_input}
    assert body.source == "sdk_python.payload_envelope"


def test_payload_envelope_dotted_field_nests() -> None:
    data = minimal(
        sdk_python={"payload_envelope": {"field": "action.input", "codec": "avro", "decoded": [1]}}
    )
    body = body_expectation(fixture(data), "sdk_python")
    assert body is not None and body.value == {"action": {"input": [1]}}
    assert body.envelopes[0].pointer == "/body/action/input"


def test_payload_envelope_blob_must_decode_to_decoded() -> None:
    data = minimal(
        sdk_python={
            "payload_envelope": {"field": "input", "codec": "avro", "blob": encode_blob([2]), "decoded": [1]}
        }
    )
    with pytest.raises(InputError) as caught:
        body_expectation(fixture(data), "sdk_python")
    # One rule (fixture_rules.envelope_agreement), one pointer: the stated value, as validate says.
    assert caught.value.problems == envelope_problems(data, str(fixture(data).path))
    assert caught.value.problems[0].pointer == "/sdk_python/payload_envelope/decoded"


def test_payload_envelope_conflicting_with_expected_body_is_an_input_error() -> None:
    data = minimal(
        sdk_python={
            "expected_body": {"input": [2]},
            "payload_envelope": {"field": "input", "codec": "avro", "decoded": [1]},
        }
    )
    with pytest.raises(InputError) as caught:
        body_expectation(fixture(data), "sdk_python")
    assert caught.value.problems[0].pointer == "/sdk_python/payload_envelope"


def test_undecodable_expected_side_envelope_is_an_input_error_with_pointer() -> None:
    data = minimal(
        request={"method": "POST", "path": "/x", "body": {"input": {"codec": "avro", "blob": "%%"}}}
    )
    with pytest.raises(InputError) as caught:
        build_expectation(fixture(data), "cli", SETTINGS)
    (problem,) = caught.value.problems
    # An undecodable Avro blob is reported at the blob, as validate reports it.
    assert problem.pointer == "/request/body/input/blob"
    assert "invalid_base64" in problem.found


def test_request_body_with_envelope_companion() -> None:
    data = minimal(
        sdk_python={
            "request_body": {
                "input": VALUE,
                "input_envelope": make_envelope(VALUE),
                "wait_for": "completed",
                "payload_envelope": {"not": "an envelope"},
            }
        }
    )
    body = body_expectation(fixture(data), "sdk_python")
    assert body is not None
    assert body.mode == "exact" and body.source == "sdk_python.request_body"
    # The companion is sent *beside* the plain value (the SDK's own tests compare the whole body):
    # it stays expected, decoded, and must travel as an envelope; the plain value stays plain.
    assert body.value == {
        "input": VALUE,
        "input_envelope": VALUE,
        "wait_for": "completed",
        "payload_envelope": {"not": "an envelope"},
    }
    (requirement,) = body.envelopes
    assert (requirement.pointer, requirement.source) == (
        "/body/input_envelope",
        "/sdk_python/request_body/input_envelope",
    )


def test_request_body_companion_must_decode_to_the_plain_value() -> None:
    data = minimal(sdk_python={"request_body": {"input": [1], "input_envelope": make_envelope([2])}})
    with pytest.raises(InputError) as caught:
        body_expectation(fixture(data), "sdk_python")
    # The same problem validate reports: at the plain twin, expected what the companion decodes to.
    assert caught.value.problems == envelope_problems(data, str(fixture(data).path))
    assert caught.value.problems[0].pointer == "/sdk_python/request_body/input"


def test_envelope_key_without_plain_companion_is_a_literal_key() -> None:
    data = minimal(sdk_python={"request_body": {"result_envelope": make_envelope(1)}})
    body = body_expectation(fixture(data), "sdk_python")
    assert body is not None and body.value == {"result_envelope": 1} and body.envelopes == ()


def test_no_body_statement_is_not_asserted() -> None:
    fx = fixture(minimal(cli={"argv": {}}, sdk_python={}))
    for key in ("cli", "sdk_python", CANONICAL):
        expectation = build_expectation(fx, key, SETTINGS)
        assert expectation.body is None
        assert any(item.startswith("body") for item in expectation.not_asserted)


def test_canonical_body_order() -> None:
    both = minimal(
        cli={"argv": {}, "expected_body": {"a": 1}},
        sdk_python={
            "expected_body": {"b": 2},
            "payload_envelope": {"field": "input", "codec": "avro", "decoded": [1]},
        },
    )
    body = pinned_body(fixture(both))
    assert body is not None and (body.mode, body.source, body.value) == (
        "exact",
        "cli.expected_body",
        {"a": 1},
    )
    del both["cli"]["expected_body"]
    body = pinned_body(fixture(both))
    assert body is not None and body.mode == "subset"
    assert body.value == {"b": 2, "input": [1]} and body.envelopes == ()
    both["sdk_python"]["request_body"] = {"c": 3}
    body = pinned_body(fixture(both))
    assert body is not None and (body.mode, body.value) == ("exact", {"c": 3})


def test_query_typed_values_and_precedence() -> None:
    data = minimal(
        request={"method": "GET", "path": "/x", "query": {"limit": "100"}},
        cli={"argv": {}, "expected_query": {"page_size": 25, "wait_new_event": False, "tag": ["a", "b"]}},
    )
    cli = query_expectation(fixture(data), "cli")
    assert cli is not None and cli.source == "cli.expected_query"
    assert cli.params["page_size"][0].accepted == ("25",)
    assert cli.params["wait_new_event"][0].accepted == ("false", "0")
    assert [value.accepted for value in cli.params["tag"]] == [("a",), ("b",)]
    sdk = query_expectation(fixture(data), "sdk_python")
    assert sdk is not None and sdk.source == "request.query" and set(sdk.params) == {"limit"}
    canonical = query_expectation(fixture(data), CANONICAL)
    assert canonical is not None and canonical.source == "request.query"


def test_query_value_of_a_wrong_type_is_an_input_error() -> None:
    data = minimal(request={"method": "GET", "path": "/x", "query": {"limit": 1.5}})
    with pytest.raises(InputError) as caught:
        query_expectation(fixture(data), "cli")
    assert caught.value.problems[0].pointer == "/request/query/limit"


def test_headers_control_plane() -> None:
    expectation = build_expectation(shipped("workflow-start-parity.json"), "sdk_python", SETTINGS)
    by_name = {header.name: header for header in expectation.headers}
    assert set(by_name) == {"x-namespace", "authorization", "x-durable-workflow-control-plane-version"}
    assert by_name["x-namespace"].value == "default"
    assert by_name["authorization"].value == f"Bearer {TOKEN}"
    assert by_name["x-durable-workflow-control-plane-version"].value == "2"


def test_headers_worker_plane_use_the_protocol_version() -> None:
    expectation = build_expectation(shipped("workflow-task-history-parity.json"), "sdk_python", SETTINGS)
    assert expectation.plane == "worker"
    by_name = {header.name: header for header in expectation.headers}
    assert "x-durable-workflow-control-plane-version" not in by_name
    header = by_name["x-durable-workflow-protocol-version"]
    assert (header.value, header.match) == ("1.0", "same_major")


def test_no_token_means_authorization_not_asserted() -> None:
    expectation = build_expectation(
        shipped("workflow-start-parity.json"), "cli", JudgeSettings("default", "")
    )
    assert "authorization" not in {header.name for header in expectation.headers}
    assert any(item.startswith("authorization") for item in expectation.not_asserted)


def test_token_never_appears_in_the_expectation_output_or_repr() -> None:
    expectation = build_expectation(shipped("workflow-start-parity.json"), "cli", SETTINGS)
    assert TOKEN not in json.dumps(expectation.to_json())
    assert TOKEN not in repr(expectation)
    assert TOKEN not in repr(SETTINGS)


def test_every_shipped_fixture_builds_for_every_projection() -> None:
    from support.judging import CORPUS

    for path in sorted(CORPUS.glob("*.json")):
        fx = shipped(path.name)
        for key in [*fx.projection_keys, CANONICAL]:
            expectation = build_expectation(fx, key, SETTINGS)
            json.dumps(expectation.to_json())


@pytest.mark.parametrize(
    ("left", "right", "equal"),
    [
        (42, 42, True),
        (42, 42.0, False),
        (42, "42", False),
        (True, 1, False),
        ({"a": [1, {"b": None}]}, {"a": [1, {"b": None}]}, True),
        ({"a": 1}, {"a": 1, "b": 2}, False),
        ([1, 2], [2, 1], False),
        (float("nan"), float("nan"), True),
    ],
)
def test_values_equal_is_type_exact(left: object, right: object, equal: bool) -> None:
    assert values_equal(left, right) is equal


# ------------------------------------------- issue 12: projections as the real clients read them
def test_projection_request_body_wins_and_its_companion_travels_beside_the_plain_value() -> None:
    """``sdk_python.request_body`` is the SDK's whole body (the SDK's own test compares it whole)."""
    data = minimal(
        request={"method": "POST", "path": "/worker/query-tasks/q/complete", "body": {"result": {"ok": 1}}},
        sdk_python={"request_body": {"result": {"ok": 1}, "result_envelope": make_envelope({"ok": 1})}},
    )
    body = body_expectation(fixture(data), "sdk_python")
    assert body is not None and body.source == "sdk_python.request_body" and body.mode == "exact"
    assert body.value == {"result": {"ok": 1}, "result_envelope": {"ok": 1}}
    assert [requirement.pointer for requirement in body.envelopes] == ["/body/result_envelope"]
    # the canonical body is the plain one: the companion is the SDK's own addition
    assert body_expectation(fixture(data), CANONICAL) == pinned_body(fixture(data))
    canonical = pinned_body(fixture(data))
    assert canonical is not None and canonical.value == {"result": {"ok": 1}}


def test_request_body_must_agree_with_request_body() -> None:
    data = minimal(
        request={"method": "POST", "path": "/x", "body": {"attempt": 1}},
        sdk_python={"request_body": {"attempt": 2}},
    )
    with pytest.raises(InputError) as raised:
        body_expectation(fixture(data), "sdk_python")
    (problem,) = raised.value.problems
    assert problem.pointer == "/sdk_python/request_body/attempt"
    assert "/request/body/attempt" in problem.expected


def test_a_client_without_a_projection_is_held_to_the_canonical_request() -> None:
    data = minimal(
        cli={"argv": {}, "expected_body": {"reason": "x"}, "expected_query": {"page_size": 25}},
        sdk_python={"expected_body": {"reason": "x"}},
    )
    expectation = build_expectation(fixture(data), "sdk_go", SETTINGS)
    assert expectation.body is not None
    assert (expectation.body.mode, expectation.body.source) == ("exact", "canonical: cli.expected_body")
    assert expectation.body.envelopes == ()  # plain JSON or an envelope of the same value: both match
    assert expectation.query is not None and expectation.query.source == "canonical: cli.expected_query"
    assert not any(entry.startswith(("body", "query")) for entry in expectation.not_asserted)


def test_a_query_pinned_for_one_reference_client_is_the_operations_query() -> None:
    """One wire request per operation: the SDK is held to ``cli.expected_query``; the source says so."""
    data = minimal(
        cli={"argv": {}, "expected_query": {"page_size": 25, "status": "running"}}, sdk_python={"args": {}}
    )
    query = query_expectation(fixture(data), "sdk_python")
    assert query is not None and set(query.params) == {"page_size", "status"}
    assert query.source.startswith("cli.expected_query (pinned for cli")
    request = NormalizedRequest("GET", "/workflows", ["workflows"], {"status": ["running"]}, {}, None, False)
    missing = compare_query(query, request)
    assert [(item.pointer, item.kind, item.severity) for item in missing] == [
        ("/query/page_size", "missing", "failure")
    ]
    assert "pinned for cli" in missing[0].message


def test_a_parameter_declared_one_clients_own_spelling_is_not_held_for_the_other() -> None:
    """``data/client-own-query.yaml``: the CLI's ``wait_new_event`` (workflow.history) is its own."""
    data = minimal(cli={"argv": {}, "expected_query": {"wait_new_event": False}}, sdk_python={"args": {}})
    data["operation"] = "workflow.history"
    query = query_expectation(fixture(data), "sdk_python")
    assert query is not None and query.params == {}
    assert "wait_new_event declared cli's own" in query.source
    cli_query = query_expectation(fixture(data), "cli")
    assert cli_query is not None and set(cli_query.params) == {"wait_new_event"}


def test_the_same_expected_body_for_both_reference_clients_is_exact_for_the_sdk() -> None:
    body = {"reason": "operator forced failover"}
    same = minimal(cli={"argv": {}, "expected_body": body}, sdk_python={"args": {}, "expected_body": body})
    expectation = build_expectation(fixture(same), "sdk_python", SETTINGS)
    assert expectation.body is not None and expectation.body.mode == "exact"
    other = minimal(
        cli={"argv": {}, "expected_body": {**body, "x": 1}}, sdk_python={"args": {}, "expected_body": body}
    )
    expectation = build_expectation(fixture(other), "sdk_python", SETTINGS)
    assert expectation.body is not None and expectation.body.mode == "subset"


def test_a_projection_that_states_no_body_is_held_to_the_pinned_body() -> None:
    """A projection holding only a call and its arguments cannot pass with nothing asserted."""
    data = minimal(
        cli={"argv": {}, "expected_body": {"execution_timeout_seconds": 300}},
        sdk_go={"call": "StartWorkflow", "args": {"timeout": 300}},
    )
    body = body_expectation(fixture(data), "sdk_go")
    assert body is not None and body.value == {"execution_timeout_seconds": 300}
