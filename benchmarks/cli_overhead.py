"""What the harness costs on top of the ``dw`` CLI itself: the real ``dw`` beside the fake one.

Run from the repository root::

    .venv/bin/python benchmarks/cli_overhead.py [--dw PATH] [--repeat 3]

Clients, each measured against its own floor in this one run:

- **real dw**: ``--dw PATH``, else the one ``tests/support/real_clients.py``
  builds from ``../shared/upstream/cli`` (Debian's PHP and Symfony packages),
  on the CLI's own corpus (``../shared/upstream/cli/tests/fixtures/control-plane``,
  60 fixtures). Left out, with the reason printed, when neither is available.
- **fake dw**: the test suite's ``tests/support/fake_dw.py`` (started by this
  interpreter with ``-I``: no version manager's shim) on seven synthetic
  copies of the shipped corpus (63 fixtures, see ``harness_overhead.py``).

For each client:

- **floor**: the same ``dw`` calls made one after another against a bare
  local stub, with no recording proxy, no judging, no reports. The argv is
  the harness's own (:func:`conformance.adapters.cli_argv.build_argv` with
  the operation tables), the environment the harness's own
  (:func:`conformance.adapters.child_env.client_environment`), and the stub
  (a plain ``socketserver`` on 127.0.0.1, HTTP/1.1 keep-alive) answers with
  the harness's :class:`~conformance.proxy.stub.StubServer` decisions and
  exactly the header lines the recording proxy sends (the profile's headers
  and ``content-length``), so ``dw`` behaves the same way and makes the same
  requests; the script checks that the request count matches the harness's.
  Each call is ``subprocess.run`` with a blocking wait: the client's own cost.
- **proxy floor**: the same calls, ``--jobs 1`` and ``--jobs 2``, through the
  harness's own mitmproxy engine (:class:`conformance.proxy.engine.MitmEngine`,
  one listener per worker) with one addon that answers exactly like the bare
  stub, in a fresh process timed from spawn to exit like the harness, less
  the time it spent loading the fixtures. No recording, judging, HAR files,
  reports, process groups or ``pip check``: what any harness built on an
  in-process mitmproxy pays before doing its own work (interpreter start,
  mitmproxy's import and start, the proxy's latency on every request). The
  report prints the harness's own share as the difference.
- **harness**: ``dw-conformance run --adapter cli=DW --jobs 1`` and
  ``--jobs 2`` in a child process, wall time from process start to exit
  (interpreter start, imports, ``dw --version``, proxy start, every case,
  every report and HAR file), and its peak RSS (``ru_maxrss``; the ``dw``
  processes are not counted).
- **start-up**: from spawning the harness process to the start of its first
  case (interpreter, imports, loading and validating the fixtures and the
  profile, ``dw --version``, proxy start), and **finish**: from the end of the
  last case to the process's exit (parity, reports, HAR, proxy stop). The
  child wraps :meth:`CaseExecutor.run` to note the first start and the last
  end (wall clock). What remains of the ``--jobs 1`` time beyond start-up,
  finish and the floor is what the harness adds *per case*; the clients' own
  time inside the harness (``client`` in ``result.json``) splits that into
  time the clients took longer (proxy latency, process handling) and the
  harness's work between clients.

Each measurement is repeated ``--repeat`` times, interleaved (floor, harness
at jobs 1, proxy floor at jobs 1, harness at jobs 2, proxy floor at jobs 2,
floor, ...), and the best of each is kept: the machine is shared,
and the best run is the one least disturbed by other work. The load average
is printed before and after.

Bytecode: the children keep compiled modules in a private cache
(``PYTHONPYCACHEPREFIX`` under the benchmark's scratch directory, filled once
before measuring, ``PYTHONDONTWRITEBYTECODE`` lifted for them), as an
installed package has its ``.pyc`` files. Without it, an environment that sets
``PYTHONDONTWRITEBYTECODE`` over an editable install compiles the project on
every start and adds that to the start-up.

Targets (issue 16, 2-core machine, real dw): jobs 1 at most 1.25 x the floor,
jobs 2 at most 0.7 x the floor, start-up under 1 s, peak memory unchanged or
lower (:data:`PEAK_MB_BEFORE`, measured before the speed work). The script
exits 0 either way (a benchmark is not a test).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import socketserver
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from http import HTTPStatus
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve()
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE.parent))
UPSTREAM_CORPUS = ROOT.parent / "shared" / "upstream" / "cli" / "tests" / "fixtures" / "control-plane"
TOKEN = "bench-token-7a3e"
FAKE_COPIES = 7
JOBS1_TARGET = 1.25
JOBS2_TARGET = 0.7
STARTUP_TARGET_S = 1.0
#: Peak RSS of ``run --adapter cli`` on the CLI's corpus before the speed work (this script, 2026-11-29).
PEAK_MB_BEFORE = 84.0


# ---------------------------------------------------------------- the bare stub
class BareStub:
    """HTTP/1.1 keep-alive server on 127.0.0.1 answering like the recording proxy's stub, nothing else."""

    def __init__(self) -> None:
        from conformance.proxy.profile import load_profile
        from conformance.proxy.stub import StubServer

        self.stub = StubServer(load_profile(None))
        self.fixture: Any = None
        self.requests = 0
        owner = self

        class Handler(socketserver.StreamRequestHandler):
            disable_nagle_algorithm = True

            def handle(self) -> None:
                while owner._serve_one(self.rfile, self.wfile):
                    pass

        class Server(socketserver.ThreadingTCPServer):
            daemon_threads = True
            allow_reuse_address = True

        self.server = Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def _serve_one(self, rfile: Any, wfile: Any) -> bool:
        line = rfile.readline(65536)
        if not line:
            return False
        method, target, _version = line.decode("latin-1").split(" ", 2)
        length = 0
        while True:
            header = rfile.readline(65536)
            if header in (b"\r\n", b"\n", b""):
                break
            name, _, value = header.decode("latin-1").partition(":")
            if name.strip().lower() == "content-length":
                length = int(value.strip())
        if length:
            rfile.read(length)
        self.requests += 1
        answer = self.stub.answer(method, target, self.fixture)
        head = [f"HTTP/1.1 {answer.status} {HTTPStatus(answer.status).phrase}"]
        head += [f"{name}: {value}" for name, value in answer.headers]
        head.append(f"content-length: {len(answer.body)}")
        wfile.write(("\r\n".join(head) + "\r\n\r\n").encode("utf-8") + answer.body)
        wfile.flush()
        return True

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


