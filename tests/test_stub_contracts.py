"""The stub dresses an operation's payload as the v2 server does (profile ``response_contracts``).

No sockets: :meth:`StubServer.answer` is a pure function of the profile, the
fixture and the request. The real clients' acceptance of these answers is
tested in ``tests/test_stub_real_clients.py``.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from conformance.fixture import Fixture
from conformance.problems import InputError
from conformance.proxy.profile import ServerProfile, load_profile
from conformance.proxy.stub import StubAnswer, StubServer
from support.proxy import make_fixture

PROTOCOL_HEADER = "X-Durable-Workflow-Protocol-Version"
CONTRACT_KEYS = ["schema", "version", "operation", "workflow_id", "contract"]
_ABSENT = object()


def fixture(
    operation: str,
    method: str,
    path: str,
    *,
    semantic: dict[str, Any] | None = None,
    response_body: Any = _ABSENT,
) -> Fixture:
    data: dict[str, Any] = {
        "schema": "durable-workflow.polyglot.control-plane-request-fixture",
        "version": 1,
        "operation": operation,
        "request": {"method": method, "path": path},
        "semantic_body": semantic or {},
    }
    if response_body is not _ABSENT:
        data["response_body"] = response_body
    return make_fixture(data)


def ask(
    case: Fixture,
    *,
    profile: ServerProfile | None = None,
    headers: dict[str, str] | None = None,
    body: Any = None,
) -> tuple[StubAnswer, Any]:
    server = StubServer(profile or load_profile(None))
    raw = None if body is None else json.dumps(body).encode("utf-8")
    answer = server.answer(case.method, "/api" + case.path_template, case, headers=headers, body=raw)
    return answer, json.loads(answer.body)


def write_profile(tmp_path: Path, text: str) -> ServerProfile:
    path = tmp_path / "profile.yaml"
    path.write_text(text, encoding="utf-8")
    return load_profile(path)


# ---------------------------------------------------------------- control plane
def test_signal_answer_carries_the_control_plane_contract_object() -> None:
    case = fixture(
        "workflow.signal",
        "POST",
        "/workflows/wf%201/signal/approval.received",
        semantic={"workflow_id": "wf 1", "signal_name": "approval.received"},
    )
    answer, body = ask(case)
    contract = body["control_plane"]
    assert list(contract)[:5] == CONTRACT_KEYS
    assert contract["schema"] == "durable-workflow.v2.control-plane-response"
    assert contract["version"] == 1
    assert contract["operation"] == "signal"
    assert contract["workflow_id"] == "wf 1" == body["workflow_id"]  # decoded path segment
    assert contract["operation_name"] == "approval.received"
    assert contract["operation_name_field"] == "signal_name"
    definition = contract["contract"]
    assert definition["schema"] == "durable-workflow.v2.control-plane-response.contract"
    assert definition["version"] == 1
    assert definition["legacy_field_policy"] == "reject_non_canonical"
    assert definition["legacy_fields"] == {
        "query": "query_name",
        "signal": "signal_name",
        "update": "update_name",
        "wait_policy": "wait_for",
    }
    assert definition["required_fields"] == ["workflow_id", "operation_name", "operation_name_field"]
    assert definition["success_fields"] == ["outcome"]
    # projected fields: copied from the payload, nothing else
    assert contract["outcome"] == body["outcome"] == "signal_received"
    assert contract["run_id"] == body["run_id"] and contract["command_status"] == "accepted"
    assert "signal_name" not in contract  # not a projected field
    assert dict(answer.headers)["X-Durable-Workflow-Control-Plane-Version"] == "2"


def test_path_parameters_fill_the_payload_but_never_override_it() -> None:
    pinned = {"run_id": "run-pinned", "status": "running"}
    case = fixture("workflow.show_run", "GET", "/workflows/wf-1/runs/run-path", response_body=pinned)
    _, body = ask(case)
    assert body["workflow_id"] == "wf-1"  # absent from the payload: taken from the path
    assert body["run_id"] == "run-pinned"  # pinned: kept
    contract = body["control_plane"]
    assert (contract["operation"], contract["workflow_id"], contract["run_id"]) == (
        "describe_run",
        "wf-1",
        "run-pinned",
    )
    assert contract["contract"]["success_fields"] == ["run_id"]
    assert "operation_name" not in contract and "operation_name_field" not in contract


def test_history_page_gets_its_next_page_token_and_projects_it() -> None:
    case = fixture(
        "workflow.history",
        "GET",
        "/workflows/wf-1/runs/run-1/history",
        response_body={"workflow_id": "wf-1", "run_id": "run-1", "events": []},
    )
    _, body = ask(case)
    assert body["next_page_token"] is None and body["events"] == []
    assert "next_page_token" in body["control_plane"] and body["control_plane"]["next_page_token"] is None
    assert body["control_plane"]["contract"]["success_fields"] == ["next_page_token"]


def test_list_has_a_null_workflow_id_and_no_required_fields() -> None:
    case = fixture(
        "workflow.list", "GET", "/workflows", response_body={"workflows": [], "next_page_token": "p2"}
    )
    _, body = ask(case)
    contract = body["control_plane"]
    assert contract["operation"] == "list" and contract["workflow_id"] is None
    assert contract["contract"]["required_fields"] == [] and contract["next_page_token"] == "p2"


def test_update_default_reply_carries_the_update_id_the_cli_requires() -> None:
    case = fixture(
        "workflow.update", "POST", "/workflows/wf-1/update/quota.adjust", semantic={"workflow_id": "wf-1"}
    )
    _, body = ask(case)
    assert isinstance(body["update_id"], str) and body["update_id"]
    assert body["control_plane"]["update_id"] == body["update_id"]
    assert body["control_plane"]["operation_name"] == "quota.adjust"


def test_a_pinned_control_plane_object_is_sent_as_pinned() -> None:
    own = {"schema": "custom", "operation": "mine"}
    case = fixture("workflow.describe", "GET", "/workflows/wf-1", response_body={"control_plane": own})
    _, body = ask(case)
    assert body == {"control_plane": own, "workflow_id": "wf-1"}


def test_routes_outside_the_contract_are_not_dressed() -> None:
    export = fixture(
        "workflow.history_export",
        "GET",
        "/workflows/wf-1/runs/run-1/history/export",
        response_body={"schema": "bundle", "history_events": []},
    )
    _, body = ask(export)
    assert body == {"schema": "bundle", "history_events": []}
    namespace = fixture("namespace.describe", "GET", "/namespaces/billing", response_body={"name": "billing"})
    assert ask(namespace)[1] == {"name": "billing"}


@pytest.mark.parametrize("payload", [None, [1, 2], "text", 7])
def test_only_json_objects_are_dressed(payload: Any) -> None:
    case = fixture("workflow.describe", "GET", "/workflows/wf-1", response_body=payload)
    assert ask(case)[1] == payload


# ---------------------------------------------------------------- worker plane
def test_worker_answer_echoes_the_requested_protocol_version_in_body_and_header() -> None:
    case = fixture(
        "activity.complete",
        "POST",
        "/worker/activity-tasks/t-1/complete",
        response_body={"task_id": "t-1", "outcome": "completed"},
    )
    answer, body = ask(case, headers={PROTOCOL_HEADER: "1.20"})
    assert body["protocol_version"] == "1.20" == dict(answer.headers)[PROTOCOL_HEADER]
    assert body["task_id"] == "t-1" and body["outcome"] == "completed"
    capabilities = body["server_capabilities"]
    assert capabilities["query_tasks"] is True
    assert "complete_workflow" in capabilities["supported_workflow_task_commands"]
    # the header name is matched without regard to case, as HTTP says
    answer, body = ask(case, headers={PROTOCOL_HEADER.lower(): "1.3"})
    assert body["protocol_version"] == "1.3" == dict(answer.headers)[PROTOCOL_HEADER]


def test_worker_answer_without_a_requested_version_speaks_1_0() -> None:
    case = fixture("worker.register", "POST", "/worker/register", response_body={"registered": True})
    answer, body = ask(case)
    assert body["protocol_version"] == "1.0" == dict(answer.headers)[PROTOCOL_HEADER]
    assert "control_plane" not in body


def test_a_pinned_protocol_version_is_kept() -> None:
    case = fixture(
        "worker.register",
        "POST",
        "/worker/register",
        response_body={"protocol_version": "1.9", "registered": True},
    )
    _, body = ask(case, headers={PROTOCOL_HEADER: "1.0"})
    assert body["protocol_version"] == "1.9" and "server_capabilities" in body


def test_a_polled_query_task_is_claimable_by_the_polling_worker() -> None:
    case = fixture(
        "query-task.poll",
        "POST",
        "/worker/query-tasks/poll",
        response_body={
            "task": {"query_task_id": "q-1", "query_task_attempt": 1, "lease_owner": "pinned-owner"}
        },
    )
    _, body = ask(case, headers={PROTOCOL_HEADER: "1.0"}, body={"worker_id": "w-7", "task_queue": "queue-a"})
    task = body["task"]
    assert task["task_queue"] == "queue-a"  # from the poll request
    assert task["lease_owner"] == "pinned-owner"  # pinned by the fixture: kept
    expires = datetime.fromisoformat(task["lease_expires_at"].replace("Z", "+00:00"))
    assert expires > datetime.now(UTC)
    assert body["protocol_version"] == "1.0"
    # the owner comes from the request when the fixture leaves it out
    case = fixture(
        "query-task.poll", "POST", "/worker/query-tasks/poll", response_body={"task": {"query_task_id": "q"}}
    )
    task = ask(case, body={"worker_id": "w-7", "task_queue": "queue-a"})[1]["task"]
    assert task["lease_owner"] == "w-7"


def test_an_empty_poll_is_not_given_a_task() -> None:
    case = fixture("query-task.poll", "POST", "/worker/query-tasks/poll", response_body={"task": None})
    _, body = ask(case, body={"worker_id": "w-7", "task_queue": "queue-a"})
    assert body["task"] is None and body["protocol_version"] == "1.0"


def test_canned_routes_and_404s_are_not_dressed_but_their_headers_are_rendered() -> None:
    server = StubServer(load_profile(None))
    handshake = server.answer("GET", "/api/cluster/info", None, headers={PROTOCOL_HEADER: "1.4"})
    assert "protocol_version" not in json.loads(handshake.body)
    assert dict(handshake.headers)[PROTOCOL_HEADER] == "1.4"
    missing = server.answer("POST", "/api/worker/nowhere", None)
    missing_body = json.loads(missing.body)
    assert missing_body["error"] == "not_found" and "protocol_version" not in missing_body
    assert dict(missing.headers)[PROTOCOL_HEADER] == "1.0"


# ---------------------------------------------------------------- a user's profile overrides every part
def test_a_user_profile_overrides_parts_of_the_dressing(tmp_path: Path) -> None:
    profile = write_profile(
        tmp_path,
        """
