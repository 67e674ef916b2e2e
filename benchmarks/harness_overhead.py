"""What the harness costs on top of the clients themselves, and how it grows with the corpus.

Run from the repository root::

    .venv/bin/python benchmarks/harness_overhead.py [--scales 1,10,100]

(For the real ``dw`` on the CLI's own corpus, see ``cli_overhead.py``.)

Corpora: the shipped corpus (1x, 9 fixtures) and synthetic copies of it at
10x and 100x: each copy gets its own file name and its own ids (workflow id,
task id, schedule id, namespace name get a ``-xNNNN`` suffix everywhere they
appear in the fixture, so the request path, body, projections and stub
reply all change together). Clients: the real Python SDK (in-process) and the
fake ``dw`` of the tests (``tests/support/fake_dw.py``, one Python process
per case, like the real CLI). The fake ``dw`` is copied with its ``#!`` line
pointing at this interpreter (``-I``), so that a version manager's shim
(pyenv's adds ~0.15 s per start) does not inflate the clients' cost: a
cheaper client makes the harness's share larger, so the ratios are the
conservative ones.

Measured, in this one run, for each scale:

- **floor**: the same client calls made directly against a bare local stub
  (a plain ``http.server`` in-process answering with the harness's own
  :class:`~conformance.proxy.stub.StubServer` decisions), sequentially, by
  the same adapters' ``run()``: no recording proxy, no judging, no reports,
  no HAR. It is the clients' own cost (SDK call, ``dw`` process start).
- **harness**: ``dw-conformance run --adapter python-sdk --adapter cli=...``
  as a subprocess, with ``--jobs 1`` and ``--jobs 2``: wall time from
  process start to exit (imports, proxy start, every case, every report
  and HAR file), and the peak RSS of the harness process (``ru_maxrss``; the
  ``dw`` children are separate processes and not counted).
- ratios harness / floor, and the **marginal** per-case cost between the two
  largest scales ((T_b - T_a) / (cases_b - cases_a)), which leaves out the
  fixed start-up cost (interpreter, mitmproxy import, proxy start) that
  dominates at 1x.

Targets (2-core machine): --jobs 1 within 25 % of the floor; --jobs 2 faster
than the floor run sequentially; linear growth; peak memory < 300 MB at 100x.
The script prints the figures and whether each target is met; it exits 0
either way (a benchmark is not a test). The whole run takes about 10 minutes on
the project's 2-core machine, most of it the clients' own time at 100x;
``--scales 1,10`` takes one.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve()
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))
FAKE_DW = ROOT / "tests" / "support" / "fake_dw.py"
CONSOLE_SCRIPT = Path(sys.executable).parent / "dw-conformance"
#: Values that identify the operation's target in the shipped corpus; suffixed per copy.
IDS = ("wf-polyglot-231", "workflow-task-231", "daily-inventory-check", "billing")
TOKEN = "bench-token-5d1c"
OVERHEAD_TARGET = 1.25
MEMORY_TARGET_MB = 300.0
#: Time per case at the largest scale over the previous one; above this, growth is not linear.
LINEAR_TOLERANCE = 1.15


# ---------------------------------------------------------------- corpora
def build_corpus(directory: Path, copies: int) -> int:
    """``copies`` copies of the shipped corpus in ``directory`` (1: the corpus itself); the file count."""
    from conformance.fixture import shipped_corpus_dir

    directory.mkdir(parents=True, exist_ok=True)
    sources = sorted(shipped_corpus_dir().glob("*.json"))
    for source in sources:
        text = source.read_text(encoding="utf-8")
        for copy in range(copies):
            if copies == 1:
                (directory / source.name).write_text(text, encoding="utf-8")
                continue
            suffix = f"-x{copy:04d}"
            copied = text
            for value in IDS:
                copied = copied.replace(value, value + suffix)
            name = source.name.replace("-parity.json", f"{suffix}-parity.json")
            (directory / name).write_text(copied, encoding="utf-8")
    return len(sources) * copies


# ---------------------------------------------------------------- child: the floor
class _BareStub:
    """A plain HTTP/1.1 server answering with StubServer's decisions for the current fixture."""

    def __init__(self) -> None:
        from conformance.proxy.profile import load_profile
        from conformance.proxy.stub import StubServer

        self.stub = StubServer(load_profile(None))
        self.fixture: Any = None
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def log_message(self, format: str, *args: object) -> None:
                return

            def _answer(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                answer = owner.stub.answer(self.command, self.path, owner.fixture)
                self.send_response(answer.status)
                for name, value in answer.headers:
                    self.send_header(name, value)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer.body)))
                self.end_headers()
                self.wfile.write(answer.body)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _answer

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def fast_fake_dw(directory: Path) -> Path:
    """``fake_dw.py`` started by this interpreter directly (no ``env`` lookup, no shim)."""
    lines = FAKE_DW.read_text(encoding="utf-8").splitlines(keepends=True)
    target = directory / "dw"
    target.write_text(f"#!{sys.executable} -I\n" + "".join(lines[1:]), encoding="utf-8")
    target.chmod(0o755)
    return target


