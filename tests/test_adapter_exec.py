"""The exec protocol: manifests, the request/result contract, the Node.js example, broken programs."""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from conformance.adapters.base import AdapterError, CaseInput
from conformance.adapters.exec_protocol import (
    REQUEST_SCHEMA,
    RESULT_SCHEMA,
    ExecAdapter,
    build_request,
    interpret_result,
    load_manifest,
)
from conformance.adapters.registry import create
from conformance.fixture import Fixture, shipped_corpus_dir
from conformance.fixture_discovery import discover
from conformance.proxy.recorder import RecordingProxy
from support.adapter_e2e import TOKEN, run_through_proxy
from support.adapter_http import local_server
from support.adapter_node import NODE_EXAMPLE, NODE_MANIFEST, with_node_projection, write_node_corpus

SHIPPED = discover([shipped_corpus_dir()]).fixtures
CANCEL = next(fixture for fixture in SHIPPED if fixture.name == "workflow-cancel-parity.json")
README = Path(__file__).resolve().parents[1] / "adapters" / "README.md"
needs_node = pytest.mark.skipif(shutil.which("node") is None, reason="Node.js is not installed")


def write_manifest(directory: Path, text: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "adapter.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def program_adapter(tmp_path: Path, body: str, projection: str = "cli") -> ExecAdapter:
    """An exec adapter whose program is a Python script (``body``) reading the request on stdin."""
    directory = tmp_path / "prog"
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "prog.py").write_text(textwrap.dedent(body), encoding="utf-8")
    manifest = write_manifest(
        directory,
        f"""
        name: test-program
        projection: {projection}
        target: official_sdk
        command: [{json.dumps(sys.executable)}, prog.py]
        client: {{name: test-program, version: "1.2.3"}}
        """,
    )
    return ExecAdapter(str(manifest))


def case(fixture: Fixture, url: str, tmp_path: Path, timeout: float = 20.0) -> CaseInput:
    return CaseInput(fixture, url, "default", TOKEN, timeout, tmp_path / "work", case_id=f"{fixture.name}::t")


# ------------------------------------------------------------------ manifests


def test_the_example_manifest_loads() -> None:
    manifest = load_manifest(NODE_MANIFEST)
    assert (manifest.name, manifest.projection) == ("node-fetch-example", "sdk_node")
    assert manifest.target == "official_sdk"
    assert manifest.command == ("node", "adapter.mjs")
    assert manifest.working_directory == NODE_EXAMPLE
    assert manifest.client.to_json() == {
        "name": "durable-workflow-node-example",
        "version": "0.1.0",
        "installed": "example adapter shipped in adapters/examples/node",
    }
    adapter = create(f"exec={NODE_MANIFEST}")
    assert isinstance(adapter, ExecAdapter)
    assert (adapter.label, adapter.projection_key, adapter.claimed_target) == (
        "node-fetch-example",
        "sdk_node",
        "official_sdk",
    )
    assert load_manifest(NODE_EXAMPLE).path == NODE_MANIFEST  # a directory means its adapter.yaml


GOOD = "name: x\nprojection: p\ntarget: t\ncommand: [a]\nclient: {name: n, version: '1'}\n"


@pytest.mark.parametrize(
    ("text", "pointer", "expected"),
    [
        ("name: x\n", "/projection", "the required key 'projection'"),
        (GOOD.replace("name: x", "name: Bad Name"), "/name", "a name of lower-case letters"),
        (GOOD.replace("projection: p", "projection: request"), "/projection", "a projection key, not"),
        (GOOD.replace("[a]", "node a.mjs"), "/command", "a non-empty list of strings"),
        (GOOD.replace("[a]", "[node, 3]"), "/command/1", "a non-empty string"),
        (GOOD.replace(", version: '1'", ""), "/client/version", "the required key 'version'"),
        (GOOD.replace("'1'", "1.5"), "/client/version", "a non-empty string"),
        (GOOD + "comand: [b]\n", "/comand", "only adapter_protocol, client, command"),
        (GOOD + "working_directory: nope\n", "/working_directory", "an existing directory"),
        ("adapter_protocol: 2\n" + GOOD, "/adapter_protocol", "the protocol version 1"),
        ("- just\n- a list\n", "(file)", "a mapping"),
        ("name: [unclosed\n", "(file)", "valid YAML"),
    ],
)
def test_broken_manifests_name_the_file_the_pointer_and_what_was_expected(
    tmp_path: Path, text: str, pointer: str, expected: str
) -> None:
    path = write_manifest(tmp_path, text)
    with pytest.raises(AdapterError) as caught:
        load_manifest(path)
    message = str(caught.value)
    assert f"{path}: {pointer}: expected {expected}" in message, message
    with pytest.raises(AdapterError):
        create(f"exec={path}")


