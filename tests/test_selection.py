"""``-k``: pytest's keyword expressions, checked against what ``pytest --conformance -k`` collects."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from conformance.planning import RunSettings, load_run
from conformance.selection import Selection, SelectionError

FAKE_DW = Path(__file__).resolve().parent / "support" / "fake_dw.py"
ADAPTERS = ["canonical", f"cli={FAKE_DW}"]


def selects(expression: str, case_id: str, operation: str = "workflow.start") -> bool:
    selection = Selection.parse(expression)
    assert selection is not None
    return selection.selects(case_id.rpartition("::")[0], operation, case_id)


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("workflow-start", True),
        ("WORKFLOW-START", True),  # case-insensitive
        ("workflow-start or schedule", True),
        ("schedule or workflow-signal", False),
        ("workflow-start and cli", True),
        ("workflow-start and not cli", False),
        ("not scenario", True),
        ("not (signal or start)", False),
        ("(signal or start) and (cli or canonical)", True),
        ("workflow.start", True),  # the operation id
        ("not not start", True),
        ("*::cli", True),  # a glob, against a whole name
        ("*::canonical", False),
        ("start*", False),  # a glob matches whole names only
        ("workflow-start, signal", True),  # the comma form of earlier releases
        ("signal, workflow", True),
        ("workflow, not cli", False),
        ("workflow, not canonical", True),
        ("or-not", False),  # keywords are whole words
    ],
)
def test_expressions_select_as_pytest_would(expression: str, expected: bool) -> None:
    assert selects(expression, "workflow-start-parity.json::cli") is expected


def test_a_scenario_case_is_matched_on_its_file_name() -> None:
    case = "schedule-history-walk.scenario.yaml::cli"
    assert selects("scenario", case, "schedule.history")
    assert not selects("not scenario", case, "schedule.history")
    assert selects("schedule.history and cli", case, "schedule.history")


def test_a_blank_expression_selects_everything() -> None:
    assert Selection.parse("   ") is None
    assert Selection.parse(None) is None


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("a or", "at column 5: expected not or ( or a name; got end of input"),
        ("(a or b", "at column 8: expected ) or and or or; got end of input"),
        ("a b", 'at column 3: expected and or or; got "b"'),
        ("a and )", 'at column 7: expected not or ( or a name; got ")"'),
        ("a & b", 'at column 3: unexpected character "&"'),
        ("a, b &", 'at column 6: unexpected character "&"'),
        (",,", "at column 1: expected a name; got only commas"),
        ("and", 'at column 1: expected not or ( or a name; got "and"'),
    ],
)
def test_malformed_expressions_are_usage_errors(expression: str, message: str) -> None:
    with pytest.raises(SelectionError) as raised:
        Selection.parse(expression)
    assert str(raised.value) == f"-k {expression!r}: {message}"
    assert raised.value.exit_code == 2


def test_run_refuses_a_malformed_expression_with_exit_2(tmp_path: Path) -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "conformance", "run", "--adapter", "canonical", "-k", "signal or",
         "--report-dir", str(tmp_path / "reports")],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert completed.returncode == 2, completed.stderr
    assert "-k 'signal or': at column 10: expected not or ( or a name; got end of input" in completed.stderr
    assert not (tmp_path / "reports" / "result.json").exists()


def _pytest_collected(expression: str, cwd: Path) -> set[str]:
    """The case ids ``pytest --conformance -k EXPRESSION --collect-only`` selects on the shipped corpus."""
    command = [sys.executable, "-m", "pytest", "--conformance", "--collect-only", "-q"]
    command += ["-p", "no:cacheprovider"]
    for adapter in ADAPTERS:
        command += ["--conformance-adapter", adapter]
    command += ["--conformance-report-dir", str(cwd / "reports"), "-k", expression]
    completed = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=300, check=False)
    assert completed.returncode in (0, 5), completed.stdout + completed.stderr  # 5: nothing collected
    return {Path(line.strip()).name for line in completed.stdout.splitlines() if "::" in line}


EXPRESSIONS = [
    "workflow-list or schedule",
    "not scenario",
    "(signal or query) and cli",
    "workflow.start",
    "not (workflow or schedule) and canonical",
    "history and not walk",
]


def test_the_run_selects_what_pytest_collects(tmp_path: Path) -> None:
    settings = RunSettings(adapter_specs=ADAPTERS, report_dir=tmp_path / "reports")
    plans = load_run(settings).plans
    assert any(plan.scenario is not None for plan in plans)  # the scenarios take part
    for expression in EXPRESSIONS:
        selection = Selection.parse(expression)
        assert selection is not None
        ours = {
            plan.case_id
            for plan in plans
            if selection.selects(
                plan.scenario.name if plan.scenario is not None else plan.fixture.name,
                plan.fixture.operation,
                plan.case_id,
            )
        }
        assert ours, expression  # each expression selects something, so the comparison means something
        assert ours == _pytest_collected(expression, tmp_path), expression
