"""The scenario judge catches misbehaving walks and retries, with a pointer into the sequence.

Small test-double clients (python ``http.client``) play the shipped
scenarios through the real recording proxy (mitmproxy, sockets on
127.0.0.1): one walks correctly, one stops a page early, one re-requests a
page, one never stops, one ignores Retry-After, one prints a PHP class name
in its error JSON. Each defect must be caught, with a pointer into the
request sequence and a message that reads on its own.
"""

from __future__ import annotations

import http.client
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest

from conformance.adapters.base import Adapter, CaseInput, ClientIdentity, ClientOutcome
from conformance.fixture_discovery import discover
from conformance.proxy.recorder import RecordingProxy
from conformance.scenarios.compare import compare_scenario_outcomes
from conformance.scenarios.load import load_scenarios, shipped_scenarios_dir
from conformance.scenarios.model import Scenario
from conformance.scenarios.policy import parse_scenario_policy
from support.scenario_play import PlayedScenario, play_scenario

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "fixtures" / "control-plane"
HISTORY = "/api/schedules/daily-inventory-check/history"
QUERY = "/api/workflows/wf-polyglot-231/query/order.status"
CANCEL = "/api/workflows/wf-polyglot-231/cancel"

Client = Callable[[str], ClientOutcome]


class DoubleAdapter(Adapter):
    """An adapter whose client is a Python function of the server URL."""

    name = "double"
    projection = "sdk_python"
    target = "official_sdk"

    def __init__(self, client: Client, label: str) -> None:
        super().__init__()
        self.client = client
        self.instance_label = label

    def identity(self) -> ClientIdentity:
        return ClientIdentity("test double", "0", "tests")

    def run(self, case: CaseInput) -> ClientOutcome:
        return self.client(case.server_url)


class CliDoubleAdapter(DoubleAdapter):
    """A double standing for ``dw``: its error surfaces have dw's shape (exit code, ``--json`` envelope)."""

    projection = "cli"


def call(server_url: str, method: str, target: str) -> tuple[int | None, dict[str, str], Any]:
    parts = urlsplit(server_url)
    connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=10)
    try:
        connection.request(method, target, body=b"{}" if method == "POST" else None)
        response = connection.getresponse()
        raw = response.read()
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode("utf-8", "replace")
        return response.status, dict(response.getheaders()), body
    finally:
        connection.close()


def history_walker(
    *, stop_after: int | None = None, repeat: int | None = None, endless: bool = False
) -> Client:
    """A schedule-history walk from after_sequence=5, with one chosen defect (or none)."""

    def walk(server_url: str) -> ClientOutcome:
        call(server_url, "GET", "/api/cluster/info")
        cursor: Any = 5
        items: list[Any] = []
        pages = 0
        while True:
            status, _, body = call(
                server_url, "GET", f"{HISTORY}?{urlencode({'limit': 100, 'after_sequence': cursor})}"
            )
            if status != 200 or not isinstance(body, dict):
                return ClientOutcome("client_error", output=items, exception=f"HTTP {status}")
            pages += 1
            items.extend(body["events"])
            if repeat == pages:
                call(server_url, "GET", f"{HISTORY}?{urlencode({'limit': 100, 'after_sequence': cursor})}")
            if stop_after == pages:
                break
            if endless:
                cursor = body["next_cursor"] if body["next_cursor"] is not None else cursor
                continue
            if not body["has_more"] or body["next_cursor"] is None:
                break
            cursor = body["next_cursor"]
        return ClientOutcome("completed", output=items)

    return walk


def query_retrier(*, honour: bool) -> Client:
    """Retries a 429 once, after Retry-After (honour) or at once."""

    def query(server_url: str) -> ClientOutcome:
        status, headers, body = call(server_url, "POST", QUERY)
        if status == 429:
            if honour:
                time.sleep(float(headers.get("Retry-After", "0")))
            status, headers, body = call(server_url, "POST", QUERY)
        if status != 200:
            return ClientOutcome("client_error", exception=f"HTTP {status}")
        return ClientOutcome("completed", output=body)

    return query


