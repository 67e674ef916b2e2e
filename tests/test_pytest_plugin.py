"""``pytest --conformance``: one test per fixture x adapter, readable failures, the same reports."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from conformance.fixture import shipped_corpus_dir
from conformance.result import validate_result

pytest_plugins = ["pytester"]

FAKE_DW = Path(__file__).resolve().parent / "support" / "fake_dw.py"


def _run(pytester: pytest.Pytester, *args: str, scenarios: bool = False) -> pytest.RunResult:
    """``pytest --conformance ARGS``; the fixture cases only unless ``scenarios`` (counts stay readable)."""
    pytester.makepyfile(test_unrelated="def test_unrelated():\n    assert True\n")
    return pytester.runpytest_subprocess(
        "--conformance",
        "--conformance-report-dir",
        str(pytester.path / "reports"),
        "-p",
        "no:cacheprovider",
        *([] if scenarios else ["--conformance-no-scenarios"]),
        *args,
    )


def test_collects_one_test_per_fixture_and_adapter(pytester: pytest.Pytester) -> None:
    result = _run(
        pytester, "--conformance-adapter", "canonical", "--conformance-adapter", f"cli={FAKE_DW}", "-v"
    )
    result.assert_outcomes(passed=18)  # the project's own test is not collected, not even deselected
    result.stdout.fnmatch_lines(["*collected 18 items", "*workflow-start-parity.json::cli PASSED*"])
    result.stdout.fnmatch_lines(["dw-conformance: collecting the conformance cases only*"])
    document = json.loads((pytester.path / "reports" / "result.json").read_text(encoding="utf-8"))
    assert validate_result(document) == []
    assert len(document["cases"]) == 18
    assert (pytester.path / "reports" / "junit.xml").is_file()


def test_a_failure_message_is_the_rendered_diff(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_DW_DEFECT", "double-for-long")
    result = _run(pytester, "--conformance-adapter", f"cli={FAKE_DW}", "-k", "workflow-start")
    result.assert_outcomes(failed=1, deselected=8)
    result.stdout.fnmatch_lines(
        [
            "workflow-start-parity.json::cli: fail, 1 difference (- expected by the fixture, "
            "+ sent by the client)",
            "  /body/input/0/order_id  [[]type_changed]",
            "    - 42",
            "    + 42.0",
            "    (expected integer, found double)",
        ]
    )


def test_without_the_flag_the_plugin_stays_out_of_the_way(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_unrelated="def test_unrelated():\n    assert True\n")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
    assert not (pytester.path / "reports").exists()


def test_a_configuration_error_is_a_usage_error(pytester: pytest.Pytester) -> None:
    result = _run(pytester, "--conformance-adapter", "nope")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*unknown adapter 'nope'*"])


def test_a_session_stopped_early_writes_reports_marked_incomplete(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Review: ``-x`` (or Ctrl-C) stopped the session after one case, yet result.json said complete.
    monkeypatch.setenv("FAKE_DW_DEFECT", "missing-field")
    result = _run(pytester, "--conformance-adapter", f"cli={FAKE_DW}", "-x")
    result.assert_outcomes(failed=1)
    document = json.loads((pytester.path / "reports" / "result.json").read_text(encoding="utf-8"))
    assert len(document["cases"]) == 1
    assert document["run"]["complete"] is False
    assert document["conformance"]["level"] == "incomplete"
    assert validate_result(document) == []


def test_a_k_selection_that_ran_every_selected_case_is_complete(pytester: pytest.Pytester) -> None:
    result = _run(pytester, "--conformance-adapter", f"cli={FAKE_DW}", "-k", "workflow-start")
    result.assert_outcomes(passed=1, deselected=8)
    document = json.loads((pytester.path / "reports" / "result.json").read_text(encoding="utf-8"))
    assert document["run"]["complete"] is True


def test_a_timeout_that_is_not_a_positive_finite_number_is_a_usage_error(pytester: pytest.Pytester) -> None:
    result = _run(pytester, "--conformance-timeout", "nan")
    assert result.ret == pytest.ExitCode.USAGE_ERROR


# ------------------------------------------------------------------ pytest habits (issue 15, item 4)
def _cached_run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    """Like :func:`_run`, with pytest's cache (``--lf`` needs it)."""
    return pytester.runpytest_subprocess(
        "--conformance",
        "--conformance-report-dir",
        str(pytester.path / "reports"),
        "--conformance-adapter",
        "canonical",
        "--conformance-adapter",
        f"cli={FAKE_DW}",
        "--conformance-no-scenarios",
        *args,
    )


