"""The canonical request of a fixture and the ``canonical`` replay adapter (adapter level)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from conformance import avro_codec
from conformance.adapters.base import CaseInput
from conformance.adapters.canonical import CanonicalAdapter
from conformance.canonical_request import CanonicalRequest, canonical_request
from conformance.fixture import Fixture, shipped_corpus_dir
from conformance.fixture_discovery import discover
from support.adapter_http import Received, local_server

TOKEN = "canonical-test-token-42"
SHIPPED = discover([shipped_corpus_dir()]).fixtures


def shipped(name: str) -> Fixture:
    return next(fixture for fixture in SHIPPED if fixture.name == name)


def variant(name: str, tmp_path: Path, edit: Any) -> Fixture:
    data = copy.deepcopy(shipped(name).data)
    edit(data)
    return Fixture(tmp_path / name, data)


CANCEL = shipped("workflow-cancel-parity.json")


def test_request_body_wins() -> None:
    request = canonical_request(shipped("storage-test-parity.json"))
    body = {"small_payload_bytes": 128, "large_payload_bytes": 3145728, "driver": "s3"}
    assert request == CanonicalRequest("POST", "/storage/test", {}, body, True, "request.body")


def test_cli_expected_body_when_the_request_has_no_body() -> None:
    request = canonical_request(shipped("workflow-signal-parity.json"))
    assert request.body == {"input": [{"approved_by": "ada", "approved": True, "notes": "ship it"}]}
    assert request.body_source == "cli.expected_body"


def test_sdk_expected_body_with_the_decoded_envelope_at_its_dotted_field(tmp_path: Path) -> None:
    def edit(data: dict[str, Any]) -> None:
        del data["cli"]["expected_body"]
        data["sdk_python"]["payload_envelope"]["field"] = "action.input"

    request = canonical_request(variant("workflow-update-parity.json", tmp_path, edit))
    update_input = [{"quota": 50, "reason": "gold-tier"}]
    assert request.body == {"wait_for": "completed", "action": {"input": update_input}}
    assert request.body_source == "sdk_python.expected_body + sdk_python.payload_envelope"


def test_no_body_anywhere_means_no_body() -> None:
    request = canonical_request(shipped("schedule-history-parity.json"))
    assert not request.has_body and request.body_bytes() is None


def test_query_from_request_query_in_order() -> None:
    request = canonical_request(shipped("schedule-history-parity.json"))
    assert request.query == {"limit": ["100"], "after_sequence": ["5"]}
    assert request.target() == "/api/schedules/daily-inventory-check/history?limit=100&after_sequence=5"


def test_typed_expected_query_is_rendered_as_wire_strings(tmp_path: Path) -> None:
    def edit(data: dict[str, Any]) -> None:
        del data["request"]["query"]
        data["cli"]["expected_query"] = {"page_size": 25, "wait_new_event": False, "tag": ["a b", "c"]}

    request = canonical_request(variant("schedule-history-parity.json", tmp_path, edit))
    assert request.query == {"page_size": ["25"], "wait_new_event": ["false"], "tag": ["a b", "c"]}
    assert request.query_string == "page_size=25&wait_new_event=false&tag=a%20b&tag=c"
    assert request.query_source == "cli.expected_query"


def test_envelopes_in_the_fixture_body_are_decoded_to_plain_json(tmp_path: Path) -> None:
    def edit(data: dict[str, Any]) -> None:
        data["request"]["body"] = {"input": avro_codec.make_envelope([{"order_id": 42}])}

    request = canonical_request(variant("workflow-cancel-parity.json", tmp_path, edit))
    assert json.loads(request.body_bytes() or b"") == {"input": [{"order_id": 42}]}


def test_canonical_adapter_runs_every_fixture_even_without_projections(tmp_path: Path) -> None:
    def edit(data: dict[str, Any]) -> None:
        del data["cli"], data["sdk_python"]

    bare = variant("workflow-cancel-parity.json", tmp_path, edit)
    assert CanonicalAdapter().skip_reason(bare) is None


def test_a_fixture_that_contradicts_itself_is_an_error_not_a_skip(tmp_path: Path) -> None:
    def edit(data: dict[str, Any]) -> None:
        data["request"]["body"] = {"input": {"codec": "avro", "blob": "not base64!"}}

    broken = variant("workflow-cancel-parity.json", tmp_path, edit)
    adapter = CanonicalAdapter()
    assert adapter.skip_reason(broken) is None
    outcome = adapter.run(CaseInput(broken, "http://127.0.0.1:9", "default", TOKEN, 5.0, tmp_path))
    assert outcome.status == "harness_error"
    assert "/request/body/input" in outcome.detail and "workflow-cancel-parity.json" in outcome.detail


@pytest.mark.parametrize("fixture", SHIPPED, ids=lambda fixture: fixture.name)
def test_replay_sends_handshake_then_exactly_the_canonical_request(fixture: Fixture, tmp_path: Path) -> None:
    expected = canonical_request(fixture)
    reply = fixture.response_body if fixture.has_response_body else {"answered": "by the test server"}
    with local_server(reply=reply) as server:
        case = CaseInput(fixture, server.url, "ns-1", TOKEN, 10.0, tmp_path)
        outcome = CanonicalAdapter().run(case)
        received = list(server.received)
    assert outcome.status == "completed", outcome
    assert [item.method for item in received] == ["GET", expected.method]
    assert received[0].target == "/api/cluster/info"
    operation = received[1]
    assert operation.target == expected.target("/api")
    if expected.has_body:
        assert operation.json() == expected.body
    else:
        assert operation.body == b""
    for item in received:
        assert item.header("authorization") == f"Bearer {TOKEN}"
        assert item.header("x-namespace") == "ns-1"
        assert item.header("x-durable-workflow-control-plane-version") == "2"
    assert outcome.output == reply


def test_replay_reports_a_non_2xx_answer_as_client_error_without_the_token(tmp_path: Path) -> None:
    def refuse(item: Received) -> tuple[int, Any]:
        return 404, {"message": f"no such thing for {item.header('authorization')}"}

    with local_server(responder=refuse) as server:
        case = CaseInput(CANCEL, server.url, "d", TOKEN, 10, tmp_path)
        outcome = CanonicalAdapter().run(case)
    assert outcome.status == "client_error" and "404" in (outcome.exception or "")
    assert TOKEN not in json.dumps(outcome.to_json())


def test_replay_to_a_closed_port_is_client_error(tmp_path: Path) -> None:
    with local_server() as server:
        url = server.url  # the port is closed once the block ends
    outcome = CanonicalAdapter().run(CaseInput(CANCEL, url, "d", TOKEN, 5, tmp_path))
    assert outcome.status == "client_error" and "ConnectionRefusedError" in (outcome.exception or "")


def test_replay_honours_the_case_api_prefix(tmp_path: Path) -> None:
    with local_server() as server:
        case = CaseInput(CANCEL, server.url, "d", TOKEN, 5, tmp_path, api_prefix="/v2/")
        CanonicalAdapter().run(case)
        targets = [item.target for item in server.received]
    assert targets == ["/v2/cluster/info", "/v2/workflows/wf-polyglot-231/cancel"]
