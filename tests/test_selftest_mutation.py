"""Mutant derivation: every place that pins a value is edited, and mutants stay self-consistent."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from conformance.avro_codec import decode_blob, make_envelope
from conformance.expectations import JudgeSettings, build_expectation
from conformance.fixture import Fixture, load_fixture
from conformance.mutation import Mutant, MutantSet, changed_value, derive_mutants

CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "control-plane"
SETTINGS = JudgeSettings(namespace="default", token="mutation-test-token")


def _fixture(name: str) -> Fixture:
    return load_fixture(CORPUS / name)


def _query_with_request_body() -> Fixture:
    """The shipped query fixture with its body stated once, in ``request.body``, beside the SDK's envelope."""
    data = copy.deepcopy(_fixture("workflow-query-parity.json").data)
    data["request"]["body"] = data["cli"].pop("expected_body")
    del data["sdk_python"]["expected_body"]
    return Fixture(Path("query-request-body-parity.json"), data)


def _by(mutants: MutantSet, kind: str, target: str) -> Mutant:
    (found,) = [m for m in mutants.mutants if m.kind == kind and m.target == target]
    return found


def _value(mutant: Mutant, projection: str, target: str) -> Any:
    assert mutant.fixture is not None
    expectation = build_expectation(mutant.fixture, projection, SETTINGS)
    assert expectation.body is not None
    node: Any = {"body": expectation.body.value}
    for token in target.strip("/").split("/"):
        node = node[int(token)] if isinstance(node, list) else node[token]
    return node


def test_an_sdk_payload_mutant_edits_request_body_and_the_envelope_together() -> None:
    mutants = derive_mutants(_query_with_request_body(), "sdk_python", SETTINGS)
    assert mutants.problems == []
    mutant = _by(mutants, "body_value", "/body/input/0/include_line_items")
    assert set(mutant.sites) == {"/request/body", "/sdk_python/payload_envelope/decoded"}
    assert mutant.fixture is not None
    envelope = mutant.fixture.data["sdk_python"]["payload_envelope"]
    mutated = [{"include_line_items": False, "currency": "USD"}]
    assert envelope["decoded"] == mutated
    assert decode_blob(envelope["blob"]) == mutated  # the blob follows
    # the clients' inputs are never mutated
    sdk_args = mutant.fixture.data["sdk_python"]["args"]
    assert sdk_args["args"] == [{"include_line_items": True, "currency": "USD"}]
    assert mutant.fixture.data["cli"]["argv"]["--input"] == '[{"include_line_items":true,"currency":"USD"}]'


def test_the_canonical_projection_edits_every_projection_that_pins_the_value() -> None:
    mutants = derive_mutants(_fixture("workflow-start-parity.json"), "canonical", SETTINGS)
    mutant = _by(mutants, "int_to_string", "/body/run_timeout_seconds")
    assert set(mutant.sites) == {"/cli/expected_body", "/sdk_python/expected_body"}
    assert _value(mutant, "canonical", "/body/run_timeout_seconds") == "120"


def test_removing_an_envelope_field_under_an_exact_body_drops_the_envelope() -> None:
    mutants = derive_mutants(_query_with_request_body(), "sdk_python", SETTINGS)
    mutant = _by(mutants, "body_key_removed", "/body/input")
    assert mutant.fixture is not None
    assert "payload_envelope" not in mutant.fixture.data["sdk_python"]
    assert mutant.fixture.data["request"]["body"] == {}


def test_adding_a_key_where_only_an_envelope_pins_the_body_creates_expected_body() -> None:
    mutants = derive_mutants(_fixture("workflow-signal-parity.json"), "sdk_python", SETTINGS)
    mutant = _by(mutants, "body_key_added", "/body/dw_mutant_added")
    assert mutant.sites == ("/sdk_python/expected_body",)
    assert _value(mutant, "sdk_python", "/body/dw_mutant_added") == "dw-mutant"


