"""The server profile: the shipped v2 document, extends/merge, routing, and broken files."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.problems import InputError
from conformance.proxy.profile import (
    HANDSHAKE_ROUTE,
    CannedRoute,
    load_profile,
    merge_documents,
    shipped_profile_names,
)
from conformance.proxy.template import placeholders, render


def write(tmp_path: Path, text: str, name: str = "profile.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def problems_of(path: Path | str) -> list[tuple[str, str, str, str]]:
    with pytest.raises(InputError) as caught:
        load_profile(path)
    return [(p.file, p.pointer, p.expected, p.found) for p in caught.value.problems]


# ---------------------------------------------------------------- the shipped profile
def test_shipped_v2_carries_what_both_clients_require() -> None:
    profile = load_profile(None)
    assert profile.name == "v2"
    assert profile.api_prefix == "/api"
    assert profile.source == "shipped:v2"
    assert "v2" in shipped_profile_names()
    handshake = profile.handshake
    assert handshake["control_plane"]["version"] == "2"
    contract = handshake["control_plane"]["request_contract"]
    assert contract["schema"] == "durable-workflow.v2.control-plane-request.contract"
    assert contract["version"] == 1
    assert contract["operations"]["update"]["fields"]["wait_for"]["canonical_values"] == [
        "accepted",
        "completed",
    ]
    assert handshake["worker_protocol"]["version"] == "1.0"
    assert handshake["worker_protocol"]["server_capabilities"]["query_tasks"] is True
    assert profile.handshake_warnings() == []


def test_shipped_v2_does_not_advertise_capabilities_that_change_sdk_requests() -> None:
    capabilities = load_profile(None).handshake["worker_protocol"]["server_capabilities"]
    assert "observability_context" not in capabilities
    assert "runtime_external_payload_transport" not in capabilities


def test_handshake_route_and_plane_headers() -> None:
    profile = load_profile(None)
    route = profile.ancillary_route("GET", "/cluster/info")
    assert route is not None and route.name == HANDSHAKE_ROUTE
    assert profile.ancillary_route("get", "/cluster/info?x=1") is route
    assert profile.ancillary_route("POST", "/cluster/info") is None
    assert profile.ancillary_route("GET", "/cluster/info/extra") is None
    assert profile.ancillary_route("GET", "/workflows") is None
    control = dict(profile.response_headers("/workflows"))
    worker = dict(profile.response_headers("/worker/workflow-tasks/t/history"))
    assert control == {"Content-Type": "application/json", "X-Durable-Workflow-Control-Plane-Version": "2"}
    assert worker == {"Content-Type": "application/json", "X-Durable-Workflow-Protocol-Version": "1.0"}


def test_default_reply_for_start_is_built_from_semantic_ids() -> None:
    reply = load_profile(None).default_reply("workflow.start")
    body = reply.render({"workflow_id": "wf-9", "workflow_type": "orders.process"})
    assert reply.status == 200
    assert body["workflow_id"] == "wf-9"
    assert body["workflow_type"] == "orders.process"
    assert isinstance(body["run_id"], str) and body["run_id"]
    # a payload: the contract object is added by the dressing (tests/test_stub_contracts.py)
    assert "control_plane" not in body


def test_unknown_operation_gets_the_star_default() -> None:
    reply = load_profile(None).default_reply("search_attribute.create")
    assert reply.status == 200 and reply.render({}) == {}


# ---------------------------------------------------------------- templates and routes
def test_template_rendering_rules() -> None:
    values = {"id": "wf-1", "n": 42, "nested": {"x": [1, 2]}}
    template = {
        "whole": "{n}",
        "text": "run-{id}-{n}",
        "dotted": "{nested.x}",
        "fallback_json": "{missing|0}",
        "fallback_text": "{missing|run 1}",
        "missing": "{missing}",
        "missing_in_text": "a{missing}b",
        "braces": "{{literal}}",
        "list": ["{id}", {"deep": "{n}"}],
    }
    assert render(template, values) == {
        "whole": 42,
        "text": "run-wf-1-42",
        "dotted": [1, 2],
        "fallback_json": 0,
        "fallback_text": "run 1",
        "missing": None,
        "missing_in_text": "ab",
        "braces": "{literal}",
        "list": ["wf-1", {"deep": 42}],
    }
    assert sorted(set(placeholders(template))) == ["id", "missing", "n", "nested.x"]


def test_canned_route_matches_decoded_segments_and_fills_params() -> None:
    route = CannedRoute("describe", "GET", "/workflows/{workflow_id}", body={"workflow_id": "{workflow_id}"})
    assert route.match("GET", "/workflows/wf%201") == {"workflow_id": "wf 1"}
    assert route.match("GET", "/workflows/") is None
    assert route.match("GET", "/workflows/a/b") is None
    assert route.match("POST", "/workflows/a") is None
    assert route.reply_body({"workflow_id": "wf 1"}) == {"workflow_id": "wf 1"}
    any_method = CannedRoute("any", "*", "/health")
    assert any_method.match("DELETE", "/health") == {}


# ---------------------------------------------------------------- user profiles
def test_extends_v2_deep_merges_and_null_removes(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
extends: v2
name: custom
handshake:
  worker_protocol:
    server_capabilities:
      query_tasks: null
      extra_capability: true
headers:
  common:
    X-Test: "yes"
routes:
  namespaces:
    method: get
    path: /namespaces/{name}
    body: {name: "{name}", next: null}
operation_defaults:
  workflow.start:
    status: 201
    body: {workflow_id: "{workflow_id}"}
""",
    )
    profile = load_profile(path)
    assert profile.name == "custom"
    assert profile.source == str(path)
    capabilities = profile.handshake["worker_protocol"]["server_capabilities"]
    assert "query_tasks" not in capabilities and capabilities["extra_capability"] is True
    assert profile.handshake["control_plane"]["version"] == "2"  # inherited
    assert any("query_tasks" in warning for warning in profile.handshake_warnings())
    assert ("X-Test", "yes") in profile.response_headers("/x")
    route = profile.ancillary_route("GET", "/namespaces/billing")
    assert route is not None and route.name == "namespaces" and route.method == "GET"
    assert route.reply_body(route.match("GET", "/namespaces/billing") or {}) == {
        "name": "billing",
        "next": None,
    }
    start = profile.default_reply("workflow.start")
    assert start.status == 201 and start.render({"workflow_id": "w"}) == {"workflow_id": "w"}
    # other defaults are inherited untouched
    assert profile.default_reply("workflow.signal").render({})["outcome"] == "signal_received"
    assert profile.contracts.control_plane is not None  # and so is the dressing


