"""An exec client declares its own surfaced-facts map in its manifest (issue 21, its last point).

The map (``surfaced_facts`` in ``adapter.yaml``, inline or in a YAML file
beside it) has the shape of ``data/surfaced-facts.yaml``, names the client's
projection key only, and is merged over the run's map for that client alone.
Its problems are input problems naming the file and the JSON pointer; that
client's cases of the operation do not run, the others do.

The end-to-end tests run the real ``dw-conformance run`` (a subprocess), the
real proxy and a real exec program (``support/canonical_exec_client.py``),
which surfaces the answer's ``workflows`` under its own key ``runs``.
"""

from __future__ import annotations

import json
import shutil
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from conformance.adapters.exec_protocol import load_manifest
from conformance.fixture import shipped_corpus_dir
from conformance.planning import RunSettings, load_run
from conformance.response.facts_map import FactsMap, default_facts_map, parse_client_facts
from support.harness_run import ROOT, Completed, run_command

CLIENT = ROOT / "tests" / "support" / "canonical_exec_client.py"
LIST_CASE = "workflow-list-parity.json::zig-client"
STORAGE_CASE = "storage-test-parity.json::zig-client"
#: The client surfaces the answer's ``workflows`` as ``runs``.
RENAMED = {"CANONICAL_CLIENT_RENAME": "workflows:runs"}
#: Where the client surfaces workflow.list's facts, in the shape of ``data/surfaced-facts.yaml``.
MAP = """\
workflow.list:
  facts:
    /workflow_ids: {sdk_zig: /runs/*/workflow_id}
    /next_page_token: {sdk_zig: /next_page_token}
  containers:
    sdk_zig: {/runs: /workflows}
  answer:
    sdk_zig: [/next_page_token, /workflows]
"""
DECLARED = "surfaced_facts:\n" + textwrap.indent(MAP, "  ")


def list_fixture() -> dict[str, Any]:
    """A workflow.list fixture of three workflows (the SDK's projection makes the operation known)."""
    ids = ["wf-zig-1", "wf-zig-2", "wf-zig-3"]
    return {
        "schema": "durable-workflow.polyglot.control-plane-request-fixture",
        "version": 1,
        "operation": "workflow.list",
        "request": {"method": "GET", "path": "/workflows"},
        "semantic_body": {"workflow_ids": ids, "next_page_token": "zig-page-2"},
        "response_body": {
            "workflows": [
                {"workflow_id": item, "run_id": f"run-{item}", "status": "running"} for item in ids
            ],
            "next_page_token": "zig-page-2",
        },
        "sdk_python": {"method": "list_workflows", "args": {}},
    }


def corpus(tmp_path: Path) -> Path:
    """The list fixture and the shipped storage-test fixture (an operation the client's map leaves alone)."""
    directory = tmp_path / "corpus"
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "workflow-list-parity.json").write_text(json.dumps(list_fixture()), encoding="utf-8")
    shutil.copy(shipped_corpus_dir() / "storage-test-parity.json", directory)
    return directory


def manifest(tmp_path: Path, extra: str = "", name: str = "zig-client") -> Path:
    path = tmp_path / name / "adapter.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        "adapter_protocol: 1\n"
        f"name: {name}\n"
        "projection: sdk_zig\n"
        "target: official_sdk\n"
        f"command: [{json.dumps(sys.executable)}, {json.dumps(str(CLIENT))}]\n"
        "client: {name: zig-client, version: '0.0.1'}\n" + extra,
        encoding="utf-8",
    )
    return path


def run(tmp_path: Path, adapter: Path, **env: str) -> Completed:
    return run_command(
        tmp_path / "reports", "--adapter", f"exec={adapter}", "--fixtures", str(corpus(tmp_path)), **env
    )


