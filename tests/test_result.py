"""The result document: dataclasses, derived parts, schema and consistency validation."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from conformance import SUITE_VERSION, __version__
from conformance.adapters.base import ClientOutcome
from conformance.findings import Difference
from conformance.result import (
    SCHEMA_ID,
    CaseResult,
    ImplementationInfo,
    ParityResult,
    ResultDocument,
    RunInfo,
    build_document,
    dumps,
    exit_code_for,
    result_schema,
    summarize,
    validate_result,
)
from support.results import ResultBuilder, difference, sample_document


def _run() -> RunInfo:
    return RunInfo(
        started_at="2026-01-02T03:04:05.000Z",
        finished_at="2026-01-02T03:04:06.000Z",
        duration_seconds=1.0,
        fixtures_dirs=["fixtures/control-plane"],
        jobs=2,
    )


def test_dataclasses_build_a_valid_document_with_derived_parts() -> None:
    document = ResultDocument(
        run=_run(),
        implementations=[
            ImplementationInfo(
                "python-sdk",
                "sdk_python",
                "official_sdk",
                {"name": "durable-workflow", "version": "2.8.0", "installed": "pypi"},
            )
        ],
        cases=[
            CaseResult(
                fixture="workflow-start-parity.json",
                operation="workflow.start",
                adapter="python-sdk",
                status="fail",
                projection="sdk_python",
                target="official_sdk",
                differences=[Difference("/body/input/0/order_id", "changed", 42, 43)],
                diagnostic_diff=[Difference("/body/memo", "missing", {}, None).as_diagnostic("policy")],
                client=ClientOutcome("completed", duration=0.5, exit_code=0),
            )
        ],
        parity=[ParityResult("workflow-start-parity.json", "workflow.start", ["cli", "python-sdk"])],
    ).to_json()

    assert validate_result(document) == []
    assert document["schema"] == SCHEMA_ID and document["version"] == 1
    assert document["suite"] == {
        "name": "dw-conformance",
        "version": __version__,
        "suite_version": SUITE_VERSION,
    }
    case = document["cases"][0]
    assert case["id"] == "workflow-start-parity.json::python-sdk"
    assert case["category"] == "control_plane_request_response"
    assert case["differences"] == [
        {
            "pointer": "/body/input/0/order_id",
            "kind": "changed",
            "expected": 42,
            "actual": 43,
            "severity": "failure",
        }
    ]
    assert case["diagnostic_diff"][0]["severity"] == "diagnostic"
    assert case["client"]["exit_code"] == 0
    assert document["summary"]["fail"] == 1 and document["summary"]["by_adapter"]["python-sdk"]["fail"] == 1
    assert document["conformance"]["level"] == "nonconforming"
    assert exit_code_for(document) == 1


def test_build_document_accepts_the_runners_plain_dicts() -> None:
    """The runner hands dicts without ``category`` (cases) or ``policy`` (run): both get defaults."""
    builder = ResultBuilder()
    case = builder.case("workflow-signal-parity.json", "cli")
    assert "category" not in case
    document = builder.build()
    assert document["cases"][0]["category"] == "control_plane_request_response"
    assert document["run"]["policy"] is None
    assert validate_result(document) == []
    assert exit_code_for(document) == 0


def test_sample_document_is_valid_and_round_trips_through_canonical_text() -> None:
    document = sample_document()
    assert validate_result(document) == []
    text = dumps(document)
    assert text.endswith("\n")
    assert json.loads(text) == document
    assert dumps(json.loads(text)) == text  # stable: two runs of the same results diff cleanly
    keys = list(json.loads(text))
    assert keys == sorted(keys)


def test_summary_counts_every_status_per_adapter() -> None:
    builder = ResultBuilder()
    for status in ("pass", "pass", "fail", "error", "skipped"):
        builder.case(f"f-{len(builder.cases)}.json", "cli", status)
    builder.case("f-0.json", "python-sdk", "pass")
    summary = summarize(builder.build()["cases"])
    assert summary["total"] == 6
    assert (summary["pass"], summary["fail"], summary["error"], summary["skipped"]) == (3, 1, 1, 1)
    assert summary["by_adapter"]["cli"] == {"pass": 2, "fail": 1, "error": 1, "skipped": 1}
    assert summary["by_adapter"]["python-sdk"] == {"pass": 1, "fail": 0, "error": 0, "skipped": 0}


def test_schema_is_draft_2020_12_and_ships_in_the_package() -> None:
    schema = result_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["properties"]["schema"] == {"const": SCHEMA_ID}


def _broken(mutate: Any) -> list[str]:
    document = copy.deepcopy(sample_document())
    mutate(document)
    return validate_result(document)


@pytest.mark.parametrize(
    ("mutate", "pointer"),
    [
        (lambda d: d.pop("conformance"), "/"),
        (lambda d: d.__setitem__("version", 2), "/version"),
        (lambda d: d["cases"][0].__setitem__("status", "passed"), "/cases/0/status"),
        (lambda d: d["cases"][0].pop("differences"), "/cases/0"),
        (lambda d: d["cases"][0].__setitem__("surprise", 1), "/cases/0"),
        (lambda d: d["run"].__setitem__("mode", "remote"), "/run/mode"),
        (lambda d: d["run"].__setitem__("started_at", "yesterday"), "/run/started_at"),
        (lambda d: d["implementations"][0].pop("target"), "/implementations/0"),
        (lambda d: d["conformance"].__setitem__("level", "mostly"), "/conformance/level"),
        (
            lambda d: d["parity"][0]["findings"][0].__setitem__("severity", "fatal"),
            "/parity/0/findings/0/severity",
        ),
    ],
)
def test_schema_violations_are_reported_by_pointer(mutate: Any, pointer: str) -> None:
    problems = _broken(mutate)
    assert problems, "the broken document was accepted"
    assert any(problem.startswith(pointer + ":") for problem in problems), problems


def test_a_failing_case_must_carry_its_differences_and_a_skip_its_reason() -> None:
    def fail_without_differences(document: dict[str, Any]) -> None:
        case = next(c for c in document["cases"] if c["status"] == "fail")
        case["differences"] = []

    def skip_without_reason(document: dict[str, Any]) -> None:
        next(c for c in document["cases"] if c["status"] == "skipped")["reason"] = ""

    def diagnostic_in_failures(document: dict[str, Any]) -> None:
        case = next(c for c in document["cases"] if c["status"] == "fail")
        case["differences"][0]["severity"] = "diagnostic"

    for mutate in (fail_without_differences, skip_without_reason, diagnostic_in_failures):
        assert _broken(mutate), mutate.__name__


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda d: d["summary"].__setitem__("pass", 99), "/summary: does not match"),
        (lambda d: d["cases"][1].__setitem__("id", d["cases"][0]["id"]), "appears twice"),
        (lambda d: d["implementations"].pop(0), "is not in /implementations"),
        (lambda d: d["conformance"].__setitem__("level", "full"), "the cases give 'partial'"),
    ],
)
def test_consistency_between_parts_is_checked(mutate: Any, expected: str) -> None:
    problems = _broken(mutate)
    assert any(expected in problem for problem in problems), problems


def test_exit_code_follows_the_level_only() -> None:
    assert exit_code_for({"conformance": {"level": "nonconforming"}}) == 1
    for level in ("full", "partial", "provisional"):
        assert exit_code_for({"conformance": {"level": level}}) == 0


def test_build_document_keeps_parity_input_problems_and_suite() -> None:
    builder = ResultBuilder()
    builder.case("workflow-start-parity.json", "cli")
    builder.case("workflow-start-parity.json", "python-sdk")
    builder.parity_entry(
        "workflow-start-parity.json",
        ["cli", "python-sdk"],
        [difference("/body/memo", "missing", expected={})],
    )
    document = build_document(
        run=builder.run,
        implementations=list(builder.implementations.values()),
        cases=builder.cases,
        parity=builder.parity,
        input_problems=["x.json: /version: expected 1; found 2"],
        suite={"name": "dw-conformance", "version": "9.9.9", "suite_version": "7"},
    )
    assert validate_result(document) == []
    assert document["parity"][0]["findings"][0]["pointer"] == "/body/memo"
    assert document["input_problems"] == ["x.json: /version: expected 1; found 2"]
    assert document["suite"]["version"] == "9.9.9"


def test_flat_parity_findings_are_grouped_by_fixture_and_client_pair() -> None:
    from conformance.parity import ParityFinding

    def finding(
        fixture: str, pointer: str, left: Any, right: Any, severity: str = "failure"
    ) -> ParityFinding:
        return ParityFinding(
            fixture,
            "workflow.start",
            "cli",
            "python-sdk",
            "cli",
            "sdk_python",
            pointer,
            "changed",
            left,
            right,
            severity,
        )

    builder = ResultBuilder()
    builder.case("workflow-start-parity.json", "cli")
    builder.case("workflow-start-parity.json", "python-sdk")
    builder.case("workflow-signal-parity.json", "cli")
    builder.case("workflow-signal-parity.json", "python-sdk")
    flat = [
        finding("workflow-start-parity.json", "/body/input/0/order_id", 42, 43),
        finding("workflow-signal-parity.json", "/body/x", b"\x00", None, "diagnostic"),
        finding("workflow-start-parity.json", "/body/memo", {}, None),
    ]
    document = build_document(
        run=builder.run,
        implementations=list(builder.implementations.values()),
        cases=builder.cases,
        parity=[flat[0], flat[1].to_json(), flat[2]],
    )
    assert validate_result(document) == []
    start, signal = document["parity"]
    assert start["fixture"] == "workflow-start-parity.json"
    assert start["adapters"] == ["cli", "python-sdk"] and start["projections"] == ["cli", "sdk_python"]
    assert [(f["pointer"], f["expected"], f["actual"]) for f in start["findings"]] == [
        ("/body/input/0/order_id", 42, 43),
        ("/body/memo", {}, None),
    ]
    assert signal["findings"][0]["expected"] == {"$bytes": "AA=="}
    assert signal["findings"][0]["severity"] == "diagnostic"
