"""Defects found in review: ``run`` options and inputs that gave wrong or unstable verdicts."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from conformance.cli import main
from conformance.fixture import shipped_corpus_dir

ROOT = Path(__file__).resolve().parent.parent
FAKE_DW = ROOT / "tests" / "support" / "fake_dw.py"
CLI = f"cli={FAKE_DW}"


@pytest.mark.parametrize("value", ["nan", "inf", "-inf"])
def test_a_timeout_that_is_not_a_finite_number_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], value: str
) -> None:
    # ``--timeout nan`` used to be accepted: a hanging client was then never stopped.
    with pytest.raises(SystemExit) as exited:
        main(["run", "--report-dir", str(tmp_path / "r"), "--adapter", CLI, "--timeout", value])
    assert exited.value.code == 2
    assert "--timeout" in capsys.readouterr().err


def _corpus(directory: Path, task_queue: str) -> Path:
    directory.mkdir(parents=True)
    source = shipped_corpus_dir() / "workflow-start-parity.json"
    data: dict[str, Any] = json.loads(source.read_text(encoding="utf-8"))
    data["cli"]["expected_body"]["task_queue"] = task_queue
    (directory / source.name).write_text(json.dumps(data, indent=2), encoding="utf-8")
    return directory


def test_two_fixture_directories_with_the_same_file_name_do_not_drop_a_case(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Both files gave the case id ``workflow-start-parity.json::cli``: one result silently replaced the
    # other (whichever finished last), so a failing fixture could vanish and the run pass.
    passing = _corpus(tmp_path / "a", "orders")
    failing = _corpus(tmp_path / "b", "not-what-the-client-sends")
    report_dir = tmp_path / "reports"
    code = main(
        [
            "run", "--report-dir", str(report_dir), "--timeout", "30", "--jobs", "2",
            "--adapter", CLI, "--fixtures", str(passing), "--fixtures", str(failing),
        ]
    )
    assert code == 2
    err = capsys.readouterr().err
    assert "workflow-start-parity.json" in err and str(passing) in err and str(failing) in err


def test_the_same_fixture_directory_named_twice_runs_each_fixture_once(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path / "a", "orders")
    report_dir = tmp_path / "reports"
    code = main(
        [
            "run", "--report-dir", str(report_dir), "--timeout", "30",
            "--adapter", CLI, "--fixtures", str(corpus), "--fixtures", str(tmp_path / "a" / "." ),
        ]
    )
    assert code == 0
    document = json.loads((report_dir / "result.json").read_text(encoding="utf-8"))
    ids = [case["id"] for case in document["cases"]]
    # the fixture once, and each scenario played on it once
    assert ids == [
        "workflow-start-parity.json::cli",
        "duplicate-start-409.scenario.yaml::cli",
        "validation-422.scenario.yaml::cli",
    ]


def test_the_result_document_names_the_policy_that_was_applied(tmp_path: Path) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text(
        "- operation: workflow.start\n  projection: cli\n  pointers: [/body/memo]\n  reason: test\n",
        encoding="utf-8",
    )
    report_dir = tmp_path / "reports"
    code = main(
        [
            "run", "--report-dir", str(report_dir), "--timeout", "30", "--adapter", CLI,
            "-k", "workflow-start", "--policy", str(policy),
        ]
    )
    assert code == 0
    document = json.loads((report_dir / "result.json").read_text(encoding="utf-8"))
    assert document["run"]["policy"] == str(policy)
    shutil.rmtree(report_dir)
