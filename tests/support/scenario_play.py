"""One scenario case in one call, for the tests that drive a recording proxy themselves.

:func:`play_scenario` opens a proxy case whose stub answers from the
scenario's script, asks the adapter to drive the operation as the run's
executor does (:func:`conformance.executor.case_input`: a
walk when the scenario says ``drive: walk``, machine-readable output), and
judges the sequence with :func:`conformance.scenarios.judge.judge_scenario`.
The run itself plays scenarios through :mod:`conformance.executor`; this
helper exists so that the proxy, the judge and the adapters can be tested
without a whole run.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from conformance.adapters.base import Adapter, ClientOutcome
from conformance.capture import CapturedExchange
from conformance.executor import case_input
from conformance.operations import default_tables
from conformance.scenarios.judge import ScenarioVerdict, judge_scenario
from conformance.scenarios.model import Scenario

if TYPE_CHECKING:
    from conformance.operations import OperationTables
    from conformance.proxy.recorder import RecordingProxy
    from conformance.scenarios.policy import ScenarioPolicy

__all__ = ["PlayedScenario", "play_scenario"]


@dataclass
class PlayedScenario:
    """What one scenario case produced: the client's outcome, every exchange, the verdict."""

    case_id: str
    outcome: ClientOutcome
    exchanges: list[CapturedExchange]
    verdict: ScenarioVerdict


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
            case = case_input(
                scenario.fixture,
                recording.server_url,
                work_dir,
                case_id=case_id,
                namespace=namespace,
                token=token,
                timeout=timeout,
                api_prefix=proxy.api_prefix,
                operations=operations or default_tables(),
                scenario=scenario,
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
        projection_key=adapter.projection_key,
    )
    return PlayedScenario(case_id, outcome, exchanges, verdict)
