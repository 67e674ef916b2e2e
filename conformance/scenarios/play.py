"""Playing one scenario with one client: open the case with the scenario's answers, run, judge.

:func:`scenario_case_input` is the adapter's input for a scenario case; the
run's executor (:mod:`conformance.executor`) builds it with this function.
:func:`play_scenario` is the whole life of a scenario case in one call, for
tests and tools that drive a proxy themselves: it opens a proxy case whose stub answers
from the scenario (``RecordingProxy.open_case(case_id, fixture,
script=scenario.script())``), asks the adapter to drive the operation (a walk
when the scenario says ``drive: walk``), and judges the sequence. The case id
is ``<scenario file name>::<adapter label>``.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from conformance.adapters.base import Adapter, CaseInput, ClientOutcome, Drive
from conformance.capture import CapturedExchange
from conformance.scenarios.judge import ScenarioVerdict, judge_scenario
from conformance.scenarios.model import Scenario

if TYPE_CHECKING:
    from conformance.operations import OperationTables
    from conformance.proxy.recorder import RecordingProxy
    from conformance.scenarios.policy import ScenarioPolicy

__all__ = ["PlayedScenario", "play_scenario", "scenario_case_input"]


@dataclass
class PlayedScenario:
    """What one scenario case produced: the client's outcome, every exchange, the verdict."""

    case_id: str
    outcome: ClientOutcome
    exchanges: list[CapturedExchange]
    verdict: ScenarioVerdict


def scenario_case_input(
    scenario: Scenario,
    server_url: str,
    work_dir: Path,
    *,
    case_id: str,
    namespace: str = "default",
    token: str = "",
    timeout: float = 30.0,
    api_prefix: str = "/api",
    operations: OperationTables | None = None,
) -> CaseInput:
    """The adapter's input for a scenario case (the scenario's fixture, walk or one call).

    Machine-readable output is asked for (``Drive.machine_output``: ``dw`` gets ``--json``), so
    that what a client surfaces on an error can be compared and checked for leaks.
    """
    if scenario.fixture is None:
        raise ValueError(f"{scenario.name}: {scenario.not_applicable_reason}")
    extra = {} if operations is None else {"operations": operations}
    return CaseInput(
        fixture=scenario.fixture,
        server_url=server_url,
        namespace=namespace,
        token=token,
        timeout=timeout,
        work_dir=work_dir,
        case_id=case_id,
        api_prefix=api_prefix,
        drive=Drive(walk=scenario.walk, machine_output=True),
        **extra,
    )


def play_scenario(
    proxy: RecordingProxy,
    scenario: Scenario,
    adapter: Adapter,
    *,
    namespace: str = "default",
    token: str = "",
    timeout: float = 30.0,
    operations: OperationTables | None = None,
    policy: ScenarioPolicy | None = None,
) -> PlayedScenario:
    """Run ``scenario`` with ``adapter``'s client through ``proxy`` (stub mode) and judge it."""
    label = adapter.case_label()
    case_id = scenario.case_id(label)
    if scenario.fixture is None:
        outcome = ClientOutcome(status="skipped", detail=scenario.not_applicable_reason)
        verdict = judge_scenario(scenario, [], outcome, adapter=label, profile=proxy.profile)
        return PlayedScenario(case_id, outcome, [], verdict)
    work_dir = Path(tempfile.mkdtemp(prefix="scenario-"))
    try:
        with proxy.open_case(case_id, scenario.fixture, script=scenario.script()) as recording:
            case = scenario_case_input(
                scenario,
                recording.server_url,
                work_dir,
                case_id=case_id,
                namespace=namespace,
                token=token,
                timeout=timeout,
                api_prefix=proxy.api_prefix,
                operations=operations,
            )
            outcome = adapter.run(case)
        exchanges = recording.exchanges
    finally:
        shutil.rmtree(work_dir, ignore_errors=True)
    verdict = judge_scenario(
        scenario,
        exchanges,
        outcome,
        adapter=label,
        api_prefix=proxy.api_prefix,
        profile=proxy.profile,
        policy=policy,
    )
    return PlayedScenario(case_id, outcome, exchanges, verdict)
