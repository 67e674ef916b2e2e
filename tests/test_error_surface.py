"""Error surfaces: what the real ``dw`` and the real SDK surface for each error answer, and the judge of them.

A scripted local server (real sockets on 127.0.0.1) answers the schedule
history read with each error the issue lists (401, 403, 404, 409, 422, 429
with Retry-After, 500, a body that is not JSON, a connection dropped in the
middle of the body). The adapters record the error surface; the pure
functions of :mod:`conformance.scenarios.error_surface` find language leaks
in it and compare two clients' surfaces.
"""

from __future__ import annotations

import json
import stat
from pathlib import Path
from typing import Any

import pytest

from conformance.adapters.base import CaseInput, ClientOutcome
from conformance.adapters.dw_cli import DwCliAdapter
from conformance.adapters.exec_protocol import interpret_result
from conformance.adapters.python_sdk import PythonSdkAdapter
from conformance.fixture import load_fixture
from conformance.scenarios.error_surface import (
    compare_error_surfaces,
    leaks,
    summarize,
)
from support.scripted_server import Answer, scripted_server

REPO = Path(__file__).resolve().parents[1]
SCHEDULE_HISTORY = REPO / "fixtures" / "control-plane" / "schedule-history-parity.json"
TOKEN = "error-surface-token-0123456789"

#: name -> (the server's answer, dw exit code, SDK exception, SDK attempts)
ERRORS: dict[str, tuple[Answer, int, str, int]] = {
    "401": (Answer(401, {"message": "Unauthenticated."}), 4, "durable_workflow.errors.Unauthorized", 1),
    "403": (
        Answer(403, {"message": "This action is unauthorized.", "reason": "forbidden"}),
        4,
        "durable_workflow.errors.ServerError",
        1,
    ),
    "404": (
        Answer(404, {"message": "Schedule not found.", "reason": "schedule_not_found"}),
        5,
        "durable_workflow.errors.ScheduleNotFound",
        1,
    ),
    "409": (
        Answer(409, {"message": "Already exists.", "reason": "instance_already_started"}),
        2,
        "durable_workflow.errors.WorkflowAlreadyStarted",
        1,
    ),
    "422": (
        Answer(422, {"message": "The limit is invalid.", "errors": {"limit": ["The limit is invalid."]}}),
        2,
        "durable_workflow.errors.InvalidArgument",
        1,
    ),
    "429": (
        Answer(429, {"message": "Too Many Attempts."}, headers=(("Retry-After", "1"),)),
        2,
        "durable_workflow.errors.ServerError",
        3,
    ),
    "500": (Answer(500, {"message": "Server Error"}), 6, "durable_workflow.errors.ServerError", 3),
    "not-json": (
        Answer(502, raw=b"<html><body>Bad Gateway</body></html>"),
        6,
        "durable_workflow.errors.ServerError",
        3,
    ),
    "dropped": (Answer(drop=True), 3, "httpx.RemoteProtocolError", 3),
}


def run_against(adapter: Any, answer: Answer, tmp_path: Path) -> tuple[ClientOutcome, int]:
    with scripted_server([answer]) as server:
        case = CaseInput(
            load_fixture(SCHEDULE_HISTORY), server.url, "default", TOKEN, 30.0, tmp_path / "work"
        )
        outcome = adapter.run(case)
        return outcome, len(server.targets)


# ------------------------------------------------------------------ the real clients
@pytest.mark.parametrize("name", list(ERRORS))
def test_dw_surfaces_its_exit_code_and_json_envelope(name: str, tmp_path: Path, real_dw_path: Path) -> None:
    answer, exit_code, _, _ = ERRORS[name]
    outcome, attempts = run_against(DwCliAdapter(str(real_dw_path)), answer, tmp_path)
    assert outcome.status == "client_error"
    assert attempts == 1  # dw never retries
    surface = outcome.error_surface
    assert surface is not None and surface["exit_code"] == exit_code
    envelope = surface["json"]
    assert isinstance(envelope, dict) and envelope["exit_code"] == exit_code
    assert outcome.to_json()["error_surface"] == surface
    summary = summarize(surface)
    if name == "dropped":
        assert summary.category == "transport" and summary.status is None
    else:
        assert summary.category == "http" and summary.status == answer.status
    if name == "422":
        assert summary.errors == {"limit": ["The limit is invalid."]}
    assert leaks(surface) == []
    assert TOKEN not in json.dumps(outcome.to_json())