# ---------------------------------------------------------------- child roles
def _cpu(who: int) -> float:
    """User + system CPU seconds of this process (RUSAGE_SELF) or of its reaped children."""
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def floor(corpus: Path, dw: Path) -> int:
    """Child role: every fixture's ``dw`` call, sequentially, against the bare stub; prints JSON figures."""
    from conformance.adapters.child_env import client_environment

    calls = _floor_calls(corpus, dw)
    stub = BareStub()
    environment = client_environment(stub.url, "default", TOKEN)
    work = Path(tempfile.mkdtemp(prefix="dw-bench-cli-floor-"))
    exits: Counter[str] = Counter()
    try:
        started = time.perf_counter()
        for fixture, argv in calls:
            stub.fixture = fixture
            completed = subprocess.run(argv, env=environment, cwd=work, stdin=subprocess.DEVNULL,
                                       capture_output=True, check=False)
            exits[str(completed.returncode)] += 1
        elapsed = time.perf_counter() - started
    finally:
        stub.close()
        shutil.rmtree(work, ignore_errors=True)
    dw_cpu = _cpu(resource.RUSAGE_CHILDREN)
    print(json.dumps({"seconds": elapsed, "calls": len(calls), "requests": stub.requests,
                      "exits": dict(exits), "dw_cpu": dw_cpu}))
    return 0


class ProxyFloor:
    """The harness's mitmproxy engine with one answering addon and nothing else: no recording, no judging.

    One reverse-proxy listener per worker; each listener answers with the
    :class:`~conformance.proxy.stub.StubServer` decisions for the fixture its
    worker is running, exactly as :class:`BareStub` does without a proxy.
    """

    def __init__(self, listeners: int) -> None:
        from conformance.proxy.engine import MitmEngine
        from conformance.proxy.profile import load_profile
        from conformance.proxy.stub import StubServer

        self.stub = StubServer(load_profile(None))
        self.fixture_on: dict[int, Any] = {}
        self.requests = 0
        self.engine = MitmEngine(lambda: [self], listeners=listeners, reverse_target="http://127.0.0.1:9",
                                 mitm_options={"connection_strategy": "lazy"})
        self.ports = self.engine.start()

    def request(self, flow: Any) -> None:
        """mitmproxy's ``request`` hook: the stub's answer for the fixture on this listener."""
        from mitmproxy import http

        self.requests += 1
        port = flow.client_conn.sockname[1]
        target = flow.request.data.path.decode("utf-8", errors="replace")
        answer = self.stub.answer(flow.request.method, target, self.fixture_on.get(port))
        headers = [(name.encode("utf-8"), value.encode("utf-8")) for name, value in answer.headers]
        flow.response = http.Response.make(answer.status, answer.body, headers)

    def close(self) -> None:
        self.engine.stop()