def test_yaml_errors_carry_line_and_column(tmp_path: Path) -> None:
    path = write_manifest(tmp_path, "name: ok\nprojection: [unclosed\n")
    with pytest.raises(AdapterError, match=r"line \d+ column \d+"):
        load_manifest(path)


def test_missing_manifest_and_missing_argument_are_clear(tmp_path: Path) -> None:
    with pytest.raises(AdapterError, match=r"nope\.yaml: \(file\): expected a readable file"):
        load_manifest(tmp_path / "nope.yaml")
    with pytest.raises(AdapterError, match=r"--adapter exec=path/to/adapter.yaml"):
        create("exec")


def test_a_program_that_cannot_be_found_makes_the_adapter_unavailable(tmp_path: Path) -> None:
    path = write_manifest(tmp_path, GOOD.replace("[a]", "[no-such-program-dwc]"))
    availability = ExecAdapter(str(path)).check_available()
    assert not availability.available
    assert "/command/0: 'no-such-program-dwc' is not an executable on PATH" in availability.reason


# ------------------------------------------------------------------ the request and the result


def test_the_request_follows_its_schema_and_carries_the_case(tmp_path: Path) -> None:
    adapter = program_adapter(tmp_path, "print('{}')")
    request = build_request(case(CANCEL, "http://127.0.0.1:1", tmp_path, 7.5), adapter.manifest)
    assert list(Draft202012Validator(REQUEST_SCHEMA).iter_errors(request)) == []
    assert request["fixture"] == CANCEL.data and request["projection"] == CANCEL.data["cli"]
    assert request["server_url"] == "http://127.0.0.1:1"
    assert (request["token"], request["timeout_seconds"]) == (TOKEN, 7.5)


def test_readme_documents_exactly_the_schemas_the_harness_uses() -> None:
    text = README.read_text(encoding="utf-8")
    titles: dict[str, Any] = {}
    for block in re.findall(r"```json\n(.*?)\n```", text, re.S):
        if '"title"' in block:  # the schema documents (other blocks are projection fragments)
            document = json.loads(block)
            titles[document["title"]] = document
    assert titles[REQUEST_SCHEMA["title"]] == REQUEST_SCHEMA
    assert titles[RESULT_SCHEMA["title"]] == RESULT_SCHEMA


@pytest.mark.parametrize(
    ("stdout", "status", "needle"),
    [
        ("", "harness_error", "printed nothing on stdout"),
        ("   \n", "harness_error", "printed nothing on stdout"),
        ("hello, world", "harness_error", "is not one JSON document"),
        ('{"status": "completed"} trailing', "harness_error", "is not one JSON document"),
        ('["completed"]', "harness_error", "breaks the protocol at (result)"),
        ('{"status": "done"}', "harness_error", "breaks the protocol at /status"),
        ('{"status": "client_error"}', "harness_error", "'error' is a required property"),
        ('{"status": "completed", "protocol_version": 2}', "harness_error", "at /protocol_version"),
        ('{"status": "completed", "output": {"a": 1}, "later": true}', "completed", ""),
        ('{"status": "skipped", "error": "no such call in this SDK"}', "skipped", "no such call in this SDK"),
    ],
)
def test_result_interpretation(stdout: str, status: str, needle: str) -> None:
    outcome = interpret_result(stdout, "log line\nlast words\n", 0)
    assert outcome.status == status
    assert needle in outcome.detail
    if status == "harness_error":
        assert "exit code 0; stderr ends with: last words" in outcome.detail


