"""One registry for the three kinds of subject: requests, surfaced outcomes and sequences.

The registry drives the three judges, the parity of the run document and the
three halves of the self-test; the outcome and sequence examples of
``docs/architecture.md`` ("Adding a check") are taken from the page,
registered, and proven to do what the page says.
"""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from conformance import checks
from conformance.adapters.base import ClientOutcome
from conformance.checks import walk
from conformance.checks.subjects import OutcomeSubject, SequenceSubject
from conformance.cli import main
from conformance.response.verdict import judge_outcome
from conformance.scenarios.judge import judge_sequence
from conformance.scenarios.load import load_scenarios, shipped_scenarios_dir
from conformance.scenarios.sequence import SentRequest
from support.judging import CORPUS, REPO, exchange, shipped
from support.registry import registered_check

DOC = REPO / "docs" / "architecture.md"
KINDS = ("request", "outcome", "sequence")


def _example(heading: str) -> str:
    """The python block under ``### <heading>`` of the "Adding a check" section."""
    text = DOC.read_text(encoding="utf-8")
    section = text.split("\n## Adding a check\n", 1)[1]
    part = section.split(f"\n### {heading}\n", 1)[1]
    part = re.split(r"\n##+ ", part, maxsplit=1)[0]
    match = re.search(r"```python\n(.*?)```", part, re.DOTALL)
    assert match is not None, f"{heading}: no python example"
    return match.group(1)


def _load(tmp_path: Path, heading: str, name: str) -> ModuleType:
    path = tmp_path / f"{name}.py"
    path.write_text(_example(heading), encoding="utf-8")
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def registered_outcome(tmp_path: Path) -> Iterator[Any]:
    name = "workflow_id_echo_example"
    with registered_check(_load(tmp_path, "An outcome check", name).WorkflowIdEchoCheck(), name) as check:
        yield check


@pytest.fixture
def registered_sequence(tmp_path: Path) -> Iterator[Any]:
    name = "steady_page_size_example"
    with registered_check(_load(tmp_path, "A sequence check", name).SteadyPageSizeCheck(), name) as check:
        yield check


def _selftest(tmp_path: Path, *arguments: str) -> tuple[int, dict[str, Any]]:
    out = tmp_path / "selftest.json"
    code = main(["selftest", "--json", str(out), "--adapter", "python-sdk", *arguments])
    return code, json.loads(out.read_text(encoding="utf-8"))


# --------------------------------------------------------------------------- the registry


def test_the_registry_is_one_list_of_three_kinds_each_with_one_parity_check() -> None:
    pytest.importorskip("durable_workflow")
    assert {check.subject for check in checks.CHECKS} == set(KINDS)
    assert [check.name for check in checks.CHECKS if getattr(check, "pairs", False)] == [
        "request_parity",
        "outcome_parity",
        "sequence_parity",
    ]
    for kind in KINDS:
        assert checks.parity_check(kind).subject == kind
    names = [check.name for check in checks.CHECKS]
    assert len(names) == len(set(names))
    every_kind = [kind for check in checks.CHECKS for kind in check.mutation_kinds]
    assert len(every_kind) == len(set(every_kind)), "a mutation kind names one check's mutants"
    assert [check.name for check in checks.outcome_checks()] == [
        "surfaced_values",
        "surfaced_facts",
        "unmapped_values",
        "invented_values",
        "cli_output_schema",
    ]
    assert [check.name for check in checks.sequence_checks()][:3] == ["walk", "attempts", "retry_after"]


def test_the_selftest_mutates_all_three_halves_through_the_registry(tmp_path: Path) -> None:
    pytest.importorskip("durable_workflow")
    code, document = _selftest(tmp_path, "--jobs", "2")
    assert code == 0 and document["passed"] is True
    assert document["counts"]["total"]["run"] == document["counts"]["total"]["caught"] > 0
    response = document["response"]["counts"]
    assert {"response_value", "response_type", "fact_value"} <= set(response)
    sequence = document["sequence"]
    assert sequence["cases"] > 0 and sequence["missed"] == [] and sequence["false_alarms"] == []
    walked = {
        "paging_value",
        "walk_shorter",
        "walk_longer",
        "attempts_bound",
        "outcome_flipped",
        "item_changed",
    }
    assert walked <= set(sequence["counts"])
    for kind in walked:
        row = sequence["counts"][kind]
        assert row["caught"] == row["total"] > 0, (kind, row)