def _failed_ids(result: pytest.RunResult) -> list[str]:
    return [line.split()[1] for line in result.outlines if line.startswith("FAILED ")]


def test_a_failing_node_id_reruns_as_printed_and_lf_reruns_only_it(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_DW_DEFECT", "double-for-long")
    first = _cached_run(pytester, "-k", "workflow-start or workflow-signal")
    first.assert_outcomes(failed=1, passed=3, deselected=14)
    [node_id] = _failed_ids(first)
    assert node_id == "workflow-start-parity.json::cli"
    again = _cached_run(pytester, node_id)  # copied from the summary line, as a user would
    again.assert_outcomes(failed=1, deselected=17)
    assert _failed_ids(again) == [node_id]
    last_failed = _cached_run(pytester, "--lf")
    last_failed.assert_outcomes(failed=1, deselected=17)
    last_failed.stdout.fnmatch_lines(
        ["collected 18 items / 17 deselected / 1 selected", "run-last-failure: *"]
    )
    monkeypatch.delenv("FAKE_DW_DEFECT")
    fixed = _cached_run(pytester, "--lf")
    fixed.assert_outcomes(passed=1, deselected=17)
    after = _cached_run(pytester, "--lf")  # nothing failed last time: everything runs
    after.assert_outcomes(passed=18)


def test_named_paths_run_the_project_tests_beside_the_cases(pytester: pytest.Pytester) -> None:
    from conformance.fixture import shipped_corpus_dir

    pytester.makepyfile(test_own="def test_own():\n    assert True\n")
    result = _cached_run(pytester, "test_own.py", str(shipped_corpus_dir()), "-k", "workflow-start or own")
    result.assert_outcomes(passed=3, deselected=16)
    result.stdout.fnmatch_lines(["dw-conformance: collecting the paths named*"])


def test_xdist_gives_one_complete_result_equal_to_the_serial_one(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("durable_workflow")
    monkeypatch.setenv("FAKE_DW_DEFECT", "double-for-long")
    sdk = ("--conformance-adapter", "python-sdk")  # two real clients: their parity must survive the workers
    serial = _cached_run(pytester, "-p", "no:cacheprovider", *sdk)
    serial.assert_outcomes(failed=5, passed=22)
    serial_document = json.loads((pytester.path / "reports" / "result.json").read_text(encoding="utf-8"))
    assert len(serial_document["parity"]) == 9  # cli vs python-sdk, per fixture
    parallel = _cached_run(pytester, "-p", "no:cacheprovider", "-n", "2", *sdk)
    parallel.assert_outcomes(failed=5, passed=22)
    document = json.loads((pytester.path / "reports" / "result.json").read_text(encoding="utf-8"))
    assert validate_result(document) == []
    assert document["run"]["complete"] is True and len(document["cases"]) == 27

    def comparable(data: dict[str, object]) -> dict[str, object]:
        data = json.loads(json.dumps(data))
        data.pop("run")
        for case in data["cases"]:  # type: ignore[attr-defined]
            case["duration_seconds"] = 0
            if case["client"] is not None:
                case["client"]["duration_seconds"] = 0
        return data

    assert comparable(document) == comparable(serial_document)


def test_scenario_files_are_collected_like_fixture_files(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One test per scenario and real client; a failing one reruns by the node id it printed."""
    shipped = Path(__file__).resolve().parents[1] / "fixtures" / "scenarios"
    played = sorted(path.name for path in shipped.glob("*.scenario.yaml"))
    for upstream_only in (  # their fixtures are not in the shipped corpus
        "workflow-history-walk.scenario.yaml",
        "worker-poll-unauthorized-401.scenario.yaml",
        "task-lease-conflict-409.scenario.yaml",
        "task-rejected-422.scenario.yaml",
    ):
        played.remove(upstream_only)
    # the fake dw sends each first operation request twice: its walk asks for page 1 again
    monkeypatch.setenv("FAKE_DW_DEFECT", "two-requests")
    result = _run(pytester, "--conformance-adapter", f"cli={FAKE_DW}", "-v", scenarios=True)
    outcomes = ("PASSED", "FAILED", "SKIPPED", "ERROR")
    verbose = [line.split() for line in result.outlines if ".scenario.yaml::cli " in line]
    collected = sorted(words[0] for words in verbose if len(words) > 1 and words[1] in outcomes)
    assert [node.rsplit("/", 1)[-1] for node in collected] == [f"{name}::cli" for name in played]
    # the repeated page is a failure, in pytest's words and in the reports
    assert "schedule-history-walk.scenario.yaml::cli" in " ".join(
        line for line in result.outlines if line.startswith("FAILED ")
    )
    document = json.loads((pytester.path / "reports" / "result.json").read_text(encoding="utf-8"))
    assert validate_result(document) == []
    assert {case["id"].split("::")[0] for case in document["cases"] if "scenario" in case} == set(played)
    node = "schedule-history-walk.scenario.yaml::cli"
    again = _run(pytester, "--conformance-adapter", f"cli={FAKE_DW}", node, scenarios=True)
    # collected through its own directory, as a named fixture file is: the other scenarios are deselected
    again.assert_outcomes(failed=1, deselected=len(played) - 1)


def test_an_input_problem_fails_a_session_whose_cases_all_pass(pytester: pytest.Pytester) -> None:
    corpus = pytester.path / "corpus"
    corpus.mkdir()
    good = shipped_corpus_dir() / "workflow-cancel-parity.json"
    (corpus / good.name).write_bytes(good.read_bytes())
    (corpus / "broken-parity.json").write_text("{", encoding="utf-8")
    result = _run(pytester, "--conformance-adapter", "canonical", "--conformance-fixtures", str(corpus))
    result.assert_outcomes(passed=1)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["dw-conformance: not loaded: *broken-parity.json: (file): expected valid*"])
    document = json.loads((pytester.path / "reports" / "result.json").read_text(encoding="utf-8"))
    assert document["conformance"]["level"] == "incomplete" and len(document["input_problems"]) == 1


_CACHE_STEERING = frozenset({"TOX_ENV_DIR", "PYTEST_ADDOPTS"})


def test_the_cache_stays_out_of_a_corpus_named_outside_the_repository() -> None:
    """``--conformance-fixtures DIR`` (a separate word) must not root the session, and its cache, at DIR.

    The directories are a ``tempfile`` directory of this test's own, not pytest's ``tmp_path``: another
    pytest session starting on the machine prunes older ``pytest-of-<user>`` directories, and the check
    below must not read a directory that vanished as "no cache was written".
    """
    with tempfile.TemporaryDirectory(prefix="dw-conformance-cache-") as scratch:
        _check_the_cache_stays_out(Path(scratch))


def _check_the_cache_stays_out(tmp_path: Path) -> None:
    corpus = tmp_path / "elsewhere" / "corpus"
    corpus.mkdir(parents=True)
    for name in ("workflow-start-parity.json", "workflow-signal-parity.json"):
        shutil.copy(shipped_corpus_dir() / name, corpus / name)
    work = tmp_path / "work"
    work.mkdir()
    command = [sys.executable, "-m", "pytest", "--conformance", "--conformance-fixtures", str(corpus)]
    command += ["--conformance-adapter", "canonical", "--conformance-no-scenarios"]
    command += ["--conformance-report-dir", str(work / "reports")]
    # Under tox, pytest's default cache directory is $TOX_ENV_DIR/.pytest_cache, and PYTEST_ADDOPTS could
    # turn the cache off: the session below is a user's plain ``pytest`` in a shell, without either.
    environment = {key: value for key, value in os.environ.items() if key not in _CACHE_STEERING}
    completed = subprocess.run(
        command, cwd=work, env=environment, capture_output=True, text=True, timeout=300, check=False
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert f"rootdir: {work}" in completed.stdout
    assert "2 passed" in completed.stdout
    caches = sorted(path.parent for path in tmp_path.rglob(".pytest_cache"))
    assert caches == [work]  # not in the corpus, nor in the common ancestor of the two
    rerun = subprocess.run(
        [*command, "--lf"], cwd=work, env=environment, capture_output=True, text=True, timeout=300
    )
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert sorted(path.parent for path in tmp_path.rglob(".pytest_cache")) == [work]
