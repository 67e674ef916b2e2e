"""Running ``dw-conformance run`` for the reliability tests, and finding what it left behind.

- :func:`run_command` runs the installed console script as a **real
  subprocess** with a fresh marker in its environment
  (:data:`MARK_VARIABLE`); every process it starts inherits the marker
  (the client environment scrubs only ``DW_*``, ``DURABLE_WORKFLOW_*`` and
  proxy variables), so :func:`marked_processes` finds every descendant that
  is still alive, however it detached itself (new session, double fork).
- :func:`misbehaving_adapter` writes an ``exec`` manifest for one mode of
  ``support/misbehaving_client.py``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
FAKE_DW = ROOT / "tests" / "support" / "fake_dw.py"
MISBEHAVING = ROOT / "tests" / "support" / "misbehaving_client.py"
CONSOLE_SCRIPT = Path(sys.executable).parent / "dw-conformance"
MARK_VARIABLE = "CONFORMANCE_TEST_MARK"


def marked_processes(mark: str) -> list[int]:
    """Pids of live processes (zombies excluded: they have no environment) carrying ``mark``."""
    wanted = f"{MARK_VARIABLE}={mark}".encode()
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            environ = Path(f"/proc/{entry}/environ").read_bytes()
        except OSError:
            continue
        if wanted in environ.split(b"\0"):
            found.append(int(entry))
    return found


def survivors(mark: str, grace: float = 10.0) -> list[int]:
    """Marked processes still alive once ``grace`` seconds passed (a SIGKILLed process takes a moment)."""
    deadline = time.monotonic() + grace
    while True:
        alive = marked_processes(mark)
        if not alive or time.monotonic() > deadline:
            return alive
        time.sleep(0.05)


def clean_environment(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DW_", "DURABLE_WORKFLOW_", "FAKE_DW_"))}
    env.update(extra)
    return env


def misbehaving_adapter(
    directory: Path, mode: str, *, name: str | None = None, projection: str = "cli"
) -> Path:
    """An exec manifest running ``misbehaving_client.py MODE`` (adapter name: ``mb-<mode>``)."""
    directory.mkdir(parents=True, exist_ok=True)
    manifest = directory / f"{mode}.yaml"
    manifest.write_text(
        "adapter_protocol: 1\n"
        f"name: {name or 'mb-' + mode}\n"
        f"projection: {projection}\n"
        "target: official_sdk\n"
        f"command: [{json.dumps(sys.executable)}, {json.dumps(str(MISBEHAVING))}, {mode}]\n"
        "client: {name: misbehaving-client, version: 0.0.1}\n",
        encoding="utf-8",
    )
    return manifest


@dataclass
class Completed:
    code: int
    stdout: str
    stderr: str
    report_dir: Path
    mark: str
    left_behind: list[int] = field(default_factory=list)

    @property
    def document(self) -> dict[str, Any] | None:
        path = self.report_dir / "result.json"
        return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None

    def cases(self) -> dict[str, dict[str, Any]]:
        document = self.document
        assert document is not None, self.stderr
        return {case["id"]: case for case in document["cases"]}


def start_command(
    report_dir: Path, *args: str, scenarios: bool = False, **env: str
) -> tuple[subprocess.Popen[str], str]:
    """``dw-conformance run --report-dir REPORT_DIR ARGS`` started as a subprocess; (process, mark).

    ``scenarios=False`` (the default here) adds ``--no-scenarios``: a test about single-request cases
    counts and judges those alone. The tests of the scenarios, of determinism, of shards and of the
    real corpus pass ``scenarios=True`` and run what ``dw-conformance run`` runs by default.
    """
    mark = uuid.uuid4().hex
    flags = [] if scenarios else ["--no-scenarios"]
    process = subprocess.Popen(
        [str(CONSOLE_SCRIPT), "run", "--report-dir", str(report_dir), *flags, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=clean_environment(**{MARK_VARIABLE: mark}, **env),
    )
    return process, mark


def run_command(
    report_dir: Path, *args: str, timeout: float = 300, scenarios: bool = False, **env: str
) -> Completed:
    """Run the command to its end; ``left_behind`` lists the marked processes still alive after it."""
    process, mark = start_command(report_dir, *args, scenarios=scenarios, **env)
    stdout, stderr = process.communicate(timeout=timeout)
    return Completed(process.returncode, stdout, stderr, report_dir, mark, survivors(mark))
