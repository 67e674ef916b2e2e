"""Child processes of the harness: run with a time limit, never left behind.

Every client subprocess (``dw``, ``exec`` adapters, an SDK under another
interpreter) runs through :func:`run_process`. Design decisions:

- **Own process group.** The child starts a new session; when the case ends
  the *whole group* is killed, grandchildren included: at the time limit,
  and also after a normal exit (a background helper the client forgot must
  not outlive its case, nor hold the output pipes open).
- **The leader's exit ends the case, not the pipes' EOF.** The harness waits
  for the leader process, then kills its group, then collects the output.
  (Waiting for end-of-file on stdout, as ``communicate()`` does, would make a
  client whose grandchild keeps the pipe open look like a client that hangs.)
- **The wait wakes the moment the leader exits.** ``Popen.wait(timeout=...)``
  polls with a back-off that grows to 50 ms, so a client that takes 65 ms is
  noticed at about 113 ms: for a CLI client that was most of what the harness
  added per case. On Linux the wait is a ``poll()`` on a pidfd
  (``os.pidfd_open``), which is woken by the exit itself and still honours the
  time limit; elsewhere (or when the kernel refuses pidfds) it falls back to
  ``Popen.wait``.
- **Output is drained by reader threads and capped.** Each stream keeps at
  most :data:`MAX_OUTPUT_BYTES` and discards the rest while still reading it,
  so a client printing without end neither blocks on a full pipe nor fills
  the harness's memory. What was printed before a kill is kept (partial
  output of a client that hangs).
- **Escapees are found by a tag.** A descendant that leaves the group
  (``setsid``, a daemonising double fork) is out of reach of ``killpg``.
  Every child gets the environment variable :data:`TAG_VARIABLE` (one value
  per child, with a per-harness-process prefix); after the group kill,
  :func:`sweep_tagged` reads ``/proc/*/environ`` and kills every process
  still carrying the child's tag, and :func:`terminate_all_children` sweeps
  the whole prefix (an interrupted run, the end of a session). Environments
  are inherited, so escapees keep the tag unless they clear their
  environment on purpose. Without ``/proc`` (macOS) the sweep does nothing
  and the group kill is the only net.
- **The sweep after a case reads only the processes born after its child.**
  Reading every ``/proc/*/environ`` costs about 10 µs a process, a millisecond
  or more a case on a busy machine, for every case. Pids are handed out in
  increasing order, so a descendant of the case's child has a pid between
  the child's and the kernel's last one (``/proc/sys/kernel/ns_last_pid``):
  only those are read. When the counter wrapped around meanwhile (the last
  pid is below the child's), or the kernel does not say, every process is
  read. A counter that wrapped and climbed past the child's pid again within
  one case could hide an escapee from that case's sweep; the sweep of the
  whole prefix at the end of the run and on an interruption
  (:func:`terminate_all_children`) reads every process, whatever the pids.
- **Registry for interrupts.** Running groups are registered so that an
  interrupted run (Ctrl-C, SIGTERM) kills all of them at once.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import select
import signal
import subprocess
import threading
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

__all__ = [
    "MAX_OUTPUT_BYTES",
    "TAG_VARIABLE",
    "ProcessResult",
    "run_process",
    "sweep_tagged",
    "tagged_processes",
    "terminate_all_children",
    "wait_for_exit",
]

#: Output kept per stream; a client printing more is cut (and says so).
MAX_OUTPUT_BYTES = 4 * 1024 * 1024
#: The environment variable that marks every child (and, by inheritance, its descendants).
TAG_VARIABLE = "DWC_CHILD_TAG"
#: How long the output readers may take to finish once every tagged process is dead.
_DRAIN_GRACE_SECONDS = 2.0
_READ_CHUNK = 64 * 1024

#: Prefix of every tag this harness process hands out.
_TAG_PREFIX = f"{os.getpid()}-{uuid.uuid4().hex[:12]}"
#: The kernel's last handed-out pid (Linux, per pid namespace).
_LAST_PID = Path("/proc/sys/kernel/ns_last_pid")
_tag_counter = itertools.count(1)

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


# ------------------------------------------------------------------ tags and /proc
def _last_pid() -> int | None:
    """The last pid the kernel handed out in this pid namespace (``None`` when it does not say)."""
    try:
        return int(_LAST_PID.read_text(encoding="ascii"))
    except (OSError, ValueError):
        return None


def tagged_processes(tag: str, *, prefix: bool = False, born_from: int | None = None) -> list[int]:
    """Pids of live processes whose environment carries ``TAG_VARIABLE=tag`` (or a tag starting with it).

    ``born_from``: the pid of the first process that can carry the tag (the
    child's own); only pids from it to the kernel's last one are read, unless
    the pid counter wrapped around meanwhile (module docstring).
    """
    wanted = f"{TAG_VARIABLE}={tag}".encode()
    found: list[int] = []
    try:
        entries = os.listdir("/proc")
    except OSError:
        return found
    own = os.getpid()
    last = _last_pid() if born_from is not None else None
    window = (born_from, last) if born_from is not None and last is not None and last >= born_from else None
    for entry in entries:
        if not entry.isdigit() or int(entry) == own:
            continue
        if window is not None and not window[0] <= int(entry) <= window[1]:
            continue
        try:
            with open(f"/proc/{entry}/environ", "rb") as handle:
                environ = handle.read()
        except OSError:  # gone meanwhile, or not ours to read
            continue
        for variable in environ.split(b"\0"):
            if variable == wanted or (prefix and variable.startswith(wanted)):
                found.append(int(entry))
                break
    return found


def sweep_tagged(tag: str, *, prefix: bool = False, rounds: int = 5, born_from: int | None = None) -> int:
    """Kill every process carrying ``tag``; repeated while new ones appear (forks). Returns how many.

    ``born_from`` narrows the reading to the pids born since (see :func:`tagged_processes`).
    """
    killed = 0
    for _ in range(rounds):
        pids = tagged_processes(tag, prefix=prefix, born_from=born_from)
        if not pids:
            break
        for pid in pids:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
                killed += 1
    return killed


def terminate_all_children() -> int:
    """Kill every registered process group and every process tagged by this harness; returns how many."""
    with _running_lock:
        processes = list(_running.values())
    for process in processes:
        _kill_group(process)
    return len(processes) + sweep_tagged(_TAG_PREFIX, prefix=True)


# ------------------------------------------------------------------ output
class _Drain:
    """Reads one pipe to its end in a thread, keeping the first ``limit`` bytes."""

    def __init__(self, stream: IO[bytes], limit: int = MAX_OUTPUT_BYTES) -> None:
        self.stream = stream
        self.limit = limit
        self.chunks: list[bytes] = []
        self.kept = 0
        self.total = 0
        self.thread = threading.Thread(target=self._run, name="dw-child-output", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            while True:
                chunk = os.read(self.stream.fileno(), _READ_CHUNK)
                if not chunk:
                    break
                self.total += len(chunk)
                if self.kept < self.limit:
                    keep = chunk[: self.limit - self.kept]
                    self.chunks.append(keep)
                    self.kept += len(keep)
        except (OSError, ValueError):
            pass
        finally:
            with contextlib.suppress(OSError):
                self.stream.close()

    def join(self, timeout: float) -> bool:
        self.thread.join(timeout)
        return not self.thread.is_alive()

    def text(self) -> str:
        text = b"".join(self.chunks).decode("utf-8", errors="replace")
        if self.total > self.kept:
            text += f"\n[output cut at {self.limit} bytes; {self.total} bytes printed]"
        if self.thread.is_alive():
            text += "\n[output still held open by a process outside the harness's reach]"
        return text


def _feed(stream: IO[bytes], data: bytes) -> None:
    """Write the child's stdin in a thread (a child that never reads must not block the harness)."""

    def write() -> None:
        with contextlib.suppress(OSError, ValueError):
            stream.write(data)
        with contextlib.suppress(OSError, ValueError):
            stream.close()

    threading.Thread(target=write, name="dw-child-input", daemon=True).start()


def _pidfd(pid: int) -> int | None:
    """A pidfd for ``pid`` (readable once the process has exited), or None where there are none."""
    pidfd_open = getattr(os, "pidfd_open", None)
    if pidfd_open is None:
        return None
    try:
        fd: int = pidfd_open(pid)
    except OSError:  # ENOSYS (kernel < 5.3), EPERM under some sandboxes, ESRCH
        return None
    return fd


def wait_for_exit(process: subprocess.Popen[bytes], timeout: float) -> bool:
    """Wait until ``process`` exits (True, reaped) or ``timeout`` seconds pass (False, still running).

    Wakes when the process exits, without polling (see the module docstring).
    """
    fd = _pidfd(process.pid)
    if fd is None:
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return False
        return True
    try:
        poller = select.poll()
        poller.register(fd, select.POLLIN)
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return process.poll() is not None
            if poller.poll(remaining * 1000):
                process.wait()  # exited: reaps it at once
                return True
    finally:
        os.close(fd)


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
    tag = f"{_TAG_PREFIX}-{next(_tag_counter)}"
    try:
        process = subprocess.Popen(
            list(argv),
            stdin=subprocess.PIPE if stdin_data is not None else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env={**env, TAG_VARIABLE: tag},
            cwd=str(cwd),
            start_new_session=True,
        )
    except OSError as error:
        return ProcessResult(
            None, "", "", False, time.monotonic() - started, f"{argv[0]}: {error.strerror or error}"
        )
    with _running_lock:
        _running[process.pid] = process
    assert process.stdout is not None and process.stderr is not None
    stdout, stderr = _Drain(process.stdout), _Drain(process.stderr)
    if stdin_data is not None and process.stdin is not None:
        _feed(process.stdin, stdin_data)
    timed_out = False
    try:
        timed_out = not wait_for_exit(process, timeout)
    finally:
        # Whatever happened, nothing of the child's group outlives the case.
        _kill_group(process)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=5)
        with _running_lock:
            _running.pop(process.pid, None)
        sweep_tagged(tag, born_from=process.pid)  # descendants that left the group (they may hold the pipes)
        stdout.join(_DRAIN_GRACE_SECONDS)
        stderr.join(_DRAIN_GRACE_SECONDS)
    return ProcessResult(
        exit_code=None if timed_out else process.returncode,
        stdout=stdout.text(),
        stderr=stderr.text(),
        timed_out=timed_out,
        duration=time.monotonic() - started,
    )
