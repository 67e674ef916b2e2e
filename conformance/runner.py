"""One conformance run, composed of its parts: :class:`Session`.

The parts, each in its own module, in the order a case goes through them:

- :mod:`conformance.planning`: load the inputs and plan the cases (each plan
  carries the expectation its client is judged against);
- :mod:`conformance.executor`: run a plan through the recording proxy, judge
  it, decide its status, seal its result (:class:`~conformance.executor.CaseExecutor`);
- :mod:`conformance.reporting.har_folder`: the ``har/`` folder of the report
  directory;
- :mod:`conformance.run_document`: parity and the result document, as plain
  functions of the finished cases.

:class:`Session` holds one run's state (its inputs, the started proxy, the
finished cases) for the ``run`` command, the pytest plugin, ``selftest`` and
``fuzz``, which use only its public methods. Use it as a context manager, or
call :meth:`Session.prepare`, :meth:`Session.start` and :meth:`Session.close`.

Decisions written down here:

- An interrupted run (the ``run`` command's SIGINT/SIGTERM handling sets
  :attr:`Session.interrupted`, kills every client process and starts no new
  case): a case that was running is ``interrupted``, and what it did until
  then is kept (:mod:`conformance.case_status`).
- When the run ends, every process a client left behind (found by the tag
  :mod:`conformance.processes` gives each child) is killed.
- Same inputs, same ``result.json`` (apart from timestamps and durations),
  whatever ``--jobs`` is (:mod:`conformance.stabilize`, :mod:`conformance.run_document`).
"""

from __future__ import annotations

import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from conformance import executor as _executor
from conformance.checks.subjects import OutcomeSubject, SequenceSubject
from conformance.diff import CaseVerdict
from conformance.executor import CaseExecutor, CaseRun, RunState
from conformance.expectations import Expectation, JudgeSettings
from conformance.fixture import Fixture
from conformance.operations import OperationTables
from conformance.planning import (
    DEFAULT_ADAPTERS,
    DEFAULT_NAMESPACE,
    DEFAULT_TIMEOUT,
    DEFAULT_TOKEN,
    AdapterSlot,
    CasePlan,
    ConfigurationError,
    RunInputs,
    RunSettings,
    load_run,
    plan_case,
)
from conformance.policy import Policy
from conformance.problems import Problem
from conformance.processes import terminate_all_children
from conformance.proxy.profile import ServerProfile
from conformance.proxy.recorder import RecordingProxy
from conformance.reporting.har_folder import HarFolder, case_file_stem
from conformance.response.cli_schemas import CliOutputSchemas
from conformance.run_document import now, ordered, result_document, run_info
from conformance.scenarios.model import Scenario

__all__ = [
    "DEFAULT_ADAPTERS",
    "DEFAULT_NAMESPACE",
    "DEFAULT_TIMEOUT",
    "DEFAULT_TOKEN",
    "AdapterSlot",
    "CasePlan",
    "CaseRun",
    "ConfigurationError",
    "RunSettings",
    "Session",
    "case_file_stem",
    "run_plans",
]


