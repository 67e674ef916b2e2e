"""The fuzz engine: variants through the real proxy, shrinking, saved findings, differential mode, budgets."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conformance.adapters.base import ClientIdentity
from conformance.adapters.canonical import CanonicalAdapter
from conformance.canonical_request import CanonicalRequest
from conformance.cli import main
from conformance.fixture import load_fixture
from conformance.fuzz import ExampleCheck, Fuzzer, FuzzSettings, render_report
from conformance.runner import AdapterSlot, CasePlan, RunSettings, Session
from conformance.variants import Variant

CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "control-plane"


def _session(adapters: list[str], select: str | None = None) -> Session:
    settings = RunSettings(
        fixtures_dirs=[CORPUS], adapter_specs=adapters, jobs=2, write_har=False, select=select, timeout=30
    )
    return Session(settings)


@pytest.fixture
def canonical_session() -> Iterator[Session]:
    with _session(["canonical"]) as session:
        yield session


def test_the_canonical_replay_passes_every_variant(
    canonical_session: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    fuzzer = Fuzzer(canonical_session, FuzzSettings(max_examples=6, seed=11, report_dir=tmp_path / "reports"))
    report = fuzzer.run()
    assert report.passed, render_report(report)
    assert [result.examples for result in report.results] == [6] * 9
    assert all(result.varied for result in report.results)
    assert not (tmp_path / ".hypothesis").exists()  # no example database written
    assert not (tmp_path / "reports" / "fuzz").exists()  # nothing to save
    assert "54 examples over 9 seed fixture(s)" in render_report(report)


class _SlashForgettingReplay(CanonicalAdapter):
    """The canonical replay as a client that forgets to percent-encode '/' inside an id."""

    name = "slashy"

    def identity(self) -> ClientIdentity:
        return ClientIdentity("slash-forgetting replay", "0", "test double")

    def run(self, case: Any) -> Any:
        real = CanonicalRequest.target

        def target(request: CanonicalRequest, api_prefix: str = "/api") -> str:
            return real(request, api_prefix).replace("%2F", "/")

        CanonicalRequest.target = target  # type: ignore[method-assign]
        try:
            return super().run(case)
        finally:
            CanonicalRequest.target = real  # type: ignore[method-assign]


def test_a_client_bug_is_found_shrunk_and_saved_as_a_fixture_that_runs_as_it_is(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seed = load_fixture(CORPUS / "workflow-cancel-parity.json")
    reason = seed.data["semantic_body"]["reason"]
    with _session(["canonical"]) as session:
        session.settings.jobs = 1  # the double patches a class attribute: one case at a time
        session.slots.append(AdapterSlot(_SlashForgettingReplay(), True, "", {"name": "slashy"}))
        # about one id in twenty holds a '/': 400 examples find one whatever hypothesis drew before
        fuzzer = Fuzzer(session, FuzzSettings(max_examples=400, seed=3, report_dir=tmp_path, jobs=1))
        report = fuzzer.run([seed])
        result = report.results[0]
        assert len(result.findings) == 1, render_report(report)
        finding = result.findings[0]
        # shrunk: the id is the one character that matters, the other field is back to the seed's value
        assert finding.values == {"workflow_id": "/", "reason": reason}
        assert finding.changes == {"workflow_id": ("wf-polyglot-231", "/")}
        assert finding.signature == ["slashy /path changed"]
        # its own directory, and the one name `validate` accepts for the operation
        assert finding.path is not None
        assert finding.path.name == "workflow-cancel-parity.json"
        assert finding.path.parent.parent == tmp_path / "fuzz"
        assert finding.path.parent.name.startswith("workflow-cancel-")
        saved = json.loads(finding.path.read_text(encoding="utf-8"))
        assert saved["request"]["path"] == "/workflows/%2F/cancel"
        assert (
            saved["cli"]["argv"]["workflow-id"] == "/" and saved["sdk_python"]["args"]["workflow_id"] == "/"
        )
        assert "Minimal failing variant of workflow-cancel-parity.json" in saved["description"]
        readme = (finding.path.parent / "README.md").read_text(encoding="utf-8")
        assert "`dw-conformance fuzz --seed 3`" in readme
        assert '- `workflow_id`: `"wf-polyglot-231"` -> `"/"`' in readme
        assert "- slashy: /path changed: expected" in readme
        # the saved file reproduces the failure with the broken client, and passes with a correct one
        by_label = {slot.label: slot for slot in session.slots}
        replay = load_fixture(finding.path)
        assert session.run_case(CasePlan(replay, by_label["slashy"])).status == "fail"
        assert session.run_case(CasePlan(replay, by_label["canonical"])).status == "pass"
    capsys.readouterr()
    assert main(["validate", str(finding.path.parent)]) == 0
    assert "1 fixture file(s) valid" in capsys.readouterr().out
    code = main(
        [
            "run",
            "--fixtures",
            str(finding.path.parent),
            "--adapter",
            "canonical",
            "--report-dir",
            str(tmp_path / "r"),
        ]
    )
    assert code == 0, capsys.readouterr().out
    result_document = json.loads((tmp_path / "r" / "result.json").read_text(encoding="utf-8"))
    assert [case["id"] for case in result_document["cases"]] == ["workflow-cancel-parity.json::canonical"]
    assert result_document["input_problems"] == []


class _ContradictingReplay(CanonicalAdapter):
    """A 'canonical' replay that always sends a wrong method: as the gate, it rejects every variant."""

    def run(self, case: Any) -> Any:
        real = CanonicalRequest.__init__

        def init(request: CanonicalRequest, *args: Any, **kwargs: Any) -> None:
            real(request, *args, **kwargs)
            object.__setattr__(request, "method", "PATCH")

        CanonicalRequest.__init__ = init  # type: ignore[method-assign]
        try:
            return super().run(case)
        finally:
            CanonicalRequest.__init__ = real  # type: ignore[method-assign]


def test_a_variant_the_canonical_replay_rejects_is_dropped_and_counted_never_judged(tmp_path: Path) -> None:
    seed = load_fixture(CORPUS / "workflow-cancel-parity.json")
    with _session(["canonical"]) as session:
        session.settings.jobs = 1
        session.slots[0] = AdapterSlot(_ContradictingReplay(), True, "", {"name": "canonical"})
        session.slots.append(AdapterSlot(_SlashForgettingReplay(), True, "", {"name": "slashy"}))
        report = Fuzzer(session, FuzzSettings(max_examples=20, seed=3, report_dir=tmp_path, jobs=1)).run(
            [seed]
        )
    (result,) = report.results
    assert report.passed and result.findings == []  # slashy's bug is never judged on a rejected variant
    assert result.examples == 0
    assert sum(result.rejected.values()) == 20
    assert all(reason.startswith("fail: /method changed") for reason in result.rejected)
    text = render_report(report)
    assert "rejected by the canonical replay (20), not judged: fail: /method changed" in text
    assert "20 rejected by the canonical replay (never judged)" in text
    assert not (tmp_path / "fuzz").exists()


class _ChattyReplay(CanonicalAdapter):
    """The canonical replay plus a query parameter no fixture here mentions (its own verdict passes)."""

    name = "chatty"

    def identity(self) -> ClientIdentity:
        return ClientIdentity("chatty replay", "0", "test double")

    def run(self, case: Any) -> Any:
        real = CanonicalRequest.target

        def target(request: CanonicalRequest, api_prefix: str = "/api") -> str:
            text = real(request, api_prefix)
            return text + ("&" if "?" in text else "?") + "chatty=1"

        CanonicalRequest.target = target  # type: ignore[method-assign]
        try:
            return super().run(case)
        finally:
            CanonicalRequest.target = real  # type: ignore[method-assign]


def test_differential_mode_compares_clients_independently_of_the_fixture(tmp_path: Path) -> None:
    with _session(["canonical"]) as session:
        session.settings.jobs = 1  # the double patches a class attribute: one case at a time
        session.slots.append(AdapterSlot(_ChattyReplay(), True, "", {"name": "chatty"}))
        seed = load_fixture(CORPUS / "storage-test-parity.json")
        plain = Fuzzer(session, FuzzSettings(max_examples=3, seed=1, report_dir=tmp_path, jobs=1))
        assert plain.run([seed]).passed  # the fixture declares no query: each verdict passes
        differential = Fuzzer(
            session, FuzzSettings(max_examples=3, seed=1, report_dir=tmp_path, jobs=1, differential=True)
        )
        report = differential.run([seed])
    (finding,) = report.findings
    assert finding.signature == ["differential canonical~chatty /query/* unexpected"]
    assert finding.lines[0].startswith("differential canonical~chatty: /query/chatty unexpected")
    assert "not documented by the fixture" in finding.lines[0]


class _BrokenAdapter(CanonicalAdapter):
    """An adapter that crashes: the runner makes its case a harness error, which is no finding."""

    name = "broken"

    def identity(self) -> ClientIdentity:
        return ClientIdentity("broken adapter", "0", "test double")

    def run(self, case: Any) -> Any:
        raise RuntimeError("the adapter itself is broken")


def test_a_harness_error_is_counted_not_reported_as_a_client_finding(tmp_path: Path) -> None:
    seed = load_fixture(CORPUS / "storage-test-parity.json")
    with _session(["canonical"]) as session:
        session.slots.append(AdapterSlot(_BrokenAdapter(), True, "", {"name": "broken"}))
        report = Fuzzer(session, FuzzSettings(max_examples=4, seed=1, report_dir=tmp_path)).run([seed])
    (result,) = report.results
    assert report.passed and result.findings == []
    assert result.examples == 4
    assert sum(result.harness_errors.values()) == 4
    assert all(reason.startswith("broken: harness error: RuntimeError") for reason in result.harness_errors)
    assert "4 case(s) the harness could not serve (not findings)" in render_report(report)


def _recording_check(names: list[str], fail_when: Any = None) -> Any:
    def check(self: Fuzzer, variant: Variant) -> ExampleCheck:
        names.append(variant.fixture.name)
        result = ExampleCheck(statuses={"fake": "pass"})
        if fail_when is not None:
            signature = fail_when(variant.values)
            if signature:
                result.lines = [f"fake: {item}" for item in sorted(signature)]
                result.signature = frozenset(signature)
        return result

    return check


def test_a_seed_makes_the_run_repeatable(canonical_session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    seed = load_fixture(CORPUS / "workflow-start-parity.json")
    runs: list[list[str]] = []
    for hypothesis_seed in (5, 5, 6):
        names: list[str] = []
        monkeypatch.setattr(Fuzzer, "check", _recording_check(names))
        Fuzzer(canonical_session, FuzzSettings(max_examples=12, seed=hypothesis_seed)).run([seed])
        runs.append(names)
    assert runs[0] == runs[1] and len(runs[0]) == 12
    assert runs[0] != runs[2]


def test_the_search_goes_on_past_a_known_finding(
    canonical_session: Session, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    def signature(values: dict[str, Any]) -> set[str]:
        found = set()
        if "/" in values["workflow_id"]:
            found.add("fake /path changed")
        if "x" in values["reason"]:
            found.add("fake /body/reason changed")
        return found

    monkeypatch.setattr(Fuzzer, "check", _recording_check([], signature))
    seed = load_fixture(CORPUS / "workflow-cancel-parity.json")
    result = Fuzzer(canonical_session, FuzzSettings(max_examples=300, seed=2, report_dir=tmp_path)).run(
        [seed]
    )
    (outcome,) = result.results
    assert sorted(tuple(finding.signature) for finding in outcome.findings) == [
        ("fake /body/reason changed",),
        ("fake /path changed",),
    ]
    minimal = {tuple(finding.signature): finding.values for finding in outcome.findings}
    assert minimal[("fake /path changed",)] == {"workflow_id": "/", "reason": "customer requested refund"}
    assert minimal[("fake /body/reason changed",)]["reason"] == "x"
    assert outcome.examples == 300  # every generated example counted, shrinking apart
    assert outcome.shrink_runs > 0
    saved = sorted((tmp_path / "fuzz").glob("workflow-cancel-*/workflow-cancel-parity.json"))
    assert len(saved) == 2 and saved[0].parent != saved[1].parent


def test_the_time_budget_stops_new_examples(
    canonical_session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    names: list[str] = []
    monkeypatch.setattr(Fuzzer, "check", _recording_check(names))
    report = Fuzzer(canonical_session, FuzzSettings(max_examples=50, seed=1, time_budget=1e-9)).run()
    assert names == []
    assert all(result.out_of_time and result.examples == 0 for result in report.results)


def test_the_real_sdk_carries_generated_storage_test_variants(tmp_path: Path) -> None:
    pytest.importorskip("durable_workflow")
    with _session(["canonical", "python-sdk"]) as session:
        seed = load_fixture(CORPUS / "storage-test-parity.json")
        fuzzer = Fuzzer(
            session, FuzzSettings(max_examples=10, seed=4, report_dir=tmp_path, differential=True)
        )
        report = fuzzer.run([seed])
    assert report.passed, render_report(report)
    (result,) = report.results
    assert result.examples == 10
    assert result.statuses["python-sdk pass"] == 10 and result.statuses["canonical pass"] == 10


def test_the_fuzz_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        [
            "fuzz",
            "--adapter",
            "canonical",
            "--max-examples",
            "3",
            "--seed",
            "9",
            "--report-dir",
            str(tmp_path),
            "-k",
            "workflow-signal-parity.json,schedule-history-parity.json",
        ]
    )
    out = capsys.readouterr().out
    assert code == 0, out
    report = json.loads((tmp_path / "fuzz" / "fuzz-report.json").read_text(encoding="utf-8"))
    assert report["seed"] == 9 and report["passed"] is True
    assert [(item["fixture"], item["examples"]) for item in report["results"]] == [
        ("schedule-history-parity.json", 3),
        ("workflow-signal-parity.json", 3),
    ]
    assert "rerun with --seed 9" in out


def test_the_fuzz_command_refuses_bad_options(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["fuzz", "--max-examples", "0"])
    assert "must be at least 1" in capsys.readouterr().err
