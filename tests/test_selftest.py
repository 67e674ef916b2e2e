"""The drift-detection self-test, end to end: real proxy, real SDK, the fake dw, and weakened judges."""

from __future__ import annotations

import copy
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from conformance import executor as executor_module
from conformance.checks import query as query_check
from conformance.cli import main
from conformance.diff import CaseVerdict
from conformance.findings import Difference
from conformance.mutation import MUTATION_KINDS
from conformance.runner import RunSettings, Session
from conformance.selftest import SelftestReport, render_report, run_selftest

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "fixtures" / "control-plane"
FAKE_DW = REPO / "tests" / "support" / "fake_dw.py"

pytest.importorskip("durable_workflow")


def _selftest(tmp_path: Path, *args: str) -> tuple[int, dict[str, Any]]:
    out = tmp_path / "selftest.json"
    code = main(["selftest", "--jobs", "2", "--json", str(out), *args])
    return code, json.loads(out.read_text(encoding="utf-8"))


def _report(adapters: list[str], fixtures: Path = CORPUS) -> SelftestReport:
    settings = RunSettings(fixtures_dirs=[fixtures], adapter_specs=adapters, jobs=2, write_har=False)
    with Session(settings) as session:
        return run_selftest(session, jobs=2)


def test_shipped_corpus_canonical_and_sdk_catches_every_mutant(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, document = _selftest(tmp_path, "--adapter", "canonical", "--adapter", "python-sdk")
    printed = capsys.readouterr().out
    total = document["counts"]["total"]
    assert code == 0, printed
    assert document["passed"] is True
    assert document["cases"] == 18
    assert document["false_alarms"] == [] and document["errors"] == []
    assert total["caught"] == total["run"] > 250
    assert total["missed"] == total["suspicious"] == 0
    # every kind of mutant is expressible somewhere in the shipped corpus, for these two adapters
    assert all(document["counts"][kind]["run"] > 0 for kind in MUTATION_KINDS), document["counts"]
    assert f"caught {total['run']} of {total['run']} mutants (100.0 %), 0 false alarm(s): PASS" in printed
    # mutants a fixture cannot express are counted apart, never as caught
    reasons = {(item["fixture"], item["kind"]) for item in document["not_applicable"]}
    assert ("workflow-cancel-parity.json", "query_value") in reasons
    assert ("workflow-cancel-parity.json", "envelope_decoded") in reasons


def test_envelope_and_subset_mutants_for_the_sdk(tmp_path: Path) -> None:
    _code, document = _selftest(tmp_path, "--adapter", "python-sdk", "-k", "workflow-start-parity.json")
    mutants = {(item["kind"], item["target"]): item for item in document["mutants"]}
    envelope = mutants[("envelope_decoded", "/body/input")]
    assert envelope["outcome"] == "caught"
    assert envelope["failures"] and all(f.startswith("/body/input") for f in envelope["failures"])
    assert mutants[("long_to_double", "/body/input/0/order_id")]["failures"] == [
        "/body/input/0/order_id (type_changed)"
    ]
    assert mutants[("body_key_removed", "/body/memo/source")]["outcome"] == "caught"
    # a subset expectation leaves top-level keys open: removing one is not applicable, not "caught"
    open_keys = {item["target"] for item in document["not_applicable"] if item["kind"] == "body_key_removed"}
    assert "/body/workflow_id" in open_keys and "/body/input" in open_keys
    assert ("body_key_removed", "/body/workflow_id") not in mutants


@pytest.mark.skipif(not FAKE_DW.exists(), reason="the fake dw is not there yet")
def test_shipped_corpus_with_the_fake_dw(tmp_path: Path) -> None:
    code, document = _selftest(tmp_path, "--adapter", f"cli={FAKE_DW}")
    total = document["counts"]["total"]
    assert code == 0, document["errors"]
    assert document["cases"] == 9
    assert total["caught"] == total["run"] > 100
    assert document["counts"]["query_value"]["run"] > 0


def _weakened(monkeypatch: pytest.MonkeyPatch, drop: Callable[[Difference], bool]) -> None:
    """Make the runner's judge forget some failures (a deliberately broken judge)."""
    real = executor_module.judge_request

    def judge(*args: Any, **kwargs: Any) -> CaseVerdict:
        verdict = real(*args, **kwargs)
        verdict.failures = [item for item in verdict.failures if not drop(item)]
        verdict.status = "fail" if verdict.failures else "pass"
        return verdict

    monkeypatch.setattr(executor_module, "judge_request", judge)


def test_a_judge_blind_to_types_makes_the_selftest_fail(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _weakened(monkeypatch, lambda difference: difference.kind == "type_changed")
    code, document = _selftest(tmp_path, "--adapter", "canonical", "--adapter", "python-sdk")
    printed = capsys.readouterr().out
    assert code == 1
    assert document["passed"] is False
    missed = {item["kind"] for item in document["mutants"] if item["outcome"] == "missed"}
    assert {"int_to_string", "long_to_double"} <= missed
    assert document["counts"]["long_to_double"]["caught"] == 0
    assert document["counts"]["method"]["missed"] == 0
    assert (
        "MISSED: int_to_string workflow-start-parity.json [python-sdk] /body/execution_timeout_seconds"
        in printed
    )
    assert printed.rstrip().endswith("FAIL")


def test_a_judge_that_ignores_the_query_misses_query_mutants(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(query_check, "compare_query", lambda query, request: [])
    report = _report(["canonical"])
    counts = report.counts()
    assert not report.passed
    assert counts["query_value"].missed == counts["query_value"].run > 0
    assert counts["query_removed"].caught == 0
    assert counts["body_value"].missed == 0


def test_a_failure_at_the_wrong_pointer_is_suspicious_not_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    real = executor_module.judge_request

    def misplacing(*args: Any, **kwargs: Any) -> CaseVerdict:
        verdict = real(*args, **kwargs)
        verdict.failures = [
            Difference("/method", item.kind, item.expected, item.actual)
            if item.pointer.startswith("/body")
            else item
            for item in verdict.failures
        ]
        return verdict

    monkeypatch.setattr(executor_module, "judge_request", misplacing)
    report = _report(["canonical"])
    counts = report.counts()
    assert not report.passed
    assert counts["body_value"].suspicious == counts["body_value"].run > 0
    assert counts["body_value"].caught == 0
    text = render_report(report)
    assert "SUSPICIOUS: body_value workflow-cancel-parity.json [canonical] /body/reason" in text
    assert "failed instead at /method (changed)" in text


def _drifted_corpus(tmp_path: Path) -> Path:
    """The shipped cancel fixture with expected bodies the SDK's args do not say, and storage-test."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    source = json.loads((CORPUS / "workflow-cancel-parity.json").read_text(encoding="utf-8"))
    drifted = copy.deepcopy(source)
    for projection in ("cli", "sdk_python"):  # the SDK's args still say "customer requested refund"
        drifted[projection]["expected_body"]["reason"] = "another reason"
    (corpus / "workflow-cancel-parity.json").write_text(json.dumps(drifted), encoding="utf-8")
    shutil.copy(CORPUS / "storage-test-parity.json", corpus)
    return corpus


@pytest.mark.parametrize("with_canonical", [True, False], ids=["canonical-case", "private-replay"])
def test_a_client_that_fails_a_self_consistent_fixture_already_differs_it_is_no_false_alarm(
    tmp_path: Path, with_canonical: bool
) -> None:
    """The canonical replay passes the fixture (its own pieces agree), the real client does not: the
    client differs, whether or not canonical is among the adapters (a private replay decides)."""
    adapters = ["canonical", "python-sdk"] if with_canonical else ["python-sdk"]
    report = _report(adapters, _drifted_corpus(tmp_path))
    assert report.false_alarms == []
    assert report.client_differences == [
        (
            "workflow-cancel-parity.json::python-sdk",
            ['/body/reason changed: expected "another reason", sent "customer requested refund"'],
        )
    ]
    assert report.passed  # the judge did its job; `run` is where the client is judged
    counts = report.counts()["total"]
    assert counts.missed == counts.suspicious == 0
    text = render_report(report)
    assert (
        "client already differs here: workflow-cancel-parity.json::python-sdk fails unmutated at "
        '/body/reason changed: expected "another reason", sent "customer requested refund"'
    ) in text
    assert "FALSE ALARM" not in text
    assert "1 client difference(s)" in text


def test_a_fixture_the_canonical_replay_fails_gives_a_false_alarm(monkeypatch: pytest.MonkeyPatch) -> None:
    """A judge that objects to every request's method: the fixture's own request fails, so every
    unmutated failure is the harness's, a false alarm, and none is a client difference."""
    real = executor_module.judge_request

    def objecting(*args: Any, **kwargs: Any) -> CaseVerdict:
        verdict = real(*args, **kwargs)
        verdict.failures = [*verdict.failures, Difference("/method", "changed", "GET", "POST")]
        verdict.status = "fail"
        return verdict

    monkeypatch.setattr(executor_module, "judge_request", objecting)
    report = _report(["canonical", "python-sdk"])
    assert report.client_differences == []
    assert len(report.false_alarms) == 18 and all(
        pointers[-1] == "/method" for _case, pointers in report.false_alarms
    )
    assert not report.passed
    assert "FALSE ALARM: workflow-cancel-parity.json::python-sdk fails unmutated at" in render_report(report)


def test_the_real_dw_repair_bug_is_a_client_difference_not_a_false_alarm(
    real_dw_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """On the CLI's own corpus the real dw sends [] for workflow:repair's {}: the client differs there,
    and the mutant that adds a key below that body is neither missed nor suspicious."""
    from support.real_clients import upstream_corpus

    code, document = _selftest(
        tmp_path,
        "--adapter",
        f"cli={real_dw_path}",
        "--fixtures",
        str(upstream_corpus()),
        "-k",
        "workflow-repair-parity.json",
    )
    printed = capsys.readouterr().out
    assert document["false_alarms"] == []
    assert document["client_differences"] == [
        {
            "case": "workflow-repair-parity.json::cli",
            "differences": ["/body type_changed: expected {}, sent []"],
        }
    ]
    added = [item for item in document["mutants"] if item["kind"] == "body_key_added"]
    assert [item["outcome"] for item in added] == ["client_differs"]
    assert document["counts"]["total"]["missed"] == document["counts"]["total"]["suspicious"] == 0
    assert "client already differs here: workflow-repair-parity.json::cli fails unmutated at /body" in printed
    assert "client already differs here: body_key_added workflow-repair-parity.json [cli]" in printed
    assert "FALSE ALARM" not in printed and "SUSPICIOUS" not in printed
    assert code == 0 and printed.rstrip().endswith("PASS")


def test_no_fixtures_selected_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["selftest", "--adapter", "canonical", "-k", "no-such-fixture"]) == 2
    assert "nothing to run" in capsys.readouterr().err
