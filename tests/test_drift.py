"""``dw-conformance drift``: semantic comparison of two corpora."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from conformance.cli import main
from conformance.drift import (
    DriftUsageError,
    compare_corpora,
    fixture_differences,
    json_differences,
)

CORPUS = Path(__file__).resolve().parent.parent / "fixtures" / "control-plane"


def run_drift(a: Path, b: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str], str]:
    code = main(["drift", str(a), str(b)])  # usage errors become exit 2 in conformance.cli alone
    captured = capsys.readouterr()
    return code, captured.out.splitlines(), captured.err


def _reordered(value: Any) -> Any:
    """The same JSON with every object's keys reversed (argv excepted: its order means something)."""
    if isinstance(value, dict):
        return {key: (item if key == "argv" else _reordered(item)) for key, item in reversed(value.items())}
    if isinstance(value, list):
        return [_reordered(item) for item in value]
    return value


@pytest.fixture
def side_a(tmp_path: Path) -> Path:
    target = tmp_path / "cli-repo"
    shutil.copytree(CORPUS, target)
    return target


@pytest.fixture
def side_b(tmp_path: Path) -> Path:
    """The corpus re-serialised: other indentation, other key order, same meaning."""
    target = tmp_path / "python-repo"
    target.mkdir()
    for path in CORPUS.glob("*.json"):
        document = json.loads(path.read_text(encoding="utf-8"))
        (target / path.name).write_text(json.dumps(_reordered(document), indent=4, sort_keys=False) + "\n\n")
    return target


def _edit(path: Path, change: Any) -> None:
    document = json.loads(path.read_text(encoding="utf-8"))
    change(document)
    path.write_text(json.dumps(document, indent=2), encoding="utf-8")


