"""What gates (conformance.gating), and every report saying the same thing about it."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from conformance.annotations import github_annotations
from conformance.gating import RunGates, case_gate, gate_headline, run_gates
from conformance.reporting import write_reports
from conformance.reporting.console import closing_sections
from conformance.result import PROVISIONAL_SCENARIO_CATEGORY, exit_code_for, rebuild_document
from support.results import ResultBuilder, difference

REPAIR = "workflow-start-parity.json"
SCENARIO = "rate-limited-429.scenario.yaml"
POLICY_REASON = "the SDK names each poll with a fresh poll_request_id"


def _gates(document: dict[str, Any]) -> dict[str, tuple[str, str]]:
    run = RunGates.of(document)
    return {case["id"]: (case_gate(case, run).kind, case_gate(case, run).why) for case in document["cases"]}


def _cli_run(*, known: bool = False) -> dict[str, Any]:
    """The CLI job of docs/ci.md in miniature: a required failure and a provisional scenario failure."""
    builder = ResultBuilder()
    builder.case(REPAIR, "cli", "fail", differences=[difference("/body", expected={}, actual=[])])
    builder.case(
        SCENARIO,
        "cli",
        "fail",
        category=PROVISIONAL_SCENARIO_CATEGORY,
        differences=[difference("/outcome", "outcome", expected="failed", actual="completed")],
    )
    builder.case("workflow-signal-parity.json", "cli")
    builder.case("workflow-cancel-parity.json", "cli", "skipped", reason="fixture has no 'cli'")
    document = builder.build()
    if known:
        section = {
            "source": "docs/recipes/cli-known-failures.yaml",
            "strict": False,
            "entries": [{"case": f"{REPAIR}::cli", "reason": "PHP encodes {} as []", "pointers": ["/body"]}],
        }
        document = rebuild_document(document, known_failures=section)
    return document


def test_a_required_failure_gates_and_a_provisional_one_does_not() -> None:
    document = _cli_run()
    assert document["conformance"]["level"] == "nonconforming"
    assert _gates(document) == {
        f"{REPAIR}::cli": ("gating", "required"),
        f"{SCENARIO}::cli": ("not_gating", "provisional"),
        "workflow-signal-parity.json::cli": ("pass", "pass"),
        "workflow-cancel-parity.json::cli": ("skipped", "skipped"),
    }
    assert gate_headline(document) == ("1 failure sets the exit code, 1 failure does not gate, 1 skipped")


def test_a_known_failure_does_not_gate_and_says_its_reason() -> None:
    document = _cli_run(known=True)
    assert exit_code_for(document) == 0
    gate = case_gate(document["cases"][0], RunGates.of(document))
    assert (gate.kind, gate.why) == ("not_gating", "known_failure")
    assert "PHP encodes {} as []" in gate.reason


def test_self_checks_partial_levels_and_policy_exceptions_do_not_gate() -> None:
    builder = ResultBuilder()
    builder.case(REPAIR, "canonical", "fail")
    builder.case(REPAIR, "cli", "fail")
    builder.case(REPAIR, "python-sdk")
    builder.case(
        "workflow-signal-parity.json",
        "python-sdk",
        diagnostics=[
            difference(
                "/body/poll_request_id",
                "unexpected",
                actual="wf-poll-1",
                severity="diagnostic",
                message=f"extra field (policy: {POLICY_REASON})",  # a judged message, then the policy's
            )
        ],
    )
    document = builder.build()
    assert document["conformance"]["level"] == "partial" and exit_code_for(document) == 0
    gates = _gates(document)
    assert gates[f"{REPAIR}::canonical"] == ("not_gating", "self_check")
    assert gates[f"{REPAIR}::cli"] == ("not_gating", "partial")
    assert gates["workflow-signal-parity.json::python-sdk"] == ("not_gating", "policy")
    signal = document["cases"][-1]
    assert case_gate(signal, RunGates.of(document)).reason == f"waived by policy: {POLICY_REASON}"
    assert not run_gates(document)["gating"]


def test_a_fixed_known_failure_gates_only_under_strict() -> None:
    builder = ResultBuilder()
    builder.case(REPAIR, "cli")
    entry = {"case": f"{REPAIR}::cli", "reason": "bug", "pointers": []}
    lenient = rebuild_document(
        builder.build(), known_failures={"source": "k", "strict": False, "entries": [entry]}
    )
    strict = rebuild_document(
        builder.build(), known_failures={"source": "k", "strict": True, "entries": [entry]}
    )
    assert _gates(lenient)[f"{REPAIR}::cli"] == ("pass", "pass")
    assert _gates(strict)[f"{REPAIR}::cli"] == ("gating", "strict_fixed")


def _reports(document: dict[str, Any], tmp_path: Path) -> tuple[str, str, ET.Element, str]:
    paths = write_reports(document, tmp_path)
    return (
        closing_sections(document),
        paths["markdown"].read_text(encoding="utf-8"),
        ET.parse(paths["junit"]).getroot(),
        paths["html"].read_text(encoding="utf-8"),
    )


def test_every_report_separates_the_gating_failure_from_the_provisional_one(tmp_path: Path) -> None:
    document = _cli_run()
    console, markdown, junit, html = _reports(document, tmp_path)

    gating = console.split("gating failures (1; these set the exit code):", 1)[1].split("\n\n", 1)[0]
    assert f"{REPAIR}::cli" in gating and SCENARIO not in gating
    not_gating = console.split("failures that do not gate (1;", 1)[1].split("\n\n", 1)[0]
    assert (
        f"{SCENARIO}::cli" in not_gating
        and "does not gate: category scenario_provisional is provisional" in not_gating
    )
    assert "skip   workflow-cancel-parity.json::cli: fixture has no 'cli'" in console

    assert "**Gate: exit 1.** 1 failure sets the exit code" in markdown
    gating_md = markdown.split("### Gating failures (these set the exit code)", 1)[1].split("###", 1)[0]
    assert REPAIR in gating_md and SCENARIO not in gating_md
    assert SCENARIO in markdown.split("### Failures that do not gate", 1)[1].split("###", 1)[0]
    assert "### Skipped" in markdown

    assert (junit.get("failures"), junit.get("errors"), junit.get("skipped")) == ("1", "0", "2")
    scenario = junit.find(f".//testcase[@name='{SCENARIO}']")
    assert scenario is not None and scenario.find("failure") is None
    skipped = scenario.find("skipped")
    assert skipped is not None and (skipped.get("message") or "").startswith("does not gate: category")
    assert junit.find(f".//testcase[@name='{REPAIR}']/failure") is not None

    assert '<p id="gate"><strong>Gate: exit 1.</strong>' in html
    assert 'id="not-passing"' in html and 'id="not-gating"' in html and 'id="skipped"' in html
    assert html.count('data-gate="gating"') == 1 and html.count('data-gate="not_gating"') == 1

    kinds = [line.split(" ", 1)[0] for line in github_annotations(document, root=Path.cwd())]
    assert kinds == ["::error", "::warning"]


def test_with_the_known_failure_listed_it_is_green_and_the_failure_visible_everywhere(tmp_path: Path) -> None:
    document = _cli_run(known=True)
    assert exit_code_for(document) == 0
    console, markdown, junit, html = _reports(document, tmp_path)
    assert "gating failures" not in console
    assert "does not gate: known failure, listed with the reason: PHP encodes {} as []" in console
    assert "**Gate: exit 0.** 0 failures set the exit code" in markdown and "🔶 known failure" in markdown
    assert (junit.get("failures"), junit.get("errors")) == ("0", "0")
    repair = junit.find(f".//testcase[@name='{REPAIR}']/skipped")
    assert repair is not None and (repair.get("message") or "").startswith("known failure: PHP encodes")
    assert 'id="known-failures"' in html and "Gate: exit 0." in html
    kinds = [line.split(" ", 1)[0] for line in github_annotations(document, root=Path.cwd())]
    assert kinds == ["::notice", "::warning"]


def test_policy_exceptions_are_visible_in_console_markdown_and_junit(tmp_path: Path) -> None:
    builder = ResultBuilder(policy=".github/conformance-policy.yaml")
    builder.case(
        "workflow-signal-parity.json",
        "python-sdk",
        diagnostics=[
            difference(
                "/body/poll_request_id",
                "unexpected",
                actual="wf-poll-1",
                severity="diagnostic",
                message=f"policy: {POLICY_REASON}",
            )
        ],
    )
    document = builder.build()
    assert document["conformance"]["level"] == "full"
    console, markdown, junit, html = _reports(document, tmp_path)
    assert (
        "declared policy exceptions (1; passed because .github/conformance-policy.yaml declares them)"
        in console
    )
    assert "POLICY workflow-signal-parity.json::python-sdk: /body/poll_request_id" in console
    assert "### Declared policy exceptions" in markdown and "<code>/body/poll_request_id</code>" in markdown
    assert "1 waived by policy" in markdown
    properties = {p.get("name"): p.get("value") for p in junit.iter("property")}
    assert properties["dw-conformance.policy"] == POLICY_REASON
    assert 'id="policy-exceptions"' in html
    notices = github_annotations(document, root=Path.cwd())
    assert len(notices) == 1 and notices[0].startswith("::notice ")


def test_annotation_files_are_repository_relative_or_absent(tmp_path: Path) -> None:
    builder = ResultBuilder()
    builder.case(REPAIR, "cli", "fail", fixture_path=str(tmp_path / "repo" / "tests" / REPAIR))
    builder.case("workflow-signal-parity.json", "cli", "fail", fixture_path="/elsewhere/site-packages/x.json")
    lines = github_annotations(builder.build(), root=tmp_path / "repo")
    assert lines[0].startswith(f"::error file=tests/{REPAIR},title=")
    assert lines[1].startswith("::error title=workflow-signal-parity.json%3A%3Acli::")


def test_input_problems_that_set_the_exit_code_are_named_first() -> None:
    """A corpus file that could not be used gates by itself; allowed, it does not."""
    builder = ResultBuilder()
    builder.case(REPAIR, "cli")
    builder.case(REPAIR, "python-sdk", "fail", differences=[difference("/body", expected={}, actual=[])])
    builder.input_problems.append("fixtures/broken-parity.json: /version: expected 1; found 7")
    document = builder.build()
    assert document["conformance"]["level"] == "incomplete" and exit_code_for(document) == 1
    assert gate_headline(document).startswith("1 input problem sets the exit code, 0 failures set")
    sdk = next(case for case in document["cases"] if case["adapter"] == "python-sdk")
    gate = case_gate(sdk, RunGates.of(document))
    assert (gate.kind, gate.why) == ("not_gating", "incomplete") and "input problems" in gate.reason

    allowed = rebuild_document(document, run={**document["run"], "allow_input_problems": True})
    assert allowed["conformance"]["level"] == "partial" and exit_code_for(allowed) == 0
    assert gate_headline(allowed).startswith("0 failures set the exit code, 1 failure does not gate")