def test_extends_a_relative_file(tmp_path: Path) -> None:
    write(tmp_path, "extends: v2\nname: base\napi_prefix: /v2api\n", "base.yaml")
    path = write(tmp_path, "extends: base.yaml\nname: child\n", "child.yaml")
    profile = load_profile(path)
    assert (profile.name, profile.api_prefix) == ("child", "/v2api")


def test_merge_replaces_bodies_whole() -> None:
    base = {"operation_defaults": {"x": {"status": 200, "body": {"a": 1, "b": 2}}}}
    merged = merge_documents(base, {"operation_defaults": {"x": {"body": {"c": None}}}})
    assert merged == {"operation_defaults": {"x": {"status": 200, "body": {"c": None}}}}
    assert base["operation_defaults"]["x"]["body"] == {"a": 1, "b": 2}


def test_a_complete_profile_without_extends_loads(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
name: minimal
api_prefix: ""
handshake: {}
headers: {}
routes: {}
operation_defaults: {}
""",
    )
    profile = load_profile(path)
    assert profile.api_prefix == ""
    assert profile.default_reply("workflow.start").render({}) == {}
    assert len(profile.handshake_warnings()) == 6


# ---------------------------------------------------------------- broken profiles
def test_missing_file(tmp_path: Path) -> None:
    [(file, pointer, expected, _found)] = problems_of(tmp_path / "nope.yaml")
    assert file.endswith("nope.yaml") and pointer == "" and expected == "a readable file"


def test_unknown_shipped_name() -> None:
    [(file, _pointer, expected, found)] = problems_of("v99")
    assert file == "v99" and "v2" in expected and found == "neither"


def test_yaml_syntax_error_names_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, "extends: v2\nhandshake: [unclosed\n")
    [(file, _pointer, expected, found)] = problems_of(path)
    assert file == str(path) and expected == "valid YAML" and "line 3" in found


def test_duplicate_key(tmp_path: Path) -> None:
    path = write(tmp_path, "extends: v2\nname: a\nname: b\n")
    [(_file, _pointer, expected, found)] = problems_of(path)
    assert expected == "each key once per mapping" and "'name'" in found and "line 3" in found


def test_header_value_must_be_a_quoted_string(tmp_path: Path) -> None:
    path = write(
        tmp_path, "extends: v2\nheaders:\n  control_plane:\n    X-Durable-Workflow-Control-Plane-Version: 2\n"
    )
    [(file, pointer, expected, found)] = problems_of(path)
    assert file == str(path)
    assert pointer == "/headers/control_plane/X-Durable-Workflow-Control-Plane-Version"
    assert expected.startswith("a string") and "quote" in expected and found == "2"


def test_bad_route_fields(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
extends: v2
routes:
  bad:
    method: "GET /x"
    path: no-slash
    status: 999
    colour: red
""",
    )
    found = {pointer: expected for _f, pointer, expected, _found in problems_of(path)}
    assert found["/routes/bad/method"].startswith("an HTTP method")
    assert found["/routes/bad/path"].startswith("a path starting with '/'")
    assert found["/routes/bad/status"] == "an HTTP status code from 100 to 599"
    assert found["/routes/bad"].startswith("only the keys")


