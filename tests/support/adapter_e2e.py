"""Running an adapter through the real recording proxy and the diff engine.

One helper, :func:`run_through_proxy`, does what the runner does for one case:
lease a slot of a started proxy (the ``recording_proxy`` fixture of
``support.proxy``), run the adapter against the slot's server URL, and judge
the captured exchanges with the adapter's projection.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from conformance.adapters.base import Adapter, CaseInput, ClientOutcome
from conformance.capture import CapturedExchange
from conformance.diff import CaseVerdict
from conformance.expectations import JudgeSettings
from conformance.fixture import Fixture
from conformance.operations import default_tables
from conformance.proxy.recorder import RecordingProxy
from support.judging import judge

TOKEN = "e2e-adapter-token-7f3a91"
NAMESPACE = "default"
SETTINGS = JudgeSettings(namespace=NAMESPACE, token=TOKEN)


@dataclass
class CaseRun:
    outcome: ClientOutcome
    exchanges: list[CapturedExchange]
    verdict: CaseVerdict

    def explain(self) -> str:
        """A readable account for assertion messages."""
        lines = [f"outcome: {self.outcome.status} {self.outcome.exception or ''} {self.outcome.detail}"]
        lines += [f"  exchange: {exchange.summary()}" for exchange in self.exchanges]
        lines += [f"  failure: {d.pointer} {d.kind} expected={d.expected!r} actual={d.actual!r}"
                  for d in self.verdict.failures]
        if self.outcome.stderr:
            lines.append(f"  stderr: {self.outcome.stderr[-500:]}")
        return "\n".join(lines)


def run_through_proxy(
    proxy: RecordingProxy,
    adapter: Adapter,
    fixture: Fixture,
    work_dir: Path,
    timeout: float = 30.0,
) -> CaseRun:
    profile = proxy.profile
    case_id = f"{fixture.name}::{adapter.label}"
    with proxy.open_case(case_id, fixture) as recording:
        outcome = adapter.run(
            CaseInput(
                fixture=fixture,
                server_url=recording.server_url,
                namespace=NAMESPACE,
                token=TOKEN,
                timeout=timeout,
                work_dir=work_dir,
                operations=default_tables(),
                case_id=case_id,
                api_prefix=profile.api_prefix,
            )
        )
    exchanges = list(recording.exchanges)
    verdict = judge(fixture, adapter.projection_key, exchanges, profile, SETTINGS)
    return CaseRun(outcome, exchanges, verdict)