def _floor_calls(corpus: Path, dw: Path) -> list[tuple[Any, list[str]]]:
    """Each fixture with the ``dw`` argv the ``cli`` adapter builds for it (no CLI side: left out)."""
    from conformance.adapters.cli_argv import build_argv
    from conformance.fixture_discovery import discover
    from conformance.operations import load_tables

    tables = load_tables(None)
    calls = []
    for fixture in sorted(discover([corpus]).fixtures, key=lambda fixture: fixture.name):
        projection = fixture.projection("cli")
        if projection is not None:
            calls.append((fixture, build_argv(str(dw), tables.cli_command(fixture.operation),
                                              projection.get("argv"), file=str(fixture.path))))
    return calls


def proxy_floor(corpus: Path, dw: Path, jobs: int) -> int:
    """Child role: the floor's calls, ``jobs`` at a time, through :class:`ProxyFloor` in this process.

    The parent times the process from spawn to exit, like the harness; this
    prints how long loading the fixtures and building the argv took, which the
    parent takes off (that is the harness's work, not the proxy's).
    """
    from concurrent.futures import ThreadPoolExecutor
    from queue import SimpleQueue

    from conformance.adapters.child_env import client_environment

    loading_started = time.perf_counter()
    calls = _floor_calls(corpus, dw)
    loading = time.perf_counter() - loading_started
    proxy = ProxyFloor(jobs)
    free: SimpleQueue[int] = SimpleQueue()
    for port in proxy.ports:
        free.put(port)
    work = Path(tempfile.mkdtemp(prefix="dw-bench-cli-proxy-floor-"))

    def call(fixture: Any, argv: list[str]) -> str:
        port = free.get()
        try:
            proxy.fixture_on[port] = fixture
            environment = client_environment(f"http://127.0.0.1:{port}", "default", TOKEN)
            return str(subprocess.run(argv, env=environment, cwd=work, stdin=subprocess.DEVNULL,
                                      capture_output=True, check=False).returncode)
        finally:
            free.put(port)

    try:
        with ThreadPoolExecutor(max_workers=jobs) as pool:
            exits = list(pool.map(lambda item: call(*item), calls))
    finally:
        proxy.close()
        shutil.rmtree(work, ignore_errors=True)
    print(json.dumps({"loading": loading, "calls": len(calls), "requests": proxy.requests,
                      "exits": dict(Counter(exits))}))
    return 0


def harness(corpus: Path, dw: Path, jobs: int, report_dir: Path) -> int:
    """Child role: ``dw-conformance run --adapter cli=DW`` in this process; prints the peak RSS as JSON."""
    from conformance import executor
    from conformance.cli import main

    marks: list[float] = []
    run_case = executor.CaseExecutor.run

    def timed(case_executor: Any, plan: Any) -> Any:
        marks.append(time.time())
        try:
            return run_case(case_executor, plan)
        finally:
            marks.append(time.time())

    executor.CaseExecutor.run = timed  # type: ignore[method-assign]
    # the single-request cases only: the floor replays exactly those (scenarios have no floor here)
    code = main(["run", "--adapter", f"cli={dw}", "--fixtures", str(corpus), "--jobs", str(jobs),
                 "--token", TOKEN, "--report-dir", str(report_dir), "--no-scenarios"])
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"code": code, "peak_mb": peak_kb / 1024, "first_case": min(marks),
                      "last_case": max(marks), "exit": time.time(), "cpu": _cpu(resource.RUSAGE_SELF),
                      "dw_cpu": _cpu(resource.RUSAGE_CHILDREN)}), file=sys.stderr)
    return 0


# ---------------------------------------------------------------- parent
#: Where the children keep their bytecode (set by main; see the module docstring).
BYTECODE_CACHE: Path | None = None


