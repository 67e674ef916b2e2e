"""Driving an operation: one call (as always) or a walk of every page, per adapter.

The walks run the real ``dw`` and the real SDK against a scripted local server
(real sockets on 127.0.0.1) that answers three pages; what the clients sent
for each page and what they surfaced at the end is asserted.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from conformance.adapters.base import CaseInput, ClientOutcome, Drive
from conformance.adapters.canonical import CanonicalAdapter
from conformance.adapters.dw_cli import DwCliAdapter
from conformance.adapters.exec_protocol import REQUEST_SCHEMA, build_request, load_manifest
from conformance.adapters.python_sdk import PythonSdkAdapter
from conformance.adapters.walks import MAX_DRIVEN_PAGES, default_walks, parse_walks, walk_for
from conformance.fixture import Fixture, load_fixture
from conformance.problems import InputError
from support.scripted_server import Answer, scripted_server

REPO = Path(__file__).resolve().parents[1]
SCHEDULE_HISTORY = REPO / "fixtures" / "control-plane" / "schedule-history-parity.json"
SIGNAL = REPO / "fixtures" / "control-plane" / "workflow-signal-parity.json"
TOKEN = "drive-test-token-0123456789"


def event(sequence: int) -> dict[str, Any]:
    return {
        "id": f"evt-{sequence}",
        "sequence": sequence,
        "event_type": "ScheduleTriggered",
        "recorded_at": "2026-04-22T06:00:00Z",
        "workflow_instance_id": None,
        "workflow_run_id": None,
        "payload": {"overlap_policy": "skip"},
    }


def history_page(sequences: list[int], more: bool, cursor: int | None) -> Answer:
    body = {
        "schedule_id": "daily-inventory-check",
        "namespace": "default",
        "events": [event(sequence) for sequence in sequences],
        "has_more": more,
        "next_cursor": cursor,
    }
    return Answer(body=body)


THREE_PAGES = [history_page([6, 7], True, 7), history_page([8, 9], True, 9), history_page([10], False, None)]


def case_for(fixture: Fixture, url: str, tmp_path: Path, walk: bool) -> CaseInput:
    return CaseInput(fixture, url, "default", TOKEN, 30.0, tmp_path / "work", drive=Drive(walk=walk))


# ------------------------------------------------------------------ the drive and the table
def test_a_case_drives_one_call_by_default(tmp_path: Path) -> None:
    case = CaseInput(load_fixture(SCHEDULE_HISTORY), "http://127.0.0.1:1", "default", TOKEN, 5.0, tmp_path)
    assert case.drive == Drive(walk=False)
    assert Drive(walk=True).to_json() == {"walk": True, "machine_output": False}
    assert Drive(machine_output=True).to_json() == {"walk": False, "machine_output": True}


def test_the_shipped_walks_table_names_schedule_and_workflow_history() -> None:
    walks = default_walks()
    assert set(walks) == {"schedule.history", "workflow.history"}
    schedule = walk_for("schedule.history")
    assert schedule is not None and schedule.cli is not None and schedule.sdk_python is not None
    assert schedule.cli.flag == "--all"
    assert schedule.sdk_python.to_request() == {"kind": "iterator", "method": "iter_schedule_history"}
    workflow = walk_for("workflow.history")
    assert workflow is not None and workflow.cli is not None and workflow.sdk_python is not None
    assert workflow.cli.flag is None
    assert workflow.sdk_python.to_request()["kind"] == "pages"
    assert workflow.sdk_python.to_request()["max_pages"] == MAX_DRIVEN_PAGES
    assert walk_for("workflow.signal") is None


def test_a_bad_walks_table_names_the_file_and_every_pointer() -> None:
    document = {
        "walks": {
            "a.b": {"cli": {"flag": 3}, "sdk_python": {"pages": "get_x"}},
            "c.d": {"cli": "--all", "other": 1},
        }
    }
    with pytest.raises(InputError) as raised:
        parse_walks(document, "walks.yaml")
    pointers = {problem.pointer for problem in raised.value.problems}
    assert pointers == {"/walks/a.b/cli/flag", "/walks/a.b/sdk_python", "/walks/c.d/other", "/walks/c.d/cli"}
    assert all(problem.file == "walks.yaml" for problem in raised.value.problems)


# ------------------------------------------------------------------ skips
def test_the_canonical_replay_skips_a_walk_and_says_why(tmp_path: Path) -> None:
    with scripted_server(THREE_PAGES) as server:
        outcome = CanonicalAdapter().run(case_for(load_fixture(SCHEDULE_HISTORY), server.url, tmp_path, True))
        assert server.targets == []
    assert outcome.status == "skipped"
    assert "cannot walk" in outcome.detail


def test_the_sdk_skips_a_walk_of_an_operation_without_one(tmp_path: Path) -> None:
    pytest.importorskip("durable_workflow")
    with scripted_server([Answer(body={})]) as server:
        outcome = PythonSdkAdapter().run(case_for(load_fixture(SIGNAL), server.url, tmp_path, True))
        assert server.targets == []
    assert outcome.status == "skipped"
    assert "'workflow.signal'" in outcome.detail and "walks.yaml" in outcome.detail


# ------------------------------------------------------------------ the real SDK
def test_the_sdk_walks_schedule_history_with_its_iterator(tmp_path: Path) -> None:
    pytest.importorskip("durable_workflow")
    with scripted_server(THREE_PAGES) as server:
        outcome = PythonSdkAdapter().run(case_for(load_fixture(SCHEDULE_HISTORY), server.url, tmp_path, True))
        queries = server.queries()
    assert outcome.status == "completed", outcome.to_json()
    assert queries == [
        {"limit": ["100"], "after_sequence": ["5"]},
        {"limit": ["100"], "after_sequence": ["7"]},
        {"limit": ["100"], "after_sequence": ["9"]},
    ]
    assert [item["sequence"] for item in outcome.output] == [6, 7, 8, 9, 10]
    assert outcome.output[0] == event(6)
    json.dumps(outcome.to_json())  # the items are JSON-safe


def test_without_a_walk_the_sdk_reads_one_page(tmp_path: Path) -> None:
    pytest.importorskip("durable_workflow")
    with scripted_server(THREE_PAGES) as server:
        outcome = PythonSdkAdapter().run(
            case_for(load_fixture(SCHEDULE_HISTORY), server.url, tmp_path, False)
        )
        assert len(server.targets) == 1
    assert outcome.status == "completed"
    assert outcome.output["has_more"] is True and outcome.output["next_cursor"] == 7


def test_the_sdk_walk_of_workflow_history_pages_through_next_page_token(tmp_path: Path) -> None:
    pytest.importorskip("durable_workflow")
    data = {
        "schema": "durable-workflow.polyglot.control-plane-request-fixture",
        "version": 1,
        "operation": "workflow.history",
        "request": {"method": "GET", "path": "/workflows/wf-1/runs/run-1/history"},
        "semantic_body": {},
        "sdk_python": {"args": {"workflow_id": "wf-1", "run_id": "run-1", "page_size": 2}},
    }
    fixture = Fixture(tmp_path / "workflow-history-parity.json", data)

    def page(sequences: list[int], token: str | None) -> Answer:
        events = [{"sequence": sequence, "event_type": "X"} for sequence in sequences]
        return Answer(
            body={"workflow_id": "wf-1", "run_id": "run-1", "events": events, "next_page_token": token}
        )

    with scripted_server([page([1, 2], "tok-2"), page([3, 4], "tok-3"), page([5], None)]) as server:
        outcome = PythonSdkAdapter().run(case_for(fixture, server.url, tmp_path, True))
        queries = server.queries()
    assert outcome.status == "completed", outcome.to_json()
    assert queries == [
        {"page_size": ["2"]},
        {"page_size": ["2"], "next_page_token": ["tok-2"]},
        {"page_size": ["2"], "next_page_token": ["tok-3"]},
    ]
    assert [item["sequence"] for item in outcome.output] == [1, 2, 3, 4, 5]
    assert "page by page (3 pages)" in outcome.detail


def test_an_sdk_walk_stopped_by_an_error_keeps_the_items_read_and_the_error(tmp_path: Path) -> None:
    pytest.importorskip("durable_workflow")
    answers = [
        THREE_PAGES[0],
        Answer(status=422, body={"message": "bad cursor", "errors": {"after_sequence": ["x"]}}),
    ]
    with scripted_server(answers) as server:
        outcome = PythonSdkAdapter().run(case_for(load_fixture(SCHEDULE_HISTORY), server.url, tmp_path, True))
        assert len(server.targets) == 2
    assert outcome.status == "client_error"
    assert [item["sequence"] for item in outcome.output] == [6, 7]
    assert outcome.error_surface is not None
    assert outcome.error_surface["exception"] == "durable_workflow.errors.InvalidArgument"
    assert outcome.error_surface["fields"] == {"errors": {"after_sequence": ["x"]}}


# ------------------------------------------------------------------ the real dw
def test_dw_walks_schedule_history_with_all_and_prints_one_envelope(
    tmp_path: Path, real_dw_path: Path
) -> None:
    adapter = DwCliAdapter(str(real_dw_path))
    with scripted_server(THREE_PAGES) as server:
        outcome: ClientOutcome = adapter.run(
            case_for(load_fixture(SCHEDULE_HISTORY), server.url, tmp_path, True)
        )
        queries = server.queries()
    assert outcome.status == "completed", outcome.to_json()
    assert queries == [
        {"limit": ["100"], "after_sequence": ["5"]},
        {"limit": ["100"], "after_sequence": ["7"]},
        {"limit": ["100"], "after_sequence": ["9"]},
    ]
    envelope = outcome.output
    assert [item["sequence"] for item in envelope["events"]] == [6, 7, 8, 9, 10]
    assert envelope["has_more"] is False and envelope["next_cursor"] is None
    assert outcome.error_surface is None and "error_surface" not in outcome.to_json()


def test_dw_without_a_walk_reads_one_page(tmp_path: Path, real_dw_path: Path) -> None:
    adapter = DwCliAdapter(str(real_dw_path))
    with scripted_server(THREE_PAGES) as server:
        outcome = adapter.run(case_for(load_fixture(SCHEDULE_HISTORY), server.url, tmp_path, False))
        assert len(server.targets) == 1
    assert outcome.status == "completed"
    assert outcome.output["has_more"] is True and outcome.output["next_cursor"] == 7


def test_dw_skips_a_walk_of_an_operation_without_one(tmp_path: Path, real_dw_path: Path) -> None:
    with scripted_server([Answer(body={})]) as server:
        outcome = DwCliAdapter(str(real_dw_path)).run(
            case_for(load_fixture(SIGNAL), server.url, tmp_path, True)
        )
        assert server.targets == []
    assert outcome.status == "skipped" and "walks.yaml" in outcome.detail


def test_dw_walk_flag_is_not_repeated_when_the_fixture_gives_it(tmp_path: Path) -> None:
    fixture = load_fixture(SCHEDULE_HISTORY)
    data = json.loads(json.dumps(fixture.data))
    data["cli"]["argv"]["--all"] = True
    adapter = DwCliAdapter(str(Path("/bin/echo")))
    with scripted_server([Answer(body={})]) as server:
        outcome = adapter.run(case_for(Fixture(fixture.path, data), server.url, tmp_path, True))
    # /bin/echo prints the argv it got: the flag is there once
    assert outcome.stdout.split().count("--all") == 1


# ------------------------------------------------------------------ exec protocol
def test_the_exec_request_carries_the_drive(tmp_path: Path) -> None:
    manifest_path = REPO / "conformance" / "adapters" / "examples" / "node" / "adapter.yaml"
    manifest = load_manifest(manifest_path)
    request = build_request(
        case_for(load_fixture(SCHEDULE_HISTORY), "http://127.0.0.1:1", tmp_path, True), manifest
    )
    assert request["drive"] == {"walk": True, "machine_output": False}
    assert REQUEST_SCHEMA["properties"]["drive"]["properties"]["walk"] == {"type": "boolean"}


def test_an_exec_program_is_asked_to_walk_only_when_its_manifest_declares_it(tmp_path: Path) -> None:
    from conformance.adapters.base import AdapterError
    from conformance.adapters.exec_protocol import ExecAdapter

    source = REPO / "conformance" / "adapters" / "examples" / "node"
    for name in ("adapter.mjs", "adapter.yaml"):
        (tmp_path / name).write_bytes((source / name).read_bytes())
    manifest = tmp_path / "adapter.yaml"
    case = case_for(load_fixture(SCHEDULE_HISTORY), "http://127.0.0.1:1", tmp_path / "work", True)
    outcome = ExecAdapter(str(manifest)).run(case)
    assert outcome.status == "skipped" and "drives: [walk]" in outcome.detail
    manifest.write_text(manifest.read_text(encoding="utf-8") + "drives: [walk]\n", encoding="utf-8")
    assert load_manifest(manifest).drives == frozenset({"walk"})
    manifest.write_text(manifest.read_text(encoding="utf-8").replace("[walk]", "[jump]"), encoding="utf-8")
    with pytest.raises(AdapterError, match=r"/drives/0: expected one of walk"):
        load_manifest(manifest)


def test_dw_walks_workflow_history_by_itself_following_next_page_token(
    tmp_path: Path, real_dw_path: Path
) -> None:
    from conformance.proxy.dressing import RequestView, dress
    from conformance.proxy.profile import load_profile

    contracts = load_profile(None).contracts
    view = RequestView("GET", "/workflows/wf-1/runs/run-1/history")

    def page(sequences: list[int], token: str | None) -> Answer:
        events = [
            {"sequence": sequence, "event_type": "X", "payload": {"n": sequence}} for sequence in sequences
        ]
        body = {"workflow_id": "wf-1", "run_id": "run-1", "events": events, "next_page_token": token}
        return Answer(body=dress(body, contracts, view, {}))  # the control-plane contract dw requires

    data = {
        "schema": "durable-workflow.polyglot.control-plane-request-fixture",
        "version": 1,
        "operation": "workflow.history",
        "request": {"method": "GET", "path": "/workflows/wf-1/runs/run-1/history"},
        "semantic_body": {},
        "cli": {"argv": {"workflow-id": "wf-1", "run-id": "run-1", "--page-size": "2", "--json": True}},
    }
    fixture = Fixture(tmp_path / "workflow-history-parity.json", data)
    with scripted_server([page([1, 2], "tok-2"), page([3, 4], "tok-3"), page([5], None)]) as server:
        outcome = DwCliAdapter(str(real_dw_path)).run(case_for(fixture, server.url, tmp_path, True))
        queries = server.queries()
    assert outcome.status == "completed", outcome.to_json()
    assert queries == [
        {"wait_new_event": ["0"], "page_size": ["2"]},
        {"wait_new_event": ["0"], "page_size": ["2"], "next_page_token": ["tok-2"]},
        {"wait_new_event": ["0"], "page_size": ["2"], "next_page_token": ["tok-3"]},
    ]
    assert [item["sequence"] for item in outcome.output["events"]] == [1, 2, 3, 4, 5]
    assert "next_page_token" not in outcome.output


def test_an_sdk_walk_that_never_ends_is_stopped_at_the_time_limit_with_its_items(tmp_path: Path) -> None:
    pytest.importorskip("durable_workflow")
    endless = [history_page([6], True, 5)]  # the same cursor for ever: the iterator has no bound of its own
    with scripted_server(endless) as server:
        case = CaseInput(
            load_fixture(SCHEDULE_HISTORY),
            server.url,
            "default",
            TOKEN,
            1.0,
            tmp_path,
            drive=Drive(walk=True),
        )
        outcome = PythonSdkAdapter().run(case)
        requests = len(server.targets)
    assert outcome.status == "timeout"
    assert requests > 2 and len(outcome.output) >= requests - 1
    assert {item["sequence"] for item in outcome.output} == {6}
