"""Functional properties of the speed work (issue 16): what got faster still does the same thing.

No timed assertions here (the figures are in ``benchmarks/cli_overhead.py``):

- :func:`conformance.processes.wait_for_exit` reaps a client that exited, reports one that is still
  running at its time limit, and behaves the same where there are no pidfds;
- the recording proxy's import leaves ``mitmproxy.addons`` complete for anyone who imports it later;
- :func:`conformance.runner.run_plans` never runs more clients than ``jobs`` at once although one
  more case is in flight, and a case that waited for a slot starts no client once the run is interrupted;
- the benchmark's bare stub (the floor) answers byte for byte with the header lines the recording
  proxy's stub sends, so ``dw`` does the same work against both.
"""

from __future__ import annotations

import contextlib
import http.client
import importlib.util
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from conformance import processes
from conformance.adapters.base import CaseInput, ClientOutcome
from conformance.proxy.profile import load_profile
from conformance.proxy.recorder import RecordingProxy
from conformance.runner import RunSettings, Session, run_plans
from support.harness_run import FAKE_DW
from support.proxy import make_fixture, start_fixture_data

ROOT = Path(__file__).resolve().parents[1]
BENCHMARK = ROOT / "benchmarks" / "cli_overhead.py"


# ---------------------------------------------------------------- waiting for a client
def _start(*argv: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(list(argv), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)


@pytest.fixture(params=["pidfd", "no-pidfd", "pidfd-refused"])
def wait_variant(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run each waiting test with pidfds, without ``os.pidfd_open``, and with a kernel that refuses it."""
    variant = str(request.param)
    if variant == "pidfd" and not hasattr(os, "pidfd_open"):
        pytest.skip("os.pidfd_open is not available on this platform")
    if variant == "no-pidfd":
        monkeypatch.delattr(os, "pidfd_open", raising=False)
    if variant == "pidfd-refused":
        def refuse(pid: int, flags: int = 0) -> int:
            raise OSError(38, "Function not implemented")

        monkeypatch.setattr(os, "pidfd_open", refuse, raising=False)
    return variant


def test_a_client_that_exits_is_reaped_with_its_exit_code(wait_variant: str) -> None:
    process = _start(sys.executable, "-c", "raise SystemExit(3)")
    assert processes.wait_for_exit(process, timeout=60) is True
    assert process.returncode == 3


def test_a_client_still_running_at_its_limit_is_reported_and_left_running(wait_variant: str) -> None:
    process = _start(sys.executable, "-c", "import time; time.sleep(60)")
    try:
        assert processes.wait_for_exit(process, timeout=0.2) is False
        assert process.poll() is None
    finally:
        process.kill()
        process.wait()


def test_run_process_keeps_its_results_whatever_the_wait(wait_variant: str, tmp_path: Path) -> None:
    done = processes.run_process(
        [sys.executable, "-c", "import sys; print('out'); print('err', file=sys.stderr); sys.exit(5)"],
        env=dict(os.environ), cwd=tmp_path, timeout=60,
    )
    assert (done.exit_code, done.stdout.strip(), done.stderr.strip()) == (5, "out", "err")
    assert done.timed_out is False
    stuck = processes.run_process(
        [sys.executable, "-c", "import time; print('partial', flush=True); time.sleep(60)"],
        env=dict(os.environ), cwd=tmp_path, timeout=1.0,
    )
    assert (stuck.exit_code, stuck.timed_out, stuck.stdout.strip()) == (None, True, "partial")


def _open_pidfds() -> int:
    count = 0
    for fd in os.listdir("/proc/self/fd"):
        try:
            count += os.readlink(f"/proc/self/fd/{fd}") == "anon_inode:[pidfd]"
        except OSError:  # closed meanwhile (the listing's own descriptor)
            continue
    return count


@pytest.mark.skipif(not hasattr(os, "pidfd_open"), reason="os.pidfd_open is not available on this platform")
def test_no_pidfd_is_left_open_by_the_waits(tmp_path: Path) -> None:
    before = _open_pidfds()
    for _ in range(10):
        processes.run_process([sys.executable, "-c", "pass"], env=dict(os.environ), cwd=tmp_path, timeout=60)
    stuck = _start(sys.executable, "-c", "import time; time.sleep(60)")
    try:
        assert processes.wait_for_exit(stuck, timeout=0.1) is False
    finally:
        stuck.kill()
        stuck.wait()
    assert _open_pidfds() == before


# ---------------------------------------------------------------- importing the proxy
def test_the_proxy_import_leaves_mitmproxy_addons_complete_for_later_imports() -> None:
    probe = (
        "import sys\n"
        "import conformance.proxy.recorder\n"
        "print('mitmproxy.addons' in sys.modules, 'mitmproxy.addons.proxyauth' in sys.modules)\n"
        "import mitmproxy.addons\n"
        "from conformance.proxy import engine\n"
        "names = {type(addon).__name__ for addon in mitmproxy.addons.default_addons()}\n"
        "print(mitmproxy.addons.proxyserver is engine.proxyserver, 'ProxyAuth' in names, len(names) > 20)\n"
    )
    completed = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT,
                               timeout=120, check=False)
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.split() == ["False", "False", "True", "True", "True"]


def test_the_proxy_imports_normally_when_mitmproxy_addons_was_imported_first() -> None:
    probe = (
        "import mitmproxy.addons\n"
        "from conformance.proxy import engine\n"
        "print(engine.core is mitmproxy.addons.core, hasattr(mitmproxy.addons, 'default_addons'))\n"
    )
    completed = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT,
                               timeout=120, check=False)
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.split() == ["True", "True"]


# ---------------------------------------------------------------- a one-slot proxy
@pytest.fixture
def one_slot_proxy() -> Iterator[RecordingProxy]:
    proxy = RecordingProxy(load_profile(None), slots=1)
    proxy.start()
    try:
        yield proxy
    finally:
        proxy.stop()


def test_a_claimed_slot_is_kept_for_the_thread_that_claimed_it(one_slot_proxy: RecordingProxy) -> None:
    fixture = make_fixture(start_fixture_data())
    assert one_slot_proxy.claim_slot(timeout=5) is True
    others: list[bool] = []
    other = threading.Thread(target=lambda: others.append(one_slot_proxy.claim_slot(timeout=0.2)))
    other.start()
    other.join(60)
    assert others == [False]  # claimed by this thread: nobody else may claim it
    with one_slot_proxy.open_case("claimed", fixture) as recording:  # consumes the claim
        assert recording.port == one_slot_proxy.ports[0]
        assert one_slot_proxy.claim_slot(timeout=0.1) is False  # leased now
    assert one_slot_proxy.claim_slot(timeout=5) is True
    one_slot_proxy.release_claim()
    one_slot_proxy.release_claim()  # nothing left to give back: no error
    with one_slot_proxy.open_case("unclaimed", fixture):
        pass


def test_a_thread_waiting_for_a_claim_gets_the_slot_when_the_case_ends(
    one_slot_proxy: RecordingProxy,
) -> None:
    fixture = make_fixture(start_fixture_data())
    answers: list[bool] = []
    claimed = threading.Event()

    def waiter() -> None:
        answers.append(one_slot_proxy.claim_slot(timeout=60))
        claimed.set()
        one_slot_proxy.release_claim()

    with one_slot_proxy.open_case("a", fixture):
        thread = threading.Thread(target=waiter)
        thread.start()
        assert not claimed.wait(0.2)  # still leased: the waiter keeps waiting
    thread.join(60)
    assert answers == [True]


def test_waiting_for_a_claim_ends_when_the_proxy_stops(one_slot_proxy: RecordingProxy) -> None:
    fixture = make_fixture(start_fixture_data())
    answers: list[bool] = []
    with one_slot_proxy.open_case("a", fixture):
        thread = threading.Thread(target=lambda: answers.append(one_slot_proxy.claim_slot()))
        thread.start()
        one_slot_proxy.stop()
        thread.join(60)
    assert answers == [False]


# ---------------------------------------------------------------- the worker pool
class _ClientSpy:
    """Wraps a real adapter's ``run``: counts clients running at once, and can interrupt the run."""

    def __init__(self, session: Session, interrupt_on_first: bool = False) -> None:
        self.session = session
        self.interrupt_on_first = interrupt_on_first
        self.lock = threading.Lock()
        self.running = 0
        self.most = 0
        self.started: list[str] = []

    def wrap(self, run: Any) -> Any:
        def spied(case: CaseInput) -> ClientOutcome:
            with self.lock:
                self.running += 1
                self.most = max(self.most, self.running)
                self.started.append(case.case_id)
                first = len(self.started) == 1
            try:
                outcome = run(case)
                if first and self.interrupt_on_first:
                    self.session.interrupted = True  # what the run command's signal handler does
                return outcome
            finally:
                with self.lock:
                    self.running -= 1

        return spied


@pytest.mark.parametrize("jobs", [1, 2])
def test_clients_never_outnumber_the_jobs_and_every_case_is_judged(tmp_path: Path, jobs: int) -> None:
    settings = RunSettings(adapter_specs=["canonical"], report_dir=tmp_path / "r", jobs=jobs)
    with Session(settings) as session:
        spy = _ClientSpy(session)
        for slot in session.slots:
            slot.adapter.run = spy.wrap(slot.adapter.run)  # type: ignore[method-assign]
        runs = run_plans(session, session.plans, jobs=jobs)
        document = session.document()
    assert 1 <= spy.most <= jobs
    assert len(runs) == len(session.plans) == len(spy.started)
    assert {case["status"] for case in document["cases"]} == {"pass"}
    assert [case["id"] for case in document["cases"]] == [plan.case_id for plan in session.plans]
    assert all(case["har"] for case in document["cases"])


def test_a_case_waiting_for_a_slot_starts_no_client_once_the_run_is_interrupted(tmp_path: Path) -> None:
    settings = RunSettings(adapter_specs=["canonical"], report_dir=tmp_path / "r", jobs=1)
    with Session(settings) as session:
        spy = _ClientSpy(session, interrupt_on_first=True)
        for slot in session.slots:
            slot.adapter.run = spy.wrap(slot.adapter.run)  # type: ignore[method-assign]
        runs = run_plans(session, session.plans, jobs=1, should_stop=lambda: session.interrupted)
        document = session.document(complete=False)
    assert len(spy.started) == 1  # the case that waited for the slot never started its client
    assert [run.plan.case_id for run in runs] == spy.started  # and it is not reported
    assert [case["id"] for case in document["cases"]] == spy.started
    assert document["cases"][0]["status"] not in ("pass", "fail")  # no verdict on a stopped client
    assert "interrupted while this case ran" in document["cases"][0]["reason"]


# ---------------------------------------------------------------- the benchmark's floor
def _benchmark() -> ModuleType:
    spec = importlib.util.spec_from_file_location("cli_overhead_benchmark", BENCHMARK)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def _raw_answer(port: int, method: str, path: str) -> tuple[int, list[tuple[str, str]], bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request(method, path, body=b"{}" if method != "GET" else None,
                           headers={"Content-Type": "application/json"})
        response = connection.getresponse()
        return response.status, response.getheaders(), response.read()
    finally:
        connection.close()


def test_the_floor_stub_answers_like_the_recording_proxy(one_slot_proxy: RecordingProxy) -> None:
    data = start_fixture_data()
    fixture = make_fixture(data)
    bare = _benchmark().BareStub()
    bare.fixture = fixture
    port = int(bare.url.rsplit(":", 1)[1])
    targets = [("GET", "/api/cluster/info"), (fixture.method, "/api" + fixture.path_template),
               ("GET", "/api/no/such/route")]
    try:
        with one_slot_proxy.open_case("floor", fixture) as recording:
            proxied = [_raw_answer(recording.port, method, path) for method, path in targets]
        direct = [_raw_answer(port, method, path) for method, path in targets]
    finally:
        bare.close()
    assert direct == proxied
    assert bare.requests == len(targets)


def test_the_proxy_floor_answers_like_the_bare_stub_through_mitmproxy() -> None:
    """The benchmark's second floor: the harness's mitmproxy engine answering like the bare stub."""
    data = start_fixture_data()
    fixture = make_fixture(data)
    benchmark = _benchmark()
    targets = [("GET", "/api/cluster/info"), (fixture.method, "/api" + fixture.path_template),
               ("GET", "/api/no/such/route")]
    with contextlib.ExitStack() as cleanup:
        bare = benchmark.BareStub()
        cleanup.callback(bare.close)
        bare.fixture = fixture
        proxy = benchmark.ProxyFloor(2)
        cleanup.callback(proxy.close)
        first, second = proxy.ports
        proxy.fixture_on[first] = fixture  # the second listener has no fixture: every route is unknown there
        through = [_raw_answer(first, method, path) for method, path in targets]
        elsewhere = _raw_answer(second, fixture.method, "/api" + fixture.path_template)
        direct = [_raw_answer(int(bare.url.rsplit(":", 1)[1]), method, path) for method, path in targets]
    assert through == direct
    assert proxy.requests == len(targets) + 1
    assert elsewhere[0] != through[1][0]  # the answer follows the listener's fixture, not another's


def test_the_proxy_floor_child_at_jobs_2_does_the_bare_floors_work() -> None:
    """The two child roles on the shipped corpus with the fake dw: the same requests and exit codes."""
    def child(*role: str) -> dict[str, Any]:
        argv = [sys.executable, str(BENCHMARK), *role, "--corpus", str(ROOT / "fixtures" / "control-plane"),
                "--dw", str(FAKE_DW)]
        completed = subprocess.run(argv, capture_output=True, text=True, cwd=ROOT, timeout=600, check=False)
        assert completed.returncode == 0, completed.stderr[-2000:]
        figures: dict[str, Any] = json.loads(completed.stdout.strip().splitlines()[-1])
        return figures

    bare = child("--role", "floor")
    proxied = child("--role", "proxy-floor", "--jobs", "2")
    assert proxied["calls"] == bare["calls"] >= 5
    assert proxied["requests"] == bare["requests"] >= bare["calls"]
    assert proxied["exits"] == bare["exits"]
    assert proxied["loading"] > 0