def _child(*args: str) -> tuple[float, str, str, float]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DW_", "DURABLE_WORKFLOW_", "FAKE_DW_"))}
    if BYTECODE_CACHE is not None:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(BYTECODE_CACHE)
    spawned = time.time()
    started = time.perf_counter()
    completed = subprocess.run([sys.executable, str(HERE), *args], capture_output=True, text=True, env=env,
                               check=False)
    elapsed = time.perf_counter() - started
    if completed.returncode != 0:
        raise SystemExit(f"child {args[:2]} failed ({completed.returncode}):\n{completed.stderr[-3000:]}")
    return elapsed, completed.stdout, completed.stderr, spawned


@dataclass
class Figures:
    """Best-of-N figures of one client against its floor."""

    label: str
    corpus: str
    floor: list[float] = field(default_factory=list)
    j1: list[float] = field(default_factory=list)
    j2: list[float] = field(default_factory=list)
    startup: list[float] = field(default_factory=list)
    finish: list[float] = field(default_factory=list)
    client: list[float] = field(default_factory=list)
    #: CPU seconds: the dw processes of the floor; the harness process and its dw processes at jobs 1.
    floor_cpu: list[float] = field(default_factory=list)
    harness_cpu: list[float] = field(default_factory=list)
    harness_dw_cpu: list[float] = field(default_factory=list)
    peak_mb: list[float] = field(default_factory=list)
    #: The proxy floor (:class:`ProxyFloor`): spawn to exit, less the fixture loading, at jobs 1 and 2.
    proxy_j1: list[float] = field(default_factory=list)
    proxy_j2: list[float] = field(default_factory=list)
    #: Requests and exit codes (code -> calls) per run: the bare floor's, and the proxy floor's per jobs.
    floor_exits: dict[str, int] = field(default_factory=dict)
    proxy_requests: dict[int, int] = field(default_factory=dict)
    proxy_exits: dict[int, dict[str, int]] = field(default_factory=dict)
    calls: int = 0
    floor_requests: int = 0
    harness_requests: int = 0
    summary: dict[str, int] = field(default_factory=dict)


def _harness_run(figures: Figures, corpus: Path, dw: Path, jobs: int, base: Path) -> None:
    report_dir = base / f"reports-j{jobs}"
    wall, _, err, spawned = _child("--role", "harness", "--corpus", str(corpus), "--dw", str(dw),
                                   "--jobs", str(jobs), "--report-dir", str(report_dir))
    document = json.loads((report_dir / "result.json").read_text(encoding="utf-8"))
    child = json.loads(err.strip().splitlines()[-1])
    figures.peak_mb.append(child["peak_mb"])
    cases = document["cases"]
    figures.summary = {key: document["summary"][key] for key in ("pass", "fail", "error", "skipped")}
    figures.harness_requests = sum(
        len(case["ancillary"]) + (1 if case["request"] is not None else 0) for case in cases
    )
    if jobs == 1:
        figures.j1.append(wall)
        figures.startup.append(child["first_case"] - spawned)
        figures.finish.append(spawned + wall - child["last_case"])
        figures.client.append(sum((case["client"] or {}).get("duration_seconds", 0.0) for case in cases))
        figures.harness_cpu.append(child["cpu"])
        figures.harness_dw_cpu.append(child["dw_cpu"])
    else:
        figures.j2.append(wall)
    shutil.rmtree(report_dir, ignore_errors=True)


def _proxy_floor_run(figures: Figures, corpus: Path, dw: Path, jobs: int) -> None:
    wall, out, _, _ = _child("--role", "proxy-floor", "--corpus", str(corpus), "--dw", str(dw),
                             "--jobs", str(jobs))
    child = json.loads(out.strip().splitlines()[-1])
    (figures.proxy_j1 if jobs == 1 else figures.proxy_j2).append(wall - child["loading"])
    figures.proxy_requests[jobs] = child["requests"]
    figures.proxy_exits[jobs] = child["exits"]


def measure(label: str, dw: Path, corpus: Path, repeat: int, base: Path) -> Figures:
    figures = Figures(label, str(corpus))
    for _ in range(repeat):
        _, out, _, _ = _child("--role", "floor", "--corpus", str(corpus), "--dw", str(dw))
        floor_figures = json.loads(out.strip().splitlines()[-1])
        figures.floor.append(floor_figures["seconds"])
        figures.calls = floor_figures["calls"]
        figures.floor_requests = floor_figures["requests"]
        figures.floor_exits = floor_figures["exits"]
        figures.floor_cpu.append(floor_figures["dw_cpu"])
        for jobs in (1, 2):
            _harness_run(figures, corpus, dw, jobs, base)
            _proxy_floor_run(figures, corpus, dw, jobs)
    return figures


