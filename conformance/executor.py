"""Running planned cases: one client call through the recording proxy, judged and sealed.

:class:`CaseExecutor` runs one :class:`~conformance.planning.CasePlan` at a
time (:meth:`CaseExecutor.run`, safe from several threads at once: each case
holds its own proxy slot) and returns a :class:`CaseRun`. It never raises for
anything a client or a fixture does. The steps of a case:

1. ask the adapter whether it can express the fixture;
2. open a proxy slot and run the client against it (capture);
3. write the HAR file (:class:`~conformance.reporting.har_folder.HarFolder`);
4. judge the request (:mod:`conformance.diff`) against the plan's expectation,
   and the response side (:mod:`conformance.response.verdict`);
5. decide the status (:func:`conformance.case_status.decide_status`, the one rule);
6. seal the typed result into its JSON entry (:func:`conformance.sealing.seal`).

:func:`run_plans` runs many cases on a worker pool and tells listeners (the
``run`` command's live console lines, the pytest plugin) as each case ends.
"""

from __future__ import annotations

import dataclasses
import shutil
import tempfile
import time
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conformance.adapters.base import CaseInput, ClientOutcome, Drive
from conformance.capture import CapturedExchange
from conformance.case_status import UNEXERCISED_OUTCOMES, Interruption, decide_status
from conformance.checks.subjects import OutcomeSubject, SequenceSubject
from conformance.diff import CaseVerdict, judge_request
from conformance.expectations import Expectation, JudgeSettings, build_expectation
from conformance.findings import Difference
from conformance.fixture import Fixture
from conformance.normalize import NormalizedRequest
from conformance.operations import OperationTables
from conformance.planning import CasePlan, RunInputs
from conformance.problems import InputError
from conformance.proxy.recorder import RecordingProxy
from conformance.redact import credential_values, redact_value
from conformance.render import render_response, render_verdict
from conformance.reporting.har_folder import HarFolder, case_file_stem
from conformance.response.verdict import ResponseVerdict, judge_outcome, operation_exchange
from conformance.result import DEFAULT_CATEGORY, PROVISIONAL_SCENARIO_CATEGORY, SCENARIO_CATEGORY, CaseResult
from conformance.scenarios.judge import (
    SCENARIO_RESPONSE_NOTE,
    ScenarioVerdict,
    judge_scenario,
    scenario_not_asserted,
    sequence_subject,
)
from conformance.scenarios.model import Scenario
from conformance.sealing import seal
from conformance.stabilize import Stabilizer

__all__ = ["CaseExecutor", "CaseListener", "CaseRun", "RunState", "case_input", "run_plans"]

#: Called with every finished case (live console lines, progress, the pytest plugin).
CaseListener = Callable[["CaseRun"], None]


@dataclass
class RunState:
    """What every case of a run shares: whether the run was interrupted (SIGINT/SIGTERM)."""

    interrupted: bool = False


@dataclass
class CaseRun:
    """Everything one case produced; ``result`` is its sealed entry in the result document."""

    plan: CasePlan
    result: dict[str, Any]
    request: NormalizedRequest | None = None
    #: The expectation the request was judged against (kept for parity, like ``request``).
    expectation: Expectation | None = None
    verdict: CaseVerdict | None = None
    #: A scenario case's verdict (kept for the cross-client comparison of the scenario).
    scenario_verdict: ScenarioVerdict | None = None
    outcome: ClientOutcome | None = None
    exchanges: list[CapturedExchange] = field(default_factory=list)
    #: The case's run-independent placeholders (parity findings reuse them).
    stabilizer: Stabilizer | None = None
    #: Values hidden from every output of the case: the token, and every credential the client sent.
    secrets: list[str] = field(default_factory=list)

    @property
    def status(self) -> str:
        return str(self.result["status"])

    @property
    def reason(self) -> str:
        return str(self.result.get("reason") or "")

    @property
    def differences(self) -> list[Difference]:
        """The case's failures as sealed (redacted, stabilised), typed again for their readers."""
        return [
            Difference(
                str(item["pointer"]),
                str(item["kind"]),
                item.get("expected"),
                item.get("actual"),
                str(item.get("severity", "failure")),
                str(item.get("message", "")),
            )
            for item in self.result.get("differences") or []
        ]


def ancillary_summary(exchange: CapturedExchange) -> dict[str, Any]:
    return {
        "method": exchange.method,
        "path": exchange.path,
        "status": exchange.response_status,
        "route": exchange.route,
    }


def response_diagnostics(outcome: ClientOutcome) -> list[str]:
    """What a client said when it ended in error after its request went out (shown with the verdict)."""
    notes: list[str] = []
    if outcome.status == "client_error":
        if outcome.exception:
            notes.append(f"the client raised {outcome.exception}")
        if outcome.exit_code not in (None, 0):
            notes.append(f"the client exited with status {outcome.exit_code}")
        if outcome.detail:
            notes.append(outcome.detail)
    return notes


