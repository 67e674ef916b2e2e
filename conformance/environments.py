"""The Python environments of a run: the harness's own, and each Python client's, with ``pip check``.

A conformance gate must test a client on the stack its users get. The
harness brings its own dependencies (mitmproxy pins ``h11``, for one), so an
SDK installed beside it may run on packages its users never see: installed
after the SDK, mitmproxy 11 downgrades ``h11`` below what ``httpcore``
requires. The recipes (``docs/ci.md``) therefore keep the harness in an
environment of its own and drive the SDK under the client's own interpreter
(``--adapter python-sdk=PATH``).

Every run records, in ``run.environments`` of ``result.json``:

- ``harness``: the interpreter running dw-conformance, and its ``pip check``;
- one entry per ``python-sdk`` adapter that is available: its interpreter,
  whether it is the harness's own (``shared_with_harness``: the SDK was
  imported into the harness, so it ran on the harness's packages), and that
  interpreter's ``pip check`` (the same check once per interpreter).

``pip_check`` is ``clean`` (exit 0), ``conflicts`` (the lines pip printed,
``<package> <version> has requirement <spec>, but you have ...``) or
``unavailable`` (no pip there, or it did not answer in time: the reason).

Decision: a shared environment or a ``conflicts`` check does not change any
verdict or the exit code (the cases say what the client did, and the level
what that means); every report shows it as a warning
(:func:`conformance.reporting.common.environment_warnings`) so nobody reads a green job as a test of the
users' stack when it was not.
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from conformance.adapters.child_env import scrubbed
from conformance.adapters.python_sdk import PythonSdkAdapter
from conformance.processes import run_process

__all__ = [
    "Environment",
    "EnvironmentChecks",
    "pip_check",
    "planned_environments",
    "python_clients",
]

PipStatus = Literal["clean", "conflicts", "unavailable"]
#: Seconds ``pip check`` may take (it reads installed metadata only; a few seconds at most).
PIP_CHECK_TIMEOUT = 120.0
#: Lines of ``pip check`` output kept per environment.
MAX_PROBLEMS = 50
HARNESS = "harness"


@dataclass(frozen=True)
class Environment:
    """One interpreter of the run and what ``pip check`` said about it."""

    role: str
    python: str
    shared_with_harness: bool
    pip_check: PipStatus
    problems: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "role": self.role,
            "python": self.python,
            "shared_with_harness": self.shared_with_harness,
            "pip_check": self.pip_check,
            "problems": list(self.problems),
        }


def pip_check(python: str) -> tuple[PipStatus, tuple[str, ...]]:
    """``python -m pip check``: its status and the lines it printed (or why it could not run)."""
    result = run_process(
        [python, "-m", "pip", "check"],
        env={**scrubbed(), "PIP_DISABLE_PIP_VERSION_CHECK": "1", "PIP_NO_INPUT": "1"},
        cwd=Path(tempfile.gettempdir()),
        timeout=PIP_CHECK_TIMEOUT,
    )
    lines = tuple(line.strip() for line in (result.stdout + result.stderr).splitlines() if line.strip())
    if result.start_error:
        return "unavailable", (result.start_error,)
    if result.timed_out:
        return "unavailable", (f"pip check did not finish within {PIP_CHECK_TIMEOUT:g} s",)
    if result.exit_code == 0:
        return "clean", ()
    markers = ("has requirement", "is not supported", "which is not installed")
    if any(marker in line for line in lines for marker in markers):
        return "conflicts", lines[:MAX_PROBLEMS]
    return "unavailable", lines[-3:] or (f"pip check exited {result.exit_code}",)


def planned_environments(python_clients: Iterable[tuple[str, str | None]]) -> list[tuple[str, str, bool]]:
    """``(role, interpreter, shared)`` for the harness and each Python client ``(label, interpreter)``.

    A client without an interpreter of its own runs inside the harness (shared).
    """
    harness = sys.executable
    planned = [(HARNESS, harness, True)]
    for label, interpreter in python_clients:
        planned.append((label, interpreter or harness, interpreter is None))
    return planned


def python_clients(slots: Iterable[Any]) -> list[tuple[str, str | None]]:
    """``(label, interpreter or None)`` of each available ``python-sdk`` adapter slot of a session."""
    return [
        (str(slot.label), slot.adapter.interpreter)
        for slot in slots
        if slot.available and isinstance(slot.adapter, PythonSdkAdapter)
    ]


class EnvironmentChecks:
    """Runs the ``pip check`` of each planned interpreter in the background while the cases run."""

    def __init__(self, planned: Sequence[tuple[str, str, bool]]) -> None:
        self.planned = list(planned)
        self._pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="pip-check")
        self._checks: dict[str, Future[tuple[PipStatus, tuple[str, ...]]]] = {}
        for _role, python, _shared in self.planned:
            key = str(Path(python).expanduser())
            if key not in self._checks:
                self._checks[key] = self._pool.submit(pip_check, key)

    def results(self) -> list[Environment]:
        """Every planned environment with its check (waits for the checks still running)."""
        found: list[Environment] = []
        for role, python, shared in self.planned:
            try:
                status, problems = self._checks[str(Path(python).expanduser())].result()
            except Exception as error:  # a check that could not run is reported, never fatal
                status, problems = "unavailable", (f"{type(error).__name__}: {error}",)
            found.append(Environment(role, python, shared and role != HARNESS, status, problems))
        self._pool.shutdown(wait=True)
        return found

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
