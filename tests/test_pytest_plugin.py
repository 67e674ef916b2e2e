"""``pytest --conformance``: one test per fixture x adapter, readable failures, the same reports."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conformance.result import validate_result

pytest_plugins = ["pytester"]

FAKE_DW = Path(__file__).resolve().parent / "support" / "fake_dw.py"


def _run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    pytester.makepyfile(test_unrelated="def test_unrelated():\n    assert True\n")
    return pytester.runpytest_subprocess(
        "--conformance",
        "--conformance-report-dir",
        str(pytester.path / "reports"),
        "-p",
        "no:cacheprovider",
        *args,
    )


def test_collects_one_test_per_fixture_and_adapter(pytester: pytest.Pytester) -> None:
    result = _run(
        pytester, "--conformance-adapter", "canonical", "--conformance-adapter", f"cli={FAKE_DW}", "-v"
    )
    result.assert_outcomes(passed=18, deselected=1)
    result.stdout.fnmatch_lines(["*workflow-start-parity.json::cli PASSED*"])
    document = json.loads((pytester.path / "reports" / "result.json").read_text(encoding="utf-8"))
    assert validate_result(document) == []
    assert len(document["cases"]) == 18
    assert (pytester.path / "reports" / "junit.xml").is_file()


def test_a_failure_message_is_the_rendered_diff(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_DW_DEFECT", "double-for-long")
    result = _run(pytester, "--conformance-adapter", f"cli={FAKE_DW}", "-k", "workflow-start")
    result.assert_outcomes(failed=1, deselected=9)
    result.stdout.fnmatch_lines(["*workflow-start-parity.json::cli*", "*/body/input/0/order_id*"])


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
    result.assert_outcomes(failed=1, deselected=1)
    document = json.loads((pytester.path / "reports" / "result.json").read_text(encoding="utf-8"))
    assert len(document["cases"]) == 1
    assert document["run"]["complete"] is False
    assert validate_result(document) == []


def test_a_k_selection_that_ran_every_selected_case_is_complete(pytester: pytest.Pytester) -> None:
    result = _run(pytester, "--conformance-adapter", f"cli={FAKE_DW}", "-k", "workflow-start")
    result.assert_outcomes(passed=1, deselected=9)
    document = json.loads((pytester.path / "reports" / "result.json").read_text(encoding="utf-8"))
    assert document["run"]["complete"] is True


def test_a_timeout_that_is_not_a_positive_finite_number_is_a_usage_error(pytester: pytest.Pytester) -> None:
    result = _run(pytester, "--conformance-timeout", "nan")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