def _warm_up() -> None:
    """Fill the children's bytecode cache once, so that no measured run compiles modules."""
    _child("--role", "warm-up")
    _child("--role", "warm-up")


def find_real_dw(given: Path | None, base: Path) -> tuple[Path | None, str]:
    """The real ``dw`` to measure and where it came from, or None and why not."""
    if given is not None:
        return given.absolute(), f"--dw {given}"
    try:
        import pytest

        from tests.support import real_clients
    except ImportError as error:
        return None, f"tests/support/real_clients.py cannot be imported ({error}); pass --dw PATH"
    try:
        return real_clients.real_dw(base / "real-dw"), "built from ../shared/upstream/cli"
    except (pytest.skip.Exception, pytest.fail.Exception) as error:
        return None, f"no real dw: {error}"


def _load() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


def _met(ok: bool) -> str:
    return "MET" if ok else "MISSED"


def _best(values: list[float]) -> float:
    return min(values) if values else float("nan")


def report(rows: list[Figures]) -> None:
    print(f"{'client':<8} {'corpus':<14} {'calls':>5} {'floor s':>8} {'jobs1 s':>8} {'ratio':>6} "
          f"{'jobs2 s':>8} {'ratio':>6} {'start s':>7} {'finish s':>8} {'+ms/case':>8} {'client+':>8} "
          f"{'peak MB':>8}")
    for row in rows:
        floor_s, j1, j2 = _best(row.floor), _best(row.j1), _best(row.j2)
        startup, finish = _best(row.startup), _best(row.finish)
        per_case = 1000 * (j1 - startup - finish - floor_s) / max(1, row.calls)
        client_more = 1000 * (_best(row.client) - floor_s) / max(1, row.calls)
        corpus = Path(row.corpus).name if row.label != "fake dw" else f"shipped x{FAKE_COPIES}"
        print(f"{row.label:<8} {corpus[:14]:<14} {row.calls:>5} {floor_s:>8.2f} {j1:>8.2f} "
              f"{j1 / floor_s:>6.2f} {j2:>8.2f} {j2 / floor_s:>6.2f} {startup:>7.2f} {finish:>8.2f} "
              f"{per_case:>8.1f} {client_more:>8.1f} {max(row.peak_mb):>8.0f}")
    print("  (best of each; floor: the dw calls alone, sequential, bare stub; jobs N: the whole command,")
    print("   start to exit; start/finish: process start to the first case, last case to exit;")
    print("   +ms/case: jobs 1 minus start, finish and floor, per case; client+: of that, how much longer")
    print("   the clients themselves took inside the harness, per case)")
    for row in rows:
        ratios = "/".join(f"{j1 / floor_s:.2f}" for j1, floor_s in zip(row.j1, row.floor, strict=True))
        print(f"  {row.label}: runs floor {_seconds(row.floor)}, jobs 1 {_seconds(row.j1)}, "
              f"jobs 2 {_seconds(row.j2)}, start-up {_seconds(row.startup)}; jobs 1 / floor per round "
              f"{ratios}; requests floor {row.floor_requests} / harness {row.harness_requests}; "
              f"outcomes {row.summary}")
        print(f"  {row.label}: CPU (best) dw in the floor {_best(row.floor_cpu):.2f} s; jobs 1: dw "
              f"{_best(row.harness_dw_cpu):.2f} s, harness process {_best(row.harness_cpu):.2f} s")
        floor_s = _best(row.floor)
        print(f"  {row.label}: proxy floor (the same calls through the harness's mitmproxy engine alone, "
              f"spawn to exit): jobs 1 {_best(row.proxy_j1):.2f} s = {_best(row.proxy_j1) / floor_s:.2f} x, "
              f"jobs 2 {_best(row.proxy_j2):.2f} s = {_best(row.proxy_j2) / floor_s:.2f} x "
              f"(runs {_seconds(row.proxy_j1)} / {_seconds(row.proxy_j2)}; requests {row.proxy_requests})")
        for jobs in sorted(row.proxy_requests):
            requests, exits = row.proxy_requests[jobs], row.proxy_exits[jobs]
            if requests != row.floor_requests or exits != row.floor_exits:
                print(f"  WARNING: {row.label}: the proxy floor at jobs {jobs} made {requests} requests "
                      f"with exit codes {exits}, the bare floor {row.floor_requests} with "
                      f"{row.floor_exits}: not the same work")
    real = next((row for row in rows if row.label == "real dw"), None)
    if real is None:
        return
    floor_s = _best(real.floor)
    ratio1, ratio2 = _best(real.j1) / floor_s, _best(real.j2) / floor_s
    startup, peak = _best(real.startup), max(real.peak_mb)
    print()
    print("targets (real dw, whole command against its floor):")
    print(f"  jobs 1 at most {JOBS1_TARGET} x the floor: {ratio1:.2f} x -> {_met(ratio1 <= JOBS1_TARGET)}")
    print(f"  jobs 2 at most {JOBS2_TARGET} x the floor: {ratio2:.2f} x -> {_met(ratio2 <= JOBS2_TARGET)}")
    print(f"  start-up under {STARTUP_TARGET_S:g} s: {startup:.2f} s -> {_met(startup < STARTUP_TARGET_S)}")
    print(f"  peak memory unchanged or lower (before: {PEAK_MB_BEFORE:.0f} MB): {peak:.0f} MB -> "
          f"{_met(peak <= PEAK_MB_BEFORE * 1.05)}")
    proxy1, proxy2 = _best(real.proxy_j1) / floor_s, _best(real.proxy_j2) / floor_s
    print(f"  of which the proxy floor alone: jobs 1 {proxy1:.2f} x, jobs 2 {proxy2:.2f} x; the harness's "
          f"own share on top (fixture loading included): jobs 1 {ratio1 - proxy1:+.2f} x, "
          f"jobs 2 {ratio2 - proxy2:+.2f} x")
    if real.floor_requests != real.harness_requests:
        print(f"  WARNING: dw made {real.floor_requests} requests against the bare stub and "
              f"{real.harness_requests} through the harness: the floor is not the same work")


