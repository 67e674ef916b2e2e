"""The real clients on the real corpus, every cell checked against ``docs/real-client-verdicts.md``.

One run of the real harness (a subprocess) over the 60-file upstream corpus
with the canonical replay, the real ``dw`` and two builds of the real SDK
(the newest PyPI release and the snapshot's HEAD) as labelled instances of
one adapter. Skips, saying why, where ``../shared`` or PHP is missing (and
fails instead in CI, see ``support/real_clients.py``).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from support.harness_run import ROOT, Completed, run_command
from support.real_clients import upstream_corpus

TABLE_DOC = ROOT / "docs" / "real-client-verdicts.md"
CLIENTS = ("canonical", "cli", "python-sdk@pypi", "python-sdk@head")
#: Clients that play scenarios (the canonical replay is a self-check: it plays none).
SCENARIO_CLIENTS = CLIENTS[1:]
SHIPPED_SCENARIOS = sorted(path.name for path in (ROOT / "fixtures" / "scenarios").glob("*.scenario.yaml"))
SUBJECT_SUFFIXES = (".json", ".scenario.yaml")
ERROR_SCENARIOS = {
    "unauthorized-401.scenario.yaml",
    "forbidden-403.scenario.yaml",
    "workflow-not-found-404.scenario.yaml",
    "schedule-not-found-404.scenario.yaml",
    "duplicate-start-409.scenario.yaml",
    "validation-422.scenario.yaml",
    "rate-limited-429.scenario.yaml",
    "server-error-500.scenario.yaml",
    "non-json-body.scenario.yaml",
    "dropped-connection.scenario.yaml",
}


@dataclass(frozen=True)
class Row:
    fixture: str
    client: str
    status: str
    pointers: frozenset[str]


def table_lines(marker: str) -> list[list[str]]:
    """The cells of each row of a marked table of the doc whose first cell names a fixture or scenario."""
    text = TABLE_DOC.read_text(encoding="utf-8")
    block = text.split(f"<!-- {marker}", 1)[1].split(f"<!-- end of {marker}", 1)[0]
    rows = [[cell.strip() for cell in line.strip().strip("|").split("|")] for line in block.splitlines()]
    return [cells for cells in rows if len(cells) >= 3 and cells[0].endswith(SUBJECT_SUFFIXES)]


def pointer_cell(cell: str) -> frozenset[str]:
    return frozenset() if cell in ("—", "") else frozenset(p.strip() for p in cell.split(","))


def documented_rows() -> dict[tuple[str, str], Row]:
    rows: dict[tuple[str, str], Row] = {}
    for cells in table_lines("verdict-table"):
        if len(cells) < 4:
            continue
        row = Row(cells[0], cells[1], cells[2], pointer_cell(cells[3]))
        assert (row.fixture, row.client) not in rows, f"{row} is listed twice in {TABLE_DOC}"
        rows[(row.fixture, row.client)] = row
    return rows


@pytest.fixture(scope="module")
def real_run(
    tmp_path_factory: pytest.TempPathFactory, real_dw_path: Path, sdk_pypi_python: Path, sdk_head_python: Path
) -> Completed:
    corpus = upstream_corpus()
    report_dir = tmp_path_factory.mktemp("real-corpus") / "reports"
    return run_command(
        report_dir,
        "--fixtures",
        str(corpus),
        "--cli-output-schemas",
        str(corpus.parents[2] / "schemas" / "output" / "manifest.json"),
        "--adapter",
        "canonical",
        "--adapter",
        f"cli={real_dw_path}",
        "--adapter",
        f"python-sdk@pypi={sdk_pypi_python}",
        "--adapter",
        f"python-sdk@head={sdk_head_python}",
        "--jobs",
        "2",
        timeout=1500,
        scenarios=True,
    )


def observed_rows(document: dict[str, Any]) -> dict[tuple[str, str], Row]:
    rows: dict[tuple[str, str], Row] = {}
    for case in document["cases"]:
        if case["status"] == "pass":
            continue
        pointers = (
            frozenset(d["pointer"] for d in case["differences"]) if case["status"] == "fail" else frozenset()
        )
        rows[(case["fixture"], case["adapter"])] = Row(
            case["fixture"], case["adapter"], case["status"], pointers
        )
    return rows


def test_every_cell_of_the_real_run_matches_the_documented_table(real_run: Completed) -> None:
    document = real_run.document
    assert document is not None, real_run.stderr
    assert [impl["adapter"] for impl in document["implementations"]] == list(CLIENTS)
    assert all(impl["available"] for impl in document["implementations"]), document["implementations"]
    single = [case for case in document["cases"] if not case["id"].split("::")[0].endswith(".scenario.yaml")]
    assert len(single) == 60 * len(CLIENTS)
    assert len(document["cases"]) - len(single) == len(SHIPPED_SCENARIOS) * len(SCENARIO_CLIENTS)
    assert document["input_problems"] == []
    observed, documented = observed_rows(document), documented_rows()
    assert observed == documented, (
        f"cells differ from {TABLE_DOC.name}:\n"
        f"  new or changed: {sorted(set(observed.items()) - set(documented.items()))}\n"
        f"  documented but not seen: {sorted(set(documented.items()) - set(observed.items()))}"
    )
    # the level follows: the CLI's real bug fails a required case of cli_json_client
    assert real_run.code == 1 and document["conformance"]["level"] == "nonconforming"


def test_the_reports_name_each_client_version(real_run: Completed) -> None:
    document = real_run.document
    assert document is not None
    versions = {impl["adapter"]: impl["identity"]["version"] for impl in document["implementations"]}
    assert re.fullmatch(r"2\.0\.0-rc\.\d+", versions["cli"]), versions
    assert re.fullmatch(r"\d+\.\d+\.\d+", versions["python-sdk@pypi"]), versions
    assert versions["python-sdk@head"].startswith("2.0.0rc"), versions
    # no interpreter path in any case id
    assert not any("/" in case["id"] for case in document["cases"])


def test_the_sdk_request_body_with_its_envelope_companion_passes(real_run: Completed) -> None:
    """The SDK sends ``result`` and ``result_envelope`` side by side, exactly as its own corpus says."""
    cases = real_run.cases()
    for client in ("python-sdk@pypi", "python-sdk@head"):
        case = cases[f"query-task-complete-parity.json::{client}"]
        assert case["status"] == "pass", case["rendered"]
        assert case["expected"]["body"]["source"] == "sdk_python.request_body"
        assert [e["pointer"] for e in case["request"]["envelopes"]] == ["/body/result_envelope"]


def test_the_cli_bug_is_on_the_console_with_both_values(real_run: Completed) -> None:
    lines = real_run.stdout.splitlines()
    where = next(
        i for i, line in enumerate(lines) if re.search(r"FAIL +workflow-repair-parity\.json::cli$", line)
    )
    assert (
        lines[where + 1].strip() == "/body: type_changed: expected {}, sent [] (expected object, found array)"
    )
    closing = real_run.stdout.split("gating failures (", 1)[1]
    assert "workflow-repair-parity.json::cli" in closing


def documented_response_rows() -> dict[tuple[str, str], str]:
    text = TABLE_DOC.read_text(encoding="utf-8")
    block = text.split("<!-- response-table", 1)[1].split("<!-- end of response-table", 1)[0]
    rows: dict[tuple[str, str], str] = {}
    for line in block.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) >= 3 and cells[0].endswith(".json"):
            rows[(cells[0], cells[1])] = cells[2]
    return rows


def test_every_response_side_passes_or_is_explained(real_run: Completed) -> None:
    """No refusal, no surfaced value off, every --json output valid: the rest is documented as unchecked."""
    document = real_run.document
    assert document is not None
    observed = {
        (case["fixture"], case["adapter"]): case["response"]["status"]
        for case in document["cases"]
        if case["response"] is not None and case["response"]["status"] != "pass" and "scenario" not in case
    }
    assert observed == documented_response_rows()
    checked_cli = [
        case
        for case in document["cases"]
        if case["adapter"] == "cli"
        and any(line.startswith("--json output against") for line in case["response"]["asserted"])
    ]
    assert len(checked_cli) >= 50
    # no two clients surface a semantic_body fact differently
    output_findings = [
        finding
        for entry in document["parity"]
        for finding in entry["findings"]
        if finding["pointer"].startswith("/output/")
    ]
    assert output_findings == []


# ------------------------------------------------------------------------------------ scenarios
def documented_scenario_parity() -> dict[tuple[str, str], frozenset[str]]:
    return {(cells[0], cells[1]): pointer_cell(cells[2]) for cells in table_lines("scenario-parity-table")}


def test_both_clients_walk_and_meet_every_error_scenario(real_run: Completed) -> None:
    """Issue 14's floor, for the real dw and the real SDK: walks of 3 pages, 6 error scenarios and more."""
    cases = real_run.cases()
    for client in ("cli", "python-sdk@pypi"):
        walk = cases[f"schedule-history-walk.scenario.yaml::{client}"]["scenario"]
        assert walk["status"] == "pass" and len(walk["requests"]) >= 3
        assert [request["query"]["after_sequence"] for request in walk["requests"]] == [["5"], ["8"], ["11"]]
        assert len(walk["items"]) == 8
        history = cases[f"workflow-history-walk.scenario.yaml::{client}"]["scenario"]
        assert history["status"] == "pass" and len(history["requests"]) >= 2
        judged = [
            name
            for name in ERROR_SCENARIOS
            if cases[f"{name}::{client}"]["scenario"]["status"] in ("pass", "fail")
        ]
        assert len(judged) >= 6, judged
    # every scenario both clients ran is compared across them
    document = real_run.document
    assert document is not None
    pair = ["cli", "python-sdk@pypi"]
    compared = {entry["fixture"] for entry in document["parity"] if entry["adapters"] == pair}
    assert set(SHIPPED_SCENARIOS) <= compared