def test_route_may_not_be_named_handshake(tmp_path: Path) -> None:
    path = write(tmp_path, "extends: v2\nroutes:\n  handshake: {method: GET, path: /x}\n")
    [(_file, pointer, expected, found)] = problems_of(path)
    assert pointer == "/routes/handshake" and "another name" in expected and "handshake" in found


def test_unknown_top_level_key_and_wrong_types(tmp_path: Path) -> None:
    path = write(tmp_path, "extends: v2\nhandshak: {}\nroutes: []\n")
    found = {pointer: (expected, what) for _f, pointer, expected, what in problems_of(path)}
    assert "" in found and "handshak" in found[""][1]
    assert found["/routes"][0] == "a mapping"


def test_complete_profile_missing_sections(tmp_path: Path) -> None:
    path = write(tmp_path, "name: x\napi_prefix: /api\n")
    pointers = {pointer for _f, pointer, _e, _found in problems_of(path)}
    assert pointers == {"/handshake", "/headers", "/routes", "/operation_defaults"}


def test_null_removing_a_required_section_is_reported(tmp_path: Path) -> None:
    path = write(tmp_path, "extends: v2\nhandshake: null\n")
    [(file, pointer, _expected, found)] = problems_of(path)
    assert (file, pointer, found) == (str(path), "/handshake", "it is missing")


def test_extends_unknown_and_cycles(tmp_path: Path) -> None:
    [(_file, pointer, expected, _found)] = problems_of(write(tmp_path, "extends: v7\n"))
    assert pointer == "/extends" and "v2" in expected
    write(tmp_path, "extends: b.yaml\n", "a.yaml")
    write(tmp_path, "extends: a.yaml\n", "b.yaml")
    problems = problems_of(tmp_path / "a.yaml")
    assert problems[0][1] == "/extends" and "cycle" in problems[0][3]


def test_yaml_values_json_cannot_carry(tmp_path: Path) -> None:
    path = write(tmp_path, "extends: v2\nhandshake:\n  when: 2026-01-02\n  nan: .nan\n  200: ok\n")
    found = {pointer: expected for _f, pointer, expected, _found in problems_of(path)}
    assert set(found) == {"/handshake/nan", "/handshake/200"}
    assert "finite" in found["/handshake/nan"] and "string key" in found["/handshake/200"]


def test_not_a_mapping_and_not_utf8(tmp_path: Path) -> None:
    [(_f, pointer, expected, found)] = problems_of(write(tmp_path, "- a\n- b\n"))
    assert pointer == "" and "mapping" in expected and found == "a list"
    binary = tmp_path / "binary.yaml"
    binary.write_bytes(b"name: \xff\n")
    [(_f, _p, expected, _found)] = problems_of(binary)
    assert expected == "UTF-8 text"


def test_problem_messages_render_file_pointer_and_expectation(tmp_path: Path) -> None:
    path = write(tmp_path, "extends: v2\napi_prefix: api\n")
    with pytest.raises(InputError) as caught:
        load_profile(path)
    message = str(caught.value)
    assert (
        str(path) in message and "/api_prefix" in message and "expected an API prefix such as /api" in message
    )