def floor(corpus: Path, dw: Path) -> int:
    """Child role: every fixture x client called directly against the bare stub; prints JSON figures."""
    from conformance.adapters.base import CaseInput
    from conformance.adapters.dw_cli import DwCliAdapter
    from conformance.adapters.python_sdk import PythonSdkAdapter
    from conformance.fixture_discovery import discover

    fixtures = sorted(discover([corpus]).fixtures, key=lambda fixture: fixture.name)
    adapters = [PythonSdkAdapter(), DwCliAdapter(str(dw))]
    for adapter in adapters:
        adapter.identity()  # availability probes are start-up, as in the harness
    stub = _BareStub()
    work = Path(tempfile.mkdtemp(prefix="dw-bench-floor-"))
    statuses: dict[str, int] = {}
    started = time.perf_counter()
    try:
        for fixture in fixtures:
            stub.fixture = fixture
            for adapter in adapters:
                if adapter.skip_reason(fixture) is not None:
                    continue
                case = CaseInput(fixture, stub.url, "default", TOKEN, 60.0, work / "case")
                outcome = adapter.run(case)
                statuses[outcome.status] = statuses.get(outcome.status, 0) + 1
        elapsed = time.perf_counter() - started
    finally:
        stub.close()
        shutil.rmtree(work, ignore_errors=True)
    print(json.dumps({"seconds": elapsed, "cases": sum(statuses.values()), "statuses": statuses}))
    return 0


# ---------------------------------------------------------------- child: the harness
def harness(corpus: Path, dw: Path, jobs: int, report_dir: Path) -> int:
    """Child role: ``dw-conformance run`` in this process; prints the exit code and peak RSS as JSON."""
    from conformance.cli import main

    code = main(
        [
            "run", "--adapter", "python-sdk", "--adapter", f"cli={dw}", "--fixtures", str(corpus),
            "--jobs", str(jobs), "--token", TOKEN, "--report-dir", str(report_dir),
            "--no-scenarios",  # the floor makes the single requests only
        ]
    )
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"code": code, "peak_mb": peak_kb / 1024}), file=sys.stderr)
    return 0