extends: v2
name: custom
response_contracts:
  worker_plane:
    protocol_version: "1.7"
    fields:
      server_capabilities: {only: true}
      extra_field: null
  control_plane:
    schema: my.schema
    contract: {legacy_field_policy: allow}
    operations:
      start: {success_fields: [workflow_id]}
  payload_defaults:
    query_task_claim: null
""",
    )
    worker = fixture(
        "activity.fail", "POST", "/worker/activity-tasks/t/fail", response_body={"outcome": "failed"}
    )
    answer, body = ask(worker, profile=profile, headers={PROTOCOL_HEADER: "1.0"})
    assert body["protocol_version"] == "1.7" == dict(answer.headers)[PROTOCOL_HEADER]
    assert body["server_capabilities"] == {"only": True}  # replaced whole, not merged
    assert "extra_field" in body and body["extra_field"] is None  # a literal null stays a null
    start = fixture("workflow.start", "POST", "/workflows", semantic={"workflow_id": "wf-1"})
    contract = ask(start, profile=profile)[1]["control_plane"]
    assert contract["schema"] == "my.schema" and contract["version"] == 1  # version inherited
    assert contract["contract"]["legacy_field_policy"] == "allow"
    assert contract["contract"]["legacy_fields"]["signal"] == "signal_name"  # merged key by key
    assert contract["contract"]["success_fields"] == ["workflow_id"]
    poll = fixture(
        "query-task.poll", "POST", "/worker/query-tasks/poll", response_body={"task": {"query_task_id": "q"}}
    )
    task = ask(poll, profile=profile, body={"worker_id": "w", "task_queue": "q"})[1]["task"]
    assert task == {"query_task_id": "q"}  # that entry was removed


def test_a_user_profile_can_switch_the_dressing_off(tmp_path: Path) -> None:
    profile = write_profile(tmp_path, "extends: v2\nname: bare\nresponse_contracts: null\n")
    case = fixture("workflow.describe", "GET", "/workflows/wf-1", response_body={"status": "running"})
    assert ask(case, profile=profile)[1] == {"status": "running"}
    worker = fixture("worker.register", "POST", "/worker/register", response_body={"registered": True})
    answer, body = ask(worker, profile=profile, headers={PROTOCOL_HEADER: "1.5"})
    assert body == {"registered": True}
    assert dict(answer.headers)[PROTOCOL_HEADER] == "1.0"  # the header's own fallback


def test_a_user_profile_adds_a_contract_operation(tmp_path: Path) -> None:
    profile = write_profile(
        tmp_path,
        """