def test_request_body_companion_envelopes_and_inline_envelopes_are_re_encoded() -> None:
    data = copy.deepcopy(_fixture("workflow-signal-parity.json").data)
    del data["sdk_python"]["payload_envelope"], data["sdk_python"]["expected_body"]
    data["sdk_python"]["request_body"] = {
        "input": [{"n": 1}],
        "input_envelope": make_envelope([{"n": 1}]),
        "meta": make_envelope({"kind": "inline"}),
    }
    fixture = Fixture(Path("companion-parity.json"), data)
    mutants = derive_mutants(fixture, "sdk_python", SETTINGS)
    assert mutants.problems == []
    changed = _by(mutants, "body_value", "/body/input/0/n")
    assert changed.fixture is not None
    body = changed.fixture.data["sdk_python"]["request_body"]
    assert body["input"] == [{"n": 2}]
    assert decode_blob(body["input_envelope"]["blob"]) == [{"n": 2}]
    removed = _by(mutants, "body_key_removed", "/body/input")
    assert removed.fixture is not None
    assert set(removed.fixture.data["sdk_python"]["request_body"]) == {"meta"}  # its companion goes too
    inline = _by(mutants, "body_value", "/body/meta/kind")
    assert inline.fixture is not None
    assert decode_blob(inline.fixture.data["sdk_python"]["request_body"]["meta"]["blob"]) == {
        "kind": "inline-dw-mutant"
    }


def test_typed_cli_expected_query_values_change_and_disappear() -> None:
    data = copy.deepcopy(_fixture("schedule-history-parity.json").data)
    del data["request"]["query"]
    data["cli"]["expected_query"] = {"limit": 100, "after_sequence": 5, "all": True}
    fixture = Fixture(Path("typed-query-parity.json"), data)
    mutants = derive_mutants(fixture, "cli", SETTINGS)
    assert mutants.problems == []
    flipped = _by(mutants, "query_value", "/query/all")
    assert flipped.fixture is not None
    assert flipped.fixture.data["cli"]["expected_query"]["all"] is False
    removed = _by(mutants, "query_removed", "/query/limit")
    assert removed.fixture is not None
    assert "limit" not in removed.fixture.data["cli"]["expected_query"]


def test_a_fixture_without_body_or_query_reports_those_kinds_as_not_applicable() -> None:
    data = copy.deepcopy(_fixture("workflow-cancel-parity.json").data)
    del data["cli"]["expected_body"], data["sdk_python"]["expected_body"]
    mutants = derive_mutants(Fixture(Path("nobody-parity.json"), data), "cli", SETTINGS)
    kinds = {item.kind for item in mutants.not_applicable}
    assert {"body_value", "body_key_added", "int_to_string", "query_value", "envelope_decoded"} <= kinds
    assert {m.kind for m in mutants.mutants} == {"method", "path_segment", "namespace", "token"}


def test_no_token_means_no_token_mutant() -> None:
    settings = JudgeSettings(namespace="default", token="")
    mutants = derive_mutants(_fixture("storage-test-parity.json"), "cli", settings)
    assert "token" in {item.kind for item in mutants.not_applicable}
    assert "token" not in {m.kind for m in mutants.mutants}


def test_a_worker_path_segment_mutant_declares_its_header_consequence() -> None:
    mutants = derive_mutants(_fixture("workflow-task-history-parity.json"), "cli", SETTINGS)
    first = _by(mutants, "path_segment", "/path_segments/0")
    assert first.consequences and all(p.startswith("/headers/") for p in first.consequences)
    assert _by(mutants, "path_segment", "/path_segments/2").consequences == ()


def test_changed_values_differ_and_stay_in_range() -> None:
    for value in (None, True, 0, 2**63 - 1, -(2**63), 1.25, 1e300, "", "x", [], {}, [1], {"a": 1}):
        new = changed_value(value)
        assert json.dumps(new) != json.dumps(value) or type(new) is not type(value)
    assert changed_value(2**63 - 1) == 2**63 - 2
