"""The ``cli`` adapter: runs a ``dw`` executable as a subprocess.

Design decisions:

- **Which executable.** The first of: the adapter argument
  (``--adapter cli=PATH``), the run option ``dw_path`` (``--dw PATH``), the
  ``DW_CLI`` environment variable, ``dw`` on ``PATH``. A value with a path
  separator is a file (relative to the current directory); a bare name is
  looked up on ``PATH``. When nothing usable is found the adapter is
  *unavailable* with one plain reason; it never raises at construction.
- **argv** is ``[dw, <command>, *arguments]``: the command from the operation
  table (:meth:`OperationTables.cli_command`, user-extendable data), the
  arguments from ``cli.argv`` by :mod:`conformance.adapters.cli_argv`; nothing
  is added, not even ``--json``.
- **Environment**: scrubbed and given the case's connection by
  :mod:`conformance.adapters.child_env`.
- **Process**: :func:`conformance.processes.run_process` (own process group,
  stdin closed, cwd the case's scratch directory, the whole group killed on
  time-out with the partial output kept).
- **Outcome**: exit 0 is ``completed``, any other exit ``client_error``
  (exit 8 means the CLI refused the server's handshake, and ``detail`` says
  so); stdout that is one JSON document is parsed into ``output``. The
  reading of the finished process is the one the three subprocess adapters
  share (:mod:`conformance.adapters.process_outcome`).
- **Error surface**: on ``client_error`` the outcome's ``error_surface`` is
  ``{"exit_code", "json", "stderr"}``: ``json`` is the ``--json`` error
  envelope ``dw`` prints on stdout (``None`` when stdout is not one JSON
  document, e.g. without ``--json``).
- **Walks**: with ``case.drive.walk`` the walk flag of the operation
  (``walks.yaml``: ``--all`` for ``schedule:history``; nothing for
  ``workflow:history``, which always walks) is appended unless the fixture's
  argv has it already; ``output`` is then the collapsed envelope ``dw``
  prints. An operation ``dw`` cannot walk is ``skipped`` with the reason.
- **Identity**: ``dw --version`` under a short time limit (failure tolerated:
  the version is then ``unknown``) and the resolved path.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any

from conformance.adapters.base import Adapter, Availability, CaseInput, ClientIdentity, ClientOutcome
from conformance.adapters.child_env import client_environment, scrubbed
from conformance.adapters.cli_argv import build_argv
from conformance.adapters.process_outcome import ProcessWording, process_outcome
from conformance.adapters.walks import no_walk_reason, walk_for
from conformance.fixture import Fixture
from conformance.problems import InputError
from conformance.processes import ProcessResult, run_process

#: The exit code with which ``dw`` refuses an incompatible server handshake.
HANDSHAKE_REFUSED_EXIT = 8
VERSION_TIMEOUT_SECONDS = 10.0
WORDING = ProcessWording(
    start_failed="dw could not be started: {error}",
    timed_out=(
        "dw did not finish within {timeout} s; its process group was killed (partial stdout/stderr kept)"
    ),
)
_VERSION_PATTERN = re.compile(r"\bv?(\d+\.\d+(?:\.\d+)?(?:[-+.][0-9A-Za-z.\-+]*)?)")


def parse_json_output(text: str) -> Any:
    """The JSON document ``text`` holds (surrounding whitespace allowed), else ``None``."""
    stripped = text.strip()
    if not stripped or stripped[0] not in "{[":
        return None
    try:
        return json.loads(stripped)
    except ValueError:
        return None


def version_from_banner(banner: str) -> str:
    """The version number in ``dw --version`` output (``Durable Workflow CLI 0.4.1`` -> ``0.4.1``)."""
    first_line = next((line.strip() for line in banner.splitlines() if line.strip()), "")
    match = _VERSION_PATTERN.search(first_line)
    if match:
        return match.group(1)
    return first_line[:80] or "unknown"


class DwCliAdapter(Adapter):
    name = "cli"
    projection = "cli"
    target = "cli_json_client"

    def __init__(self, arg: str | None = None, **options: Any) -> None:
        super().__init__(arg, **options)
        self._executable: Path | None = None
        self._reason = ""
        self._identity: ClientIdentity | None = None
        self._resolve()

    # ----------------------------------------------------------- discovery
    def _candidate(self) -> tuple[str, str] | None:
        """``(value, where it came from)`` of the first configured executable."""
        if self.arg:
            return self.arg, "--adapter cli=PATH"
        dw_path = self.options.get("dw_path")
        if dw_path:
            return str(dw_path), "--dw"
        from_env = os.environ.get("DW_CLI")
        if from_env:
            return from_env, "DW_CLI"
        return None

    def _resolve(self) -> None:
        candidate = self._candidate()
        if candidate is None:
            found = shutil.which("dw")
            if found is None:
                self._reason = "no dw executable found: pass --dw PATH, set DW_CLI, or put dw on PATH"
                return
            self._executable = Path(found).absolute()
            return
        value, source = candidate
        if os.sep in value or (os.altsep and os.altsep in value):
            path = Path(value).expanduser().absolute()
            if not path.exists():
                self._reason = f"{source} {value}: no such file"
            elif path.is_dir():
                self._reason = f"{source} {value}: is a directory, not a dw executable"
            elif not os.access(path, os.X_OK):
                self._reason = f"{source} {value}: not executable"
            else:
                self._executable = path
            return
        found = shutil.which(value)
        if found is None:
            self._reason = f"{source} {value}: not found on PATH"
            return
        self._executable = Path(found).absolute()

    @property
    def executable(self) -> Path | None:
        """The resolved ``dw`` (``None`` when unavailable)."""
        return self._executable

    def check_available(self) -> Availability:
        if self._executable is None:
            return Availability(False, self._reason)
        return Availability(True)

    def identity(self) -> ClientIdentity:
        if self._identity is not None:
            return self._identity
        if self._executable is None:
            return ClientIdentity("dw", "unknown", self._reason)
        result = run_process(
            [str(self._executable), "--version"],
            env=scrubbed(),
            cwd=Path(tempfile.gettempdir()),
            timeout=VERSION_TIMEOUT_SECONDS,
        )
        version = "unknown"
        if result.exit_code == 0 and not result.timed_out:
            version = version_from_banner(result.stdout or result.stderr)
        self._identity = ClientIdentity("dw", version, f"binary at {self._executable}")
        return self._identity

    # ----------------------------------------------------------- running
    def command_line(self, fixture: Fixture, case: CaseInput) -> list[str]:
        """The full argv for ``fixture``; :class:`InputError` for a malformed ``cli.argv``."""
        projection = fixture.projection(self.projection_key) or {}
        executable = str(self._executable) if self._executable is not None else "dw"
        command = case.operations.cli_command(fixture.operation)
        return build_argv(executable, command, projection.get("argv"), file=str(fixture.path))

    def walk_flag(self, case: CaseInput) -> tuple[bool, str | None]:
        """``(can walk, flag to add)`` for ``case``'s operation when the drive asks for a walk."""
        walk = walk_for(case.fixture.operation)
        if walk is None or walk.cli is None:
            return False, None
        return True, walk.cli.flag

    def run(self, case: CaseInput) -> ClientOutcome:
        if self._executable is None:
            return ClientOutcome("harness_error", detail=f"the cli adapter is unavailable: {self._reason}")
        try:
            argv = self.command_line(case.fixture, case)
        except InputError as error:
            return ClientOutcome("harness_error", detail=str(error))
        if case.drive.walk:
            can_walk, flag = self.walk_flag(case)
            if not can_walk:
                return ClientOutcome("skipped", detail=no_walk_reason(case.fixture.operation, "dw"))
            if flag is not None and not any(arg == flag or arg.startswith(flag + "=") for arg in argv[2:]):
                argv.append(flag)
        if case.drive.machine_output and not any(
            arg == "--json" or arg.startswith("--output") for arg in argv[2:]
        ):
            argv.append("--json")
        case.work_dir.mkdir(parents=True, exist_ok=True)
        result = run_process(
            argv,
            env=client_environment(case.server_url, case.namespace, case.token),
            cwd=case.work_dir,
            timeout=case.timeout,
        )
        outcome = process_outcome(
            result, wording=WORDING, shown_timeout=case.timeout, finished=finished_outcome
        )
        if outcome.status == "timeout":
            outcome.output = parse_json_output(result.stdout)
        return outcome.redacted([case.token])


