"""The stub plays a case's scripted answers in order (real mitmproxy, real sockets on 127.0.0.1)."""

from __future__ import annotations

import http.client
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from conformance.fixture import load_fixture
from conformance.proxy.har import build_har
from conformance.proxy.recorder import RecordingProxy
from conformance.proxy.script import BOUND_REASON, BOUND_STATUS, HELD_BY_CLIENT, AnswerScript, ScriptedAnswer

ROOT = Path(__file__).resolve().parent.parent
HISTORY = ROOT / "fixtures" / "control-plane" / "schedule-history-parity.json"
SIGNAL = ROOT / "fixtures" / "control-plane" / "workflow-signal-parity.json"
HISTORY_PATH = "/api/schedules/daily-inventory-check/history"


def page(number: int) -> ScriptedAnswer:
    return ScriptedAnswer(status=200, json_body={"page": number}, has_json_body=True)


def get(server_url: str, target: str, method: str = "GET") -> tuple[int | None, dict[str, str], bytes, str]:
    """(status, headers, body, error) of one request on a fresh connection."""
    parts = urlsplit(server_url)
    connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=10)
    try:
        connection.request(method, target, body=b"{}" if method == "POST" else None)
        response = connection.getresponse()
        try:
            body = response.read()
        except http.client.IncompleteRead as error:
            return response.status, dict(response.getheaders()), bytes(error.partial), type(error).__name__
        return response.status, dict(response.getheaders()), body, ""
    except (http.client.HTTPException, OSError) as error:
        return None, {}, b"", type(error).__name__
    finally:
        connection.close()


def test_answers_go_to_operation_requests_in_order_and_the_handshake_consumes_none(
    recording_proxy: RecordingProxy,
) -> None:
    script = AnswerScript((page(1), page(2), page(3)), max_requests=5, name="walk")
    with recording_proxy.open_case("walk::double", load_fixture(HISTORY), script=script) as recording:
        seen = []
        for _ in range(3):
            assert get(recording.server_url, "/api/cluster/info")[0] == 200
            status, _, body, _ = get(recording.server_url, HISTORY_PATH + "?limit=100")
            seen.append((status, json.loads(body)))
        other = get(recording.server_url, "/api/workflows/unknown/describe")
    assert seen == [(200, {"page": 1}), (200, {"page": 2}), (200, {"page": 3})]
    assert other[0] == 404
    operations = [exchange for exchange in recording.exchanges if exchange.answered_by == "scenario"]
    assert [exchange.route for exchange in operations] == ["answer 0", "answer 1", "answer 2"]
    assert recording.script_cursor is not None and recording.script_cursor.served == 3
    assert not recording.script_cursor.bound_reached


def test_after_the_list_the_last_answer_repeats_up_to_the_bound(recording_proxy: RecordingProxy) -> None:
    script = AnswerScript((page(1), page(2)), max_requests=4, name="never-ends")
    with recording_proxy.open_case("bound::double", load_fixture(HISTORY), script=script) as recording:
        answers = [get(recording.server_url, HISTORY_PATH) for _ in range(6)]
    assert [status for status, *_ in answers] == [200, 200, 200, 200, BOUND_STATUS, BOUND_STATUS]
    assert json.loads(answers[3][2]) == {"page": 2}
    assert json.loads(answers[4][2])["reason"] == BOUND_REASON
    assert [exchange.route for exchange in recording.exchanges][-2:] == ["bound", "bound"]
    assert recording.script_cursor is not None and recording.script_cursor.bound_reached


def test_then_stop_refuses_right_after_the_list(recording_proxy: RecordingProxy) -> None:
    script = AnswerScript((page(1),), after_last="stop", max_requests=10, name="one")
    with recording_proxy.open_case("stop::double", load_fixture(HISTORY), script=script) as recording:
        statuses = [get(recording.server_url, HISTORY_PATH)[0] for _ in range(2)]
    assert statuses == [200, BOUND_STATUS]


def test_json_answers_are_dressed_like_the_server_and_text_goes_out_verbatim(
    recording_proxy: RecordingProxy,
) -> None:
    script = AnswerScript(
        (
            ScriptedAnswer(status=404, json_body={"reason": "instance_not_found"}, has_json_body=True),
            ScriptedAnswer(
                status=200,
                text="<html>maintenance</html>",
                headers=(("Content-Type", "text/html"),),
                protocol_headers=False,
            ),
            ScriptedAnswer(status=429, json_body={}, has_json_body=True, headers=(("Retry-After", "1"),)),
            ScriptedAnswer(from_fixture=True),
        ),
        name="shapes",
    )
    target = "/api/workflows/wf-polyglot-231/signal/approval.received"
    with recording_proxy.open_case("shapes::double", load_fixture(SIGNAL), script=script) as recording:
        missing = get(recording.server_url, target, "POST")
        html = get(recording.server_url, target, "POST")
        limited = get(recording.server_url, target, "POST")
        usual = get(recording.server_url, target, "POST")
    assert missing[0] == 404
    dressed = json.loads(missing[2])
    assert dressed["control_plane"]["operation"] == "signal"
    assert dressed["workflow_id"] == "wf-polyglot-231"
    assert missing[1]["X-Durable-Workflow-Control-Plane-Version"] == "2"
    assert html[2] == b"<html>maintenance</html>"
    assert html[1]["Content-Type"] == "text/html"
    assert "X-Durable-Workflow-Control-Plane-Version" not in html[1]
    assert limited[0] == 429 and limited[1]["Retry-After"] == "1"
    assert usual[0] == 200 and json.loads(usual[2])["control_plane"]["operation"] == "signal"


