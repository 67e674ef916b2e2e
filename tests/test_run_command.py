"""``dw-conformance run``: exit codes, selection, parallelism, policy, reports.

Most tests call :func:`conformance.cli.main` in-process (one recording proxy
per process, tests in a worker run one after another); one test runs the
installed console script as a real subprocess.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from conformance.cli import main
from conformance.fixture import shipped_corpus_dir
from conformance.result import validate_result

ROOT = Path(__file__).resolve().parent.parent
FAKE_DW = ROOT / "tests" / "support" / "fake_dw.py"
CLI = f"cli={FAKE_DW}"


def run(tmp_path: Path, *args: str, scenarios: bool = False) -> tuple[int, dict[str, Any] | None]:
    """``dw-conformance run`` in-process; the single-request cases only unless ``scenarios``."""
    report_dir = tmp_path / "reports"
    flags = [] if scenarios else ["--no-scenarios"]
    code = main(["run", "--report-dir", str(report_dir), "--timeout", "30", *flags, *args])
    result = report_dir / "result.json"
    document = json.loads(result.read_text(encoding="utf-8")) if result.exists() else None
    if document is not None:
        assert validate_result(document) == []
    return code, document


def statuses(document: dict[str, Any]) -> dict[str, str]:
    return {case["id"]: case["status"] for case in document["cases"]}


def test_conforming_clients_exit_0_and_write_all_four_reports(tmp_path: Path) -> None:
    code, document = run(tmp_path, "--adapter", "canonical", "--adapter", CLI)
    assert code == 0
    assert document is not None
    assert document["conformance"]["level"] == "full"
    assert set(statuses(document).values()) == {"pass"}
    assert len(document["cases"]) == 18
    for name in ("result.json", "junit.xml", "summary.md", "index.html"):
        assert (tmp_path / "reports" / name).is_file()
    assert sorted(p.name for p in (tmp_path / "reports" / "har").iterdir())[0].endswith(".har")


def test_a_drifting_client_exits_1_with_the_pointer_of_the_drift(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("FAKE_DW_DEFECT", "int-as-string")
    code, document = run(tmp_path, "--adapter", CLI, "-k", "workflow-start")
    assert code == 1
    assert document is not None
    (case,) = document["cases"]
    assert case["status"] == "fail"
    assert any(d["pointer"].startswith("/body/") and d["kind"] == "type_changed" for d in case["differences"])
    out = capsys.readouterr().out
    assert "nonconforming" in out and "FAIL" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--adapter", "no-such-adapter"], "unknown adapter 'no-such-adapter'"),
        (["--fixtures", "/nonexistent/fixtures"], "/nonexistent/fixtures"),
        (["--adapter", "cli=/nonexistent/dw"], "not available"),
        (["--adapter", "exec"], "exec"),
    ],
)
def test_usage_and_configuration_errors_exit_2_with_a_message_on_stderr(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    code, document = run(tmp_path, *args)
    assert code == 2
    assert document is None
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err


def test_a_broken_server_profile_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    profile = tmp_path / "profile.yaml"
    profile.write_text("name: broken\nhandshake: [not, a, mapping]\n", encoding="utf-8")
    code, _ = run(tmp_path, "--adapter", "canonical", "--server-profile", str(profile))
    assert code == 2
    assert str(profile) in capsys.readouterr().err


def test_k_selects_fixtures_operations_and_cases(tmp_path: Path) -> None:
    code, document = run(tmp_path, "--adapter", "canonical", "--adapter", CLI, "-k", "workflow.signal,*::cli")
    assert code == 0
    assert document is not None
    ids = set(statuses(document))
    assert "workflow-signal-parity.json::canonical" in ids
    assert all(case_id.endswith("::cli") or "signal" in case_id for case_id in ids)
    assert len(ids) == 10  # 9 cli cases + the signal fixture's canonical case


def test_verdicts_do_not_depend_on_jobs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAKE_DW_DEFECT", "double-for-long")
    outcomes = []
    for jobs in ("1", "4"):
        code, document = run(tmp_path / jobs, "--adapter", "canonical", "--adapter", CLI, "--jobs", jobs)
        assert document is not None
        outcomes.append(
            (
                code,
                [(c["id"], c["status"], [d["pointer"] for d in c["differences"]]) for c in document["cases"]],
            )
        )
    assert outcomes[0] == outcomes[1]
    assert any(status == "fail" for _, status, _ in outcomes[0][1])


def test_a_policy_turns_a_declared_difference_into_a_diagnostic(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_DW_DEFECT", "double-for-long")
    code, document = run(tmp_path / "without", "--adapter", CLI, "-k", "workflow-start")
    assert code == 1 and document is not None
    (failing,) = document["cases"]
    pointers = [d["pointer"] for d in failing["differences"]]
    assert pointers
    policy = tmp_path / "policy.yaml"
    policy.write_text(
        "deliberate_differences:\n"
        "  - operation: workflow.start\n"
        "    projection: cli\n"
        f"    pointers: {json.dumps(pointers)}\n"
        "    reason: the CLI sends JSON numbers as doubles (tracked upstream)\n",
        encoding="utf-8",
    )
    code, document = run(tmp_path / "with", "--adapter", CLI, "-k", "workflow-start", "--policy", str(policy))
    assert code == 0 and document is not None
    (case,) = document["cases"]
    assert case["status"] == "pass"
    assert {d["pointer"] for d in case["diagnostic_diff"]} >= set(pointers)
    assert any("tracked upstream" in d.get("message", "") for d in case["diagnostic_diff"])


def test_an_invalid_fixture_is_listed_and_the_others_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(shipped_corpus_dir(), corpus)
    (corpus / "broken-parity.json").write_text('{"schema": ', encoding="utf-8")
    code, document = run(tmp_path, "--adapter", "canonical", "--fixtures", str(corpus))
    assert code == 1 and document is not None  # a corpus that lost a file fails the run
    assert document["conformance"]["level"] == "incomplete"
    assert len(document["cases"]) == 9
    assert any("broken-parity.json" in problem for problem in document["input_problems"])
    assert "broken-parity.json" in capsys.readouterr().err


def test_the_console_script_runs_as_a_subprocess(tmp_path: Path) -> None:
    script = Path(sys.executable).parent / "dw-conformance"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DW_", "DURABLE_WORKFLOW_"))}
    completed = subprocess.run(
        [str(script), "run", "--adapter", "canonical", "-k", "schedule", "--report-dir", str(tmp_path / "r")],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert completed.returncode == 0, completed.stderr
    lines = completed.stdout.splitlines()
    assert lines[0].startswith("adapters: canonical")
    assert any(line.startswith("[1/1] PASS") for line in lines)  # plain progress lines when not a terminal
    assert "conformance level: full" in completed.stdout


def test_a_selection_that_matches_nothing_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, document = run(tmp_path, "--adapter", "canonical", "-k", "no-fixture-is-called-this")
    assert code == 2
    assert document is None
    assert "nothing to run" in capsys.readouterr().err


def test_a_new_run_replaces_old_har_files_and_keeps_other_files(tmp_path: Path) -> None:
    har_dir = tmp_path / "reports" / "har"
    har_dir.mkdir(parents=True)
    (har_dir / "stale-case.har").write_text("{}", encoding="utf-8")
    (har_dir / "notes.txt").write_text("mine", encoding="utf-8")
    code, _ = run(tmp_path, "--adapter", "canonical", "-k", "schedule")
    assert code == 0
    assert not (har_dir / "stale-case.har").exists()
    assert (har_dir / "notes.txt").read_text(encoding="utf-8") == "mine"
    assert [path.name for path in har_dir.glob("*.har")] == ["schedule-history-parity.json__canonical.har"]


def test_a_self_contradicting_fixture_is_an_input_problem_and_no_case_of_it_runs(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(shipped_corpus_dir(), corpus)
    path = corpus / "workflow-cancel-parity.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    data["cli"]["expected_body"]["reason"] = {"codec": "avro", "blob": "not base64!"}  # an undecodable pin
    path.write_text(json.dumps(data), encoding="utf-8")
    code, document = run(tmp_path, "--adapter", "canonical", "--fixtures", str(corpus))
    assert document is not None
    assert [problem for problem in document["input_problems"] if "/cli/expected_body/reason" in problem]
    assert "workflow-cancel-parity.json" not in {case["fixture"] for case in document["cases"]}
    assert {case["status"] for case in document["cases"]} == {"pass"}
    assert len(document["cases"]) == 8
    # nothing is claimed, the exit code is 1, and the level says what the cases that ran would give
    assert code == 1 and document["conformance"]["level"] == "incomplete"
    assert document["conformance"]["explanation"].startswith("1 input problem (see input_problems)")
    assert "would give 'full'" in document["conformance"]["explanation"]
