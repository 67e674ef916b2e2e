"""Interrupting ``dw-conformance run`` (Ctrl-C, SIGTERM) while a client hangs.

The run (a real subprocess, one case at a time) starts with a canonical case
that passes, then a client that hangs with a child in its process group and
a grandchild that escaped it. Once that client has signalled it is hanging,
the test sends the signal to the harness and checks: the exit code says
interrupted (130), the reports are written and marked incomplete, the case
that finished keeps its verdict and its HAR, the hanging case is
``interrupted`` (no verdict on its client) and says so, the level is
``incomplete`` rather than a verdict on a target, the cases that never started are
reported as ``interrupted`` and marked "not started" (the summary counts every planned
case), the exit code is 128 + the signal (130 for SIGINT, 143 for SIGTERM), and none of
the run's processes is alive afterwards.
"""

from __future__ import annotations

import json
import signal
import time
from pathlib import Path

import pytest

from support.harness_run import marked_processes, misbehaving_adapter, start_command, survivors


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_an_interrupted_run_keeps_its_reports_and_leaves_no_process(
    tmp_path: Path, signum: signal.Signals
) -> None:
    started = tmp_path / "hanging-client-started"
    report_dir = tmp_path / "reports"
    process, mark = start_command(
        report_dir,
        "--adapter", "canonical",
        "--adapter", f"exec={misbehaving_adapter(tmp_path / 'manifests', 'hang')}",
        "-k", "workflow-cancel,workflow-start",
        "--jobs", "1",
        "--timeout", "600",
        CONFORMANCE_TEST_STARTED=str(started),
    )
    try:
        deadline = time.monotonic() + 120
        while not started.exists() and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert started.exists(), "the hanging client never started"
        # the harness, the client, its child and the escaped grandchild
        assert len(marked_processes(mark)) >= 4
        process.send_signal(signum)
        stdout, stderr = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()

    assert process.returncode == 128 + signum, stderr  # 130 for SIGINT, 143 for SIGTERM
    assert f"{signum.name} received; stopping" in stderr
    assert "run interrupted; the reports cover every planned case" in stderr
    assert "Traceback" not in stderr
    assert survivors(mark) == []

    document = json.loads((report_dir / "result.json").read_text(encoding="utf-8"))
    assert (document["run"]["complete"], document["run"]["interrupted"]) == (False, True)
    cases = {case["id"]: case for case in document["cases"]}
    assert list(cases) == [
        "workflow-cancel-parity.json::canonical",
        "workflow-cancel-parity.json::mb-hang",
        "workflow-start-parity.json::canonical",
        "workflow-start-parity.json::mb-hang",
    ]
    # one client at a time: the second hanging case cannot have started; the second canonical
    # case may have taken the free slot before the first hanging case did, and then has its verdict
    never = ["workflow-start-parity.json::mb-hang"]
    if cases["workflow-start-parity.json::canonical"]["status"] != "pass":
        never.append("workflow-start-parity.json::canonical")
    for case_id in never:
        assert cases[case_id]["status"] == "interrupted"
        assert cases[case_id]["reason"] == "the run was interrupted before this case started"
        assert f"INTR   {case_id} (not started)" in stdout
    finished = cases["workflow-cancel-parity.json::canonical"]
    assert finished["status"] == "pass"
    assert (report_dir / finished["har"]).is_file()
    hung = cases["workflow-cancel-parity.json::mb-hang"]
    assert hung["status"] == "interrupted"
    assert hung["reason"].startswith("the run was interrupted while this case ran")
    assert document["conformance"]["level"] == "incomplete"
    assert "nonconforming" not in document["conformance"]["explanation"]
    assert document["summary"]["error"] == 0 and document["summary"]["interrupted"] == 1 + len(never)
    assert document["summary"]["total"] == 4  # every planned case
    assert "INTR   workflow-cancel-parity.json::mb-hang" in stdout
    assert "conformance level: incomplete" in stdout
    assert "partial stdout before hanging" in hung["client"]["stdout"]
    for name in ("junit.xml", "summary.md", "index.html"):
        assert (report_dir / name).is_file()
    assert "[2/4]" in stdout and "[3/4]" not in stdout