def _seconds(values: list[float]) -> str:
    return "/".join(f"{value:.2f}" for value in values)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--role", choices=("floor", "proxy-floor", "harness", "warm-up"),
                        help=argparse.SUPPRESS)
    parser.add_argument("--corpus", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--jobs", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("--report-dir", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--dw", type=Path, help="the real dw to measure (default: built from ../shared)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each measurement; the best is kept")
    parser.add_argument("--no-fake", action="store_true", help="measure the real dw only")
    parser.add_argument("--upstream-corpus", type=Path, default=UPSTREAM_CORPUS,
                        help="the corpus the real dw runs (default: the CLI's, from ../shared/upstream)")
    args = parser.parse_args()
    if args.role == "floor":
        return floor(args.corpus, args.dw)
    if args.role == "proxy-floor":
        return proxy_floor(args.corpus, args.dw, args.jobs)
    if args.role == "harness":
        return harness(args.corpus, args.dw, args.jobs, args.report_dir)
    if args.role == "warm-up":
        import conformance.commands.run
        import conformance.reporting  # noqa: F401
        return 0

    from harness_overhead import build_corpus, fast_fake_dw, machine

    global BYTECODE_CACHE
    base = Path(tempfile.mkdtemp(prefix="dw-bench-cli-"))
    BYTECODE_CACHE = base / "pycache"
    started = time.perf_counter()
    print(f"machine: {machine()}")
    print(f"load average before: {_load()}")
    try:
        _warm_up()
        rows = []
        real, origin = find_real_dw(args.dw, base)
        if real is not None and args.upstream_corpus.is_dir():
            print(f"real dw: {real} ({origin})")
            rows.append(measure("real dw", real, args.upstream_corpus, args.repeat, base))
        else:
            why = origin if real is None else f"the upstream corpus {args.upstream_corpus} is absent"
            print(f"real dw: not measured: {why}")
        if not args.no_fake:
            corpus = base / "fake-corpus"
            build_corpus(corpus, FAKE_COPIES)
            rows.append(measure("fake dw", fast_fake_dw(base), corpus, args.repeat, base))
        print(f"load average after: {_load()}")
        print()
        if rows:
            report(rows)
    finally:
        shutil.rmtree(base, ignore_errors=True)
    print(f"\nbenchmark wall time: {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