def case_input(
    fixture: Fixture,
    server_url: str,
    work_dir: Path,
    *,
    case_id: str,
    namespace: str,
    token: str,
    timeout: float,
    api_prefix: str,
    operations: OperationTables,
    scenario: Scenario | None = None,
) -> CaseInput:
    """The adapter's input for one case: one call of the fixture, or a scenario's drive.

    A scenario case asks for a walk when the scenario is one, and always for
    machine-readable output (``Drive.machine_output``: ``dw`` gets ``--json``), so
    that what a client surfaces on an error can be compared and checked for leaks.
    A scenario whose answers hold requests unanswered (a server that never
    answers) adds the longest they can hold in all to the time limit, so the
    client's own timeout ends each wait, never the harness's.
    """
    drive = Drive(walk=scenario.walk, machine_output=True) if scenario is not None else Drive()
    held = scenario.script().held_seconds() if scenario is not None else 0.0
    return CaseInput(
        fixture=fixture,
        server_url=server_url,
        namespace=namespace,
        token=token,
        timeout=timeout + held,
        work_dir=work_dir,
        operations=operations,
        case_id=case_id,
        api_prefix=api_prefix,
        drive=drive,
    )


def _category(scenario: Scenario | None) -> str:
    """A fixture case's category, a required scenario's, or a provisional scenario's (its file says why)."""
    if scenario is None:
        return DEFAULT_CATEGORY
    return SCENARIO_CATEGORY if scenario.required else PROVISIONAL_SCENARIO_CATEGORY


def _new_result(plan: CasePlan) -> CaseResult:
    """A case's result before it runs; a scenario case is filed under its scenario (name, file, category)."""
    fixture, slot, scenario = plan.fixture, plan.slot, plan.scenario
    return CaseResult(
        id=plan.case_id,
        fixture=plan.subject,
        fixture_path=str(scenario.path if scenario is not None else fixture.path),
        category=_category(scenario),
        provisional_reason=scenario.provisional_reason if scenario is not None else "",
        operation=fixture.operation,
        adapter=slot.label,
        projection=slot.adapter.projection_key,
        target=slot.adapter.claimed_target,
        status="skipped",
    )


@dataclass
class _Captured:
    outcome: ClientOutcome
    exchanges: list[CapturedExchange]


