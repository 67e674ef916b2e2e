"""The shipped scenarios with the REAL clients: dw (PHP) and the Python SDK from PyPI.

Every shipped scenario is played through the real recording proxy with the
real ``dw`` and the newest PyPI SDK, on the upstream corpus (all sixteen
apply there). The assertions pin what the clients really do (the figures of
``docs/scenarios.md``): both walk the schedule history and the run history
page by page and stop at the last page; ``dw`` never retries, the SDK
retries 429, 5xx and dropped connections up to three attempts and does not
wait for Retry-After; ``dw --json`` reports an HTML page as an empty
history. When a client changes, these tests say where.

Skipped with the reason when ``../shared`` or PHP is absent
(:mod:`support.real_clients`).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from conformance.adapters.dw_cli import DwCliAdapter
from conformance.adapters.python_sdk import PythonSdkAdapter
from conformance.fixture_discovery import discover
from conformance.proxy.profile import load_profile
from conformance.proxy.recorder import RecordingProxy
from conformance.scenarios.compare import compare_scenario_outcomes
from conformance.scenarios.judge import ScenarioVerdict
from conformance.scenarios.load import load_scenarios, shipped_scenarios_dir
from conformance.scenarios.model import Scenario
from support.real_clients import upstream_corpus
from support.scenario_play import play_scenario

TOKEN = "scenario-token-51c2"


@pytest.fixture(scope="module")
def played(real_dw_path: Path, sdk_pypi_python: Path) -> Iterator[dict[str, dict[str, ScenarioVerdict]]]:
    """Every shipped scenario with both real clients: verdicts by scenario name, then by client label."""
    fixtures = {fixture.path.name: fixture for fixture in discover([upstream_corpus()]).fixtures}
    scenarios, problems = load_scenarios([shipped_scenarios_dir()], fixtures)
    assert problems == []
    clients = [DwCliAdapter(str(real_dw_path)), PythonSdkAdapter(str(sdk_pypi_python))]
    verdicts: dict[str, dict[str, ScenarioVerdict]] = {}
    with RecordingProxy(load_profile(None), slots=1) as proxy:
        for scenario in scenarios:
            for client in clients:
                result = play_scenario(proxy, scenario, client, token=TOKEN, timeout=60)
                verdicts.setdefault(scenario.name, {})[client.case_label()] = result.verdict
                assert TOKEN not in json.dumps(result.verdict.to_json()), "a verdict carries the token"
    yield verdicts


def failures(verdict: ScenarioVerdict) -> list[str]:
    return [difference.pointer for difference in verdict.failures]


def test_every_scenario_ran_for_both_clients(played: dict[str, dict[str, ScenarioVerdict]]) -> None:
    assert len(played) == 16
    for name, by_client in played.items():
        assert set(by_client) == {"cli", "python-sdk"}
        for label, verdict in by_client.items():
            assert verdict.status in ("pass", "fail"), f"{name}::{label}: {verdict.status} {verdict.reason}"


@pytest.mark.parametrize(
    "name", ["schedule-history-walk.scenario.yaml", "workflow-history-walk.scenario.yaml"]
)
def test_both_clients_walk_every_page_and_stop_at_the_last(
    played: dict[str, dict[str, ScenarioVerdict]], name: str
) -> None:
    for verdict in played[name].values():
        assert verdict.status == "pass", verdict.sequence_diff()
        assert len(verdict.requests) == 3 and not verdict.bound_reached
        assert verdict.outcome_status == "completed"


def test_the_collapsed_schedule_history_differs_on_an_empty_payload(
    played: dict[str, dict[str, ScenarioVerdict]],
) -> None:
    """The server sends an empty payload as [] (a PHP empty array): dw keeps [], the SDK makes it None."""
    name = "schedule-history-walk.scenario.yaml"
    findings = compare_scenario_outcomes(_scenario(name), list(played[name].values()))
    assert [(finding.aspect, finding.difference.pointer) for finding in findings] == [
        ("items", "/items/7/payload")
    ]
    assert findings[0].difference.expected == [] and findings[0].difference.actual is None


def test_dw_never_retries_and_the_sdk_retries_three_times(
    played: dict[str, dict[str, ScenarioVerdict]],
) -> None:
    for name, retried in [
        ("server-error-500.scenario.yaml", ("500", "500")),
        ("dropped-connection.scenario.yaml", ("dropped", "dropped")),
    ]:
        cli, sdk = played[name]["cli"], played[name]["python-sdk"]
        assert cli.retry.attempts == 1 and cli.retry.retried == ()
        assert sdk.retry.attempts == 3 and sdk.retry.retried == retried
        assert cli.outcome_status == sdk.outcome_status == "client_error"
    for name in [
        "unauthorized-401.scenario.yaml",
        "forbidden-403.scenario.yaml",
        "validation-422.scenario.yaml",
    ]:
        assert {verdict.retry.attempts for verdict in played[name].values()} == {1}


def test_the_sdk_retries_a_429_without_waiting_for_retry_after(
    played: dict[str, dict[str, ScenarioVerdict]],
) -> None:
    cli, sdk = (
        played["rate-limited-429.scenario.yaml"]["cli"],
        played["rate-limited-429.scenario.yaml"]["python-sdk"],
    )
    assert cli.status == "pass" and cli.retry.attempts == 1 and cli.outcome_status == "client_error"
    assert sdk.status == "fail" and failures(sdk) == ["/requests/1/delay_seconds"]
    assert sdk.retry.honoured_retry_after is False and sdk.outcome_status == "completed"


def test_dw_reports_an_html_page_as_an_empty_history(played: dict[str, dict[str, ScenarioVerdict]]) -> None:
    cli, sdk = (
        played["non-json-body.scenario.yaml"]["cli"],
        played["non-json-body.scenario.yaml"]["python-sdk"],
    )
    assert cli.status == "fail" and failures(cli) == ["/outcome"] and cli.outcome_status == "completed"
    assert sdk.status == "pass" and sdk.outcome_status == "client_error"


def test_error_surfaces_are_recorded_and_compared(played: dict[str, dict[str, ScenarioVerdict]]) -> None:
    for name in ["schedule-not-found-404.scenario.yaml", "forbidden-403.scenario.yaml"]:
        cli, sdk = played[name]["cli"], played[name]["python-sdk"]
        assert cli.error_surface is not None and cli.error_surface["exit_code"] in (4, 5)
        assert sdk.error_surface is not None and sdk.error_surface["exception"].startswith(
            "durable_workflow."
        )
        assert cli.error_summary is not None and cli.error_summary["status"] in (403, 404)
    findings = compare_scenario_outcomes(
        _scenario("schedule-not-found-404.scenario.yaml"),
        list(played["schedule-not-found-404.scenario.yaml"].values()),
    )
    # the SDK's ScheduleNotFound loses the status and the reason the server sent
    failing = {finding.difference.pointer for finding in findings if finding.is_failure}
    assert {"/error_summary/status", "/error_summary/code"} <= failing


def _scenario(name: str) -> Scenario:
    fixtures = {fixture.path.name: fixture for fixture in discover([upstream_corpus()]).fixtures}
    scenarios, _ = load_scenarios([shipped_scenarios_dir()], fixtures)
    return next(scenario for scenario in scenarios if scenario.name == name)


def test_worker_plane_error_answers_are_final_for_both_clients(
    played: dict[str, dict[str, ScenarioVerdict]],
) -> None:
    """A poll refused with 401 and a completion refused with 409 or 422: one attempt, an error, for both."""
    for name, status, code in [
        ("worker-poll-unauthorized-401.scenario.yaml", 401, "unauthorized"),
        ("task-lease-conflict-409.scenario.yaml", 409, "lease_owner_mismatch"),
        ("task-rejected-422.scenario.yaml", 422, "structural_limit_exceeded"),
    ]:
        for label, verdict in played[name].items():
            assert verdict.status == "pass", f"{name}::{label}: {verdict.sequence_diff()}"
            assert verdict.retry.attempts == 1 and verdict.outcome_status == "client_error"
        cli = played[name]["cli"]
        assert cli.error_summary is not None
        assert (cli.error_summary["status"], cli.error_summary["code"]) == (status, code)
    # the SDK keeps the status and the reason only where it raises ServerError (the 409)
    sdk = played["task-lease-conflict-409.scenario.yaml"]["python-sdk"]
    assert sdk.error_summary is not None and sdk.error_summary["code"] == "lease_owner_mismatch"


def test_the_sdk_retries_a_503_without_waiting_and_dw_reports_it(
    played: dict[str, dict[str, ScenarioVerdict]],
) -> None:
    cli, sdk = (
        played["unavailable-503.scenario.yaml"]["cli"],
        played["unavailable-503.scenario.yaml"]["python-sdk"],
    )
    assert cli.status == "pass" and cli.retry.attempts == 1 and cli.outcome_status == "client_error"
    assert cli.error_surface is not None and cli.error_surface["exit_code"] == 6
    assert sdk.status == "fail" and failures(sdk) == ["/requests/1/delay_seconds"]
    assert sdk.retry.retried == ("503",) and sdk.outcome_status == "completed"
