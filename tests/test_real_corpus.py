"""The real clients on the real corpus, every cell checked against ``docs/real-client-verdicts.md``.

One run of the real harness (a subprocess) over the 60-file upstream corpus
with the canonical replay, the real ``dw`` and two builds of the real SDK
(the newest PyPI release and the snapshot's HEAD) as labelled instances of
one adapter. Skips, saying why, where ``../shared`` or PHP is missing (and
fails instead in CI, see ``support/real_clients.py``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from support.harness_run import ROOT, Completed, run_command
from support.real_clients import upstream_corpus

TABLE_DOC = ROOT / "docs" / "real-client-verdicts.md"
CLIENTS = ("canonical", "cli", "python-sdk@pypi", "python-sdk@head")


@dataclass(frozen=True)
class Row:
    fixture: str
    client: str
    status: str
    pointers: frozenset[str]


def documented_rows() -> dict[tuple[str, str], Row]:
    text = TABLE_DOC.read_text(encoding="utf-8")
    block = text.split("<!-- verdict-table", 1)[1].split("<!-- end of verdict-table", 1)[0]
    rows: dict[tuple[str, str], Row] = {}
    for line in block.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) < 4 or not cells[0].endswith(".json"):
            continue
        pointers = frozenset() if cells[3] in ("—", "") else frozenset(p.strip() for p in cells[3].split(","))
        row = Row(cells[0], cells[1], cells[2], pointers)
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
    assert len(document["cases"]) == 60 * len(CLIENTS)
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
    closing = real_run.stdout.split("failures and errors", 1)[1]
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
        if case["response"] is not None and case["response"]["status"] != "pass"
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
