"""Surfaced facts by meaning (issue 21): the data map, its strict loader, and how one client is held to it.

Unit tests of :mod:`conformance.response.facts` and of its place in the
response verdict; the planted faults (``tests/test_planted_faults.py``)
prove it on the real clients.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest

from conformance.adapters.base import ClientOutcome
from conformance.capture import CapturedExchange
from conformance.problems import InputError
from conformance.response.facts import judge_facts, rename_containers, resolve_path, unmapped_paths
from conformance.response.facts_map import (
    FactsMap,
    OperationFacts,
    default_facts_map,
    load_facts_map,
    parse_facts_map,
)
from conformance.response.verdict import judge_response
from support.judging import exchange, fixture, minimal

LIST = OperationFacts(
    facts={
        "/workflow_ids": {"sdk_python": "/executions/*/workflow_id", "cli": "/workflows/*/workflow_id"},
        "/next_page_token": {"sdk_python": "/next_page_token", "cli": "/next_page_token"},
        "/page_size": {"sdk_python": None},
    },
    containers={"sdk_python": {"/executions": "/workflows"}},
    answer={"sdk_python": ("/next_page_token", "/workflows")},
)
SEMANTIC = {"workflow_ids": ["wf-1", "wf-2"], "next_page_token": "p-2", "page_size": 25}
ANSWER = {"workflows": [{"workflow_id": "wf-1"}, {"workflow_id": "wf-2"}], "next_page_token": "p-2"}


def sdk_output(ids: list[str], token: Any = "p-2") -> dict[str, Any]:
    return {"executions": [{"workflow_id": item, "memo": None} for item in ids], "next_page_token": token}


# ------------------------------------------------------------------ judging one client
def test_a_list_fact_is_compared_for_length_order_and_identity_at_a_pointer_naming_it() -> None:
    assert judge_facts(LIST, "sdk_python", SEMANTIC, sdk_output(["wf-1", "wf-2"])).differences == []
    shorter = judge_facts(LIST, "sdk_python", SEMANTIC, sdk_output(["wf-1"])).differences
    assert [(item.pointer, item.kind) for item in shorter] == [("/semantic_body/workflow_ids", "changed")]
    assert "holds 2 items, the client surfaced 1" in shorter[0].message
    assert "/output/executions/*/workflow_id" in shorter[0].message
    swapped = judge_facts(LIST, "sdk_python", SEMANTIC, sdk_output(["wf-2", "wf-1"])).differences
    assert "another order" in swapped[0].message
    other = judge_facts(LIST, "sdk_python", SEMANTIC, sdk_output(["wf-1", "wf-9"])).differences
    assert "other items" in other[0].message


def test_a_renamed_or_dropped_container_is_missing_never_skipped() -> None:
    output = {"items": [{"workflow_id": "wf-1"}, {"workflow_id": "wf-2"}], "next_page_token": "p-2"}
    found = judge_facts(LIST, "sdk_python", SEMANTIC, output).differences
    assert [(item.pointer, item.kind) for item in found] == [("/semantic_body/workflow_ids", "missing")]


def test_scalars_are_type_exact_and_a_fact_the_client_does_not_surface_is_not_asserted() -> None:
    judged = judge_facts(
        LIST, "sdk_python", {**SEMANTIC, "next_page_token": 2}, sdk_output(["wf-1", "wf-2"], "2")
    )
    assert [(item.pointer, item.kind) for item in judged.differences] == [
        ("/semantic_body/next_page_token", "type_changed")
    ]
    assert judged.not_asserted == ["semantic_body/page_size (sdk_python does not surface it)"]


def test_a_client_that_surfaced_nothing_asserts_nothing_and_says_so() -> None:
    judged = judge_facts(LIST, "sdk_python", SEMANTIC, None)
    assert (judged.differences, judged.asserted) == ([], [])
    assert judged.not_asserted == ["semantic_body facts (the client surfaced nothing)"]


def test_path_forms_filter_key_pick_count_and_keys() -> None:
    output = {
        "results": [{"id": "a", "outcome": "pruned"}, {"id": "b", "outcome": "skipped"}],
        "builds": [{"build_id": "b-1", "status": "active"}, {"build_id": None, "status": "stale"}],
        "events": [{"sequence": 6, "ref": "wf", "x": 1}, {"sequence": 7, "ref": None}],
        "deleted": {"runs": 2, "attributes": 1},
    }
    assert resolve_path(output, "/results/[outcome=pruned]/*/id") == ["a"]
    assert resolve_path(output, "/builds/{build_id|unversioned}/status") == {
        "b-1": "active",
        "unversioned": "stale",
    }
    assert resolve_path(output, "/events/[ref!=null]/{sequence}/(ref)") == {"6": {"ref": "wf"}}
    assert (resolve_path(output, "/results/#"), resolve_path(output, "/deleted/~keys")) == (
        2,
        ["attributes", "runs"],
    )
    keys = OperationFacts(facts={"/deleted_keys": {"cli": "/deleted/~keys"}})
    assert judge_facts(keys, "cli", {"deleted_keys": ["runs", "attributes"]}, output).differences == []


def test_a_text_fact_must_appear_in_what_the_client_printed() -> None:
    entry = OperationFacts(facts={"/workflow_id": {"cli": "/~text"}})
    assert judge_facts(entry, "cli", {"workflow_id": "wf-7"}, None, "Workflow ID: wf-7\n").asserted
    missing = judge_facts(entry, "cli", {"workflow_id": "wf-7"}, None, "Workflow ID: wf-8\n").differences
    assert [(item.pointer, item.kind) for item in missing] == [("/semantic_body/workflow_id", "missing")]


def test_containers_are_renamed_to_the_answers_name_and_unmapped_values_are_listed() -> None:
    renamed, moved = rename_containers(sdk_output(["wf-1"]), {"/executions": "/workflows"})
    assert "workflows" in renamed and "executions" not in renamed and moved == ["/executions -> /workflows"]
    left = unmapped_paths({"a": 1, "b": {"c": 2}, "l": [{"x": 1}]}, ["/output/a"], ["/l/*/x"])
    assert left == ["/output/b/c"]


# ------------------------------------------------------------------ loading the map
def test_the_shipped_map_places_both_facts_of_issue_21() -> None:
    entry = default_facts_map().for_operation("workflow.list")
    assert entry.paths_for("sdk_python")["/workflow_ids"] == "/executions/*/workflow_id"
    assert entry.paths_for("cli")["/workflow_ids"] == "/workflows/*/workflow_id"
    assert entry.containers["sdk_python"] == {"/executions": "/workflows"}


def test_every_problem_of_a_bad_map_names_the_file_and_the_pointer() -> None:
    bad = {
        "workflow.list": {
            "facts": {"workflow_ids": {"cli": "/a"}, "/b": {"cli": 3}},
            "containers": {"cli": {"/x": 1}},
            "answer": {"cli": "nope"},
            "extra": 1,
        },
        "workflow.start": [],
    }
    with pytest.raises(InputError) as caught:
        parse_facts_map(bad, "facts.yaml")
    pointers = {problem.pointer for problem in caught.value.problems}
    assert pointers == {
        "/workflow.list/extra",
        "/workflow.list/facts/workflow_ids",
        "/workflow.list/facts/~1b/cli",
        "/workflow.list/containers/cli",
        "/workflow.list/answer/cli",
        "/workflow.start",
    }
    assert all(problem.file == "facts.yaml" for problem in caught.value.problems)


def test_a_users_file_extends_the_map_entry_by_entry(tmp_path: Path) -> None:
    extra = tmp_path / "mine.yaml"
    extra.write_text("workflow.list:\n  facts:\n    /workflow_ids: {go_sdk: /Items/*/ID}\n", encoding="utf-8")
    merged = load_facts_map(extra).for_operation("workflow.list")
    assert merged.paths_for("go_sdk") == {"/workflow_ids": "/Items/*/ID"}
    assert merged.paths_for("cli")["/workflow_ids"] == "/workflows/*/workflow_id"
    alone = parse_facts_map({"workflow.list": {"facts": {"/a": {"go_sdk": "/A"}}}}, "mine.yaml")
    assert FactsMap().merged(alone).for_operation("workflow.list").paths_for("cli") == {}


# ------------------------------------------------------------------ in the response verdict
def _exchange(body: dict[str, Any]) -> CapturedExchange:
    captured = exchange("GET", "/api/workflows")
    return dataclasses.replace(captured, response_body=json.dumps(body).encode())


def _list_fixture() -> Any:
    data = minimal(sdk_python={"method": "list_workflows", "args": {}})
    data.update(operation="workflow.list", request={"method": "GET", "path": "/workflows"})
    data["semantic_body"], data["response_body"] = SEMANTIC, ANSWER
    return fixture(data)


def test_the_verdict_compares_the_renamed_container_and_fails_a_dropped_workflow_at_the_fact() -> None:
    good = ClientOutcome(status="completed", output=sdk_output(["wf-1", "wf-2"]))
    verdict = judge_response(_list_fixture(), "sdk_python", good, _exchange(ANSWER), facts=LIST)
    assert verdict.status == "pass", verdict.to_json()
    assert "renamed containers compared with the answer: /executions -> /workflows" in verdict.asserted
    assert any(
        "surfaced value(s) that map to nothing" in line and "/output/executions/0/memo" in line
        for line in verdict.not_asserted
    )
    dropped = ClientOutcome(status="completed", output=sdk_output(["wf-1"]))
    verdict = judge_response(_list_fixture(), "sdk_python", dropped, _exchange(ANSWER), facts=LIST)
    assert verdict.status == "fail"
    assert "/semantic_body/workflow_ids" in {item.pointer for item in verdict.differences}


def test_a_wrong_value_inside_a_renamed_container_points_where_the_client_put_it() -> None:
    swapped = ClientOutcome(status="completed", output=sdk_output(["wf-1", "wf-9"]))
    verdict = judge_response(_list_fixture(), "sdk_python", swapped, _exchange(ANSWER), facts=LIST)
    assert verdict.status == "fail"
    surfaced = {
        (item.pointer, item.kind) for item in verdict.differences if item.pointer.startswith("/output")
    }
    # the client's name for the container, not the answer's; the invented-value check agrees on it
    assert surfaced == {
        ("/output/executions/1/workflow_id", "changed"),
        ("/output/executions/1/workflow_id", "unexpected"),
    }


def test_an_answer_member_the_client_stops_surfacing_is_missing() -> None:
    no_token = ClientOutcome(
        status="completed", output={"executions": sdk_output(["wf-1", "wf-2"])["executions"]}
    )
    entry = OperationFacts(containers=LIST.containers, answer=LIST.answer)
    verdict = judge_response(_list_fixture(), "sdk_python", no_token, _exchange(ANSWER), facts=entry)
    assert [(item.pointer, item.kind) for item in verdict.differences] == [
        ("/response_body/next_page_token", "missing")
    ]
