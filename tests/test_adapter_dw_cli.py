"""The cli adapter: finding dw, running it, and the fake dw through the real proxy and judge."""

from __future__ import annotations

import json
import os
import stat
import sys
import textwrap
from pathlib import Path

import pytest

from conformance.adapters.base import CaseInput
from conformance.adapters.dw_cli import DwCliAdapter, parse_json_output, version_from_banner
from conformance.adapters.registry import create
from conformance.fixture import Fixture, shipped_corpus_dir
from conformance.fixture_discovery import discover
from conformance.operations import OperationTables
from conformance.proxy.recorder import RecordingProxy
from support.adapter_e2e import TOKEN, run_through_proxy
from support.adapter_http import local_server

FAKE_DW = Path(__file__).resolve().parent / "support" / "fake_dw.py"
SHIPPED = discover([shipped_corpus_dir()]).fixtures
BY_NAME = {fixture.name: fixture for fixture in SHIPPED}


def script(directory: Path, body: str, name: str = "dw") -> Path:
    """An executable Python script standing in for a dw binary."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_text(f"#!{sys.executable}\n" + textwrap.dedent(body), encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


@pytest.fixture(autouse=True)
def _no_ambient_dw(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DW_CLI", raising=False)
    monkeypatch.delenv("FAKE_DW_DEFECT", raising=False)


# ------------------------------------------------------------------ finding the executable


def test_the_adapter_argument_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first, second = script(tmp_path / "a", "print(1)"), script(tmp_path / "b", "print(2)")
    monkeypatch.setenv("DW_CLI", str(second))
    assert DwCliAdapter(str(first), dw_path=str(second)).executable == first
    assert create(f"cli={first}").executable == first  # type: ignore[attr-defined]


def test_then_the_dw_option_then_dw_cli_then_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    option, env, on_path = (script(tmp_path / d, "print(1)") for d in ("opt", "env", "path"))
    monkeypatch.setenv("DW_CLI", str(env))
    monkeypatch.setenv("PATH", str(on_path.parent))
    assert DwCliAdapter(dw_path=str(option)).executable == option
    assert DwCliAdapter().executable == env
    monkeypatch.delenv("DW_CLI")
    assert DwCliAdapter().executable == on_path
    assert DwCliAdapter(dw_path="dw").executable == on_path  # a bare name is looked up on PATH


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda tmp: str(tmp / "missing" / "dw"), "--dw {}: no such file"),
        (lambda tmp: str(tmp), "--dw {}: is a directory, not a dw executable"),
        (
            lambda tmp: str((tmp / "plain.txt", (tmp / "plain.txt").write_text("x"))[0]),
            "--dw {}: not executable",
        ),
        (lambda tmp: "no-such-dw-binary", "--dw {}: not found on PATH"),
    ],
)
def test_unusable_executables_make_the_adapter_unavailable_with_one_plain_reason(
    tmp_path: Path, make: object, reason: str
) -> None:
    value = make(tmp_path)  # type: ignore[operator]
    adapter = DwCliAdapter(dw_path=value)
    availability = adapter.check_available()
    assert not availability.available and availability.reason == reason.format(value)
    outcome = adapter.run(
        CaseInput(BY_NAME["workflow-cancel-parity.json"], "http://127.0.0.1:9", "d", "t", 5, tmp_path)
    )
    assert outcome.status == "harness_error" and availability.reason in outcome.detail


def test_nothing_configured_and_nothing_on_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    availability = DwCliAdapter().check_available()
    assert availability == availability.__class__(
        False, "no dw executable found: pass --dw PATH, set DW_CLI, or put dw on PATH"
    )


def test_identity_from_dw_version(tmp_path: Path) -> None:
    identity = DwCliAdapter(str(FAKE_DW)).identity()
    assert identity.to_json() == {"name": "dw", "version": "0.0.0-fake", "installed": f"binary at {FAKE_DW}"}


def test_identity_tolerates_a_failing_version_command(tmp_path: Path) -> None:
    broken = script(tmp_path, "import sys; sys.exit(2)")
    assert DwCliAdapter(str(broken)).identity().version == "unknown"


@pytest.mark.parametrize(
    ("banner", "version"),
    [
        ("Durable Workflow CLI 0.4.1", "0.4.1"),
        ("dw v1.2.0-beta.1 (php 8.3)", "1.2.0-beta.1"),
        ("\nDurable Workflow CLI 2.0\n", "2.0"),
        ("something else", "something else"),
        ("", "unknown"),
    ],
)
def test_version_from_banner(banner: str, version: str) -> None:
    assert version_from_banner(banner) == version


def test_parse_json_output() -> None:
    assert parse_json_output('\n{"a": 1}\n') == {"a": 1}
    assert parse_json_output("[1]") == [1]
    assert (
        parse_json_output("ok") is None
        and parse_json_output("") is None
        and parse_json_output("{bad") is None
    )


# ------------------------------------------------------------------ argv, environment, process


def test_argv_environment_cwd_and_stdin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DURABLE_WORKFLOW_SERVER_URL", "https://production.example")
    monkeypatch.setenv("DURABLE_WORKFLOW_PROFILE", "prod")
    monkeypatch.setenv("DW_CONFIG", "/etc/dw.yaml")
    monkeypatch.setenv("HTTPS_PROXY", "http://corp-proxy:3128")
    monkeypatch.setenv("KEEP_ME", "kept")
    echo = script(
        tmp_path / "bin",
        """
        import json, os, sys
        wanted = ("DW_", "DURABLE_WORKFLOW_", "KEEP_", "HTTPS_")
        env = {k: v for k, v in os.environ.items() if k.startswith(wanted)}
        print(json.dumps({"argv": sys.argv[1:], "env": env, "cwd": os.getcwd(), "stdin": sys.stdin.read()}))
        """,
    )
    fixture = BY_NAME["workflow-start-parity.json"]
    case = CaseInput(fixture, "http://127.0.0.1:5000", "ns-x", "tok-secret-1234", 20, tmp_path / "case")
    outcome = DwCliAdapter(str(echo)).run(case)
    assert outcome.status == "completed" and outcome.exit_code == 0
    seen = outcome.output
    assert seen["argv"] == [
        "workflow:start",
        "--type=orders.process",
        "--workflow-id=wf-polyglot-231",
        "--task-queue=orders",
        '--input=[{"order_id":42,"priority":"gold"}]',
        '--memo={"source":"polyglot-fixture"}',
        "--search-attr=CustomerId=cust-42",
        "--search-attr=Tier=gold",
        "--execution-timeout=300",
        "--run-timeout=120",
        "--duplicate-policy=use-existing",
    ]  # the fixture passes no --json, and the adapter adds nothing
    assert seen["env"] == {
        "DURABLE_WORKFLOW_SERVER_URL": "http://127.0.0.1:5000",
        "DURABLE_WORKFLOW_NAMESPACE": "ns-x",
        "DURABLE_WORKFLOW_AUTH_TOKEN": "[REDACTED]",  # the adapter hides the token in what it reports
        "KEEP_ME": "kept",
    }
    assert Path(seen["cwd"]) == (tmp_path / "case").resolve()
    assert seen["stdin"] == ""  # stdin is closed
    assert "tok-secret-1234" not in json.dumps(outcome.to_json())


def test_command_name_comes_from_the_operation_tables(tmp_path: Path) -> None:
    echo = script(tmp_path / "bin", "import json, sys; print(json.dumps(sys.argv[1:]))")
    fixture = BY_NAME["workflow-task-history-parity.json"]
    tables = OperationTables(cli_commands={"workflow-task.history": "worker:history-page"})
    case = CaseInput(fixture, "http://127.0.0.1:1", "d", "t", 20, tmp_path, operations=tables)
    outcome = DwCliAdapter(str(echo)).run(case)
    assert outcome.output[:3] == ["worker:history-page", "workflow-task-231", "history-page-2"]


def test_malformed_argv_is_a_harness_error_naming_file_and_pointer(tmp_path: Path) -> None:
    cancel = BY_NAME["workflow-cancel-parity.json"]
    data = json.loads(json.dumps(cancel.data))
    data["cli"]["argv"]["--force"] = False
    outcome = DwCliAdapter(str(FAKE_DW)).run(
        CaseInput(Fixture(tmp_path / cancel.name, data), "http://127.0.0.1:1", "d", "t", 5, tmp_path)
    )
    assert outcome.status == "harness_error"
    assert (
        f"{tmp_path / cancel.name}: /cli/argv/--force: expected a string, true, or a list of strings"
        in outcome.detail
    )


def test_non_zero_exit_is_client_error_and_exit_8_says_handshake(tmp_path: Path) -> None:
    fixture = BY_NAME["workflow-cancel-parity.json"]
    with local_server() as server:
        server.handshake["control_plane"]["version"] = "3"
        outcome = DwCliAdapter(str(FAKE_DW)).run(CaseInput(fixture, server.url, "d", TOKEN, 20, tmp_path))
        assert server.operations == []
    assert (outcome.status, outcome.exit_code) == ("client_error", 8)
    assert "refused the server's compatibility handshake" in outcome.detail
    assert outcome.output == {
        "error": 'the server does not advertise control_plane.version "2"',
        "reason": "incompatible_server",
    }


def test_worker_commands_also_need_the_worker_protocol(tmp_path: Path) -> None:
    with local_server(reply=BY_NAME["workflow-task-history-parity.json"].response_body) as server:
        server.handshake["worker_protocol"]["version"] = "2.0"
        worker = DwCliAdapter(str(FAKE_DW)).run(
            CaseInput(BY_NAME["workflow-task-history-parity.json"], server.url, "d", TOKEN, 20, tmp_path)
        )
        control = DwCliAdapter(str(FAKE_DW)).run(
            CaseInput(BY_NAME["storage-test-parity.json"], server.url, "d", TOKEN, 20, tmp_path)
        )
    assert (worker.exit_code, control.exit_code) == (8, 0)


def test_time_limit_kills_dw_and_keeps_partial_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_DW_DEFECT", "hang")
    with local_server() as server:
        outcome = DwCliAdapter(str(FAKE_DW)).run(
            CaseInput(BY_NAME["workflow-cancel-parity.json"], server.url, "d", TOKEN, 2.0, tmp_path)
        )
    assert outcome.status == "timeout" and outcome.exit_code is None
    assert "waiting for the server" in outcome.stdout
    assert "process group was killed" in outcome.detail


# ------------------------------------------------------------------ the fake dw through proxy and judge


@pytest.mark.parametrize("fixture", SHIPPED, ids=lambda fixture: fixture.name)
def test_conforming_fake_dw_passes_every_shipped_fixture(
    recording_proxy: RecordingProxy, fixture: Fixture, tmp_path: Path
) -> None:
    run = run_through_proxy(recording_proxy, DwCliAdapter(str(FAKE_DW)), fixture, tmp_path)
    assert run.outcome.status == "completed", run.explain()
    assert run.verdict.status == "pass", run.explain()
    assert run.verdict.diagnostics == [], run.explain()
    assert [exchange.path for exchange in run.exchanges][:1] == ["/api/cluster/info"]
    answer = json.loads(run.exchanges[-1].response_body)  # the stub's answer to the operation request
    if fixture.data["cli"]["argv"].get("--json") is True:
        # printed as it came; like the real dw, a command about one namespace also names it (`namespace`)
        printed = dict(run.outcome.output)
        if fixture.operation == "namespace.set_storage_driver":
            assert printed.pop("namespace") == fixture.semantic_body["namespace"]
        assert printed == answer
    else:
        assert run.outcome.output is None  # a short human line
    if fixture.has_response_body:  # the stub starts from it and only adds what the server would
        assert {key: answer.get(key) for key in fixture.response_body} == fixture.response_body


#: defect -> (fixture it is shown on, the (pointer, kind) the verdict must name)
DEFECT_CASES = [
    ("int-as-string", "storage-test-parity.json", ("/body/small_payload_bytes", "type_changed")),
    ("int-as-string", "workflow-start-parity.json", ("/body/input/0/order_id", "type_changed")),
    ("double-for-long", "workflow-task-history-parity.json", ("/body/workflow_task_attempt", "type_changed")),
    (
        "double-for-long",
        "namespace-set-storage-driver-parity.json",
        ("/body/threshold_bytes", "type_changed"),
    ),
    ("missing-field", "workflow-update-parity.json", ("/body/wait_for", "missing")),
    ("missing-field", "schedule-history-parity.json", ("/query/after_sequence", "missing")),
    ("extra-field", "workflow-signal-parity.json", ("/body/fake_extra", "unexpected")),
    ("extra-field", "schedule-history-parity.json", ("/query/fake_extra", "unexpected")),
    ("wrong-path", "workflow-cancel-parity.json", ("/path_segments/2", "changed")),
    ("wrong-method", "workflow-query-parity.json", ("/method", "changed")),
    ("wrong-method", "schedule-history-parity.json", ("/method", "changed")),
    ("no-namespace-header", "workflow-start-parity.json", ("/headers/x-namespace", "missing")),
    ("bad-token", "workflow-cancel-parity.json", ("/headers/authorization", "changed")),
    ("two-requests", "workflow-signal-parity.json", ("", "operation_count")),
    ("no-request", "workflow-update-parity.json", ("", "operation_count")),
    ("crash", "storage-test-parity.json", ("", "operation_count")),
    ("garbage-json", "workflow-cancel-parity.json", ("/body", "not_json")),
]


@pytest.mark.parametrize(
    ("defect", "fixture_name", "finding"),
    DEFECT_CASES,
    ids=[f"{d}-{f.split('-parity')[0]}" for d, f, _ in DEFECT_CASES],
)
def test_each_fake_dw_defect_is_caught_and_named_by_pointer(
    recording_proxy: RecordingProxy,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    defect: str,
    fixture_name: str,
    finding: tuple[str, str],
) -> None:
    monkeypatch.setenv("FAKE_DW_DEFECT", defect)
    run = run_through_proxy(recording_proxy, DwCliAdapter(str(FAKE_DW)), BY_NAME[fixture_name], tmp_path)
    assert run.verdict.status == "fail", run.explain()
    named = [(difference.pointer, difference.kind) for difference in run.verdict.failures]
    assert finding in named, run.explain()
    assert TOKEN not in json.dumps(run.verdict.to_json())


def test_crash_is_also_a_client_error_with_the_traceback(
    recording_proxy: RecordingProxy, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("FAKE_DW_DEFECT", "crash")
    run = run_through_proxy(
        recording_proxy, DwCliAdapter(str(FAKE_DW)), BY_NAME["workflow-cancel-parity.json"], tmp_path
    )
    assert (run.outcome.status, run.outcome.exit_code) == ("client_error", 1)
    assert "RuntimeError: fake dw crashed on purpose" in run.outcome.stderr


def test_hang_is_a_timeout_and_no_operation(
    recording_proxy: RecordingProxy, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("FAKE_DW_DEFECT", "hang")
    run = run_through_proxy(
        recording_proxy, DwCliAdapter(str(FAKE_DW)), BY_NAME["workflow-cancel-parity.json"], tmp_path, 2.0
    )
    assert run.outcome.status == "timeout"
    assert [(d.pointer, d.kind) for d in run.verdict.failures] == [("", "operation_count")]


def test_skipped_handshake_is_visible_in_the_verdict(
    recording_proxy: RecordingProxy, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The judge does not require a handshake (the real SDK omits it for most operations); the
    verdict shows there was none, so a report can tell."""
    monkeypatch.setenv("FAKE_DW_DEFECT", "skip-handshake")
    run = run_through_proxy(
        recording_proxy, DwCliAdapter(str(FAKE_DW)), BY_NAME["workflow-cancel-parity.json"], tmp_path
    )
    assert run.outcome.status == "completed"
    assert run.verdict.ancillary == []
    assert [exchange.path for exchange in run.exchanges] == ["/api/workflows/wf-polyglot-231/cancel"]


