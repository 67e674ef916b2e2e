"""The long fuzz runs (``pytest -m slow``, ``tox -e conformance-fuzz``): 200 variants per shipped fixture
through the real Python SDK, differential against the canonical replay, and the fake dw.

Findings in a client are results, not failures of these tests: each one must be
saved as a valid fixture (name included) that reproduces it, and must involve the
client (a finding of the canonical replay alone would be a harness bug). The
summary is printed (``pytest -s`` shows it) and written to the test's
temporary directory.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conformance.fixture import load_fixture
from conformance.fuzz import Finding, Fuzzer, FuzzReport, FuzzSettings, render_report
from conformance.runner import CasePlan, RunSettings, Session
from conformance.validate import validate_document

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "fixtures" / "control-plane"
SHIPPED = sorted(CORPUS.glob("*.json"))
FAKE_DW = REPO / "tests" / "support" / "fake_dw.py"
SEED = 20261123


def _fuzz(adapters: list[str], fixture: Path, tmp_path: Path, examples: int) -> tuple[Session, FuzzReport]:
    settings = RunSettings(
        fixtures_dirs=[CORPUS],
        adapter_specs=adapters,
        jobs=2,
        write_har=False,
        select=fixture.name,
        timeout=30,
    )
    session = Session(settings)
    session.prepare()
    session.start()
    fuzzer = Fuzzer(
        session,
        FuzzSettings(
            max_examples=examples, seed=SEED, report_dir=tmp_path, differential=True, max_findings=40, jobs=2
        ),
    )
    report = fuzzer.run()
    text = render_report(report)
    print(text)
    (tmp_path / "fuzz-summary.txt").write_text(text + "\n", encoding="utf-8")
    return session, report


def _check_finding(session: Session, finding: Finding, client: str) -> None:
    assert all(client in item for item in finding.signature), finding.signature
    assert finding.path is not None
    document = json.loads(finding.path.read_text(encoding="utf-8"))
    assert [p.render() for p in validate_document(document, finding.path)] == []  # the name too
    assert (finding.path.parent / "README.md").is_file()
    if not finding.replayable or finding.flaky:
        return
    if all(item.startswith("differential ") for item in finding.signature):
        return  # the clients differ from each other where the fixture is silent: no verdict fails
    saved = load_fixture(finding.path)
    by_label = {slot.label: slot for slot in session.slots}
    assert session.run_case(CasePlan(saved, by_label[client])).status in ("fail", "error")
    assert session.run_case(CasePlan(saved, by_label["canonical"])).status in ("pass", "skipped")


@pytest.mark.parametrize("fixture", SHIPPED, ids=lambda path: path.name)
def test_two_hundred_variants_through_the_real_sdk(fixture: Path, tmp_path: Path) -> None:
    pytest.importorskip("durable_workflow")
    session, report = _fuzz(["canonical", "python-sdk"], fixture, tmp_path, 200)
    try:
        (result,) = report.results
        assert result.examples >= 200
        assert result.statuses["canonical error"] == 0
        for finding in result.findings:
            _check_finding(session, finding, "python-sdk")
    finally:
        session.close()


@pytest.mark.skipif(not FAKE_DW.exists(), reason="the fake dw is not there yet")
@pytest.mark.parametrize("fixture", SHIPPED, ids=lambda path: path.name)
def test_variants_through_the_fake_dw(fixture: Path, tmp_path: Path) -> None:
    session, report = _fuzz(["canonical", f"cli={FAKE_DW}"], fixture, tmp_path, 25)
    try:
        (result,) = report.results
        assert result.examples >= 25
        for finding in result.findings:
            _check_finding(session, finding, "cli")
        assert report.passed, render_report(report)
    finally:
        session.close()