def cli_error_surface(exit_code: int | None, stdout: str, stderr: str) -> dict[str, Any]:
    """What ``dw`` surfaced on an error: its exit code, its ``--json`` stdout parsed (or ``None``), stderr."""
    return {"exit_code": exit_code, "json": parse_json_output(stdout), "stderr": stderr}


def finished_outcome(result: ProcessResult) -> ClientOutcome:
    """The outcome of a ``dw`` run that ended by itself: its exit code decides."""
    outcome = ClientOutcome(
        status="completed",
        duration=result.duration,
        exit_code=result.exit_code,
        stdout=result.stdout,
        stderr=result.stderr,
        output=parse_json_output(result.stdout),
    )
    if result.exit_code == HANDSHAKE_REFUSED_EXIT:
        outcome.status = "client_error"
        outcome.detail = (
            f"dw exited with {HANDSHAKE_REFUSED_EXIT}: it refused the server's compatibility handshake "
            "(GET /api/cluster/info did not advertise a control plane it supports)"
        )
    elif result.exit_code != 0:
        outcome.status = "client_error"
        outcome.detail = f"dw exited with {result.exit_code}"
    if outcome.status == "client_error":
        outcome.error_surface = cli_error_surface(result.exit_code, result.stdout, result.stderr)
    return outcome
