"""The one reading of a finished child process the three subprocess adapters share.

Real processes (``/bin/sh``) through :func:`conformance.processes.run_process`;
then the same ends through each adapter's own wording.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from conformance.adapters import dw_cli, exec_protocol, python_sdk
from conformance.adapters.base import ClientOutcome
from conformance.adapters.process_outcome import ProcessWording, process_outcome
from conformance.processes import ProcessResult, run_process

WORDING = ProcessWording(start_failed="could not start: {error}", timed_out="stopped after {timeout} s")
REPO = Path(__file__).resolve().parents[1]


def finished(result: ProcessResult) -> ClientOutcome:
    return ClientOutcome("completed", duration=42.0, exit_code=result.exit_code, stdout=result.stdout)


def sh(script: str, tmp_path: Path, timeout: float = 20.0) -> ProcessResult:
    return run_process(
        ["/bin/sh", "-c", script], env={"PATH": "/usr/bin:/bin"}, cwd=tmp_path, timeout=timeout
    )


def test_a_process_that_ends_is_read_by_the_adapter(tmp_path: Path) -> None:
    result = sh("echo hello; exit 3", tmp_path)
    outcome = process_outcome(result, wording=WORDING, shown_timeout=5, finished=finished)
    assert (outcome.status, outcome.exit_code, outcome.stdout, outcome.duration) == (
        "completed",
        3,
        "hello\n",
        42.0,
    )


def test_a_process_that_cannot_start_is_a_harness_error(tmp_path: Path) -> None:
    result = run_process([str(tmp_path / "missing")], env={}, cwd=tmp_path, timeout=5)
    outcome = process_outcome(result, wording=WORDING, shown_timeout=5, finished=finished)
    assert outcome.status == "harness_error"
    assert outcome.detail.startswith("could not start: ") and str(tmp_path / "missing") in outcome.detail
    assert outcome.exit_code is None and outcome.stdout == ""


def test_a_process_past_its_limit_is_a_timeout_with_its_partial_output(tmp_path: Path) -> None:
    result = sh("echo partial; echo oops >&2; sleep 30", tmp_path, timeout=1.0)
    outcome = process_outcome(result, wording=WORDING, shown_timeout=1.0, finished=finished)
    assert outcome.status == "timeout" and outcome.detail == "stopped after 1 s"
    assert (outcome.stdout, outcome.stderr, outcome.exit_code) == ("partial\n", "oops\n", None)
    assert outcome.duration == result.duration


@pytest.mark.parametrize(
    ("wording", "start", "timeout"),
    [
        (
            dw_cli.WORDING,
            "dw could not be started: boom",
            "dw did not finish within 2.5 s; its process group",
        ),
        (
            exec_protocol.WORDING,
            "the adapter program could not start: boom",
            "the adapter program did not finish",
        ),
        (python_sdk.WORDING, "boom", "the SDK subprocess did not finish within 2.5 s"),
    ],
)
def test_each_adapter_keeps_its_own_words(wording: ProcessWording, start: str, timeout: str) -> None:
    failed = ProcessResult(None, "", "", False, 0.1, start_error="boom")
    late = ProcessResult(None, "x", "", True, 2.6)
    assert process_outcome(failed, wording=wording, shown_timeout=2.5, finished=finished).detail == start
    assert process_outcome(late, wording=wording, shown_timeout=2.5, finished=finished).detail.startswith(
        timeout
    )


def test_the_cli_reading_of_an_error_exit_fills_the_error_surface(tmp_path: Path) -> None:
    envelope = {"error": "Server error: Not found.", "exit_code": 5, "status_code": 404}
    result = sh(f"echo '{json.dumps(envelope)}'; echo detail >&2; exit 5", tmp_path)
    outcome = dw_cli.finished_outcome(result)
    assert outcome.status == "client_error" and outcome.detail == "dw exited with 5"
    assert outcome.error_surface == {"exit_code": 5, "json": envelope, "stderr": "detail\n"}
    assert dw_cli.finished_outcome(sh("echo '{}'", tmp_path)).error_surface is None


def test_the_python_starter_skips_a_walk(tmp_path: Path) -> None:
    request = {
        "operation": "schedule.history",
        "drive": {"walk": True},
        "server_url": "http://127.0.0.1:1",
        "namespace": "default",
        "token": "t",
        "timeout_seconds": 5,
        "fixture": {},
    }
    starter = REPO / "conformance" / "starters" / "python" / "adapter.py"
    result = run_process(
        [sys.executable, str(starter)],
        env={},
        cwd=tmp_path,
        timeout=20,
        stdin_data=json.dumps(request).encode(),
    )
    document = json.loads(result.stdout)
    assert document["status"] == "skipped" and "walking every page" in document["error"]