def cancel_with_error_json(error_json: dict[str, Any]) -> Client:
    """Cancels, and on an error prints ``error_json`` as its machine-readable error (like ``dw --json``)."""

    def cancel(server_url: str) -> ClientOutcome:
        status, _, body = call(server_url, "POST", CANCEL)
        if status == 200:
            return ClientOutcome("completed", output=body)
        surface = {"exit_code": 5, "json": {**error_json, "status_code": status}, "stderr": ""}
        return ClientOutcome("client_error", exit_code=5, error_surface=surface)

    return cancel


@pytest.fixture(scope="module")
def scenarios() -> dict[str, Scenario]:
    fixtures = {fixture.path.name: fixture for fixture in discover([CORPUS]).fixtures}
    loaded, problems = load_scenarios([shipped_scenarios_dir()], fixtures)
    assert problems == []
    return {scenario.name: scenario for scenario in loaded}


def play(
    proxy: RecordingProxy,
    scenario: Scenario,
    client: Client,
    label: str = "double",
    kind: type[DoubleAdapter] = DoubleAdapter,
) -> PlayedScenario:
    return play_scenario(proxy, scenario, kind(client, label))


def messages(played: PlayedScenario) -> dict[str, str]:
    """Failure messages by pointer (several at one pointer joined by " | ")."""
    found: dict[str, str] = {}
    for difference in played.verdict.failures:
        found[difference.pointer] = " | ".join(
            filter(None, [found.get(difference.pointer), difference.message])
        )
    return found


def test_a_correct_walk_passes_with_its_whole_sequence(
    recording_proxy: RecordingProxy, scenarios: dict[str, Scenario]
) -> None:
    played = play(recording_proxy, scenarios["schedule-history-walk.scenario.yaml"], history_walker())
    verdict = played.verdict
    assert verdict.status == "pass", verdict.sequence_diff()
    assert [request.param("after_sequence") for request in verdict.requests] == ["5", "8", "11"]
    assert [item["sequence"] for item in verdict.items or []] == [6, 7, 8, 9, 10, 11, 12, 13]
    assert played.case_id == "schedule-history-walk.scenario.yaml::double"
    # every exchange is kept: the handshake and the three pages
    assert [exchange.answered_by for exchange in played.exchanges] == [
        "profile",
        "scenario",
        "scenario",
        "scenario",
    ]
    document = json.loads(json.dumps(verdict.to_json()))
    assert document["status"] == "pass" and len(document["requests"]) == 3
    assert document["case_id"] == "schedule-history-walk.scenario.yaml::double"
    assert document["requests"][1]["query"] == {"limit": ["100"], "after_sequence": ["8"]}


def test_a_walk_that_stops_one_page_early_is_caught(
    recording_proxy: RecordingProxy, scenarios: dict[str, Scenario]
) -> None:
    played = play(
        recording_proxy, scenarios["schedule-history-walk.scenario.yaml"], history_walker(stop_after=2)
    )
    found = messages(played)
    assert played.verdict.status == "fail"
    assert found["/requests/2"] == (
        "the client stopped the walk after request 2: the server's pages make 3 requests; "
        "request 3 (limit=100, after_sequence=11) was never sent"
    )
    assert "/items" in found  # the collapsed result lacks the last page's items


def test_a_re_requested_page_is_caught(
    recording_proxy: RecordingProxy, scenarios: dict[str, Scenario]
) -> None:
    played = play(recording_proxy, scenarios["schedule-history-walk.scenario.yaml"], history_walker(repeat=2))
    found = messages(played)
    assert found["/requests/2"].startswith("request 3: the client asks again for the page of request 2 (")
    # answers go by order: the repeat took the last page, so request 3 is also off the expected sequence
    assert (
        found["/requests/2/query/after_sequence"]
        == "request 3: after the server's page answered to request 2, the next page is asked for with "
        "after_sequence=11; the client sent after_sequence=8"
    )


