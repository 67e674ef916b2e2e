"""Same inputs, same ``result.json`` byte for byte (timestamps and durations aside), whatever ``--jobs`` is.

The suite (a copy of the shipped corpus plus two invalid files) runs three
times as a real subprocess, with the canonical replay, the real Python SDK
(which draws a random ``request_id`` per signal and update), the fake ``dw``,
an ``exec`` client that prints the server URL, its scratch directory and a
fresh UUID, and one that crashes: twice with ``--jobs 2`` and once with
``--jobs 1``. The documents are compared as bytes after blanking exactly
these fields, and no others:

- ``/run/started_at``, ``/run/finished_at``, ``/run/duration_seconds``
- ``/cases/*/duration_seconds`` and ``/cases/*/client/duration_seconds``
- in a scenario case, the measured delays between answer and request:
  ``/cases/*/scenario/requests/*/delay_seconds`` and
  ``/cases/*/scenario/retry/delays_seconds``

and, between the ``--jobs 1`` and ``--jobs 2`` runs only, ``/run/jobs`` (the
setting itself, recorded as given).
"""

from __future__ import annotations

import json
import shutil
from typing import Any

import pytest

from conformance.fixture import shipped_corpus_dir
from support.harness_run import FAKE_DW, Completed, misbehaving_adapter, run_command

BLANK = "<blanked>"


def blanked(document: dict[str, Any], *, jobs: bool = False) -> bytes:
    run = document["run"]
    for key in ("started_at", "finished_at", "duration_seconds", *(("jobs",) if jobs else ())):
        run[key] = BLANK
    for case in document["cases"]:
        case["duration_seconds"] = BLANK
        if case["client"] is not None:
            case["client"]["duration_seconds"] = BLANK
        if "scenario" in case:
            for request in case["scenario"]["requests"]:
                request["delay_seconds"] = BLANK
            case["scenario"]["retry"]["delays_seconds"] = BLANK
    return json.dumps(document, indent=1, ensure_ascii=False).encode("utf-8")


@pytest.fixture(scope="module")
def three_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Completed]:
    pytest.importorskip("durable_workflow")
    base = tmp_path_factory.mktemp("determinism")
    corpus = base / "corpus"
    shutil.copytree(shipped_corpus_dir(), corpus)
    (corpus / "broken-parity.json").write_text('{"schema": ', encoding="utf-8")
    (corpus / "another-broken-parity.json").write_bytes(b"\xff")
    adapters = ["--adapter", "canonical", "--adapter", "python-sdk", "--adapter", f"cli={FAKE_DW}"]
    for mode in ("show-run-values", "crash"):
        adapters += ["--adapter", f"exec={misbehaving_adapter(base / 'manifests', mode)}"]
    runs = {}
    for name, jobs in (("first", "2"), ("second", "2"), ("one-job", "1")):
        runs[name] = run_command(
            base / name, *adapters, "--fixtures", str(corpus), "--jobs", jobs, scenarios=True
        )
        assert runs[name].document is not None, runs[name].stderr
    return runs


def test_two_runs_give_the_same_result_document(three_runs: dict[str, Completed]) -> None:
    first, second = (three_runs[name].document for name in ("first", "second"))
    assert first is not None and second is not None
    assert blanked(first) == blanked(second)


def test_one_job_and_two_jobs_give_the_same_result_document(three_runs: dict[str, Completed]) -> None:
    two, one = (three_runs[name].document for name in ("first", "one-job"))
    assert two is not None and one is not None
    assert (two["run"]["jobs"], one["run"]["jobs"]) == (2, 1)
    assert blanked(two, jobs=True) == blanked(one, jobs=True)


def test_the_runs_cover_what_varies_from_run_to_run(three_runs: dict[str, Completed]) -> None:
    """The comparison is not vacuous: each kind of run-dependent value is there, as its placeholder."""
    run = three_runs["first"]
    document = run.document
    assert document is not None
    single = [case for case in document["cases"] if "scenario" not in case]
    assert len(single) == 45 and len(document["input_problems"]) == 2
    # the scenarios ran too (their delays are the only new durations), with every real client
    assert {case["category"] for case in document["cases"] if "scenario" in case} == {
        "scenario_sequence",
        "scenario_provisional",
    }
    assert len(document["cases"]) > len(single)
    assert len(document["parity"]) > 0
    cases = run.cases()
    shown = cases["workflow-start-parity.json::mb-show-run-values"]["client"]["output"]
    assert shown["server_url"] == "http://127.0.0.1:<proxy-port>"
    assert shown["scratch_dir"] == "<scratch-dir>"
    assert shown["nonce"] == "<random-1>"
    signal = cases["workflow-signal-parity.json::python-sdk"]
    assert signal["request"]["body"]["request_id"] == "sdk-python-signal-<random-1>"
    assert "sdk-python-signal-<random-1>" in signal["rendered"]
    assert signal["request"]["headers"]["host"] == ["127.0.0.1:<proxy-port>"]
    text = json.dumps(document)
    assert "<random-1 of python-sdk>" in text  # the SDK's request_id in a parity finding
    har_names = sorted(path.name for path in (run.report_dir / "har").iterdir())
    assert har_names == sorted(path.name for path in (three_runs["one-job"].report_dir / "har").iterdir())


def test_a_uuid_the_fixture_holds_is_kept() -> None:
    from conformance.stabilize import Stabilizer

    pinned = "0b7e4c1e-3f7a-4c55-9d43-1b0f2e9a7c11"
    stabilizer = Stabilizer({"semantic_body": {"workflow_id": pinned}}, label="cli")
    stabilizer.add_server_url("http://127.0.0.1:41873")
    sent = {
        "workflow_id": pinned,
        "request_id": "cli-5f0c2d9e8b7a4e6f9a1b2c3d4e5f6a7b",
        "url": "http://127.0.0.1:41873/x",
    }
    assert stabilizer.value(sent) == {
        "workflow_id": pinned,
        "request_id": "cli-<random-1>",
        "url": "http://127.0.0.1:<proxy-port>/x",
    }
    assert stabilizer.value({"again": "5F0C2D9E8B7A4E6F9A1B2C3D4E5F6A7B"}) == {"again": "<random-1>"}
    assert stabilizer.text("cli-aaaaaaaabbbbccccddddeeeeeeeeeeee", qualified=True) == "cli-<random-2 of cli>"
