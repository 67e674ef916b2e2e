"""A server that never answers, with the REAL clients: each one's own timeout ends the wait (slow).

``fixtures/scenarios/slow/server-silent.scenario.yaml`` holds the signal
request unanswered for up to 75 s. ``dw`` gives up after PHP's 60 s socket
timeout (one attempt, an error); the SDK gives up after its 60 s timeout and
retries it twice (three attempts, about 180 s, an error). The stub lets go
of each held request as soon as the client closes it, and the harness's
time limit (60 s here) grows by the most the script can hold, so neither
case is ended by the harness.

Marked ``slow`` (about 4 minutes): run with ``pytest -m slow`` (``tox -e
conformance-fuzz``). Skipped with the reason when ``../shared`` or PHP is
absent (:mod:`support.real_clients`).
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from conformance.adapters.dw_cli import DwCliAdapter
from conformance.adapters.python_sdk import PythonSdkAdapter
from conformance.fixture_discovery import discover
from conformance.proxy.profile import load_profile
from conformance.proxy.recorder import RecordingProxy
from conformance.proxy.script import HELD_BY_CLIENT
from conformance.scenarios.load import load_scenarios, shipped_scenarios_dir
from support.real_clients import upstream_corpus
from support.scenario_play import play_scenario

pytestmark = pytest.mark.slow
SLOW_SCENARIOS = shipped_scenarios_dir() / "slow"


def test_each_real_client_ends_a_silent_server_by_its_own_timeout(
    real_dw_path: Path, sdk_pypi_python: Path
) -> None:
    fixtures = {fixture.path.name: fixture for fixture in discover([upstream_corpus()]).fixtures}
    (scenario,), problems = load_scenarios([SLOW_SCENARIOS], fixtures)
    assert problems == [] and scenario.required and scenario.script().held_seconds() == 225
    expected = {"cli": (1, 55.0, 70.0), "python-sdk": (3, 170.0, 200.0)}
    with RecordingProxy(load_profile(None), slots=1) as proxy:
        for client in (DwCliAdapter(str(real_dw_path)), PythonSdkAdapter(str(sdk_pypi_python))):
            started = time.monotonic()
            played = play_scenario(proxy, scenario, client, token="silent-token-7c1", timeout=60)
            took = time.monotonic() - started
            verdict = played.verdict
            attempts, shortest, longest = expected[client.case_label()]
            assert verdict.status == "pass", (client.case_label(), verdict.sequence_diff(), verdict.reason)
            assert verdict.outcome_status == "client_error"
            assert len(verdict.requests) == attempts
            for request in verdict.requests:
                assert request.held and not request.hold_ran_out
                assert request.error is not None and request.error.startswith(HELD_BY_CLIENT)
                assert request.outcome_label() == "unanswered"
            assert shortest <= took <= longest, (client.case_label(), took)