def test_every_scenario_parity_finding_is_explained(real_run: Completed) -> None:
    document = real_run.document
    assert document is not None
    observed = {
        (entry["fixture"], " ~ ".join(entry["adapters"])): frozenset(
            finding["pointer"] for finding in entry["findings"] if finding["severity"] == "failure"
        )
        for entry in document["parity"]
        if entry["fixture"].endswith(".scenario.yaml")
    }
    observed = {key: pointers for key, pointers in observed.items() if pointers}
    assert observed == documented_scenario_parity()


def test_the_har_of_a_walk_holds_every_page(real_run: Completed) -> None:
    case = real_run.cases()["schedule-history-walk.scenario.yaml::cli"]
    har = json.loads((real_run.report_dir / case["har"]).read_text(encoding="utf-8"))
    pages = [entry for entry in har["log"]["entries"] if "/history" in entry["request"]["url"]]
    assert [entry["response"]["status"] for entry in pages] == [200, 200, 200]


# ------------------------------------------------------------------------------ surfaced facts (issue 21)
def test_each_client_is_held_to_the_list_facts_where_it_surfaces_them(real_run: Completed) -> None:
    """The SDK's ``executions`` and ``dw``'s ``workflows`` are both compared with ``workflow_ids``."""
    document = real_run.document
    assert document is not None
    where = {"cli": "/workflows/*/workflow_id", "python-sdk@pypi": "/executions/*/workflow_id"}
    where["python-sdk@head"] = where["python-sdk@pypi"]
    for case in document["cases"]:
        if case["fixture"] == "workflow-list-parity.json" and case["adapter"] in where:
            line = f"semantic_body/workflow_ids surfaced at /output{where[case['adapter']]}"
            assert line in case["response"]["asserted"], case["response"]
