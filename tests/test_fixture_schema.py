"""The JSON Schema of fixture format 1: every documented variation passes, the malformed fail pointedly."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from conformance.avro_codec import encode_blob
from conformance.fixture_schema import fixture_schema, schema_problems


def minimal() -> dict[str, Any]:
    return {
        "schema": "durable-workflow.polyglot.control-plane-request-fixture",
        "version": 1,
        "operation": "workflow.signal",
        "request": {"method": "POST", "path": "/workflows/wf-1/signal/approval.received"},
        "semantic_body": {"workflow_id": "wf-1", "signal_name": "approval.received"},
    }


def with_changes(**changes: Any) -> dict[str, Any]:
    document = minimal()
    document.update(copy.deepcopy(changes))
    return document


def test_the_schema_is_a_valid_draft_2020_12_schema() -> None:
    schema = fixture_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)


ACCEPTED: dict[str, dict[str, Any]] = {
    "minimal": minimal(),
    "positional-and-option-argv": with_changes(
        cli={"argv": {"workflow-id": "wf-1", "signal-name": "approval.received", "--input": "[1]"}}
    ),
    "flag": with_changes(cli={"argv": {"workflow-id": "wf-1", "--json": True}}),
    "repeated-option": with_changes(cli={"argv": {"--search-attr": ["A=1", "B=2"], "--memo": "{}"}}),
    "empty-argv": with_changes(cli={"argv": {}}),
    "cli-expected-body-and-typed-query": with_changes(
        cli={
            "argv": {"--page-size": "25"},
            "expected_body": {"input": [{"order_id": 42}]},
            "expected_query": {
                "page_size": 25,
                "wait_new_event": False,
                "status": "running",
                "tag": ["a", "b"],
            },
        }
    ),
    "cli-expected-body-not-an-object": with_changes(cli={"argv": {}, "expected_body": []}),
    "sdk-args": with_changes(sdk_python={"method": "signal_workflow", "args": {"workflow_id": "wf-1"}}),
    "sdk-kwargs-without-method": with_changes(sdk_python={"kwargs": {"workflow_id": "wf-1", "args": [1]}}),
    "sdk-args-and-kwargs": with_changes(sdk_python={"args": {"workflow_id": "wf-1"}, "kwargs": {"args": []}}),
    "sdk-expected-body": with_changes(sdk_python={"expected_body": {"wait_for": "completed"}}),
    "payload-envelope-plain-field": with_changes(
        sdk_python={"payload_envelope": {"field": "input", "codec": "avro", "decoded": [1]}}
    ),
    "payload-envelope-dotted-field-with-blob": with_changes(
        sdk_python={
            "payload_envelope": {
                "field": "action.input",
                "codec": "avro",
                "decoded": [{"sku": 1}],
                "blob": encode_blob([{"sku": 1}]),
            }
        }
    ),
    "request-body-with-envelope-sibling": with_changes(
        sdk_python={
            "request_body": {"input": [1], "input_envelope": {"codec": "avro", "blob": encode_blob([1])}}
        }
    ),
    "request-body-and-query": with_changes(
        request={
            "method": "GET",
            "path": "/schedules/daily/history",
            "query": {"limit": "100", "after_sequence": "5"},
            "body": None,
        }
    ),
    "response-body-of-any-type": with_changes(response_body=[{"id": 1}]),
    "response-body-null": with_changes(response_body=None),
    "unknown-projection": with_changes(sdk_rust={"function": "signal_workflow", "anything": [1, 2]}),
    "description": with_changes(description="free text"),
    "operation-with-dashes-and-underscores": with_changes(operation="task_queue.build_id.drain"),
    "worker-operation": with_changes(operation="workflow-task.history"),
    "percent-encoded-path": with_changes(
        request={"method": "POST", "path": "/workflows/wf%201/signal/x%2Fy"}
    ),
}


@pytest.mark.parametrize("name", sorted(ACCEPTED))
def test_accepts(name: str) -> None:
    assert schema_problems(ACCEPTED[name], "f.json") == []


REJECTED: dict[str, tuple[dict[str, Any], str, str]] = {
    # name: (document, pointer of the problem, fragment of its expected text)
    "missing-operation": (
        {key: value for key, value in minimal().items() if key != "operation"},
        "/operation",
        "required key 'operation'",
    ),
    "missing-request": (
        {key: value for key, value in minimal().items() if key != "request"},
        "/request",
        "required key 'request'",
    ),
    "missing-path": (with_changes(request={"method": "POST"}), "/request/path", "required key 'path'"),
    "path-without-leading-slash": (
        with_changes(request={"method": "POST", "path": "workflows/wf-1"}),
        "/request/path",
        "matching",
    ),
    "path-with-space": (
        with_changes(request={"method": "POST", "path": "/workflows/wf 1"}),
        "/request/path",
        "matching",
    ),
    "unknown-version": (with_changes(version=2), "/version", "version 1"),
    "version-as-string": (with_changes(version="1"), "/version", "version 1"),
    "version-as-float": (with_changes(version=1.0), "/version", "version 1"),
    "version-as-boolean": (with_changes(version=True), "/version", "version 1"),
    "other-schema-id": (with_changes(schema="something-else"), "/schema", "the value"),
    "operation-not-dotted": (with_changes(operation="start"), "/operation", "matching"),
    "operation-upper-case": (with_changes(operation="Workflow.Start"), "/operation", "matching"),
    "operation-wrong-type": (with_changes(operation=7), "/operation", "type string"),
    "method-unknown": (with_changes(request={"method": "FETCH", "path": "/x"}), "/request/method", "one of"),
    "request-unknown-key": (
        with_changes(request={"method": "POST", "path": "/x", "headers": {}}),
        "/request",
        "no other keys",
    ),
    "query-value-object": (
        with_changes(request={"method": "GET", "path": "/x", "query": {"limit": {"n": 1}}}),
        "/request/query/limit",
        "a string, an integer or a boolean, or a list of them",
    ),
    "semantic-body-list": (with_changes(semantic_body=[1]), "/semantic_body", "type object"),
    "argv-number": (
        with_changes(cli={"argv": {"--limit": 100}}),
        "/cli/argv/--limit",
        "a string, the value true",
    ),
    "argv-false-flag": (with_changes(cli={"argv": {"--json": False}}), "/cli/argv/--json", "the value true"),
    "argv-list-of-numbers": (
        with_changes(cli={"argv": {"--search-attr": [1]}}),
        "/cli/argv/--search-attr",
        "a string, the value true",
    ),
    "positional-flag": (
        with_changes(cli={"argv": {"workflow-id": True}}),
        "/cli/argv/workflow-id",
        "a positional argument",
    ),
    "single-dash-key": (with_changes(cli={"argv": {"-v": True}}), "/cli/argv", "positional names"),
    "option-with-equals": (with_changes(cli={"argv": {"--a=b": "c"}}), "/cli/argv", "positional names"),
    "argv-missing": (with_changes(cli={"expected_body": {}}), "/cli/argv", "required key 'argv'"),
    "argv-list": (with_changes(cli={"argv": ["workflow:start"]}), "/cli/argv", "type object"),
    "kwargs-list": (with_changes(sdk_python={"kwargs": ["wf-1"]}), "/sdk_python/kwargs", "type object"),
    "method-not-identifier": (
        with_changes(sdk_python={"method": "start workflow"}),
        "/sdk_python/method",
        "matching",
    ),
    "sdk-expected-body-list": (
        with_changes(sdk_python={"expected_body": [1]}),
        "/sdk_python/expected_body",
        "type object",
    ),
    "envelope-without-decoded": (
        with_changes(sdk_python={"payload_envelope": {"field": "input", "codec": "avro"}}),
        "/sdk_python/payload_envelope/decoded",
        "required key 'decoded'",
    ),
    "envelope-field-with-empty-segment": (
        with_changes(
            sdk_python={"payload_envelope": {"field": "action..input", "codec": "avro", "decoded": 1}}
        ),
        "/sdk_python/payload_envelope/field",
        "matching",
    ),
    "envelope-blob-not-string": (
        with_changes(
            sdk_python={"payload_envelope": {"field": "input", "codec": "avro", "decoded": 1, "blob": 5}}
        ),
        "/sdk_python/payload_envelope/blob",
        "type string",
    ),
    "unknown-projection-not-an-object": (with_changes(sdk_rust="signal"), "/sdk_rust", "type object"),
}


@pytest.mark.parametrize("name", sorted(REJECTED))
def test_rejects_with_a_pointed_problem(name: str) -> None:
    document, pointer, fragment = REJECTED[name]
    problems = schema_problems(document, "bad.json")
    assert problems, f"{name} was accepted"
    matching = [problem for problem in problems if problem.pointer == pointer]
    assert matching, [problem.render() for problem in problems]
    assert any(fragment in problem.expected for problem in matching), [
        problem.render() for problem in matching
    ]
    for problem in problems:
        assert problem.file == "bad.json"
        assert problem.render().startswith("bad.json: ")


def test_a_document_with_several_problems_reports_them_all() -> None:
    document = with_changes(
        version=1, operation=5, request={"method": "POST", "path": "x"}, cli={"argv": {"-x": 1}}
    )
    pointers = {problem.pointer for problem in schema_problems(document, "f.json")}
    assert {"/operation", "/request/path", "/cli/argv"} <= pointers


def test_a_non_object_document_is_rejected() -> None:
    problems = schema_problems([1, 2], "f.json")
    assert [problem.pointer for problem in problems] == [""]
    assert "object" in problems[0].expected


def test_problem_text_is_json_safe_and_single_line() -> None:
    document = with_changes(semantic_body="a\nvery long string " * 20)
    for problem in schema_problems(document, "f.json"):
        assert "\n" not in problem.render()
        json.dumps(problem.render())