# ------------------------------------------------------------------ end to end, a real exec program
def test_a_declared_map_compares_the_renamed_list_by_meaning_and_a_dropped_workflow_fails_at_the_fact(
    tmp_path: Path,
) -> None:
    adapter = manifest(tmp_path, DECLARED)
    done = run(tmp_path, adapter, **RENAMED)
    assert done.code == 0, done.stdout + done.stderr
    listed = done.cases()[LIST_CASE]
    assert listed["status"] == "pass", listed["rendered"]
    asserted = listed["response"]["asserted"]
    assert "renamed containers compared with the answer: /runs -> /workflows" in asserted
    assert "semantic_body/workflow_ids surfaced at /output/runs/*/workflow_id" in asserted
    assert listed["response"]["not_asserted"] == []

    dropped = run(tmp_path / "dropped", adapter, CANONICAL_CLIENT_DEFECT="drop-item", **RENAMED)
    assert dropped.code == 1, dropped.stdout + dropped.stderr
    case = dropped.cases()[LIST_CASE]
    assert case["status"] == "fail"
    (fact,) = [
        item for item in case["response"]["differences"] if item["pointer"].startswith("/semantic_body")
    ]
    assert (fact["pointer"], fact["kind"]) == ("/semantic_body/workflow_ids", "changed")
    assert fact["actual"] == ["wf-zig-1", "wf-zig-2"]
    assert "surfaced at /output/runs/*/workflow_id" in fact["message"]
    assert "the fixture holds 3 items, the client surfaced 2" in fact["message"]
    assert "/semantic_body/workflow_ids: changed" in dropped.stdout  # on the console, under the case
    assert dropped.cases()[STORAGE_CASE]["status"] == "pass"


def test_without_a_declaration_the_renamed_list_is_listed_as_not_asserted_with_its_paths(
    tmp_path: Path,
) -> None:
    done = run(tmp_path, manifest(tmp_path), CANONICAL_CLIENT_DEFECT="drop-item", **RENAMED)
    case = done.cases()[LIST_CASE]
    # the dropped workflow goes unseen: nothing says where this client surfaces the list
    assert case["status"] == "pass", case["rendered"]
    (line,) = [item for item in case["response"]["not_asserted"] if "map to nothing" in item]
    assert "/output/runs/0/workflow_id" in line and "/output/runs/1/workflow_id" in line
    assert not any("workflow_ids" in item for item in case["response"]["asserted"])


def test_a_broken_declaration_is_an_input_problem_naming_the_file_and_pointer_and_the_rest_runs(
    tmp_path: Path,
) -> None:
    broken = DECLARED.replace("{sdk_zig: /runs/*/workflow_id}", "{sdk_zig: runs/*/workflow_id}")
    adapter = manifest(tmp_path, broken)
    done = run(tmp_path, adapter, **RENAMED)
    assert done.code == 1, done.stdout + done.stderr  # an input problem fails the run, which goes on
    document = done.document
    assert document is not None and document["conformance"]["level"] == "incomplete"
    (problem,) = document["input_problems"]
    pointer = "/surfaced_facts/workflow.list/facts/~1workflow_ids/sdk_zig"
    assert problem.startswith(f"{adapter}: {pointer}: expected an output path"), problem
    assert f"skipping input: {adapter}: {pointer}" in done.stdout + done.stderr
    cases = done.cases()
    assert sorted(cases) == [STORAGE_CASE]  # that client's workflow.list case does not run
    assert cases[STORAGE_CASE]["status"] == "pass"


# ------------------------------------------------------------------ the manifest and the planner
def test_a_manifest_map_in_a_file_beside_it_goes_through_the_same_parser(tmp_path: Path) -> None:
    facts = tmp_path / "zig-client" / "zig-facts.yaml"
    facts.parent.mkdir(parents=True)
    facts.write_text(MAP, encoding="utf-8")
    loaded = load_manifest(manifest(tmp_path, "surfaced_facts: zig-facts.yaml\n")).surfaced_facts
    inline = load_manifest(manifest(tmp_path / "inline", DECLARED)).surfaced_facts
    assert loaded is not None and inline is not None
    assert loaded.facts == inline.facts and loaded.problems == ()
    entry = loaded.facts.for_operation("workflow.list")
    assert entry.paths_for("sdk_zig")["/workflow_ids"] == "/runs/*/workflow_id"
    assert entry.containers == {"sdk_zig": {"/runs": "/workflows"}}

    facts.write_text("workflow.list:\n  facts:\n    workflow_ids: {sdk_zig: /a}\n", encoding="utf-8")
    bad = load_manifest(manifest(tmp_path, "surfaced_facts: zig-facts.yaml\n")).surfaced_facts
    assert bad is not None and bad.refuses("workflow.list") and not bad.refuses("storage.test")
    assert [(item.file, item.pointer) for item in bad.problems] == [
        (str(facts), "/workflow.list/facts/workflow_ids")
    ]


