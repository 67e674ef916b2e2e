"""Replayed cases: the exec result's mark, the level that is never ``full``, and every report's mark."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from io import StringIO
from pathlib import Path
from typing import Any

from conformance.adapters.base import ClientOutcome
from conformance.adapters.exec_protocol import interpret_result
from conformance.handbook.measured import load_measurements
from conformance.replays import REPLAYED, deciding_replays, level_with_replays
from conformance.reporting.console import CaseLines, closing_sections, summary_table
from conformance.reporting.html import render_html
from conformance.reporting.junit import junit_tree
from conformance.reporting.markdown import render_markdown
from conformance.result import CaseResult, exit_code_for, rebuild_document, validate_result
from support.results import ResultBuilder

FIXTURES = ("workflow-start-parity.json", "workflow-signal-parity.json", "workflow-query-parity.json")


def replayed_case(builder: ResultBuilder, fixture: str, adapter: str, status: str = "pass") -> dict[str, Any]:
    case = builder.case(fixture, adapter, status)
    case["client"]["replayed"] = True
    case["replayed"] = True
    return case


def starter_document(replayed: int = 2, failing: bool = False) -> dict[str, Any]:
    """An exec client (target official_sdk) whose first ``replayed`` cases were replays, plus canonical."""
    builder = ResultBuilder()
    builder.implementation("my-node-client", target="official_sdk", projection="sdk_node")
    for index, fixture in enumerate(FIXTURES):
        if index < replayed:
            replayed_case(builder, fixture, "my-node-client")
        else:
            builder.case(fixture, "my-node-client", "fail" if failing else "pass")
        builder.case(fixture, "canonical")
    return builder.build()


def test_the_exec_result_says_replayed() -> None:
    outcome = interpret_result('{"status": "completed", "output": {}, "replayed": true}', "", 0)
    assert outcome.status == "completed" and outcome.replayed
    assert outcome.to_json()["replayed"] is True
    assert not interpret_result('{"status": "completed"}', "", 0).replayed
    assert "replayed" not in interpret_result('{"status": "completed"}', "", 0).to_json()  # bytes kept
    skipped = interpret_result('{"status": "skipped", "error": "no walk", "replayed": true}', "", 0)
    assert not skipped.replayed  # nothing was sent: nothing was replayed
    wrong = interpret_result('{"status": "completed", "replayed": "yes"}', "", 0)
    assert wrong.status == "harness_error" and "/replayed" in wrong.detail
    assert ClientOutcome("completed", replayed=True).redacted(["secret"]).replayed


def test_a_case_result_carries_the_mark_only_when_true() -> None:
    marked = CaseResult(
        "f.json", "workflow.start", "exec", "pass", client=ClientOutcome("completed", replayed=True)
    )
    assert marked.to_json()[REPLAYED] is True
    plain = CaseResult("f.json", "workflow.start", "exec", "pass", client=ClientOutcome("completed"))
    assert REPLAYED not in plain.to_json()


def test_a_run_with_replayed_cases_reads_replayed_not_full() -> None:
    document = starter_document(replayed=2)
    conformance = document["conformance"]
    assert conformance["level"] == "replayed"
    assert conformance["targets"] == {"official_sdk": "pass"}
    assert "2 cases replayed the fixture's canonical request" in conformance["explanation"]
    assert "workflow-start-parity.json::my-node-client" in conformance["explanation"]
    assert document["summary"]["replayed"] == 2
    assert document["summary"]["by_adapter"]["my-node-client"]["replayed"] == 2
    assert "replayed" not in document["summary"]["by_adapter"]["canonical"]
    assert exit_code_for(document) == 0  # a starter's first run does not fail a gate
    assert validate_result(document) == []


def test_without_replays_the_level_and_the_counts_are_as_before() -> None:
    document = starter_document(replayed=0)
    assert document["conformance"]["level"] == "full"
    assert "replayed" not in document["summary"]
    assert "replayed" not in document["conformance"]["explanation"]


def test_another_level_keeps_its_value_and_names_the_replays() -> None:
    document = starter_document(replayed=1, failing=True)
    assert document["conformance"]["level"] == "nonconforming"
    assert "1 case replayed the fixture's canonical request" in document["conformance"]["explanation"]


def test_self_checks_and_skipped_cases_do_not_count_as_replays() -> None:
    builder = ResultBuilder()
    replayed_case(builder, FIXTURES[0], "canonical")  # the self-check is the replay by nature
    builder.implementation("my-go-client", target="official_sdk")
    replayed_case(builder, FIXTURES[0], "my-go-client", "skipped")
    builder.case(FIXTURES[1], "my-go-client", "pass")
    document = builder.build()
    assert document["conformance"]["level"] == "full"
    assert deciding_replays(document["cases"], document["implementations"]) == []


def test_an_incomplete_run_says_what_its_finished_cases_would_give() -> None:
    document = starter_document(replayed=1)
    incomplete = rebuild_document(document, run={**document["run"], "complete": False})
    assert incomplete["conformance"]["level"] == "incomplete"
    assert "would give 'replayed'" in incomplete["conformance"]["explanation"]


def test_a_document_claiming_full_despite_replays_is_invalid() -> None:
    document = starter_document(replayed=1)
    tampered = json.loads(json.dumps(document))
    tampered["conformance"]["level"] = "full"
    assert any(problem.startswith("/conformance") for problem in validate_result(tampered))


def test_level_with_replays_names_at_most_five() -> None:
    ids = [f"f{index}.json::x" for index in range(7)]
    level, explanation = level_with_replays("full", "Every case passed for official_sdk.", ids)
    assert level == "replayed"
    assert explanation.startswith("Every case passed for official_sdk, but 7 cases replayed")
    assert "f4.json::x ..." in explanation and "f5.json" not in explanation
    assert level_with_replays("partial", "x.", []) == ("partial", "x.")


def test_every_report_marks_and_counts_replayed_cases(tmp_path: Path) -> None:
    document = starter_document(replayed=2)
    replayed_ids = [case["id"] for case in document["cases"] if case.get("replayed")]
    assert len(replayed_ids) == 2

    stream = StringIO()
    lines = CaseLines(len(document["cases"]), stream)
    for case in document["cases"]:
        lines.case_done(case)
    printed = stream.getvalue().splitlines()
    assert sum("(replayed: the program sent the canonical request" in line for line in printed) == 2
    table = summary_table(document)
    assert table.count("PASS(r)") == 2 and "(r): replayed:" in table
    assert "replayed (2; the client program replayed" in closing_sections(document)

    markdown = render_markdown(document)
    assert "🔁 **replayed**" in markdown
    assert "🔁 **Replayed: 2** (my-node-client 2)" in markdown
    assert markdown.count("✅ pass 🔁 replayed") == 2

    root = junit_tree(document).getroot()
    marked = [
        testcase.get("name")
        for testcase in root.iter("testcase")
        if any(p.get("name") == "replayed" and p.get("value") == "true" for p in testcase.iter("property"))
    ]
    assert sorted(marked) == sorted(FIXTURES[:2])
    suite = next(s for s in root.iter("testsuite") if s.get("name") == "my-node-client")
    assert any(p.get("name") == "replayed" and p.get("value") == "2" for p in suite.iter("property"))
    assert root.find(".//property[@name='conformance.level']").get("value") == "replayed"  # type: ignore[union-attr]
    assert ET.tostring(root, encoding="unicode").count("[dw-conformance] replayed:") == 2

    html = render_html(document)
    assert html.count('data-replayed="true"') == 2
    assert html.count('<span class="badge replayed">replayed</span>') == 2
    assert 'id="level">replayed<' in html and "2 replayed" in html

    result = tmp_path / "result.json"
    result.write_text(json.dumps(document), encoding="utf-8")
    measured = load_measurements(result)
    statuses = measured.for_page(FIXTURES[0], "workflow.start")
    shown = {item.adapter: item.shown_status for item in statuses}
    assert shown == {"my-node-client": "pass (replayed)", "canonical": "pass"}


def test_a_case_whose_mark_does_not_follow_from_its_client_is_invalid() -> None:
    document = starter_document(replayed=1)
    tampered = json.loads(json.dumps(document))
    del tampered["cases"][0]["replayed"]  # the client still says it replayed
    problems = validate_result(tampered)
    assert "/cases/0/replayed: does not follow from /cases/0/client/replayed" in problems
