"""Where a whole ``dw-conformance run`` spends its CPU: cProfile in every thread, on CPU time.

Run from the repository root::

    .venv/bin/python benchmarks/profile_run.py [--dw PATH] [--jobs 1] [--top 30] [-- RUN OPTIONS...]

It runs ``dw-conformance run --adapter cli=DW --fixtures CORPUS --no-scenarios
--jobs N`` in this process (the real ``dw`` on the CLI's 60-fixture corpus,
as ``cli_overhead.py``; ``--dw`` or the one ``tests/support/real_clients.py``
builds), with one :class:`cProfile.Profile` per thread (the main thread, the
worker pool, the proxy's event loop, the output readers), each timed with
:func:`time.thread_time`: **CPU time of that thread**, not wall time. A
blocked ``read`` or ``poll`` costs nothing, which is what a shared 2-core
machine needs: wall-clock ratios move with the other work on it, the CPU a
function burns does not (much). Sampling profilers that count a thread
blocked in ``os.read`` as busy (py-spy under load does) overstate the
waiting threads.

It prints the CPU seconds per thread role and per phase (before the first
case, the cases, after the last case), then the functions with the most
CPU time of their own and the most cumulative CPU time, over all threads.
``--save FILE`` keeps the merged profile for ``pstats``/``snakeviz``. The
``dw`` processes are separate and not profiled (their CPU is printed from
``RUSAGE_CHILDREN``). Exits 0 either way: a benchmark is not a test.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import re
import resource
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve()
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
UPSTREAM_CORPUS = ROOT.parent / "shared" / "upstream" / "cli" / "tests" / "fixtures" / "control-plane"

_profiles: list[tuple[str, cProfile.Profile]] = []
#: CPU seconds per thread role, measured at each thread's end (with or without the profiler).
_thread_cpu_seconds: dict[str, float] = {}
_lock = threading.Lock()


def _role(name: str) -> str:
    """A thread's name without its number: ``dw-case_1`` -> ``dw-case``, ``Thread-3 (x)`` -> ``Thread``."""
    return re.sub(r"[-_ ]?\d+.*$", "", name) or name


def _watch_threads(profiled: bool) -> None:
    """Every thread started from now on notes its CPU time at its end, and runs under a profiler if asked."""
    original = threading.Thread.run

    def run(thread: threading.Thread) -> None:
        profile = cProfile.Profile(time.thread_time)
        role = _role(thread.name)
        if profiled:
            with _lock:
                _profiles.append((role, profile))
            profile.enable()
        try:
            original(thread)
        finally:
            if profiled:
                profile.disable()
            with _lock:
                _thread_cpu_seconds[role] = _thread_cpu_seconds.get(role, 0.0) + time.thread_time()

    threading.Thread.run = run  # type: ignore[method-assign]


def _thread_cpu(profile: cProfile.Profile) -> float:
    stats = pstats.Stats(profile)
    return float(stats.total_tt)  # type: ignore[attr-defined]


def _table(stats: pstats.Stats, key: str, top: int) -> str:
    out = io.StringIO()
    stats.stream = out  # type: ignore[attr-defined]
    stats.sort_stats(key).print_stats(top)
    lines = out.getvalue().splitlines()
    start = next((i for i, line in enumerate(lines) if line.lstrip().startswith("ncalls")), 0)
    shown = (line.replace(str(ROOT) + "/", "").replace(sys.prefix, "<venv>") for line in lines[start:])
    return "\n".join(shown)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dw", type=Path, help="the dw executable (default: built from ../shared)")
    parser.add_argument("--fixtures", type=Path, default=UPSTREAM_CORPUS)
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--save", type=Path, help="write the merged profile here (pstats format)")
    parser.add_argument(
        "--no-profile", action="store_true", help="no profiler: the CPU per phase as a plain run spends it"
    )
    parser.add_argument("run_options", nargs="*", help="more options for dw-conformance run (after --)")
    args = parser.parse_args(argv)
    scratch = Path(tempfile.mkdtemp(prefix="dw-profile-"))
    dw = args.dw
    if dw is None:
        from support.real_clients import real_dw

        dw = real_dw(scratch / "dw")

    started = time.perf_counter()
    main_profile = cProfile.Profile(time.thread_time)
    _watch_threads(profiled=not args.no_profile)
    if not args.no_profile:
        _profiles.append(("MainThread", main_profile))
        main_profile.enable()
    from conformance import executor
    from conformance.cli import main as cli_main

    marks: list[float] = []
    cpu_marks: list[float] = []
    run_case = executor.CaseExecutor.run

    def timed(case_executor: Any, plan: Any) -> Any:
        marks.append(time.perf_counter())
        cpu_marks.append(time.process_time())
        try:
            return run_case(case_executor, plan)
        finally:
            marks.append(time.perf_counter())
            cpu_marks.append(time.process_time())

    executor.CaseExecutor.run = timed  # type: ignore[method-assign]
    code = cli_main(
        ["run", "--adapter", f"cli={dw}", "--fixtures", str(args.fixtures), "--jobs", str(args.jobs),
         "--report-dir", str(scratch / "reports"), "--no-scenarios", *args.run_options]
    )  # fmt: skip
    main_profile.disable()
    ended = time.perf_counter()
    process_cpu = time.process_time()
    children = resource.getrusage(resource.RUSAGE_CHILDREN)

    note = "" if args.no_profile else " (profiled: slower)"
    print(f"run exit code {code}; wall {ended - started:.2f} s{note}")
    if marks:
        print(
            f"phases (CPU of this process): before the first case {cpu_marks[0]:.2f} s, cases "
            f"{max(cpu_marks) - cpu_marks[0]:.2f} s, after the last case {process_cpu - max(cpu_marks):.2f} s"
        )
        print(
            f"phases (wall): before the first case {min(marks) - started:.2f} s, cases "
            f"{max(marks) - min(marks):.2f} s, after the last case {ended - max(marks):.2f} s"
        )
    dw_cpu = children.ru_utime + children.ru_stime
    print(f"CPU of this process {process_cpu:.2f} s; dw processes {dw_cpu:.2f} s")
    roles = {"MainThread": time.thread_time(), **_thread_cpu_seconds}
    print("CPU per thread role: " + ", ".join(f"{role} {seconds:.2f} s" for role, seconds in roles.items()))
    if args.no_profile:
        return 0
    by_role: dict[str, float] = {}
    for role, profile in _profiles:
        by_role[role] = by_role.get(role, 0.0) + _thread_cpu(profile)
    merged = pstats.Stats(main_profile)
    for _role_name, profile in _profiles[1:]:
        merged.add(profile)
    if args.save:
        merged.dump_stats(str(args.save))
        for role in sorted({role for role, _ in _profiles}):
            per_role = [profile for name, profile in _profiles if name == role]
            stats = pstats.Stats(per_role[0])
            for profile in per_role[1:]:
                stats.add(profile)
            stats.dump_stats(f"{args.save}.{role}")

    print("CPU per thread role (profiled, with the profiler's own cost):")
    for role, seconds in sorted(by_role.items(), key=lambda item: -item[1]):
        print(f"  {role:<24} {seconds:6.2f} s")
    print(f"\nmost CPU of their own (tottime, all threads, top {args.top}):")
    print(_table(merged, "tottime", args.top))
    print(f"\nmost cumulative CPU (cumtime, all threads, top {args.top}):")
    print(_table(merged, "cumulative", args.top))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
