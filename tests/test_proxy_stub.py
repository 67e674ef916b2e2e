"""The stub server's decisions, without sockets: which answer each request gets."""

from __future__ import annotations

import json
from pathlib import Path

from conformance.fixture import load_fixture
from conformance.proxy.paths import is_worker_plane, segments, split_target, strip_prefix
from conformance.proxy.profile import load_profile
from conformance.proxy.stub import StubServer, is_operation_request
from support.proxy import make_fixture, start_fixture_data

CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "control-plane"


def stub() -> StubServer:
    return StubServer(load_profile(None))


def test_paths_helpers() -> None:
    assert split_target("/api/x?a=1&b=2#f") == ("/api/x", "a=1&b=2")
    assert segments("/workflows/wf%201/signal/a%2Fb?x=1") == ["workflows", "wf 1", "signal", "a/b"]
    assert segments("/a//b/") == ["a", "", "b", ""]
    assert segments("/") == []
    assert strip_prefix("/api/workflows", "/api") == "/workflows"
    assert strip_prefix("/api", "/api") == "/"
    assert strip_prefix("/apiary/x", "/api") is None
    assert strip_prefix("/x", "") == "/x"
    assert is_worker_plane("/worker/workflow-tasks/t/history") and not is_worker_plane("/workers")


def test_handshake_is_answered_from_the_profile() -> None:
    answer = stub().answer("GET", "/api/cluster/info", make_fixture(start_fixture_data()))
    assert answer.status == 200
    assert answer.answered_by == "profile" and answer.route == "handshake"
    assert json.loads(answer.body)["control_plane"]["version"] == "2"
    headers = dict(answer.headers)
    assert headers["X-Durable-Workflow-Control-Plane-Version"] == "2"
    assert headers["X-Durable-Workflow-Protocol-Version"] == "1.0"
    assert headers["Content-Type"] == "application/json"


def test_operation_gets_the_fixture_response_body_as_the_core_of_the_answer() -> None:
    fixture = load_fixture(CORPUS / "workflow-task-history-parity.json")
    answer = stub().answer(fixture.method, "/api" + fixture.path_template, fixture)
    assert answer.status == 200 and answer.answered_by == "fixture" and answer.route is None
    body = json.loads(answer.body)
    # every pinned field goes out as pinned; the dressing only adds the worker-protocol envelope
    assert {key: body[key] for key in fixture.response_body} == fixture.response_body
    assert set(body) - set(fixture.response_body) == {"protocol_version", "server_capabilities"}


def test_operation_path_matches_on_decoded_segments_and_ignores_the_query() -> None:
    data = start_fixture_data()
    data["request"] = {"method": "POST", "path": "/workflows/wf%20one/signal/go"}
    fixture = make_fixture(data)
    assert is_operation_request(fixture, "post", "/workflows/wf one/signal/go")
    assert is_operation_request(fixture, "POST", "/workflows/wf%20one/signal/go?x=1")
    assert not is_operation_request(fixture, "PUT", "/workflows/wf one/signal/go")
    assert not is_operation_request(fixture, "POST", "/workflows/wf one/signal/stop")


def test_default_reply_is_built_from_semantic_ids_when_there_is_no_response_body() -> None:
    answer = stub().answer("POST", "/api/workflows", make_fixture(start_fixture_data(workflow_id="wf-77")))
    body = json.loads(answer.body)
    assert answer.answered_by == "fixture" and answer.status == 200
    assert body["workflow_id"] == "wf-77" and body["workflow_type"] == "orders.process" and body["run_id"]


def test_worker_plane_operation_carries_the_protocol_header() -> None:
    fixture = load_fixture(CORPUS / "workflow-task-history-parity.json")
    answer = stub().answer("POST", "/api/worker/workflow-tasks/workflow-task-231/history", fixture)
    headers = dict(answer.headers)
    assert answer.answered_by == "fixture"
    assert headers["X-Durable-Workflow-Protocol-Version"] == "1.0"
    assert "X-Durable-Workflow-Control-Plane-Version" not in headers


def test_unknown_routes_get_a_json_404() -> None:
    fixture = make_fixture(start_fixture_data())
    for method, target in [("GET", "/api/nowhere"), ("DELETE", "/api/workflows"), ("POST", "/workflows")]:
        answer = stub().answer(method, target, fixture)
        assert answer.status == 404 and answer.answered_by == "not_found"
        body = json.loads(answer.body)
        assert body["error"] == "not_found" and body["method"] == method and body["path"] == target


def test_without_a_fixture_only_canned_routes_answer() -> None:
    assert stub().answer("POST", "/api/workflows", None).status == 404
    assert stub().answer("GET", "/api/cluster/info", None).status == 200


def test_a_fixture_response_body_of_null_is_sent_as_null() -> None:
    data = start_fixture_data()
    data["response_body"] = None
    answer = stub().answer("POST", "/api/workflows", make_fixture(data))
    assert answer.body == b"null"


def test_every_shipped_fixture_operation_is_answered_from_the_fixture() -> None:
    server = stub()
    for path in sorted(CORPUS.glob("*.json")):
        fixture = load_fixture(path)
        target = "/api" + fixture.path_template
        answer = server.answer(fixture.method, target, fixture)
        assert answer.answered_by == "fixture", path.name
        without = make_fixture({key: value for key, value in fixture.data.items() if key != "response_body"})
        default = server.answer(fixture.method, target, without)
        assert default.answered_by == "fixture" and default.status == 200, path.name
        assert isinstance(json.loads(default.body), dict), path.name


def test_folded_headers_read_as_mitmproxy_headers_get() -> None:
    """The stub's one-pass view of request headers equals ``{name: headers.get(name)}``, order included."""
    from mitmproxy.http import Headers

    from conformance.proxy.stub import folded_headers

    cases = [
        [],
        [(b"Accept", b"application/json")],
        [(b"X-Multi", b"1"), (b"Host", b"h"), (b"x-multi", b"2"), (b"X-MULTI", b"3")],
        [(b"\xff-Odd", b"\xfe\x00"), (b"Authorization", b"Bearer t"), (b"accept", b"")],
    ]
    for fields in cases:
        headers = Headers(fields)
        expected = {name: headers.get(name, "") for name in headers}
        assert folded_headers(headers.fields) == expected
        assert list(folded_headers(headers.fields)) == list(expected)
