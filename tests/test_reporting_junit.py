"""junit.xml: parsed back with xml.etree, counts and messages checked."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from conformance.reporting.junit import MAX_STREAM_CHARS, write_junit, xml_text
from conformance.result import rebuild_document, validate_result
from support.results import HOSTILE_TEXT, ResultBuilder, difference, sample_document


def _write(document: dict, tmp_path: Path) -> ET.Element:  # type: ignore[type-arg]
    assert validate_result(document) == []
    path = write_junit(document, tmp_path / "junit.xml")
    return ET.parse(path).getroot()


def nonconforming_sample() -> dict:  # type: ignore[type-arg]
    """The sample without its clean cli: the SDK's required failures now set the exit code."""
    document = sample_document()
    run = {key: value for key, value in document["run"].items() if key != "allow_input_problems"}
    return rebuild_document(
        document,
        run=run,  # its input problem gates here: one more <error>
        cases=[case for case in document["cases"] if case["adapter"] != "cli"],
        implementations=[impl for impl in document["implementations"] if impl["adapter"] != "cli"],
        parity=[],
    )


def test_one_testcase_per_fixture_and_adapter_with_right_counts(tmp_path: Path) -> None:
    document = nonconforming_sample()
    assert document["conformance"]["level"] == "nonconforming"
    root = _write(document, tmp_path)
    assert root.tag == "testsuites"
    cases = root.findall("./testsuite[@name!='input_problems']/testcase")
    assert len(cases) == len(document["cases"]) == 8
    assert {(c.get("classname"), c.get("name")) for c in cases} == {
        (case["adapter"], case["fixture"]) for case in document["cases"]
    }
    summary = document["summary"]
    problems = len(document["input_problems"])
    assert problems == 1  # the sample's one input problem is one more <error> test case
    assert root.get("tests") == str(summary["total"] + problems)
    assert root.get("failures") == str(summary["fail"])
    assert root.get("errors") == str(summary["error"] + problems)
    assert root.get("skipped") == str(summary["skipped"])
    for suite in root.findall("testsuite"):
        if suite.get("name") == "input_problems":
            (error,) = suite.findall("testcase/error")
            assert error.get("type") == "conformance.input_problem"
            assert error.text == document["input_problems"][0]
            continue
        counts = summary["by_adapter"][suite.get("name")]
        assert suite.get("tests") == str(sum(counts.values()))
        assert suite.get("failures") == str(counts["fail"])
        assert suite.get("errors") == str(counts["error"])
        assert suite.get("skipped") == str(counts["skipped"])
        assert len(suite.findall("testcase")) == sum(counts.values())


def test_in_a_partial_run_no_failure_gates_and_junit_counts_none(tmp_path: Path) -> None:
    """The cli passed every required case, so the level is partial (exit 0): the SDK's failures are skips."""
    document = sample_document()
    assert document["conformance"]["level"] == "partial"
    root = _write(document, tmp_path)
    summary = document["summary"]
    assert (root.get("failures"), root.get("errors")) == ("0", "0")
    problems = len(document["input_problems"])  # allowed in this run: skips that say so
    assert root.get("skipped") == str(summary["skipped"] + summary["fail"] + summary["error"] + problems)
    case = root.find("./testsuite/testcase[@classname='python-sdk'][@name='workflow-start-parity.json']")
    assert case is not None and case.find("failure") is None
    skipped = case.find("skipped")
    assert skipped is not None
    assert (skipped.get("message") or "").startswith("does not gate: the level is partial")
    assert "/body/input/0/order_id: expected 42, sent 43" in (skipped.text or "")  # the whole verdict kept
    properties = {p.get("name"): p.get("value") for p in case.iterfind("./properties/property")}
    assert properties["dw-conformance.gate"] == "not_gating"
    assert (properties["dw-conformance.gate.reason"] or "").startswith("the level is partial")