class CaseExecutor:
    """Runs the cases of one run against its started recording proxy."""

    def __init__(
        self,
        inputs: RunInputs,
        proxy: RecordingProxy,
        work_root: Path,
        *,
        state: RunState | None = None,
        har: HarFolder | None = None,
    ) -> None:
        self.inputs = inputs
        self.proxy = proxy
        self.work_root = work_root
        self.state = state or RunState()
        self.har = har

    @property
    def judge_settings(self) -> JudgeSettings:
        return self.inputs.judge_settings

    def run(self, plan: CasePlan) -> CaseRun:
        """Run one case; never raises for anything the client or the fixture does."""
        started = time.monotonic()
        record = _new_result(plan)
        stabilizer = Stabilizer(plan.fixture.data, label=plan.slot.label)
        run = CaseRun(plan, {}, stabilizer=stabilizer, secrets=[self.inputs.settings.token])
        adapter_error: str | None = None
        skip: str | None = None
        try:
            skip = plan.slot.adapter.skip_reason(plan.fixture)
        except Exception as error:  # an adapter bug must not take the run down either
            adapter_error = f"{type(error).__name__}: {error}"
        input_problem: str | None = None
        if adapter_error is None and skip is None and plan.scenario is None and plan.expectation is None:
            try:
                plan = run.plan = dataclasses.replace(plan, expectation=self.expectation(plan))
            except InputError as error:  # the fixture contradicts itself: no client is run for it
                input_problem = str(error)
        interruption: Interruption | None = None
        harness_error: str | None = None
        request_passed: bool | None = None
        response: ResponseVerdict | None = None
        if adapter_error is None and skip is None and input_problem is None:
            if self.state.interrupted:
                interruption = "before"
            else:
                try:
                    if plan.scenario is not None:
                        self._exercise_scenario(plan, run, record)
                    else:
                        request_passed, response = self._exercise(plan, run, record)
                except Exception as error:  # a harness bug must not take the run down
                    harness_error = f"{type(error).__name__}: {error}"
                if self.state.interrupted:
                    interruption = "during"
        decision = decide_status(
            adapter_error=adapter_error,
            skip_reason=skip,
            input_problem=input_problem,
            harness_error=harness_error,
            interruption=interruption,
            outcome=run.outcome,
            request_passed=request_passed,
            response=response,
            scenario=run.scenario_verdict,
        )
        record.status, record.reason = decision.status, decision.reason
        if record.response is None:  # skipped, or stopped before a verdict: every case carries one
            record.response = ResponseVerdict("not_reached")
        record.duration_seconds = round(time.monotonic() - started, 6)
        run.result = seal(record, stabilizer, run.secrets)
        if not self.inputs.settings.keep_evidence:
            run.exchanges, run.verdict, run.outcome = [], None, None
        return run

    def _capture(self, plan: CasePlan, run: CaseRun) -> _Captured:
        """Run the client against a proxy slot of its own; what it did and every exchange it caused.

        A scenario case's slot answers from the scenario's script, and the
        adapter is asked to walk when the scenario is a paged walk.
        """
        scenario = plan.scenario
        script = scenario.script() if scenario is not None else None
        work_dir = Path(tempfile.mkdtemp(prefix=case_file_stem(plan.case_id)[:60] + "-", dir=self.work_root))
        try:
            with self.proxy.open_case(plan.case_id, plan.fixture, script=script) as recording:
                assert run.stabilizer is not None
                run.stabilizer.add_server_url(recording.server_url)
                run.stabilizer.add_scratch_dir(str(work_dir))
                case = self._case_input(plan, recording.server_url, work_dir)
                outcome = plan.slot.adapter.run(case)
            return _Captured(outcome, list(recording.exchanges))
        finally:
            shutil.rmtree(work_dir, ignore_errors=True)

    def _case_input(self, plan: CasePlan, server_url: str, work_dir: Path) -> CaseInput:
        settings = self.inputs.settings
        return case_input(
            plan.fixture,
            server_url,
            work_dir,
            case_id=plan.case_id,
            namespace=settings.namespace,
            token=settings.token,
            timeout=settings.timeout,
            api_prefix=self.inputs.profile.api_prefix,
            operations=self.inputs.tables,
            scenario=plan.scenario,
        )

    def _keep_evidence(self, plan: CasePlan, run: CaseRun, record: CaseResult) -> ClientOutcome:
        """Capture the case, keep what it did (secrets, the client's outcome, the HAR file)."""
        captured = self._capture(plan, run)
        outcome, exchanges = captured.outcome, captured.exchanges
        run.outcome, run.exchanges = outcome, exchanges
        for exchange in exchanges:
            run.secrets.extend(credential_values(exchange.request_headers, exchange.query_string))
        run.secrets = list(dict.fromkeys(run.secrets))
        record.client = outcome
        if self.har is not None and exchanges:
            record.har = self.har.write(plan.case_id, exchanges, run.secrets)
        return outcome

    def _exercise_scenario(self, plan: CasePlan, run: CaseRun, record: CaseResult) -> None:
        """A scenario case: capture the whole sequence and judge it (:mod:`conformance.scenarios.judge`)."""
        assert plan.scenario is not None
        outcome = self._keep_evidence(plan, run, record)
        verdict = judge_scenario(
            plan.scenario,
            run.exchanges,
            outcome,
            adapter=plan.slot.label,
            api_prefix=self.inputs.profile.api_prefix,
            profile=self.inputs.profile,
            policy=self.inputs.scenario_policy,
            projection_key=plan.slot.adapter.projection_key,
        )
        run.scenario_verdict = verdict
        record.scenario = verdict
        record.differences = verdict.failures
        record.diagnostic_diff = [item for item in verdict.differences if not item.is_failure]
        record.not_asserted = [
            *scenario_not_asserted(plan.scenario, plan.slot.adapter.projection_key),
            *verdict.notes,
        ]
        record.response = ResponseVerdict("not_asserted", not_asserted=[SCENARIO_RESPONSE_NOTE])
        lines = [f"scenario {plan.scenario.name}: {verdict.status}", *verdict.sequence_diff()]
        record.rendered = "\n".join(run.stabilizer.text(line) if run.stabilizer else line for line in lines)

    def _exercise(
        self, plan: CasePlan, run: CaseRun, record: CaseResult
    ) -> tuple[bool | None, ResponseVerdict | None]:
        """Capture, keep the evidence, judge both sides; (request passed, response verdict)."""
        outcome = self._keep_evidence(plan, run, record)
        exchanges = run.exchanges
        if outcome.status == "skipped":
            return None, None
        verdict = self.judge(plan, exchanges)
        run.verdict, run.request, run.expectation = verdict, verdict.request, verdict.expectation
        record.differences = list(verdict.failures)
        record.diagnostic_diff = list(verdict.diagnostics)
        record.not_asserted = list(verdict.not_asserted)
        record.expected = verdict.expectation.to_json()
        record.request = verdict.request.to_json() if verdict.request is not None else None
        record.ancillary = [ancillary_summary(exchange) for exchange in verdict.ancillary]
        stabilizer = run.stabilizer or Stabilizer()
        record.rendered = render_verdict(
            verdict, clean=lambda value: stabilizer.value(redact_value(value, run.secrets))
        )
        response = judge_outcome(self.response_case(run, verdict))
        record.response = response
        record.rendered += "\n" + render_response(response)
        if outcome.status not in UNEXERCISED_OUTCOMES:
            record.response_diagnostics = response_diagnostics(outcome)
        return verdict.passed, response

    def expectation(self, plan: CasePlan) -> Expectation:
        """The plan's expectation (built at planning; a plan made without one has it built now)."""
        if plan.expectation is not None:
            return plan.expectation
        return build_expectation(plan.fixture, plan.slot.adapter.projection_key, self.judge_settings)

    def judge(
        self,
        plan: CasePlan,
        exchanges: list[CapturedExchange],
        expectation: Expectation | None = None,
        settings: JudgeSettings | None = None,
    ) -> CaseVerdict:
        """Judge captured traffic against the plan's expectation (or another one: the self-test's mutants)."""
        return judge_request(
            expectation or self.expectation(plan),
            exchanges,
            self.inputs.profile,
            settings or self.judge_settings,
            policy=self.inputs.policy,
        )

    def sequence_subject(self, run: CaseRun) -> SequenceSubject:
        """What the sequence checks (and the self-test's sequence mutants) judge of a scenario case."""
        plan, scenario = run.plan, run.plan.scenario
        assert scenario is not None and run.outcome is not None
        return sequence_subject(
            scenario,
            run.exchanges,
            run.outcome,
            adapter=plan.slot.label,
            api_prefix=self.inputs.profile.api_prefix,
            profile=self.inputs.profile,
            policy=self.inputs.scenario_policy,
            projection_key=plan.slot.adapter.projection_key,
        )

    def response_case(self, run: CaseRun, verdict: CaseVerdict) -> OutcomeSubject:
        """What the outcome checks (and the self-test's outcome mutants) judge of a captured case."""
        assert run.outcome is not None
        fixture, adapter = run.plan.fixture, run.plan.slot.adapter
        operation = (
            operation_exchange(verdict.operation_candidates, fixture.method) if verdict.request else None
        )
        return OutcomeSubject(
            fixture,
            adapter.projection_key,
            run.outcome,
            operation,
            live=self.inputs.settings.upstream is not None,
            cli_command=self.inputs.tables.cli_command(fixture.operation),
            cli_schemas=self.inputs.cli_schemas,
            policy=self.inputs.policy,
            namespace=self.inputs.settings.namespace,
            facts=self.inputs.facts_for(run.plan.slot).for_operation(fixture.operation),
        )