def test_corpora_that_agree_despite_formatting_and_key_order(
    side_a: Path, side_b: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (side_a / "workflow-start-parity.json").read_bytes() != (
        side_b / "workflow-start-parity.json"
    ).read_bytes()
    code, out, err = run_drift(side_a, side_b, capsys)
    assert code == 0, out
    assert out[-1] == "no drift: 9 file(s) agree"
    assert err == ""


def test_one_nested_value_differs(side_a: Path, side_b: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _edit(
        side_b / "workflow-start-parity.json",
        lambda d: d["sdk_python"]["kwargs"]["search_attributes"].update(Tier="silver"),
    )
    code, out, _ = run_drift(side_a, side_b, capsys)
    assert code == 1
    assert out[2:] == [
        'workflow-start-parity.json: /sdk_python/kwargs/search_attributes/Tier: A has "gold"; B has "silver"',
        "drift: 1 difference(s) in 1 of 9 compared file(s); 0 only in A, 0 only in B; 0 unreadable",
    ]


def test_file_sets_differ(side_a: Path, side_b: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (side_a / "storage-test-parity.json").unlink()
    (side_a / "extra-parity.json").write_text("{}")
    code, out, _ = run_drift(side_a, side_b, capsys)
    assert code == 1
    assert "extra-parity.json: only in A" in out
    assert "storage-test-parity.json: only in B" in out
    assert (
        out[-1] == "drift: 0 difference(s) in 0 of 8 compared file(s); 1 only in A, 1 only in B; 0 unreadable"
    )


def test_swapped_positional_arguments_are_drift(side_a: Path, side_b: Path) -> None:
    def swap(document: dict[str, Any]) -> None:
        argv = document["cli"]["argv"]
        document["cli"]["argv"] = {"signal-name": argv.pop("signal-name"), **argv}

    _edit(side_b / "workflow-signal-parity.json", swap)
    report = compare_corpora(side_a, side_b)
    (drift,) = report.changed
    (difference,) = drift.differences
    assert difference.pointer == "/cli/argv"
    assert difference.expected == ["workflow-id", "signal-name"]
    assert difference.actual == ["signal-name", "workflow-id"]
    assert "positional" in difference.message


def test_reordered_options_are_not_drift(side_a: Path, side_b: Path) -> None:
    _edit(
        side_b / "workflow-start-parity.json",
        lambda d: d["cli"].update(argv=dict(reversed(list(d["cli"]["argv"].items())))),
    )
    assert compare_corpora(side_a, side_b).agrees


def test_list_order_is_drift() -> None:
    differences = json_differences({"a": ["x", "y"]}, {"a": ["y", "x"]})
    assert [(d.pointer, d.kind) for d in differences] == [("/a/0", "changed"), ("/a/1", "changed")]


def test_types_are_strict() -> None:
    pairs = [(300, 300.0), (1, True), (300, "300"), (None, 0), ({}, []), ([], "")]
    for left, right in pairs:
        (difference,) = json_differences(left, right)
        assert difference.kind == "type_changed", (left, right)
    assert json_differences({"a": 1.5}, {"a": 1.5}) == []


def test_missing_and_unexpected_keys_and_items() -> None:
    differences = json_differences({"a": 1, "l": [1, 2, 3]}, {"b": 2, "l": [1]})
    assert [(d.pointer, d.kind) for d in differences] == [
        ("/a", "missing"),
        ("/b", "unexpected"),
        ("/l/1", "missing"),
        ("/l/2", "missing"),
    ]


def test_pointers_are_escaped_and_sorted_numerically() -> None:
    left = {"a/b": {"~": 1}, "items": list(range(12))}
    right = {"a/b": {"~": 2}, "items": [*range(9), 0, 0, 0]}
    pointers = [d.pointer for d in json_differences(left, right)]
    assert pointers == ["/a~1b/~0", "/items/9", "/items/10", "/items/11"]


def test_very_deep_documents_do_not_hit_the_recursion_limit() -> None:
    left: Any = 1
    right: Any = 2
    for _ in range(5000):
        left, right = {"n": left}, {"n": right}
    (difference,) = json_differences(left, right)
    assert difference.pointer == "/n" * 5000


def test_fixture_differences_ignore_argv_of_known_keys() -> None:
    a = {"request": {"argv": {"x": "1", "y": "2"}}}
    b = {"request": {"argv": {"y": "2", "x": "1"}}}
    assert fixture_differences(a, b) == []


def test_an_unreadable_file_is_reported_not_raised(
    side_a: Path, side_b: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (side_b / "workflow-query-parity.json").write_text("{not json")
    code, out, err = run_drift(side_a, side_b, capsys)
    assert code == 1
    assert "Traceback" not in "\n".join(out) + err
    assert any(
        line.startswith(f"{side_b / 'workflow-query-parity.json'}: (file): expected valid JSON")
        for line in out
    )
    assert out[-1].endswith("1 unreadable")


def test_two_single_files(side_a: Path, side_b: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, _ = run_drift(
        side_a / "workflow-start-parity.json", side_b / "workflow-start-parity.json", capsys
    )
    assert code == 0
    code, out, _ = run_drift(
        side_a / "workflow-start-parity.json", side_a / "workflow-cancel-parity.json", capsys
    )
    assert code == 1
    assert any('/operation: A has "workflow.start"; B has "workflow.cancel"' in line for line in out)


def test_one_empty_side_is_drift_of_every_file(side_a: Path, tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    report = compare_corpora(side_a, empty)
    assert len(report.only_a) == 9 and not report.agrees


@pytest.mark.parametrize("case", ["missing", "both-empty", "file-vs-directory"])
def test_usage_errors(case: str, side_a: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    other = tmp_path / "other"
    other.mkdir()
    a, b = {
        "missing": (side_a, tmp_path / "absent"),
        "both-empty": (empty, other),
        "file-vs-directory": (side_a / "workflow-start-parity.json", side_a),
    }[case]
    with pytest.raises(DriftUsageError):
        compare_corpora(a, b)
    code, out, err = run_drift(a, b, capsys)
    assert code == 2 and out == []
    assert err.startswith("dw-conformance drift: ")


def test_through_the_real_command_line(side_a: Path, side_b: Path) -> None:
    agree = subprocess.run(
        [sys.executable, "-m", "conformance", "drift", str(side_a), str(side_b)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert agree.returncode == 0, agree.stderr
    (side_b / "workflow-cancel-parity.json").unlink()
    drift = subprocess.run(
        [sys.executable, "-m", "conformance", "drift", str(side_a), str(side_b)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert drift.returncode == 1
    assert "workflow-cancel-parity.json: only in A" in drift.stdout