def test_failure_error_and_skipped_elements_carry_the_why(tmp_path: Path) -> None:
    document = sample_document()
    root = _write(nonconforming_sample(), tmp_path)

    def case(adapter: str, fixture: str) -> ET.Element:
        found = root.find(f"./testsuite/testcase[@classname='{adapter}'][@name='{fixture}']")
        assert found is not None
        return found

    failure = case("python-sdk", "workflow-start-parity.json").find("failure")
    assert failure is not None
    assert (failure.get("message") or "").startswith("/body/input/0/order_id: changed: expected 42, sent 43")
    assert "/body/input/0/order_id: expected 42, sent 43" in (failure.text or "")  # the rendered verdict
    assert "KeyError: 'run_id'" in (failure.text or "")  # the response-side diagnostic

    error = case("python-sdk", "workflow-query-parity.json").find("error")
    assert error is not None and "disagree on the operation's parameters" in (error.get("message") or "")

    skipped = case("python-sdk", "workflow-cancel-parity.json").find("skipped")
    assert skipped is not None and skipped.get("message") == "fixture has no 'sdk_python'"

    root = _write(document, tmp_path)
    passing = case("cli", "workflow-signal-parity.json")
    assert (
        passing.find("failure") is None and passing.find("error") is None and passing.find("skipped") is None
    )


def test_without_rendered_text_the_differences_are_listed(tmp_path: Path) -> None:
    builder = ResultBuilder()
    builder.case(
        "workflow-start-parity.json",
        "cli",
        "fail",
        differences=[
            difference("/body/memo", "missing", expected={"a": 1}),
            difference("/query/limit", "changed", expected="100", actual="10"),
        ],
    )
    failure = _write(builder.build(), tmp_path).find(".//failure")
    assert failure is not None
    assert '/body/memo: missing: expected {"a": 1}, not sent' in (failure.text or "")
    assert '/query/limit: changed: expected "100", sent "10"' in (failure.text or "")


def test_client_output_with_forbidden_characters_still_parses(tmp_path: Path) -> None:
    builder = ResultBuilder()
    case = builder.case("workflow-start-parity.json", "cli", "fail", reason="")
    case["client"]["stdout"] = HOSTILE_TEXT
    case["client"]["stderr"] = "x" * (MAX_STREAM_CHARS + 10)
    case["rendered"] = "verdict \x01\x02 with controls ]]> and </failure>"
    root = _write(builder.build(), tmp_path)  # ET.parse raises on invalid XML
    out = root.find(".//system-out")
    assert out is not None and out.text is not None
    assert "</script><script>window.__pwned=1</script>" in out.text  # kept as text, escaped on disk
    assert "\x00" not in out.text and "\x07" not in out.text and "\ud800" not in out.text
    err = root.find(".//system-err")
    assert err is not None and err.text is not None
    assert len(err.text) < MAX_STREAM_CHARS + 100 and "cut" in err.text
    failure = root.find(".//failure")
    assert failure is not None and failure.text == "verdict  with controls ]]> and </failure>"
    raw = (tmp_path / "junit.xml").read_text(encoding="utf-8")
    assert "<script>" not in raw


def test_xml_text_removes_exactly_the_forbidden_characters() -> None:
    assert xml_text("a\tb\nc\rd\x00\x08\x0b\x1f\ufffe\uffff\ud800é😀") == "a\tb\nc\rdé😀"


def test_empty_run_gives_an_empty_but_valid_file(tmp_path: Path) -> None:
    root = _write(ResultBuilder().build(), tmp_path)
    assert root.get("tests") == "0" and root.findall("testsuite") == []


def test_an_error_with_differences_is_headed_by_its_reason(tmp_path: Path) -> None:
    builder = ResultBuilder()
    builder.case(
        "workflow-start-parity.json",
        "cli",
        "error",
        reason="the client did not finish within the time limit and was stopped",
        differences=[difference("/body/memo", "missing", expected={})],
    )
    error = _write(builder.build(), tmp_path).find(".//error")
    assert error is not None
    assert error.get("message") == "the client did not finish within the time limit and was stopped"
    assert "/body/memo: missing" in (error.text or "")