def run_plans(
    executor: CaseExecutor,
    plans: Iterable[CasePlan],
    *,
    jobs: int,
    on_done: CaseListener | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> list[CaseRun]:
    """Run ``plans`` with ``jobs`` clients at a time, calling ``on_done`` as each case ends.

    One case more than ``jobs`` is in flight, so that a case's client starts
    the moment another case's client is done, while that case still judges
    its traffic and writes its HAR file. Clients never run more than ``jobs``
    at a time: each case first claims a free proxy slot
    (:meth:`RecordingProxy.claim_slot`; the proxy has ``jobs`` of them) and
    only then starts. A case still waiting for its claim when the run stops
    (``should_stop``, or the run interrupted) never starts and is not
    reported, like the cases that were never submitted.
    """
    def stopping() -> bool:
        return executor.state.interrupted or bool(should_stop and should_stop())

    def claim_then_run(plan: CasePlan) -> CaseRun | None:
        proxy = executor.proxy
        claimed = proxy.claim_slot()
        try:
            return None if claimed and stopping() else executor.run(plan)
        finally:
            if claimed:
                proxy.release_claim()

    in_flight = max(1, jobs) + 1
    pending = list(plans)
    done: list[CaseRun] = []
    with ThreadPoolExecutor(max_workers=in_flight, thread_name_prefix="dw-case") as pool:
        running: set[Future[CaseRun | None]] = set()
        while pending or running:
            while pending and len(running) < in_flight and not (should_stop and should_stop()):
                running.add(pool.submit(claim_then_run, pending.pop(0)))
            if not running:
                break
            finished, running = wait(running, return_when=FIRST_COMPLETED, timeout=0.5)
            for future in finished:
                case_run = future.result()
                if case_run is None:  # it never started: the run stopped while it waited for a slot
                    continue
                done.append(case_run)
                if on_done is not None:
                    on_done(case_run)
            if should_stop and should_stop():
                pending.clear()
    return done
