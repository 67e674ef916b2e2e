"""The real Python SDK and the canonical replay on every shipped fixture, through proxy and judge.

Each case goes through the real recording proxy (mitmproxy, the shipped v2
stub profile) and gets a verdict from the diff engine, as in a run.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conformance.adapters.canonical import CanonicalAdapter
from conformance.adapters.python_sdk import PythonSdkAdapter
from conformance.fixture import Fixture, shipped_corpus_dir
from conformance.fixture_discovery import discover
from conformance.proxy.recorder import RecordingProxy
from support.adapter_e2e import TOKEN, CaseRun, run_through_proxy

SHIPPED = discover([shipped_corpus_dir()]).fixtures
durable_workflow = pytest.importorskip("durable_workflow")


def test_the_shipped_corpus_is_there() -> None:
    assert len(SHIPPED) >= 9


@pytest.mark.parametrize("fixture", SHIPPED, ids=lambda fixture: fixture.name)
def test_canonical_replay_passes_every_shipped_fixture(
    recording_proxy: RecordingProxy, fixture: Fixture, tmp_path: Path
) -> None:
    run = run_through_proxy(recording_proxy, CanonicalAdapter(), fixture, tmp_path)
    assert run.outcome.status == "completed", run.explain()
    assert run.verdict.status == "pass", run.explain()
    assert run.exchanges[0].path == "/api/cluster/info"
    assert len(run.verdict.ancillary) == 1


@pytest.mark.parametrize("fixture", SHIPPED, ids=lambda fixture: fixture.name)
def test_real_python_sdk_passes_every_shipped_fixture(
    recording_proxy: RecordingProxy, fixture: Fixture, tmp_path: Path
) -> None:
    run: CaseRun = run_through_proxy(recording_proxy, PythonSdkAdapter(), fixture, tmp_path)
    assert run.outcome.status == "completed", run.explain()
    assert run.verdict.status == "pass", run.explain()
    assert TOKEN not in json.dumps(run.outcome.to_json())


def test_a_real_sdk_mismatch_is_named_by_pointer(
    recording_proxy: RecordingProxy, tmp_path: Path
) -> None:
    """A fixture that asks the SDK for a different value fails at that value's pointer."""
    cancel = next(fixture for fixture in SHIPPED if fixture.name == "workflow-cancel-parity.json")
    data = json.loads(json.dumps(cancel.data))
    data["sdk_python"]["args"]["reason"] = "something else"
    fixture = Fixture(tmp_path / cancel.name, data)
    run = run_through_proxy(recording_proxy, PythonSdkAdapter(), fixture, tmp_path)
    assert run.verdict.status == "fail"
    assert [(d.pointer, d.kind) for d in run.verdict.failures] == [("/body/reason", "changed")]