@pytest.mark.parametrize("name", list(ERRORS))
def test_the_sdk_surfaces_its_exception_class_fields_and_message(name: str, tmp_path: Path) -> None:
    pytest.importorskip("durable_workflow")
    answer, _, exception, sdk_attempts = ERRORS[name]
    outcome, attempts = run_against(PythonSdkAdapter(), answer, tmp_path)
    assert outcome.status == "client_error"
    assert attempts == sdk_attempts  # TransportRetryPolicy: 5xx, 429 and a dropped connection, 3 in all
    surface = outcome.error_surface
    assert surface is not None and surface["exception"] == exception
    assert isinstance(surface["fields"], dict) and isinstance(surface["message"], str)
    if exception == "durable_workflow.errors.ServerError":
        assert surface["fields"]["status"] == answer.status
    if name == "422":
        assert surface["fields"]["errors"] == {"limit": ["The limit is invalid."]}
    assert leaks(surface) == []
    json.dumps(outcome.to_json())


def test_the_sdk_head_under_its_own_interpreter_surfaces_the_same_shape(
    tmp_path: Path, sdk_head_python: Path
) -> None:
    answer = ERRORS["422"][0]
    outcome, attempts = run_against(PythonSdkAdapter(str(sdk_head_python)), answer, tmp_path)
    assert outcome.status == "client_error" and attempts == 1
    assert outcome.error_surface is not None
    assert outcome.error_surface["exception"] == "durable_workflow.errors.InvalidArgument"
    assert outcome.error_surface["fields"]["errors"] == {"limit": ["The limit is invalid."]}


def test_dw_and_the_sdk_compared_on_a_422(tmp_path: Path, real_dw_path: Path) -> None:
    pytest.importorskip("durable_workflow")
    answer = ERRORS["422"][0]
    cli, _ = run_against(DwCliAdapter(str(real_dw_path)), answer, tmp_path / "cli")
    sdk, _ = run_against(PythonSdkAdapter(), answer, tmp_path / "sdk")
    assert cli.error_surface is not None and sdk.error_surface is not None
    differences = compare_error_surfaces(cli.error_surface, sdk.error_surface)
    # the SDK's InvalidArgument carries the errors and the message, but not the status
    assert [(item.pointer, item.left, item.right) for item in differences] == [
        ("/category", "http", "other"),
        ("/status", 422, None),
    ]


def test_dw_and_the_sdk_agree_on_a_500_apart_from_nothing(tmp_path: Path, real_dw_path: Path) -> None:
    pytest.importorskip("durable_workflow")
    answer = ERRORS["500"][0]
    cli, _ = run_against(DwCliAdapter(str(real_dw_path)), answer, tmp_path / "cli")
    sdk, _ = run_against(PythonSdkAdapter(), answer, tmp_path / "sdk")
    assert cli.error_surface is not None and sdk.error_surface is not None
    assert compare_error_surfaces(cli.error_surface, sdk.error_surface) == []


# ------------------------------------------------------------------ leaks
def write_leaking_dw(folder: Path) -> Path:
    """A double of ``dw`` whose --json error envelope names its PHP exception class and file."""
    envelope = {
        "error": "Server error: Not found.",
        "exit_code": 5,
        "status_code": 404,
        "exception": "DurableWorkflow\\Cli\\Support\\ServerHttpException",
        "trace": "#0 /opt/dw/src/Support/ServerClient.php(378): decode()",
    }
    script = folder / "dw"
    script.write_text(f"#!/bin/sh\ncat <<'EOF'\n{json.dumps(envelope)}\nEOF\nexit 5\n", encoding="utf-8")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return script


def test_a_dw_double_printing_a_php_class_in_its_error_json_is_caught(tmp_path: Path) -> None:
    dw = write_leaking_dw(tmp_path)
    outcome, _ = run_against(DwCliAdapter(str(dw)), Answer(404, {"message": "Not found."}), tmp_path)
    assert outcome.status == "client_error" and outcome.error_surface is not None
    found = {(leak.pointer, leak.kind) for leak in leaks(outcome.error_surface)}
    assert found == {
        ("/json/exception", "php_class"),
        ("/json/trace", "file_path"),
        ("/json/trace", "stack_trace"),
    }
    first = leaks(outcome.error_surface)[0]
    assert first.found == "DurableWorkflow\\Cli\\Support\\ServerHttpException"
    assert not first.echoed_from_server


