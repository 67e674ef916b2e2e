"""Child processes of the harness: run with a time limit, never left behind.

Every client subprocess (``dw``, ``exec`` adapters) runs through
:func:`run_process`: in its own session/process group, stdin from a pipe or
closed, stdout/stderr captured. On time-out the *whole group* is killed
(grandchildren included), and what the client had printed so far is kept.
Running groups are registered so that an interrupted run (Ctrl-C, SIGTERM)
can kill all of them at once with :func:`terminate_all_children`.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

#: Output kept per stream; a client printing more is cut (and says so).
MAX_OUTPUT_BYTES = 4 * 1024 * 1024

_running: dict[int, subprocess.Popen[bytes]] = {}
_running_lock = threading.Lock()


@dataclass
class ProcessResult:
    exit_code: int | None
    stdout: str
    stderr: str
    timed_out: bool
    duration: float
    #: Set when the process could not be started at all (missing binary, permission).
    start_error: str | None = None


def _kill_group(process: subprocess.Popen[bytes], sig: int = signal.SIGKILL) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, sig)


def terminate_all_children() -> int:
    """Kill every registered process group; returns how many there were."""
    with _running_lock:
        processes = list(_running.values())
    for process in processes:
        _kill_group(process)
    return len(processes)


def _decode(data: bytes) -> str:
    text = data[:MAX_OUTPUT_BYTES].decode("utf-8", errors="replace")
    if len(data) > MAX_OUTPUT_BYTES:
        text += f"\n[output cut at {MAX_OUTPUT_BYTES} bytes]"
    return text


def run_process(
    argv: Sequence[str],
    *,
    env: Mapping[str, str],
    cwd: Path,
    timeout: float,
    stdin_data: bytes | None = None,
) -> ProcessResult:
    """Run ``argv`` in a new process group with a time limit; never raises for the child's failure."""
    started = time.monotonic()
    try:
        process = subprocess.Popen(
            list(argv),
            stdin=subprocess.PIPE if stdin_data is not None else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=dict(env),
            cwd=str(cwd),
            start_new_session=True,
        )
    except OSError as error:
        return ProcessResult(
            None, "", "", False, time.monotonic() - started, f"{argv[0]}: {error.strerror or error}"
        )
    with _running_lock:
        _running[process.pid] = process
    timed_out = False
    try:
        try:
            stdout, stderr = process.communicate(stdin_data, timeout=timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
            _kill_group(process)
            # Partial output: communicate() again collects what was buffered before the kill.
            try:
                stdout, stderr = process.communicate(timeout=5)
            except subprocess.TimeoutExpired:
                stdout, stderr = b"", b""
        # The leader may have exited while children it spawned live on in the group.
        _kill_group(process)
    finally:
        with _running_lock:
            _running.pop(process.pid, None)
        if process.poll() is None:
            _kill_group(process)
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=5)
    return ProcessResult(
        exit_code=None if timed_out else process.returncode,
        stdout=_decode(stdout or b""),
        stderr=_decode(stderr or b""),
        timed_out=timed_out,
        duration=time.monotonic() - started,
    )