@pytest.mark.parametrize(
    ("extra", "pointer", "expected"),
    [
        ("surfaced_facts: [a]\n", "/surfaced_facts", "a mapping of operation id to its facts, or a YAML"),
        ("surfaced_facts: nope.yaml\n", "", "a readable file"),
        (
            "surfaced_facts:\n  workflow.list:\n    answer: {cli: [/workflows]}\n",
            "/surfaced_facts/workflow.list/answer/cli",
            "only this client's projection key 'sdk_zig'",
        ),
        (
            "surfaced_facts:\n  workflow.list:\n    containers: {sdk_zig: [/runs]}\n",
            "/surfaced_facts/workflow.list/containers/sdk_zig",
            "a mapping of output pointer to answer pointer",
        ),
    ],
)
def test_a_broken_manifest_map_is_kept_as_problems_never_an_adapter_error(
    tmp_path: Path, extra: str, pointer: str, expected: str
) -> None:
    path = manifest(tmp_path, extra)
    declared = load_manifest(path).surfaced_facts  # the manifest itself loads: the run goes on
    assert declared is not None and declared.refuses("workflow.list")
    (problem,) = declared.problems
    file = str(path.parent / "nope.yaml") if pointer == "" else str(path)
    assert (problem.file, problem.pointer) == (file, pointer)
    assert problem.expected.startswith(expected), problem.render()


def test_the_client_map_applies_to_that_client_alone_over_the_shipped_map() -> None:
    declared = parse_client_facts(
        {"workflow.list": {"facts": {"/workflow_ids": {"sdk_python": "/items/*/id"}}}},
        "adapter.yaml",
        "/surfaced_facts",
        "sdk_python",
    )
    assert declared.problems == ()
    merged = default_facts_map().merged(declared.facts).for_operation("workflow.list")
    assert merged.paths_for("sdk_python")["/workflow_ids"] == "/items/*/id"  # the client's wins
    assert merged.paths_for("sdk_python")["/next_page_token"] == "/next_page_token"  # the rest stays
    assert merged.paths_for("cli")["/workflow_ids"] == "/workflows/*/workflow_id"
    assert parse_client_facts(None, "adapter.yaml", "/surfaced_facts", "sdk_zig").facts == FactsMap()


def test_an_unknown_operation_or_fact_refuses_that_clients_cases_of_it_and_the_others_are_planned(
    tmp_path: Path,
) -> None:
    unknown = (
        "surfaced_facts:\n"
        "  workflow.lsit:\n    facts: {/workflow_ids: {sdk_zig: /runs/*/workflow_id}}\n"
        "  storage.test:\n    facts: {/no_such_fact: {sdk_zig: /x}}\n"
    )
    declaring = manifest(tmp_path, unknown)
    plain = manifest(tmp_path, name="zig-plain")  # the same projection key, no map of its own
    settings = RunSettings(
        fixtures_dirs=[corpus(tmp_path)],
        adapter_specs=[f"exec={declaring}", f"exec={plain}"],
        report_dir=tmp_path / "reports",
        run_scenarios=False,
    )
    inputs = load_run(settings)
    found = sorted((problem.file, problem.pointer) for problem in inputs.input_problems)
    assert found == [
        (str(declaring), "/surfaced_facts/storage.test/facts/~1no_such_fact"),
        (str(declaring), "/surfaced_facts/workflow.lsit"),
    ]
    assert sorted(plan.case_id for plan in inputs.plans) == [
        "storage-test-parity.json::zig-plain",
        "workflow-list-parity.json::zig-client",
        "workflow-list-parity.json::zig-plain",
    ]
    slots = {slot.label: slot for slot in inputs.slots}
    assert inputs.facts_for(slots["zig-plain"]) is inputs.facts

    good = manifest(tmp_path / "good", DECLARED)
    settings.adapter_specs = [f"exec={good}", f"exec={plain}"]
    inputs = load_run(settings)
    assert inputs.input_problems == []
    slots = {slot.label: slot for slot in inputs.slots}
    mine = inputs.facts_for(slots["zig-client"]).for_operation("workflow.list")
    assert mine.paths_for("sdk_zig")["/workflow_ids"] == "/runs/*/workflow_id"
    assert inputs.facts_for(slots["zig-plain"]).for_operation("workflow.list").paths_for("sdk_zig") == {}