# ---------------------------------------------------------------- parent
def _child(*args: str) -> tuple[float, str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DW_", "DURABLE_WORKFLOW_", "FAKE_DW_"))}
    started = time.perf_counter()
    completed = subprocess.run(
        [sys.executable, str(HERE), *args], capture_output=True, text=True, env=env, check=False
    )
    elapsed = time.perf_counter() - started
    if completed.returncode != 0:
        raise SystemExit(f"child {args[:2]} failed ({completed.returncode}):\n{completed.stderr[-3000:]}")
    return elapsed, completed.stdout, completed.stderr


def measure(scale: int, base: Path, dw: Path) -> dict[str, Any]:
    corpus = base / f"corpus-{scale}x"
    fixtures = build_corpus(corpus, scale)
    row: dict[str, Any] = {"scale": scale, "fixtures": fixtures}
    _, out, _ = _child("--role", "floor", "--corpus", str(corpus), "--dw", str(dw))
    floor_figures = json.loads(out.strip().splitlines()[-1])
    row["cases"] = floor_figures["cases"]
    row["floor"] = floor_figures["seconds"]
    row["floor_statuses"] = floor_figures["statuses"]
    for jobs in (1, 2):
        report_dir = base / f"reports-{scale}x-j{jobs}"
        wall, _, err = _child("--role", "harness", "--corpus", str(corpus), "--dw", str(dw),
                              "--jobs", str(jobs), "--report-dir", str(report_dir))
        figures = json.loads(err.strip().splitlines()[-1])
        document = json.loads((report_dir / "result.json").read_text(encoding="utf-8"))
        row[f"j{jobs}"] = wall
        row[f"j{jobs}_run"] = document["run"]["duration_seconds"]
        row[f"j{jobs}_peak_mb"] = figures["peak_mb"]
        counts = document["summary"]
        row[f"j{jobs}_summary"] = {key: counts[key] for key in ("pass", "fail", "error", "skipped")}
        shutil.rmtree(report_dir, ignore_errors=True)
    shutil.rmtree(corpus, ignore_errors=True)
    return row


def machine() -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
        memory_kb = next(
            int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        )
        memory = f"{memory_kb / 1024 / 1024:.1f} GiB"
    except (OSError, StopIteration, ValueError):
        memory = "unknown memory"
    python = f"Python {platform.python_version()}"
    return f"{os.cpu_count()} cores, {model}, {memory}, {python}, {platform.system()} {platform.release()}"


def _met(ok: bool) -> str:
    return "MET" if ok else "MISSED"


def report(rows: list[dict[str, Any]]) -> None:
    print(f"machine: {machine()}")
    print("clients: python-sdk (in-process, durable-workflow), "
          f"cli (tests/support/fake_dw.py run by {sys.executable} -I)")
    print()
    print(f"{'scale':>5} {'cases':>6} {'floor s':>8} {'jobs1 s':>8} {'ratio':>6} {'jobs2 s':>8} {'ratio':>6} "
          f"{'j1 run s':>8} {'j2 run s':>8} {'peak MB j1/j2':>14} {'ms/case j1':>10} {'ms/case j2':>10}")
    for row in rows:
        print(
            f"{row['scale']:>4}x {row['cases']:>6} {row['floor']:>8.2f} {row['j1']:>8.2f} "
            f"{row['j1'] / row['floor']:>6.2f} {row['j2']:>8.2f} {row['j2'] / row['floor']:>6.2f} "
            f"{row['j1_run']:>8.2f} {row['j2_run']:>8.2f} "
            f"{row['j1_peak_mb']:>6.0f}/{row['j2_peak_mb']:<7.0f} "
            f"{1000 * row['j1'] / row['cases']:>10.1f} {1000 * row['j2'] / row['cases']:>10.1f}"
        )
    print("  (floor: the client calls alone, sequential; jobs N: the whole command, start to exit;")
    print("   run s: the run as result.json times it, without interpreter start and imports)")
    for row in rows:
        print(f"  {row['scale']}x outcomes: floor {row['floor_statuses']}, jobs 1 {row['j1_summary']}, "
              f"jobs 2 {row['j2_summary']}")
    print()
    if len(rows) >= 2:
        print("growth (time at this scale / at the previous one; linear = the case factor):")
        for previous, row in itertools.pairwise(rows):
            factor = row["cases"] / previous["cases"]
            growth = {key: row[key] / previous[key] for key in ("floor", "j1", "j2")}
            print(f"  {previous['scale']}x -> {row['scale']}x (cases x{factor:.0f}): "
                  f"floor x{growth['floor']:.2f}, jobs 1 x{growth['j1']:.2f}, jobs 2 x{growth['j2']:.2f}")
        a, b = rows[-2], rows[-1]
        extra = b["cases"] - a["cases"]
        marginal = {key: 1000 * (b[key] - a[key]) / extra for key in ("floor", "j1", "j2")}
        print(f"marginal cost per case ({a['scale']}x -> {b['scale']}x, start-up left out): "
              f"floor {marginal['floor']:.1f} ms, jobs 1 {marginal['j1']:.1f} ms "
              f"({marginal['j1'] / marginal['floor']:.2f} x floor), jobs 2 {marginal['j2']:.1f} ms "
              f"({marginal['j2'] / marginal['floor']:.2f} x floor)")
        print()
    last = rows[-1]
    ratio1, ratio2 = last["j1"] / last["floor"], last["j2"] / last["floor"]
    peak = max(last["j1_peak_mb"], last["j2_peak_mb"])
    print(f"targets at {last['scale']}x (whole command against the floor):")
    print(f"  jobs 1 within 25 % of the floor: {ratio1:.2f} x -> {_met(ratio1 <= OVERHEAD_TARGET)}")
    print(f"  jobs 2 faster than the floor run sequentially: {ratio2:.2f} x -> {_met(ratio2 < 1)}")
    if len(rows) >= 2:
        a, b = rows[-2], rows[-1]
        per_case = {key: (b[key] / b["cases"]) / (a[key] / a["cases"]) for key in ("j1", "j2")}
        print(f"  linear growth (time per case at {b['scale']}x / at {a['scale']}x: "
              f"jobs 1 x{per_case['j1']:.2f}, jobs 2 x{per_case['j2']:.2f}; at most x{LINEAR_TOLERANCE}): "
              f"{_met(max(per_case.values()) <= LINEAR_TOLERANCE)}")
    print(f"  peak memory < {MEMORY_TARGET_MB:.0f} MB: {peak:.0f} MB -> {_met(peak < MEMORY_TARGET_MB)}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--role", choices=("floor", "harness"), help=argparse.SUPPRESS)
    parser.add_argument("--corpus", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--jobs", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("--report-dir", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--dw", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--scales", default="1,10,100", help="corpus sizes, multiples of the shipped corpus")
    args = parser.parse_args()
    if args.role == "floor":
        return floor(args.corpus, args.dw)
    if args.role == "harness":
        return harness(args.corpus, args.dw, args.jobs, args.report_dir)
    scales = [int(item) for item in args.scales.split(",")]
    base = Path(tempfile.mkdtemp(prefix="dw-bench-overhead-"))
    started = time.perf_counter()
    try:
        dw = fast_fake_dw(base)
        rows = []
        for scale in scales:
            rows.append(measure(scale, base, dw))
            elapsed = time.perf_counter() - started
            print(f"[{scale}x measured, {elapsed:.0f} s so far]", file=sys.stderr, flush=True)
        report(rows)
    finally:
        shutil.rmtree(base, ignore_errors=True)
    print(f"\nbenchmark wall time: {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