def test_a_walk_that_never_ends_is_stopped_at_the_bound_and_reported(
    recording_proxy: RecordingProxy, scenarios: dict[str, Scenario]
) -> None:
    scenario = scenarios["schedule-history-walk.scenario.yaml"]
    played = play(recording_proxy, scenario, history_walker(endless=True))
    verdict = played.verdict
    assert verdict.bound_reached
    assert len(verdict.requests) == scenario.max_requests + 1
    found = messages(played)
    bound = f"/requests/{scenario.max_requests}"
    assert found[bound].startswith(f"request {scenario.max_requests + 1}: the sequence did not end by itself")
    assert "request 4: the client asked for more after the last page" in found["/requests/3"]


def test_ignoring_retry_after_is_caught_and_honouring_it_passes(
    recording_proxy: RecordingProxy, scenarios: dict[str, Scenario]
) -> None:
    scenario = scenarios["rate-limited-429.scenario.yaml"]
    hasty = play(recording_proxy, scenario, query_retrier(honour=False), "hasty")
    patient = play(recording_proxy, scenario, query_retrier(honour=True), "patient")
    assert hasty.verdict.status == "fail"
    message = messages(hasty)["/requests/1/delay_seconds"]
    assert message == (
        "request 2: the server answered request 1 with 429 and Retry-After: 1; the client sent "
        "request 2 less than 1 s later, before that wait had passed"
    )
    hasty_delay = hasty.verdict.requests[1].delay_seconds
    assert hasty_delay is not None and hasty_delay < 1.0  # the measured delay stays, as a duration
    assert hasty.verdict.retry.retried == ("429",) and hasty.verdict.retry.honoured_retry_after is False
    assert patient.verdict.status == "pass", patient.verdict.sequence_diff()
    assert patient.verdict.retry.honoured_retry_after is True
    findings = compare_scenario_outcomes(scenario, [hasty.verdict, patient.verdict])
    assert [(finding.aspect, finding.difference.pointer) for finding in findings] == [
        ("retry", "/retry/honoured_retry_after")
    ]


def test_a_php_class_name_in_error_json_is_caught(
    recording_proxy: RecordingProxy, scenarios: dict[str, Scenario]
) -> None:
    scenario = scenarios["workflow-not-found-404.scenario.yaml"]
    leaky = cancel_with_error_json(
        {
            "error": "Symfony\\Component\\HttpClient\\Exception\\ClientException: HTTP 404",
            "reason": "instance_not_found",
        }
    )
    clean = cancel_with_error_json(
        {"error": "Server error: Workflow not found.", "reason": "instance_not_found"}
    )
    leaked = play(recording_proxy, scenario, leaky, "leaky", CliDoubleAdapter)
    tidy = play(recording_proxy, scenario, clean, "tidy", CliDoubleAdapter)
    assert leaked.verdict.status == "fail"
    ((pointer, message),) = messages(leaked).items()
    assert pointer == "/error_surface/json/error"
    assert "PHP namespaced class name" in message
    assert tidy.verdict.status == "pass", tidy.verdict.sequence_diff()
    assert tidy.verdict.error_summary is not None and tidy.verdict.error_summary["status"] == 404