extends: v2
name: more
response_contracts:
  control_plane:
    operations:
      reset:
        routes: ["post /workflows/{workflow_id}/reset"]
        required_fields: [workflow_id]
""",
    )
    case = fixture("workflow.reset", "POST", "/workflows/wf-9/reset", response_body={"outcome": "reset"})
    contract = ask(case, profile=profile)[1]["control_plane"]
    assert (contract["operation"], contract["workflow_id"], contract["outcome"]) == ("reset", "wf-9", "reset")


# ---------------------------------------------------------------- broken contract sections
def problems(tmp_path: Path, text: str) -> list[tuple[str, str, str]]:
    path = tmp_path / "broken.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_profile(path)
    return [(problem.pointer, problem.expected, problem.found) for problem in caught.value.problems]


def test_an_operation_without_routes_is_named_by_pointer(tmp_path: Path) -> None:
    found = problems(
        tmp_path,
        "extends: v2\nname: x\nresponse_contracts:\n  control_plane:\n"
        "    operations:\n      reset: {required_fields: []}\n",
    )
    assert found == [
        (
            "/response_contracts/control_plane/operations/reset/routes",
            "a list of routes such as 'GET /workflows/{workflow_id}'",
            "it is missing",
        )
    ]


def test_a_malformed_route_is_named_by_pointer(tmp_path: Path) -> None:
    found = problems(
        tmp_path,
        "extends: v2\nname: x\nresponse_contracts:\n  payload_defaults:\n"
        "    page: {routes: ['/workflows'], fields: {}}\n",
    )
    [(pointer, expected, value)] = found
    assert pointer == "/response_contracts/payload_defaults/page/routes/0"
    assert "GET /workflows/{workflow_id}" in expected and value == '"/workflows"'


def test_an_unknown_key_in_the_section_is_refused(tmp_path: Path) -> None:
    found = problems(tmp_path, "extends: v2\nname: x\nresponse_contracts:\n  worker_plane:\n    feilds: {}\n")
    [(pointer, expected, _value)] = found
    assert pointer == "/response_contracts/worker_plane" and "fields" in expected
