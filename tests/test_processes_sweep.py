"""The sweep after a case: an escaped descendant dies with its case, and only newer pids are read."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conformance import processes
from conformance.processes import TAG_VARIABLE, run_process, tagged_processes

ESCAPE = """
import os, sys, time
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        open(sys.argv[1], "w").write(str(os.getpid()))
        time.sleep(60)
    os._exit(0)
time.sleep(0.5)
"""

pytestmark = pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="needs /proc (Linux)")


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_an_escaped_grandchild_dies_with_its_case(tmp_path: Path) -> None:
    marker = tmp_path / "escapee.pid"
    result = run_process(
        [sys.executable, "-c", ESCAPE, str(marker)], env=dict(os.environ), cwd=tmp_path, timeout=30
    )
    assert result.exit_code == 0
    escapee = int(marker.read_text())
    deadline = time.monotonic() + 5
    while _alive(escapee) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not _alive(escapee)  # killed by the case's own sweep, not only at the end of the run


def test_the_window_reads_only_pids_born_since(monkeypatch: pytest.MonkeyPatch) -> None:
    tag = f"{processes._TAG_PREFIX}-window-test"

    child = subprocess.Popen(
        [sys.executable, "-c", "import time; time.sleep(30)"], env={**os.environ, TAG_VARIABLE: tag}
    )
    try:
        assert tagged_processes(tag) == [child.pid]
        assert tagged_processes(tag, born_from=child.pid) == [child.pid]
        monkeypatch.setattr(processes, "_last_pid", lambda: child.pid + 5)
        assert tagged_processes(tag, born_from=child.pid + 1) == []  # older than the window: not read
        monkeypatch.setattr(processes, "_last_pid", lambda: child.pid - 1)  # the counter wrapped: read all
        assert tagged_processes(tag, born_from=child.pid + 1) == [child.pid]
        monkeypatch.setattr(processes, "_last_pid", lambda: None)  # the kernel does not say: read all
        assert tagged_processes(tag, born_from=child.pid + 1) == [child.pid]
    finally:
        child.kill()
        child.wait()