# ------------------------------------------------------------------ programs that misbehave


def test_a_program_printing_garbage_is_a_harness_error_for_that_case(tmp_path: Path) -> None:
    adapter = program_adapter(tmp_path, "import sys; sys.stdin.read(); print('Traceback? no: just garbage')")
    with local_server() as server:
        outcome = adapter.run(case(CANCEL, server.url, tmp_path))
    assert outcome.status == "harness_error"
    assert "stdout is not one JSON document" in outcome.detail and "just garbage" in outcome.detail


def test_a_program_printing_nothing_and_failing_is_a_harness_error(tmp_path: Path) -> None:
    adapter = program_adapter(tmp_path, "import sys; print('cannot start', file=sys.stderr); sys.exit(3)")
    with local_server() as server:
        outcome = adapter.run(case(CANCEL, server.url, tmp_path))
    assert outcome.status == "harness_error" and outcome.exit_code == 3
    assert "printed nothing on stdout" in outcome.detail and "cannot start" in outcome.detail


def test_a_client_error_result_keeps_the_message_and_hides_the_token(tmp_path: Path) -> None:
    adapter = program_adapter(
        tmp_path,
        """
        import json, sys
        request = json.load(sys.stdin)
        print("token was " + request["token"], file=sys.stderr)
        print(json.dumps({"status": "client_error", "error": "KeyError: " + request["token"]}))
        """,
    )
    outcome = adapter.run(case(CANCEL, "http://127.0.0.1:9", tmp_path))
    assert outcome.status == "client_error" and outcome.exception is not None
    assert outcome.exception.startswith("KeyError: ")
    assert TOKEN not in json.dumps(outcome.to_json())