def test_a_leak_the_server_sent_is_marked_echoed(tmp_path: Path, real_dw_path: Path) -> None:
    body = {
        "message": "Server Error",
        "exception": "Symfony\\Component\\HttpKernel\\Exception\\HttpException",
    }
    outcome, _ = run_against(DwCliAdapter(str(real_dw_path)), Answer(500, body), tmp_path)
    assert outcome.error_surface is not None
    found = leaks(outcome.error_surface, server_body=body)
    assert [(leak.pointer, leak.kind, leak.echoed_from_server) for leak in found] == [
        ("/json/server_response/exception", "php_class", True)
    ]


def test_leaks_reads_only_the_machine_readable_part() -> None:
    sdk_surface = {
        "exception": "durable_workflow.errors.ServerError",
        "fields": {"status": 500, "body": {"file": "/srv/app/Http/Kernel.php", "line": 12}},
        "message": "Traceback (most recent call last): in the message, not judged",
    }
    assert [(leak.pointer, leak.kind) for leak in leaks(sdk_surface)] == [("/fields/body/file", "file_path")]
    cli_surface = {
        "exit_code": 6,
        "json": None,
        "stderr": "PHP Fatal error in /srv/x.php:3\nStack trace:\n#0 /x",
    }
    assert leaks(cli_surface) == []  # stderr is for people
    flat = {"status": 500, "code": "App\\Exceptions\\Boom", "message": "Foo\\Bar in the message"}
    assert [(leak.pointer, leak.kind) for leak in leaks(flat)] == [("/code", "php_class")]
    assert leaks(None) == [] and leaks({}) == []


def test_a_php_class_in_a_member_name_is_caught_too() -> None:
    surface = {"exit_code": 1, "json": {"errors": {"App\\Rules\\Cron": ["bad"]}}, "stderr": ""}
    assert [(leak.pointer, leak.kind) for leak in leaks(surface)] == [
        ("/json/errors/App\\Rules\\Cron", "php_class")
    ]


def test_ordinary_text_is_not_a_leak() -> None:
    surface = {
        "exit_code": 2,
        "json": {
            "error": "Server error: The limit must be 1-500 (see docs/limits.md).",
            "url": "http://127.0.0.1:8080/api/schedules/a/history?limit=2",
            "path": "/workflows/wf 1/signal",
            "note": "issue #12 and C# clients",
        },
        "stderr": "",
    }
    assert leaks(surface) == []


# ------------------------------------------------------------------ summaries and comparison
def test_an_exec_program_error_surface_is_kept_and_read_flat() -> None:
    result = {
        "status": "client_error",
        "error": "NotFound: schedule",
        "error_surface": {"status": 404, "code": "schedule_not_found", "message": "Schedule not found."},
    }
    outcome = interpret_result(json.dumps(result), "", 1)
    assert outcome.error_surface == result["error_surface"]
    summary = summarize(outcome.error_surface)
    assert (summary.category, summary.status, summary.code) == ("http", 404, "schedule_not_found")
    cli = {
        "exit_code": 5,
        "json": {
            "error": "Server error: Schedule not found.",
            "status_code": 404,
            "reason": "schedule_not_found",
        },
        "stderr": "",
    }
    assert compare_error_surfaces(cli, outcome.error_surface) == []


def test_compare_points_at_each_differing_fact() -> None:
    left = {
        "status": 422,
        "code": "invalid",
        "message": "Bad.",
        "errors": {"a": ["x"], "b": ["y"]},
        "retry_after": 2,
    }
    right = {"status": 422, "code": "invalid", "message": "Other.", "errors": {"a": ["x"], "c": ["z"]}}
    differences = compare_error_surfaces(left, right)
    assert [item.pointer for item in differences] == ["/retry_after", "/message", "/errors/b", "/errors/c"]
    assert differences[0].to_json() == {
        "pointer": "/retry_after",
        "left": 2,
        "right": None,
        "message": "retry_after: 2 vs not surfaced",
    }


def test_messages_agree_when_one_holds_the_other_whatever_the_case() -> None:
    cli = {"exit_code": 5, "json": {"status_code": 404, "message": "Schedule not found."}, "stderr": ""}
    sdk = {
        "exception": "durable_workflow.errors.ScheduleNotFound",
        "fields": {},
        "message": "schedule not found: s1",
    }
    assert [item.pointer for item in compare_error_surfaces(cli, sdk)] == ["/category", "/status"]