class Session:
    """One conformance run: its inputs, its proxy, and the cases that finished."""

    def __init__(self, settings: RunSettings, *, notify: Callable[[str], None] | None = None) -> None:
        self.settings = settings
        self.notify = notify or (lambda message: None)
        self.inputs: RunInputs | None = None
        self.runs: dict[str, CaseRun] = {}
        self.proxy: RecordingProxy | None = None
        self.state = RunState()
        self.started_at = now()
        self._started_clock = time.monotonic()
        self._work_root: Path | None = None
        self._executor: CaseExecutor | None = None
        self._lock = threading.Lock()

    # ------------------------------------------------------------ the inputs
    def prepare(self) -> None:
        """Load every input and plan the cases; :class:`ConfigurationError` on fatal problems."""
        self.inputs = load_run(self.settings, notify=self.notify)

    @property
    def plans(self) -> list[CasePlan]:
        """The planned cases (``run --shard`` keeps its share of them before the run starts)."""
        return self.inputs.plans if self.inputs is not None else []

    @plans.setter
    def plans(self, plans: list[CasePlan]) -> None:
        self.loaded.plans = plans

    @property
    def loaded(self) -> RunInputs:
        if self.inputs is None:
            raise RuntimeError("Session.prepare() was not called")
        return self.inputs

    @property
    def profile(self) -> ServerProfile:
        return self.loaded.profile

    @property
    def policy(self) -> Policy | None:
        return self.loaded.policy

    @property
    def tables(self) -> OperationTables:
        return self.loaded.tables

    @property
    def cli_schemas(self) -> CliOutputSchemas | None:
        return self.loaded.cli_schemas

    @property
    def fixtures(self) -> list[Fixture]:
        return self.inputs.fixtures if self.inputs is not None else []

    @property
    def input_problems(self) -> list[Problem]:
        return self.inputs.input_problems if self.inputs is not None else []

    @property
    def slots(self) -> list[AdapterSlot]:
        return self.inputs.slots if self.inputs is not None else []

    @property
    def scenarios(self) -> list[Scenario]:
        """Every scenario loaded (applicable or not)."""
        return self.inputs.scenarios if self.inputs is not None else []

    @property
    def judge_settings(self) -> JudgeSettings:
        return self.loaded.judge_settings

    def plan(self, fixture: Fixture, slot: AdapterSlot) -> CasePlan:
        """A case of ``fixture`` for ``slot``, with its expectation (see ``planning.plan_case``)."""
        return plan_case(fixture, slot, self.judge_settings)

    # -------------------------------------------------------------- the run
    @property
    def interrupted(self) -> bool:
        return self.state.interrupted

    @interrupted.setter
    def interrupted(self, value: bool) -> None:
        self.state.interrupted = value

    def start(self) -> None:
        """Start the recording proxy (once per run)."""
        settings, inputs = self.settings, self.loaded
        har = HarFolder(settings.report_dir) if settings.write_har else None
        if har is not None:
            har.clear_stale()
        self._work_root = Path(tempfile.mkdtemp(prefix="dw-conformance-"))
        self.proxy = RecordingProxy(
            inputs.profile,
            upstream=settings.upstream,
            slots=max(1, settings.jobs),
            api_prefix=inputs.profile.api_prefix,
            verify_upstream_tls=settings.verify_upstream_tls,
            max_body_bytes=settings.max_body_bytes,
        )
        try:
            self.proxy.start()
        except Exception as error:
            self.proxy = None
            raise ConfigurationError(f"the recording proxy could not start: {error}") from error
        self._executor = CaseExecutor(inputs, self.proxy, self._work_root, state=self.state, har=har)

    def close(self) -> None:
        terminate_all_children()  # whatever a client left behind dies with the run
        if self.proxy is not None:
            self.proxy.stop()
            self.proxy = None
        if self._work_root is not None:
            shutil.rmtree(self._work_root, ignore_errors=True)
            self._work_root = None

    def __enter__(self) -> Session:
        self.prepare()
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def executor(self) -> CaseExecutor:
        if self._executor is None:
            raise RuntimeError("Session.start() was not called")
        return self._executor

    def execute(self, plan: CasePlan) -> CaseRun:
        """Run one case without keeping it among the run's cases (fuzz variants, canonical replays)."""
        return self.executor.run(plan)

    def record(self, run: CaseRun) -> None:
        """Keep a finished case among the run's cases (the result document reports them)."""
        with self._lock:
            self.runs[run.plan.case_id] = run

    def record_unstarted(self) -> int:
        """After an interruption, keep every planned case that never started, as ``interrupted``.

        Each goes through the executor, which sees the interruption and runs
        no client (``case_status``: "interrupted before this case started"), so
        the summary counts every planned case. Nothing happens when the run was
        not interrupted. Returns how many cases were added.
        """
        if not self.interrupted or self._executor is None:
            return 0
        unstarted = [plan for plan in self.plans if plan.case_id not in self.runs]
        for plan in unstarted:
            self.record(self._executor.run(plan))
        return len(unstarted)

    def run_case(self, plan: CasePlan) -> CaseRun:
        """Run one case and keep it; never raises for anything the client or the fixture does."""
        run = self.execute(plan)
        self.record(run)
        return run

    def rejudge(
        self,
        run: CaseRun,
        expectation: Expectation | None = None,
        settings: JudgeSettings | None = None,
    ) -> CaseVerdict:
        """Judge a case's captured traffic again, optionally against another expectation or settings.

        The client's traffic does not depend on the expectation, so the
        mutation self-test captures each case once and judges it against
        every mutant (built by :func:`conformance.expectations.build_expectation`).
        """
        return self.executor.judge(run.plan, run.exchanges, expectation, settings)

    def response_case(self, run: CaseRun, verdict: CaseVerdict) -> OutcomeSubject:
        """What the outcome checks (and the self-test's outcome mutants) judge of a captured case."""
        return self.executor.response_case(run, verdict)

    def sequence_subject(self, run: CaseRun) -> SequenceSubject:
        """What the sequence checks (and the self-test's sequence mutants) judge of a scenario case."""
        return self.executor.sequence_subject(run)

    # ----------------------------------------------------------- the results
    def ordered_runs(self) -> list[CaseRun]:
        return ordered(self.runs.values(), self.plans)

    def document(self, *, complete: bool = True) -> dict[str, Any]:
        """The result document of what has run so far."""
        inputs = self.loaded
        info = run_info(
            inputs,
            started_at=self.started_at,
            duration_seconds=time.monotonic() - self._started_clock,
            complete=complete,
            interrupted=self.interrupted,
        )
        return result_document(inputs, list(self.runs.values()), info)


def run_plans(
    session: Session,
    plans: Iterable[CasePlan],
    *,
    jobs: int,
    on_done: Callable[[CaseRun], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    keep: bool = True,
) -> list[CaseRun]:
    """Run ``plans`` on the session's worker pool (:func:`conformance.executor.run_plans`).

    With ``keep`` (the default) every finished case is kept among the
    session's cases before ``on_done`` hears of it; fuzz runs its variants
    with ``keep=False`` so that memory stays flat over thousands of them.
    """

    def done(run: CaseRun) -> None:
        if keep:
            session.record(run)
        if on_done is not None:
            on_done(run)

    return _executor.run_plans(session.executor, plans, jobs=jobs, on_done=done, should_stop=should_stop)