@pytest.mark.parametrize(
    ("mode", "client_error", "recorded_status"),
    [("after_headers", "IncompleteRead", 200), ("before_response", "RemoteDisconnected", None)],
)
def test_a_dropped_connection_is_real_and_recorded(
    recording_proxy: RecordingProxy, mode: str, client_error: str, recorded_status: int | None
) -> None:
    answer = ScriptedAnswer(status=200, json_body={"events": [1, 2, 3, 4]}, has_json_body=True, drop=mode)  # type: ignore[arg-type]
    script = AnswerScript((answer, page(2)), name="drop")
    with recording_proxy.open_case("drop::double", load_fixture(HISTORY), script=script) as recording:
        status, _, partial, error = get(recording.server_url, HISTORY_PATH)
        after = get(recording.server_url, HISTORY_PATH)
    assert error == client_error
    assert after[0] == 200 and json.loads(after[2]) == {"page": 2}
    dropped = recording.exchanges[0]
    assert dropped.response_status == recorded_status
    assert dropped.error is not None and "closed the connection" in dropped.error
    if mode == "after_headers":
        assert status == 200 and partial and len(partial) < len(b'{"events":[1,2,3,4]}')
        assert dropped.response_body == partial
    har = build_har(recording.exchanges)
    entries = har["log"]["entries"]
    assert len(entries) == 2
    assert entries[0]["_answered_by"] == "scenario" and "closed the connection" in entries[0]["_error"]
    assert entries[1]["response"]["status"] == 200


def test_a_live_proxy_refuses_a_script(proxy_factory: Callable[..., RecordingProxy]) -> None:
    proxy = proxy_factory(upstream="http://127.0.0.1:9", slots=1)
    with pytest.raises(ValueError, match="stub"), proxy.open_case("x", None, script=AnswerScript((page(1),))):
        pass


def test_cases_without_a_script_are_answered_as_before(recording_proxy: RecordingProxy) -> None:
    fixture = load_fixture(HISTORY)
    with recording_proxy.open_case("plain", fixture) as recording:
        status, _, body, _ = get(recording.server_url, HISTORY_PATH + "?limit=100&after_sequence=5")
    document: dict[str, Any] = json.loads(body)
    assert status == 200 and document["next_cursor"] == 8
    assert recording.script_cursor is None
    assert recording.exchanges[0].answered_by == "fixture"


def test_a_script_needs_an_answer_and_a_sane_bound() -> None:
    with pytest.raises(ValueError, match="at least one answer"):
        AnswerScript(())
    with pytest.raises(ValueError, match="max_requests"):
        AnswerScript((page(1),), max_requests=0)


def get_with_timeout(server_url: str, target: str, timeout: float) -> tuple[str, float]:
    """(error class name or "", seconds) of one GET whose client gives up after ``timeout`` seconds."""
    parts = urlsplit(server_url)
    started = time.monotonic()
    connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=timeout)
    try:
        connection.request("GET", target)
        connection.getresponse().read()
        return "", time.monotonic() - started
    except (http.client.HTTPException, OSError) as error:
        return type(error).__name__, time.monotonic() - started
    finally:
        connection.close()


def test_a_held_answer_ends_when_the_client_gives_up(recording_proxy: RecordingProxy) -> None:
    """The client's own timeout (1 s) ends the wait; the stub lets go then, long before its 30 s hold.

    The case closes right after: the closing case lets the held exchange settle, so it is recorded
    as held (not as "the case ended before the response was recorded").
    """
    script = AnswerScript((page(1), ScriptedAnswer(hold_seconds=30.0)), name="silent")
    started = time.monotonic()
    with recording_proxy.open_case("hold::double", load_fixture(HISTORY), script=script) as recording:
        after = get(recording.server_url, HISTORY_PATH)  # the first answer, then the held one
        error, waited = get_with_timeout(recording.server_url, HISTORY_PATH, timeout=1.0)
    assert error in ("TimeoutError", "timeout") and 0.9 <= waited < 5
    assert after[0] == 200
    held = recording.exchanges[1]
    assert held.response_status is None and held.route == "answer 1"
    assert held.error is not None and held.error.startswith(HELD_BY_CLIENT), held.error
    assert time.monotonic() - started < 10


def test_a_held_answer_ends_at_the_hold_when_the_client_keeps_waiting(
    recording_proxy: RecordingProxy,
) -> None:
    script = AnswerScript((ScriptedAnswer(hold_seconds=0.5),), name="silent")
    with recording_proxy.open_case("hold-end::double", load_fixture(HISTORY), script=script) as recording:
        error, waited = get_with_timeout(recording.server_url, HISTORY_PATH, timeout=20.0)
    assert error in ("RemoteDisconnected", "ConnectionResetError", "BadStatusLine"), error
    assert 0.4 <= waited < 5
    held = recording.exchanges[0]
    assert held.error is not None and "the client was still waiting" in held.error
    assert not held.error.startswith(HELD_BY_CLIENT)


def test_the_time_a_script_can_hold_is_bounded_by_its_requests() -> None:
    silent = ScriptedAnswer(hold_seconds=10.0)
    assert AnswerScript((silent,), max_requests=3).held_seconds() == 30.0
    assert AnswerScript((silent, page(2)), max_requests=3).held_seconds() == 10.0
    assert AnswerScript((silent,), after_last="stop", max_requests=3).held_seconds() == 10.0
