"""Variant fields derived from the fixture itself: every place of a value changes at once, in its form."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from conformance.avro_codec import decode_blob, encode_blob
from conformance.canonical_request import canonical_request
from conformance.expectations import JudgeSettings, build_expectation
from conformance.fixture import Fixture
from conformance.fuzz import Fuzzer, FuzzSettings, render_report
from conformance.runner import RunSettings, Session
from conformance.variant_derivation import derive_fields
from conformance.variants import Inconsistent, build_variant, load_field_map, plan_seed

SETTINGS = JudgeSettings(namespace="default", token="derivation-test-token")
FIELDS = load_field_map()


def _fixture(data: dict[str, Any], name: str = "x-parity.json") -> Fixture:
    return Fixture(Path(name), copy.deepcopy(data))


SIGNAL: dict[str, Any] = {
    "schema": "durable-workflow.polyglot.control-plane-request-fixture",
    "version": 1,
    "operation": "workflow.signal",
    "request": {"method": "POST", "path": "/workflows/wf-7/signal/go.now"},
    "semantic_body": {"workflow_id": "wf-7", "signal_name": "go.now", "input": [{"who": "ada", "n": 3}]},
    "response_body": {"workflow_id": "wf-7", "signal_name": "go.now"},
    "cli": {
        "argv": {"workflow-id": "wf-7", "signal-name": "go.now", "--input": '[{"who":"ada","n":3}]'},
        "expected_body": {"input": [{"who": "ada", "n": 3}]},
    },
    "sdk_python": {
        "args": {"workflow_id": "wf-7", "signal_name": "go.now", "args": [{"who": "ada", "n": 3}]},
        "expected_body": {},
        "payload_envelope": {
            "field": "input",
            "codec": "avro",
            "blob": encode_blob([{"who": "ada", "n": 3}]),
            "decoded": [{"who": "ada", "n": 3}],
        },
    },
}


def _fields(data: dict[str, Any]) -> dict[str, Any]:
    return {variable.spec.name: variable.seed_value for variable in derive_fields(_fixture(data)).fields}


def test_values_held_by_a_client_input_and_an_expectation_are_variables() -> None:
    assert _fields(SIGNAL) == {
        "workflow_id": "wf-7",
        "signal_name": "go.now",
        "input": [{"who": "ada", "n": 3}],
        "input_2": {"who": "ada", "n": 3},
        "who": "ada",
        "n": 3,
    }


def test_an_id_is_percent_encoded_in_the_path_and_plain_everywhere_else() -> None:
    plan = plan_seed(_fixture(SIGNAL), FIELDS)
    variant = build_variant(plan, {"workflow_id": "a/b?c#d %é", "signal_name": "x y"})
    data = variant.fixture.data
    assert data["request"]["path"] == "/workflows/a%2Fb%3Fc%23d%20%25%C3%A9/signal/x%20y"
    assert data["cli"]["argv"]["workflow-id"] == "a/b?c#d %é"
    assert data["cli"]["argv"]["signal-name"] == "x y"
    assert data["sdk_python"]["args"]["workflow_id"] == "a/b?c#d %é"
    assert data["semantic_body"]["workflow_id"] == "a/b?c#d %é"
    assert data["response_body"] == {"workflow_id": "a/b?c#d %é", "signal_name": "x y"}  # follows along
    expectation = build_expectation(variant.fixture, "cli", SETTINGS)
    assert expectation.path_segments == ("workflows", "a/b?c#d %é", "signal", "x y")


def test_a_value_inside_a_json_argument_is_rewritten_inside_the_json_text() -> None:
    plan = plan_seed(_fixture(SIGNAL), FIELDS)
    variant = build_variant(plan, {"who": 'gr"ace\n', "n": 2**40})
    data = variant.fixture.data
    assert json.loads(data["cli"]["argv"]["--input"]) == [{"who": 'gr"ace\n', "n": 2**40}]
    assert data["cli"]["expected_body"] == {"input": [{"who": 'gr"ace\n', "n": 2**40}]}
    assert data["sdk_python"]["args"]["args"] == [{"who": 'gr"ace\n', "n": 2**40}]
    assert data["semantic_body"]["input"] == [{"who": 'gr"ace\n', "n": 2**40}]
    assert canonical_request(variant.fixture).body == {"input": [{"who": 'gr"ace\n', "n": 2**40}]}


def test_a_whole_payload_replaces_its_leaves_and_the_blob_is_re_encoded() -> None:
    plan = plan_seed(_fixture(SIGNAL), FIELDS)
    variant = build_variant(plan, {"input": [None, 1.5, {"k": []}], "who": "ignored", "n": 9})
    data = variant.fixture.data
    new: list[Any] = [None, 1.5, {"k": []}]
    assert json.loads(data["cli"]["argv"]["--input"]) == new  # the leaves lived inside the old payload
    envelope = data["sdk_python"]["payload_envelope"]
    assert envelope["decoded"] == new and decode_blob(envelope["blob"]) == new
    build_expectation(variant.fixture, "sdk_python", SETTINGS)  # blob and decoded agree


def test_a_request_body_envelope_companion_is_re_encoded() -> None:
    data = {
        "schema": "durable-workflow.polyglot.control-plane-request-fixture",
        "version": 1,
        "operation": "query-task.complete",
        "request": {"method": "POST", "path": "/worker/query-tasks/qt-1/complete"},
        "cli": {"argv": {"query-task-id": "qt-1", "--result": '{"status":"ready"}'}},
        "sdk_python": {
            "kwargs": {"query_task_id": "qt-1", "result": {"status": "ready"}},
            "request_body": {
                "result": {"status": "ready"},
                "result_envelope": {"codec": "avro", "blob": encode_blob({"status": "ready"})},
            },
        },
    }
    plan = plan_seed(_fixture(data), FIELDS)
    assert "status" in [variable.spec.name for variable in plan.fields] and plan.refused == []
    variant = build_variant(plan, {"status": "done ✓"})
    body = variant.fixture.data["sdk_python"]["request_body"]
    assert body["result"] == {"status": "done ✓"}
    assert decode_blob(body["result_envelope"]["blob"]) == {"status": "done ✓"}
    assert json.loads(variant.fixture.data["cli"]["argv"]["--result"]) == {"status": "done ✓"}
    build_expectation(variant.fixture, "sdk_python", SETTINGS)


def test_decimal_options_query_strings_and_typed_values_are_one_integer() -> None:
    data = {
        "schema": "durable-workflow.polyglot.control-plane-request-fixture",
        "version": 1,
        "operation": "schedule.history",
        "request": {"method": "GET", "path": "/schedules/s-1/history", "query": {"limit": "100"}},
        "cli": {"argv": {"schedule-id": "s-1", "--limit": "100"}},
        "sdk_python": {"args": {"schedule_id": "s-1", "limit": 100}},
    }
    plan = plan_seed(_fixture(data), FIELDS)
    (limit,) = [variable for variable in plan.fields if variable.spec.name == "limit"]
    assert limit.seed_value == 100 and limit.spec.kind == "count"
    assert limit.spec.maximum == 500  # the table's domain for schedule.history's limit
    variant = build_variant(plan, {"limit": 7})
    assert variant.fixture.data["request"]["query"] == {"limit": "7"}
    assert variant.fixture.data["cli"]["argv"]["--limit"] == "7"
    assert variant.fixture.data["sdk_python"]["args"]["limit"] == 7


def test_a_value_inside_another_string_is_not_varied() -> None:
    data = copy.deepcopy(SIGNAL)
    data["semantic_body"]["note"] = "sent by ada-bot"
    reasons = derive_fields(_fixture(data)).refused
    assert reasons == ['who ("ada"): it is also part of "sent by ada-bot" at /semantic_body/note']


def test_a_variant_a_path_cannot_hold_is_not_generated() -> None:
    plan = plan_seed(_fixture(SIGNAL), FIELDS)
    for impossible in (".", ".."):
        with pytest.raises(Inconsistent, match="cannot be one path segment"):
            build_variant(plan, {"workflow_id": impossible})
    # a value only a client cannot carry drops that client's projection instead
    assert set(build_variant(plan, {"workflow_id": "-dash"}).dropped) == {"cli"}


def test_the_fuzz_run_counts_variants_not_generated(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "workflow-signal-parity.json").write_text(json.dumps(SIGNAL), encoding="utf-8")
    fields = tmp_path / "fields.yaml"
    fields.write_text(
        "workflow.signal:\n  workflow_id:\n    kind: choice\n    choices: [wf-7, '.', '..']\n"
        "  signal_name:\n    kind: choice\n    choices: [go.now]\n"
        "  input:\n    kind: choice\n    choices: [[{who: ada, n: 3}]]\n"
        "  input_2:\n    kind: choice\n    choices: [{who: ada, n: 3}]\n"
        "  who:\n    kind: choice\n    choices: [ada]\n  n:\n    kind: choice\n    choices: [3]\n",
        encoding="utf-8",
    )
    settings = RunSettings(fixtures_dirs=[corpus], adapter_specs=["canonical"], jobs=1, write_har=False)
    with Session(settings) as session:
        fuzzer = Fuzzer(
            session,
            FuzzSettings(max_examples=30, seed=5, report_dir=tmp_path, jobs=1),
            field_map=load_field_map(fields),
        )
        report = fuzzer.run()
    (result,) = report.results
    assert report.passed, render_report(report)
    not_generated = sum(result.not_generated.values())
    assert not_generated > 0 and result.examples > 0
    assert all("cannot be one path segment" in reason for reason in result.not_generated)
    assert report.to_json()["variants_not_generated"] == not_generated
    assert f"{not_generated} drawn variant(s) not generated (could not be made consistent)" in render_report(
        report
    )