def test_the_fake_refuses_unknown_defects_and_commands(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_DW_DEFECT", "typo")
    fixture = BY_NAME["storage-test-parity.json"]  # its argv has --json: the fake's errors come as JSON
    outcome = DwCliAdapter(str(FAKE_DW)).run(CaseInput(fixture, "http://127.0.0.1:9", "d", "t", 20, tmp_path))
    assert outcome.status == "client_error" and "FAKE_DW_DEFECT='typo'" in outcome.output["error"]
    monkeypatch.delenv("FAKE_DW_DEFECT")
    tables = OperationTables(cli_commands={"storage.test": "storage:obliterate"})
    unknown = DwCliAdapter(str(FAKE_DW)).run(
        CaseInput(fixture, "http://127.0.0.1:9", "d", "t", 20, tmp_path, operations=tables)
    )
    assert (
        unknown.status == "client_error"
        and "unknown command 'storage:obliterate'" in unknown.output["error"]
    )


def test_the_fake_is_standalone() -> None:
    """Runnable by any python3 as an executable; imports only the standard library."""
    assert os.access(FAKE_DW, os.X_OK)
    assert FAKE_DW.read_text(encoding="utf-8").startswith("#!/usr/bin/env python3\n")
    source = FAKE_DW.read_text(encoding="utf-8")
    imports = {
        line.split()[1].split(".")[0] for line in source.splitlines() if line.startswith(("import ", "from "))
    }
    assert imports <= set(sys.stdlib_module_names) | {"__future__"}
