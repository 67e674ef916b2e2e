"""Known failures (``--known-failures``): the file, the outcomes, the level, the reports, the command."""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from conformance.known_failures import (
    PLACEHOLDER_REASON,
    KnownFailures,
    covers,
    failure_points,
    file_text_from_document,
    load_known_failures,
    parse_known_failures,
    placeholder_problems,
)
from conformance.problems import InputError
from conformance.reporting import write_reports
from conformance.reporting.console import closing_sections, summary_table
from conformance.result import exit_code_for, rebuild_document, validate_result
from support.results import ResultBuilder, difference

REPAIR = "workflow-start-parity.json::cli"


def _file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "known.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _known(*entries: dict[str, Any], strict: bool = False) -> dict[str, Any]:
    return KnownFailures("known.yaml", (), strict).to_json() | {"entries": list(entries)}


def _run(cli_status: str = "fail", **case_fields: Any) -> ResultBuilder:
    """canonical passes, cli has one case in ``cli_status`` and one passing case."""
    builder = ResultBuilder()
    builder.case("workflow-start-parity.json", "canonical")
    builder.case("workflow-start-parity.json", "cli", cli_status, **case_fields)
    builder.case("workflow-signal-parity.json", "cli")
    return builder


def _with(builder: ResultBuilder, known: dict[str, Any] | None) -> dict[str, Any]:
    document = rebuild_document(builder.build(), known_failures=known)
    assert validate_result(document) == [], validate_result(document)
    return document


# ------------------------------------------------------------------ the file
def test_a_valid_file_loads_with_pointers(tmp_path: Path) -> None:
    path = _file(
        tmp_path,
        "known_failures:\n"
        "  - case: workflow-repair-parity.json::cli\n"
        "    reason: PHP encodes an empty array as a list\n"
        "    pointers: [/body, 'response:/output/id']\n"
        "  - case: a.json::python-sdk@head\n"
        "    reason: not released yet\n",
    )
    known = load_known_failures(path, strict=True)
    assert [entry.case for entry in known.entries] == [
        "workflow-repair-parity.json::cli",
        "a.json::python-sdk@head",
    ]
    assert known.entries[0].pointers == ("/body", "response:/output/id")
    assert known.entries[1].pointers == ()
    assert known.strict


@pytest.mark.parametrize(
    ("text", "pointer", "expected"),
    [
        (
            "known_failures:\n  - case: nocolons\n    reason: x\n",
            "/known_failures/0/case",
            "<fixture file>::<adapter>",
        ),
        ("known_failures:\n  - case: a.json::cli\n", "/known_failures/0/reason", "non-empty explanation"),
        (
            "known_failures:\n  - case: a.json::cli\n    reason: x\n    pointers: [body]\n",
            "/known_failures/0/pointers/0",
            "JSON pointer",
        ),
        (
            "known_failures:\n  - case: a.json::cli\n    reason: x\n    why: y\n",
            "/known_failures/0/why",
            "only case",
        ),
        (
            "known_failures:\n  - {case: a.json::cli, reason: x}\n  - {case: a.json::cli, reason: y}\n",
            "/known_failures/1/case",
            "each case listed once",
        ),
        ("failures: []\n", "/failures", "only known_failures"),
    ],
)
def test_a_bad_file_names_file_and_pointer(tmp_path: Path, text: str, pointer: str, expected: str) -> None:
    path = _file(tmp_path, text)
    with pytest.raises(InputError) as caught:
        load_known_failures(path)
    message = str(caught.value)
    assert f"{path}: {pointer}: expected" in message and expected in message, message


def test_a_listed_pointer_covers_what_is_below_it() -> None:
    assert covers("/body", "/body") and covers("/body", "/body/input/0")
    assert not covers("/body", "/bodyx") and not covers("/body/a", "/body")
    assert covers("response:/output", "response:/output/id") and not covers("/output", "response:/output")
    case = {
        "differences": [difference("/body/x"), difference("/query/a", severity="diagnostic")],
        "response": {"status": "fail", "differences": [difference("/id")], "refusal": "no"},
    }
    assert failure_points(case) == ["/body/x", "response:/id", "response:refusal"]


