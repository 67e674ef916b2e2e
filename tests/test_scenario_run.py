"""Scenarios in ``dw-conformance run``: played by default, selected with ``-k``, in every report.

The real Python SDK (the installed release) plays the shipped scenarios on
the shipped corpus through the real command, as a subprocess.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from conformance.result import validate_result
from support.harness_run import Completed, run_command

pytest.importorskip("durable_workflow")

SHIPPED_SCENARIOS = Path(__file__).resolve().parents[1] / "fixtures" / "scenarios"


@pytest.fixture(scope="module")
def default_run(tmp_path_factory: pytest.TempPathFactory) -> Completed:
    report_dir = tmp_path_factory.mktemp("scenario-run") / "reports"
    adapters = ("--adapter", "canonical", "--adapter", "python-sdk")
    return run_command(report_dir, *adapters, "--jobs", "2", scenarios=True)


def scenario_cases(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {case["id"]: case for case in document["cases"] if "scenario" in case}


def test_a_default_run_plays_every_applicable_scenario_with_the_real_clients(default_run: Completed) -> None:
    document = default_run.document
    assert document is not None, default_run.stderr
    assert validate_result(document) == []
    cases = scenario_cases(document)
    shipped = sorted(path.name for path in SHIPPED_SCENARIOS.glob("*.scenario.yaml"))
    # the canonical self-check plays none; the run-history walk's and the worker plane's fixtures
    # are not in the shipped corpus
    upstream_only = {
        "workflow-history-walk.scenario.yaml",
        "worker-poll-unauthorized-401.scenario.yaml",
        "task-lease-conflict-409.scenario.yaml",
        "task-rejected-422.scenario.yaml",
    }
    assert sorted(case_id.split("::")[0] for case_id in cases) == [
        name for name in shipped if name not in upstream_only
    ]
    assert {case["adapter"] for case in cases.values()} == {"python-sdk"}
    assert document["scenarios"]["loaded"] == len(shipped)
    absent = {item["scenario"]: item["reason"] for item in document["scenarios"]["not_applicable"]}
    assert set(absent) == upstream_only
    assert "workflow-history-parity.json" in absent["workflow-history-walk.scenario.yaml"]
    # required unless the file gives a reason; the reason travels with the case
    provisional = {"rate-limited-429.scenario.yaml", "unavailable-503.scenario.yaml"}
    for case_id, case in cases.items():
        if case_id.split("::")[0] in provisional:
            assert case["category"] == "scenario_provisional"
            assert "Retry-After" in case["provisional_reason"]
        else:
            assert case["category"] == "scenario_sequence" and "provisional_reason" not in case


def test_the_sdk_ignoring_retry_after_fails_its_case_with_a_pointer_into_the_sequence(
    default_run: Completed,
) -> None:
    document = default_run.document
    assert document is not None
    case = scenario_cases(document)["rate-limited-429.scenario.yaml::python-sdk"]
    assert case["status"] == "fail"
    assert [item["pointer"] for item in case["differences"]] == ["/requests/1/delay_seconds"]
    assert case["scenario"]["retry"]["retried"] == ["429"]
    assert case["scenario"]["retry"]["honoured_retry_after"] is False
    # a provisional category: the finding shows, with its reason, and does not fail the client's gate
    assert document["conformance"]["level"] == "provisional" and default_run.code == 0
    closing = default_run.stdout.split("failures that do not gate (", 1)[1]
    assert "rate-limited-429.scenario.yaml::python-sdk" in closing.split("\n\n", 1)[0]
    assert "does not gate: provisional: the rule is to wait for Retry-After" in closing
    assert "\ngating failures (" not in default_run.stdout


def test_the_walk_is_judged_page_by_page_and_its_har_holds_every_page(default_run: Completed) -> None:
    document = default_run.document
    assert document is not None
    case = scenario_cases(document)["schedule-history-walk.scenario.yaml::python-sdk"]
    assert case["status"] == "pass", case["rendered"]
    sent = [request["query"].get("after_sequence") for request in case["scenario"]["requests"]]
    assert sent == [["5"], ["8"], ["11"]]
    assert [item["sequence"] for item in case["scenario"]["items"]] == list(range(6, 14))
    har = json.loads((default_run.report_dir / case["har"]).read_text(encoding="utf-8"))
    history = [entry for entry in har["log"]["entries"] if "/history" in entry["request"]["url"]]
    assert [entry["request"]["url"].rsplit("=", 1)[1] for entry in history] == ["5", "8", "11"]


def test_every_report_shows_the_scenarios(default_run: Completed) -> None:
    summary = (default_run.report_dir / "summary.md").read_text(encoding="utf-8")
    assert "### Scenarios (sequences of answers)" in summary
    assert "| rate-limited-429.scenario.yaml | python-sdk |" in summary
    assert "- workflow-history-walk.scenario.yaml: the corpus of this run has no fixture" in summary
    assert "scenarios not played (4; no part in the level):" in default_run.stdout
    # the category of each scenario: its own column, and the reason beside a provisional failure
    row = next(line for line in summary.splitlines() if line.startswith("| rate-limited-429.scenario.yaml |"))
    assert row.rstrip(" |").endswith("a client is held to it once the server sends it")
    assert "provisional: the rule is to wait for Retry-After" in row
    walk = next(line for line in summary.splitlines() if line.startswith("| schedule-history-walk.scenario"))
    assert walk.endswith("| required |")
    assert "does not gate: provisional: the rule is to wait for Retry-After" in summary
    page = (default_run.report_dir / "index.html").read_text(encoding="utf-8")
    assert 'id="scenarios"' in page and "<th>gates</th>" in page
    assert '<td class="category">provisional: the rule is to wait for Retry-After' in page
    junit = (default_run.report_dir / "junit.xml").read_text(encoding="utf-8")
    assert '<testcase classname="python-sdk" name="rate-limited-429.scenario.yaml"' in junit
    # a provisional scenario failure is reported as a skip saying why it does not gate, not as a failure
    assert "<failure" not in junit
    skipped = junit.split('name="rate-limited-429.scenario.yaml"', 1)[1].split("</testcase>", 1)[0]
    assert '<skipped message="does not gate: provisional: the rule is to wait for Retry-After' in skipped
    assert '<property name="dw-conformance.category" value="scenario_provisional" />' in skipped


def test_k_selects_one_scenario_case_and_no_scenarios_turns_them_off(tmp_path: Path) -> None:
    one = run_command(
        tmp_path / "one", "--adapter", "python-sdk", "-k", "unauthorized-401.scenario.yaml::python-sdk",
        scenarios=True,
    )
    assert one.document is not None, one.stderr
    assert [case["id"] for case in one.document["cases"]] == ["unauthorized-401.scenario.yaml::python-sdk"]
    case = one.document["cases"][0]
    assert case["status"] == "pass"
    assert case["client"]["error_surface"]["exception"] == "durable_workflow.errors.Unauthorized"
    none = run_command(tmp_path / "none", "--adapter", "python-sdk", "-k", "schedule-history")
    assert none.document is not None
    assert [case["id"] for case in none.document["cases"]] == ["schedule-history-parity.json::python-sdk"]
    assert "scenarios" not in none.document