def test_the_program_gets_the_scrubbed_environment_and_the_case_connection(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DW_PROFILE", "prod")
    monkeypatch.setenv("DURABLE_WORKFLOW_SERVER_URL", "https://prod.example")
    monkeypatch.setenv("KEEP_THIS", "1")
    adapter = program_adapter(
        tmp_path,
        """
        import json, os, sys
        json.load(sys.stdin)
        env = {k: v for k, v in os.environ.items() if k.startswith(("DW_", "DURABLE_WORKFLOW_", "KEEP_"))}
        print(json.dumps({"status": "completed", "output": {"env": env, "cwd": os.getcwd()}}))
        """,
    )
    outcome = adapter.run(case(CANCEL, "http://127.0.0.1:4242", tmp_path))
    assert outcome.status == "completed", outcome
    assert outcome.output["env"] == {
        "DURABLE_WORKFLOW_SERVER_URL": "http://127.0.0.1:4242",
        "DURABLE_WORKFLOW_NAMESPACE": "default",
        "DURABLE_WORKFLOW_AUTH_TOKEN": "[REDACTED]",
        "KEEP_THIS": "1",
    }
    assert Path(outcome.output["cwd"]) == (tmp_path / "prog").resolve()


def test_a_hanging_program_is_a_timeout_and_its_whole_group_is_killed(tmp_path: Path) -> None:
    pid_file = tmp_path / "grandchild.pid"
    adapter = program_adapter(
        tmp_path,
        f"""
        import subprocess, sys, time
        sys.stdin.read()
        child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)"])
        open({str(pid_file)!r}, "w").write(str(child.pid))
        print("partial", flush=True)
        time.sleep(300)
        """,
    )
    outcome = adapter.run(case(CANCEL, "http://127.0.0.1:9", tmp_path, timeout=1.5))
    assert outcome.status == "timeout"
    assert "partial" in outcome.stdout
    grandchild = int(pid_file.read_text())
    try:
        os.kill(grandchild, 0)
    except ProcessLookupError:
        alive = False
    else:  # a zombie not yet reaped by init still answers; its state tells
        stat = Path(f"/proc/{grandchild}/stat")
        alive = stat.exists() and stat.read_text().split()[2] not in ("Z", "X")
    assert not alive


# ------------------------------------------------------------------ the Node.js example


@needs_node
def test_node_example_passes_every_shipped_fixture_through_proxy_and_judge(
    recording_proxy: RecordingProxy, tmp_path: Path
) -> None:
    write_node_corpus(SHIPPED, tmp_path / "node-corpus")
    fixtures = discover([tmp_path / "node-corpus"])
    assert fixtures.problems == [] and len(fixtures.fixtures) == len(SHIPPED)
    adapter = create(f"exec={NODE_MANIFEST}")
    assert adapter.check_available().available
    verdicts: dict[str, str] = {}
    for fixture in fixtures.fixtures:
        run = run_through_proxy(recording_proxy, adapter, fixture, tmp_path / "work")
        assert run.outcome.status == "completed", run.explain()
        verdicts[fixture.name] = run.verdict.status
        assert run.verdict.status == "pass", run.explain()
        assert run.exchanges[0].path == "/api/cluster/info"
    assert set(verdicts.values()) == {"pass"}


@needs_node
def test_node_example_sends_avro_envelopes_where_the_projection_says_so(
    recording_proxy: RecordingProxy, tmp_path: Path
) -> None:
    start = next(fixture for fixture in SHIPPED if fixture.name == "workflow-start-parity.json")
    fixture = Fixture(tmp_path / start.name, with_node_projection(start))
    run = run_through_proxy(recording_proxy, create(f"exec={NODE_MANIFEST}"), fixture, tmp_path / "work")
    assert run.verdict.status == "pass", run.explain()
    sent = json.loads(run.exchanges[-1].request_body)
    assert set(sent["input"]) == {"codec", "blob"}
    assert sent["input"]["blob"] == start.data["sdk_python"]["payload_envelope"]["blob"]


@needs_node
def test_node_example_mismatch_is_caught_by_pointer(
    recording_proxy: RecordingProxy, tmp_path: Path
) -> None:
    data: dict[str, Any] = with_node_projection(CANCEL)
    data["sdk_node"]["body"]["reason"] = "wrong reason"
    fixture = Fixture(tmp_path / CANCEL.name, data)
    run = run_through_proxy(recording_proxy, create(f"exec={NODE_MANIFEST}"), fixture, tmp_path)
    assert run.verdict.status == "fail"
    assert [(d.pointer, d.kind) for d in run.verdict.failures] == [("/body/reason", "changed")]


@needs_node
def test_node_example_fixture_is_the_shipped_one_plus_its_projection() -> None:
    """The README's worked example runs this file; it must not drift from the corpus."""
    shipped = next(fixture for fixture in SHIPPED if fixture.name == "workflow-signal-parity.json")
    example = json.loads((NODE_EXAMPLE / shipped.name).read_text(encoding="utf-8"))
    assert example == with_node_projection(shipped)


@needs_node
def test_node_example_skips_a_fixture_without_usable_projection(tmp_path: Path) -> None:
    data = with_node_projection(CANCEL)
    data["sdk_node"] = {"note": "no method"}
    with local_server() as server:
        fixture = Fixture(tmp_path / CANCEL.name, data)
        outcome = create(f"exec={NODE_MANIFEST}").run(case(fixture, server.url, tmp_path))
    assert outcome.status == "skipped" and "no usable sdk_node projection" in outcome.detail


@needs_node
def test_node_example_refuses_an_incompatible_handshake(tmp_path: Path) -> None:
    fixture = Fixture(tmp_path / CANCEL.name, with_node_projection(CANCEL))
    with local_server() as server:
        server.handshake["control_plane"]["version"] = "3"
        outcome = create(f"exec={NODE_MANIFEST}").run(case(fixture, server.url, tmp_path))
        assert server.operations == []
    assert outcome.status == "client_error"
    assert outcome.exception == 'IncompatibleServer: control_plane.version is "3", expected "2"'