# ------------------------------------------------------------------ outcomes and the level
def test_without_a_file_the_failure_is_nonconforming() -> None:
    document = _with(_run(), None)
    assert document["conformance"]["level"] == "nonconforming" and "known_failures" not in document
    assert "known_failures" not in document["summary"]


def test_a_known_failure_failing_as_listed_is_excused() -> None:
    document = _with(_run(), _known({"case": REPAIR, "reason": "bug 1", "pointers": ["/body"]}))
    case = next(c for c in document["cases"] if c["id"] == REPAIR)
    assert case["status"] == "fail"  # the truth about the client stays
    assert case["known_failure"] == {"reason": "bug 1", "pointers": ["/body"], "outcome": "known"}
    assert document["conformance"]["level"] == "full" and exit_code_for(document) == 0
    assert "1 known failure excused" in document["conformance"]["explanation"]
    assert document["summary"]["known_failures"] == 1 and document["summary"]["fail"] == 1


def test_a_known_case_failing_at_another_pointer_counts() -> None:
    builder = _run(differences=[difference("/body/workflow_id"), difference("/path")])
    document = _with(builder, _known({"case": REPAIR, "reason": "bug 1", "pointers": ["/body"]}))
    case = next(c for c in document["cases"] if c["id"] == REPAIR)
    assert case["known_failure"]["outcome"] == "other_pointers"
    assert case["known_failure"]["unexpected_pointers"] == ["/path"]
    assert document["conformance"]["level"] == "nonconforming" and exit_code_for(document) == 1
    assert REPAIR in closing_sections(document).split("known failures")[0]  # listed with the failures


def test_an_entry_without_pointers_excuses_any_failure() -> None:
    document = _with(
        _run(differences=[difference("/path")]), _known({"case": REPAIR, "reason": "x", "pointers": []})
    )
    assert document["conformance"]["level"] == "full"


def test_a_listed_case_that_errors_counts() -> None:
    document = _with(_run("error"), _known({"case": REPAIR, "reason": "x", "pointers": []}))
    assert next(c for c in document["cases"] if c["id"] == REPAIR)["known_failure"]["outcome"] == "error"
    assert document["conformance"]["level"] == "nonconforming"


def test_a_fixed_case_is_reported_and_strict_fails_the_gate() -> None:
    entry = {"case": REPAIR, "reason": "bug 1", "pointers": ["/body"]}
    lenient = _with(_run("pass"), _known(entry))
    assert lenient["conformance"]["level"] == "full" and lenient["summary"]["fixed"] == 1
    assert "now passing" in lenient["conformance"]["explanation"]
    strict = _with(_run("pass"), _known(entry, strict=True))
    assert strict["conformance"]["level"] == "nonconforming" and exit_code_for(strict) == 1
    assert "--strict-known-failures" in strict["conformance"]["explanation"]
    assert "FIXED  " + REPAIR in closing_sections(strict)


def test_listed_cases_absent_from_the_run_are_named_and_harmless() -> None:
    known = _known(
        {"case": REPAIR, "reason": "x", "pointers": []},
        {"case": "gone.json::cli", "reason": "y", "pointers": []},
    )
    document = _with(_run(), known)
    assert document["known_failures"]["not_in_run"] == ["gone.json::cli"]
    assert document["conformance"]["level"] == "full"


def test_a_tampered_annotation_is_caught_by_validation() -> None:
    document = _with(_run(), _known({"case": REPAIR, "reason": "x", "pointers": ["/path"]}))
    case = next(c for c in document["cases"] if c["id"] == REPAIR)
    assert case["known_failure"]["outcome"] == "other_pointers"
    case["known_failure"]["outcome"] = "known"
    assert any("known_failure: does not follow" in problem for problem in validate_result(document))