def test_clients_are_compared_and_a_policy_declares_a_difference_deliberate(
    recording_proxy: RecordingProxy, scenarios: dict[str, Scenario]
) -> None:
    scenario = scenarios["schedule-history-walk.scenario.yaml"]
    whole = play(recording_proxy, scenario, history_walker(), "whole").verdict
    short = play(recording_proxy, scenario, history_walker(stop_after=2), "short").verdict
    findings = compare_scenario_outcomes(scenario, [whole, short])
    pointers = {finding.difference.pointer for finding in findings}
    assert {"/requests", "/items"} <= pointers
    assert all(finding.is_failure for finding in findings)
    policy = parse_scenario_policy(
        [
            {
                "scenario": scenario.name,
                "adapter": "short",
                "pointers": ["/**"],
                "reason": "reads one page less",
            }
        ],
        "policy.yaml",
    )
    lowered = compare_scenario_outcomes(scenario, [whole, short], policy)
    assert lowered and not any(finding.is_failure for finding in lowered)
    assert all("policy: reads one page less" in finding.difference.message for finding in lowered)
    judged = play_scenario(
        recording_proxy, scenario, DoubleAdapter(history_walker(stop_after=2), "short"), policy=policy
    )
    assert judged.verdict.status == "pass" and judged.verdict.differences


def test_a_scenario_whose_fixture_is_absent_is_not_applicable(recording_proxy: RecordingProxy) -> None:
    fixtures = {fixture.path.name: fixture for fixture in discover([CORPUS]).fixtures}
    loaded, _ = load_scenarios([shipped_scenarios_dir()], fixtures)
    absent = next(scenario for scenario in loaded if scenario.name == "workflow-history-walk.scenario.yaml")
    assert not absent.applicable
    played = play(recording_proxy, absent, history_walker())
    assert played.verdict.status == "skipped"
    assert played.verdict.reason == "the corpus of this run has no fixture workflow-history-parity.json"
    assert played.exchanges == []


SIGNAL = "/api/workflows/wf-polyglot-231/signal/approval.received"


def signaller(client_timeout: float) -> Client:
    """Sends the signal once; gives up after ``client_timeout`` seconds (an error, like a real client)."""

    def signal(server_url: str) -> ClientOutcome:
        parts = urlsplit(server_url)
        connection = http.client.HTTPConnection(
            parts.hostname or "127.0.0.1", parts.port, timeout=client_timeout
        )
        try:
            connection.request("POST", SIGNAL, body=b"{}")
            body = connection.getresponse().read()
        except (http.client.HTTPException, OSError) as error:
            return ClientOutcome("client_error", exception=type(error).__name__)
        finally:
            connection.close()
        return ClientOutcome("completed", output=json.loads(body))

    return signal


def silent_scenario(tmp_path: Path, hold: float) -> Scenario:
    text = (
        "schema: durable-workflow.conformance.scenario\nversion: 1\n"
        f"fixture: workflow-signal-parity.json\nanswers:\n  - hold: {hold}\n"
        "then: stop\nmax_requests: 1\nexpect: {attempts: {max: 1}, outcome: client_error}\n"
    )
    (tmp_path / "silent.scenario.yaml").write_text(text, encoding="utf-8")
    fixtures = {fixture.path.name: fixture for fixture in discover([CORPUS]).fixtures}
    (scenario,), problems = load_scenarios([tmp_path], fixtures)
    assert problems == []
    return scenario


def test_a_silent_server_ended_by_the_client_timeout_passes(
    recording_proxy: RecordingProxy, tmp_path: Path
) -> None:
    played = play(recording_proxy, silent_scenario(tmp_path, 20), signaller(client_timeout=0.5))
    verdict = played.verdict
    assert verdict.status == "pass", verdict.sequence_diff()
    (request,) = verdict.requests
    assert request.held and not request.hold_ran_out and request.outcome_label() == "unanswered"


def test_a_client_still_waiting_at_the_end_of_the_hold_fails_at_that_request(
    recording_proxy: RecordingProxy, tmp_path: Path
) -> None:
    played = play(recording_proxy, silent_scenario(tmp_path, 0.5), signaller(client_timeout=20))
    verdict = played.verdict
    assert verdict.status == "fail"
    assert [(d.pointer, d.kind) for d in verdict.failures] == [("/requests/0", "hold")]
    assert "no timeout of its own ended the wait" in messages(played)["/requests/0"]