def test_a_sequence_judge_blind_to_the_walk_makes_the_selftest_fail(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    pytest.importorskip("durable_workflow")
    monkeypatch.setattr(walk, "_walk_differences", lambda sequence, expected: [])
    code, document = _selftest(tmp_path)
    assert code == 1 and document["passed"] is False
    missed = document["sequence"]["missed"]
    assert any(" paging_value at /requests/" in line for line in missed), missed
    assert any(" walk_longer at /requests/" in line for line in missed), missed
    # the request and response halves are untouched by the blind walk
    assert document["counts"]["total"]["missed"] == 0 and document["response"]["missed"] == []


# --------------------------------------------------------------------------- the outcome example


def _start_subject(output: Any) -> OutcomeSubject:
    fixture = shipped("workflow-start-parity.json")
    operation = exchange("POST", "/api/workflows", {"workflow_id": "x"}, status=200)
    return OutcomeSubject(fixture, "sdk_python", ClientOutcome(status="completed", output=output), operation)


def test_the_outcome_example_fails_an_output_without_the_workflow_id(registered_outcome: Any) -> None:
    wanted = shipped("workflow-start-parity.json").semantic_body["workflow_id"]
    held = judge_outcome(_start_subject({"workflow_id": wanted, "run_id": "r-1"}))
    assert f"the output names workflow {wanted}" in held.asserted
    assert not [item for item in held.differences if item.kind == "missing" and item.pointer == "/output"]
    failed = judge_outcome(_start_subject({"run_id": "r-1"}))
    assert failed.status == "fail"
    assert [(item.pointer, item.expected) for item in failed.differences if item.pointer == "/output"] == [
        ("/output", wanted)
    ]


def test_the_selftest_counts_and_catches_the_outcome_example_s_mutants(
    registered_outcome: Any, tmp_path: Path
) -> None:
    pytest.importorskip("durable_workflow")
    code, document = _selftest(tmp_path, "-k", "workflow-start,workflow-signal")
    assert code == 0, document["response"]
    row = document["response"]["counts"]["workflow_id_changed"]
    assert row["caught"] == row["total"] > 0


# --------------------------------------------------------------------------- the sequence example


def _walk_subject(sizes: list[str]) -> SequenceSubject:
    corpus = {path.name: shipped(path.name) for path in CORPUS.glob("*.json")}
    scenarios, _problems = load_scenarios([shipped_scenarios_dir()], corpus)
    scenario = next(item for item in scenarios if item.walk and item.fixture is not None)
    requests = [
        SentRequest(
            index=index,
            method="GET",
            path="/api/walk",
            query={"page_size": [size]},
            body=None,
            started_at=float(index),
            status=200,
            answer=f"answer {index + 1}",
            error=None,
            retry_after=None,
            delay_seconds=None,
            completed_at=None,
        )
        for index, size in enumerate(sizes)
    ]
    return SequenceSubject(scenario, [], ClientOutcome(status="completed"), requests)


def test_the_sequence_example_fails_a_walk_that_changes_its_page_size(registered_sequence: Any) -> None:
    steady = judge_sequence(_walk_subject(["100", "100", "100"]))
    assert not [item for item in steady.differences if item.pointer.endswith("/query/page_size")]
    changed = judge_sequence(_walk_subject(["100", "50"]))
    found = [item for item in changed.differences if item.pointer == "/requests/1/query/page_size"]
    assert [(item.expected, item.actual, item.severity) for item in found] == [("100", "50", "failure")]
    assert "asked for page_size=100" in found[0].message


def test_unregistered_the_examples_leave_the_judges_as_they_were(tmp_path: Path) -> None:
    _load(tmp_path, "A sequence check", "steady_page_size_unregistered")
    sys.modules.pop("steady_page_size_unregistered", None)
    changed = judge_sequence(_walk_subject(["100", "50"]))
    assert not [item for item in changed.differences if item.pointer == "/requests/1/query/page_size"]
    failed = judge_outcome(_start_subject({"run_id": "r-1"}))
    assert not [item for item in failed.differences if item.pointer == "/output" and item.kind == "missing"]