# ------------------------------------------------------------------ reports
def test_every_report_shows_the_known_failure(tmp_path: Path) -> None:
    document = _with(_run(), _known({"case": REPAIR, "reason": "bug <1>", "pointers": ["/body"]}))
    paths = write_reports(document, tmp_path)
    markdown = paths["markdown"].read_text(encoding="utf-8")
    assert "### Known failures" in markdown and "🔶 known failure" in markdown
    assert "### Gating failures" not in markdown  # nothing that counts failed
    assert "does not gate: known failure, listed with the reason: bug &#60;1&#62;" in markdown
    assert "bug &#60;1&#62;" in markdown
    html = paths["html"].read_text(encoding="utf-8")
    assert 'id="known-failures"' in html and 'class="cell status-known_failure"' in html
    assert "bug &lt;1&gt;" in html
    suite = ET.parse(paths["junit"]).getroot().find("testsuite[@name='cli']")
    assert suite is not None and suite.get("failures") == "0" and suite.get("skipped") == "1"
    skipped = suite.find("testcase[@name='workflow-start-parity.json']/skipped")
    assert skipped is not None and skipped.get("message") == "known failure: bug <1>"
    assert "KNOWN" in summary_table(document)
    saved = json.loads(paths["json"].read_text(encoding="utf-8"))
    assert validate_result(saved) == [] and saved["known_failures"]["source"] == "known.yaml"


def test_junit_marks_a_fixed_case_as_failure_only_when_strict(tmp_path: Path) -> None:
    entry = {"case": REPAIR, "reason": "bug 1", "pointers": ["/body"]}
    for strict, failures in ((False, "0"), (True, "1")):
        paths = write_reports(_with(_run("pass"), _known(entry, strict=strict)), tmp_path / str(strict))
        suite = ET.parse(paths["junit"]).getroot().find("testsuite[@name='cli']")
        assert suite is not None and suite.get("failures") == failures
        testcase = suite.find("testcase[@name='workflow-start-parity.json']")
        assert testcase is not None
        assert (testcase.find("failure") is not None) is strict
        assert "remove it from the known-failures file" in (testcase.findtext("system-out") or "")


# ------------------------------------------------------------------ the command
def test_known_failures_from_a_result_writes_a_file_that_excuses_the_run(tmp_path: Path) -> None:
    builder = _run(differences=[difference("/body/workflow_id"), difference("/path")])
    builder.case("workflow-cancel-parity.json", "cli", "error")
    result = tmp_path / "result.json"
    result.write_text(json.dumps(builder.build()), encoding="utf-8")
    output = tmp_path / "known.yaml"
    done = subprocess.run(
        [sys.executable, "-m", "conformance", "known-failures", "--from", str(result), "-o", str(output)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "workflow-cancel-parity.json::cli" in done.stderr  # errors are named, not listed
    assert "1 new case(s) carry a TODO reason" in done.stderr
    known = load_known_failures(output)
    # the reason is a placeholder a reviewer must replace, and the file says where
    assert known.entries[0].reason == PLACEHOLDER_REASON
    assert [(p.pointer, p.file) for p in placeholder_problems(known)] == [
        ("/known_failures/0/reason", str(output))
    ]
    assert [(e.case, e.pointers) for e in known.entries] == [(REPAIR, ("/body/workflow_id", "/path"))]
    document = rebuild_document(builder.build(), known_failures=known)
    case = next(c for c in document["cases"] if c["id"] == REPAIR)
    assert case["known_failure"]["outcome"] == "known"
    assert document["conformance"]["level"] == "nonconforming"  # the error still counts


def test_known_failures_refuses_a_file_that_is_not_a_result(tmp_path: Path) -> None:
    bad = tmp_path / "result.json"
    bad.write_text('{"schema": "something else"}', encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "conformance", "known-failures", "--from", str(bad)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2 and f"{bad}: /schema: expected" in done.stderr


def test_the_written_text_parses_back() -> None:
    document = _run().build()
    text = file_text_from_document(document, reason='quote " and: colon')
    import yaml

    known = parse_known_failures(yaml.safe_load(text), "x")
    assert known.entries[0].reason == 'quote " and: colon'


def test_a_written_reason_is_not_a_placeholder() -> None:
    known = parse_known_failures(
        {"known_failures": [{"case": REPAIR, "reason": "PHP encodes {} as [] (cli#12)"}]}, "k.yaml"
    )
    assert placeholder_problems(known) == []
    todo = parse_known_failures({"known_failures": [{"case": REPAIR, "reason": "todo later"}]}, "k.yaml")
    assert [problem.render() for problem in placeholder_problems(todo)] == [
        f"k.yaml: /known_failures/0/reason: expected why {REPAIR} fails and the issue that tracks it; "
        "found the placeholder 'todo later'"
    ]
