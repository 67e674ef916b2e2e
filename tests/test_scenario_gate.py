"""Scenario verdicts in the gate: required scenarios count like fixtures, provisional ones say why.

Built documents (no client runs): the level and the exit code for required
and provisional scenario failures, the explanation naming the required
scenarios that failed, known failures excusing a scenario case, and result
documents written before the split (every scenario provisional under
``scenario_sequence``) loading, rebuilding and merging as they were written.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from conformance.known_failures import file_text_from_document, parse_known_failures
from conformance.merge import MergeError, ShardResult, merge_documents
from conformance.reporting.console import closing_sections
from conformance.result import (
    CATEGORY_STABILITY,
    PROVISIONAL_SCENARIO_CATEGORY,
    SCENARIO_CATEGORY,
    exit_code_for,
    rebuild_document,
    validate_result,
)
from support.results import ResultBuilder, difference

OUTCOME = difference("/outcome", expected="client_error", actual="completed", kind="outcome")
DELAY = difference("/requests/1/delay_seconds", expected="at least 1 s", actual="0.1 s", kind="retry_after")
REASON = "the server never sends Retry-After"
#: The categories of a result document written before scenarios could be required.
EARLIER_CATEGORIES = {"control_plane_request_response": "stable", "scenario_sequence": "provisional"}
CORPUS = {"fixtures": 1, "digest": "sha256:" + "0" * 64}


def scenario_case(
    builder: ResultBuilder, name: str, adapter: str, status: str, **fields: Any
) -> dict[str, Any]:
    fields.setdefault("category", SCENARIO_CATEGORY)
    return builder.case(name, adapter, status, operation="workflow.query", **fields)


def one_client(*, required: str = "pass", provisional: str = "pass", **run: Any) -> ResultBuilder:
    builder = ResultBuilder(**run)
    builder.case("workflow-query-parity.json", "cli")
    scenario_case(
        builder,
        "non-json-body.scenario.yaml",
        "cli",
        required,
        differences=[OUTCOME] if required == "fail" else [],
    )
    scenario_case(
        builder,
        "rate-limited-429.scenario.yaml",
        "cli",
        provisional,
        category=PROVISIONAL_SCENARIO_CATEGORY,
        provisional_reason=REASON,
        differences=[DELAY] if provisional == "fail" else [],
    )
    return builder


def test_the_category_table_makes_scenarios_required_unless_provisional() -> None:
    assert CATEGORY_STABILITY[SCENARIO_CATEGORY] == "stable"
    assert CATEGORY_STABILITY[PROVISIONAL_SCENARIO_CATEGORY] == "provisional"


def test_a_required_scenario_failure_fails_the_gate_and_is_named() -> None:
    document = one_client(required="fail").build()
    assert document["conformance"]["level"] == "nonconforming" and exit_code_for(document) == 1
    assert (
        "(required scenario failed: non-json-body.scenario.yaml::cli)"
        in document["conformance"]["explanation"]
    )
    gates = closing_sections(document).split("gating failures (1; these set the exit code):", 1)[1]
    assert "non-json-body.scenario.yaml::cli" in gates.split("\n\n", 1)[0]


def test_a_provisional_scenario_failure_is_reported_with_its_reason_and_does_not_gate() -> None:
    document = one_client(provisional="fail").build()
    assert document["conformance"]["level"] == "provisional" and exit_code_for(document) == 0
    case = next(case for case in document["cases"] if case["fixture"] == "rate-limited-429.scenario.yaml")
    assert case["provisional_reason"] == REASON
    closing = closing_sections(document)
    assert "gating failures (" not in closing
    not_gating = closing.split("failures that do not gate (1;", 1)[1].split("\n\n", 1)[0]
    assert "rate-limited-429.scenario.yaml::cli" in not_gating
    assert f"does not gate: provisional: {REASON}" in not_gating


def test_partial_names_the_required_scenarios_of_the_failing_target() -> None:
    builder = one_client(required="fail")
    builder.case("workflow-query-parity.json", "python-sdk")
    scenario_case(builder, "non-json-body.scenario.yaml", "python-sdk", "pass")
    level = builder.build()["conformance"]
    assert level["level"] == "partial"
    assert level["explanation"].startswith(
        "official_sdk passed every required fixture; cli_json_client failed"
    )
    assert "required scenario failed: non-json-body.scenario.yaml::cli" in level["explanation"]


def test_a_fixture_failure_alone_names_no_scenario() -> None:
    builder = one_client()
    builder.cases[0].update(status="fail", differences=[OUTCOME])
    assert "scenario" not in builder.build()["conformance"]["explanation"]


def test_a_known_failure_excuses_a_scenario_case_at_its_pointer_only() -> None:
    document = one_client(required="fail").build()
    listed = parse_known_failures(
        {
            "known_failures": [
                {"case": "non-json-body.scenario.yaml::cli", "reason": "dw#1", "pointers": ["/outcome"]}
            ]
        },
        "known.yaml",
    )
    excused = rebuild_document(document, known_failures=listed)
    assert excused["conformance"]["level"] == "full" and exit_code_for(excused) == 0
    assert validate_result(excused) == []
    elsewhere = parse_known_failures(
        {
            "known_failures": [
                {"case": "non-json-body.scenario.yaml::cli", "reason": "dw#1", "pointers": ["/items"]}
            ]
        },
        "known.yaml",
    )
    counted = rebuild_document(document, known_failures=elsewhere)
    assert counted["conformance"]["level"] == "nonconforming" and exit_code_for(counted) == 1
    case = next(case for case in counted["cases"] if case["fixture"] == "non-json-body.scenario.yaml")
    assert case["known_failure"]["outcome"] == "other_pointers"


def test_known_failures_from_a_result_lists_the_required_scenario_case_only() -> None:
    """Adopting the gate is one file: it lists what gates; a provisional failure never does."""
    document = one_client(required="fail", provisional="fail").build()
    text = file_text_from_document(document, reason="adopting the scenario gate")
    assert '- case: "non-json-body.scenario.yaml::cli"' in text and 'pointers: ["/outcome"]' in text
    assert "rate-limited-429" not in text
    adopted = rebuild_document(
        document, known_failures=parse_known_failures(yaml.safe_load(text), "known.yaml")
    )
    assert adopted["conformance"]["level"] == "provisional" and exit_code_for(adopted) == 0


def earlier_document(status: str = "fail", **run: Any) -> dict[str, Any]:
    """A document as a release before the split wrote it: every scenario provisional, no reason."""
    builder = ResultBuilder(**run)
    builder.categories = dict(EARLIER_CATEGORIES)
    builder.case("workflow-query-parity.json", "cli")
    scenario_case(builder, "non-json-body.scenario.yaml", "cli", status, differences=[OUTCOME])
    return builder.build()


def test_an_earlier_document_still_loads_and_keeps_its_level() -> None:
    document = earlier_document()
    assert validate_result(document) == []
    assert document["conformance"]["level"] == "provisional" and exit_code_for(document) == 0
    again = rebuild_document(document)
    assert again["conformance"] == document["conformance"]
    closing = closing_sections(again).split("failures that do not gate (", 1)[1].split("\n\n", 1)[0]
    assert "non-json-body.scenario.yaml::cli" in closing
    assert "does not gate: category scenario_sequence is provisional" in closing


def test_merge_joins_earlier_documents_and_refuses_to_mix_them_with_new_ones(tmp_path: Path) -> None:
    first = earlier_document(corpus=CORPUS)
    second = ResultBuilder(corpus=CORPUS)
    second.categories = dict(EARLIER_CATEGORIES)
    second.case("workflow-start-parity.json", "cli")
    merged = merge_documents(
        [ShardResult(tmp_path / "a.json", first), ShardResult(tmp_path / "b.json", second.build())]
    )
    assert validate_result(merged) == []
    assert merged["conformance"]["level"] == "provisional"
    # the scenario case sorts after the fixtures, as a run orders them
    assert [case["fixture"] for case in merged["cases"]][-1] == "non-json-body.scenario.yaml"
    new = one_client(required="fail", corpus=CORPUS).build()
    with pytest.raises(MergeError, match="fixture categories"):
        merge_documents([ShardResult(tmp_path / "a.json", first), ShardResult(tmp_path / "c.json", new)])
