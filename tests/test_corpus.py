"""The shipped canonical corpus: generated, complete, true to the clients' shared corpus and the real SDK."""

from __future__ import annotations

import asyncio
import inspect
import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from conformance.avro_codec import decode_blob, encode_blob
from conformance.drift import compare_corpora
from conformance.fixture import shipped_corpus_dir
from conformance.fixture_discovery import discover
from conformance.operations import default_tables
from conformance.proxy.profile import load_profile
from conformance.proxy.stub import template_values
from conformance.validate import validate_paths
from support.real_clients import upstream_corpus

REPO_ROOT = Path(__file__).resolve().parent.parent
CORPUS = REPO_ROOT / "fixtures" / "control-plane"

#: The nine seed operations, with the client repositories' file names.
SEED_FILES = {
    "workflow-start-parity.json",
    "workflow-signal-parity.json",
    "workflow-query-parity.json",
    "workflow-update-parity.json",
    "workflow-cancel-parity.json",
    "workflow-task-history-parity.json",
    "namespace-set-storage-driver-parity.json",
    "storage-test-parity.json",
    "schedule-history-parity.json",
}

#: Where the shipped files deliberately differ from the client repositories'
#: (docs/reference.md, tools/build_corpus.py).
DELIBERATE_DRIFT = {"/description", "/sdk_python/payload_envelope/blob"}

#: The CLI invocations of the client repositories' fixtures, as the shell would split them (after `dw`).
SEED_CLI: dict[str, list[str]] = {
    "workflow-start-parity.json": [
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
    ],
    "workflow-signal-parity.json": [
        "workflow:signal",
        "wf-polyglot-231",
        "approval.received",
        '--input=[{"approved_by":"ada","approved":true,"notes":"ship it"}]',
    ],
    "workflow-query-parity.json": [
        "workflow:query",
        "wf-polyglot-231",
        "order.status",
        '--input=[{"include_line_items":true,"currency":"USD"}]',
    ],
    "workflow-update-parity.json": [
        "workflow:update",
        "wf-polyglot-231",
        "quota.adjust",
        "--wait=completed",
        '--input=[{"quota":50,"reason":"gold-tier"}]',
    ],
    "workflow-cancel-parity.json": [
        "workflow:cancel",
        "wf-polyglot-231",
        "--reason=customer requested refund",
    ],
    "workflow-task-history-parity.json": [
        "workflow-task:history",
        "workflow-task-231",
        "history-page-2",
        "--lease-owner=polyglot-worker-231",
        "--attempt=2",
        "--json",
    ],
    "namespace-set-storage-driver-parity.json": [
        "namespace:set-storage-driver",
        "billing",
        "s3",
        "--threshold-bytes=2097152",
        "--disk=external-payload-objects",
        "--bucket=dw-payloads",
        "--prefix=billing/",
        "--region=us-east-1",
        "--endpoint=https://s3.us-east-1.amazonaws.com",
        "--auth-profile=billing-prod",
        "--json",
    ],
    "storage-test-parity.json": [
        "storage:test",
        "--driver=s3",
        "--small-bytes=128",
        "--large-bytes=3145728",
        "--json",
    ],
    "schedule-history-parity.json": [
        "schedule:history",
        "daily-inventory-check",
        "--limit=100",
        "--after-sequence=5",
        "--json",
    ],
}

_STORAGE_CONFIG = {
    "disk": "external-payload-objects",
    "bucket": "dw-payloads",
    "prefix": "billing/",
    "region": "us-east-1",
    "endpoint": "https://s3.us-east-1.amazonaws.com",
    "auth_profile": "billing-prod",
}

#: The Python calls of the client repositories' fixtures: (method, positional arguments, keyword arguments).
SEED_PYTHON: dict[str, tuple[str, tuple[Any, ...], dict[str, Any]]] = {
    "workflow-start-parity.json": (
        "start_workflow",
        (),
        {
            "workflow_type": "orders.process",
            "workflow_id": "wf-polyglot-231",
            "task_queue": "orders",
            "input": [{"order_id": 42, "priority": "gold"}],
            "memo": {"source": "polyglot-fixture"},
            "search_attributes": {"CustomerId": "cust-42", "Tier": "gold"},
            "execution_timeout_seconds": 300,
            "run_timeout_seconds": 120,
            "duplicate_policy": "use-existing",
        },
    ),
    "workflow-signal-parity.json": (
        "signal_workflow",
        ("wf-polyglot-231", "approval.received"),
        {"args": [{"approved_by": "ada", "approved": True, "notes": "ship it"}]},
    ),
    "workflow-query-parity.json": (
        "query_workflow",
        ("wf-polyglot-231", "order.status"),
        {"args": [{"include_line_items": True, "currency": "USD"}]},
    ),
    "workflow-update-parity.json": (
        "update_workflow",
        ("wf-polyglot-231", "quota.adjust"),
        {"args": [{"quota": 50, "reason": "gold-tier"}], "wait_for": "completed"},
    ),
    "workflow-cancel-parity.json": (
        "cancel_workflow",
        ("wf-polyglot-231",),
        {"reason": "customer requested refund"},
    ),
    "workflow-task-history-parity.json": (
        "workflow_task_history",
        (),
        {
            "task_id": "workflow-task-231",
            "next_history_page_token": "history-page-2",
            "lease_owner": "polyglot-worker-231",
            "workflow_task_attempt": 2,
        },
    ),
    "namespace-set-storage-driver-parity.json": (
        "set_namespace_external_storage",
        ("billing",),
        {"driver": "s3", "enabled": True, "threshold_bytes": 2_097_152, "config": _STORAGE_CONFIG},
    ),
    "storage-test-parity.json": (
        "test_external_storage",
        (),
        {"driver": "s3", "small_payload_bytes": 128, "large_payload_bytes": 3_145_728},
    ),
    "schedule-history-parity.json": (
        "get_schedule_history",
        ("daily-inventory-check",),
        {"limit": 100, "after_sequence": 5},
    ),
}


def _fixtures() -> dict[str, dict[str, Any]]:
    return {path.name: json.loads(path.read_text(encoding="utf-8")) for path in sorted(CORPUS.glob("*.json"))}


def _argv_tokens(argv: dict[str, Any]) -> list[str]:
    """The contract's argv rules, written out independently of the adapters."""
    tokens: list[str] = []
    for key, value in argv.items():
        if not key.startswith("-"):
            tokens.append(value)
        elif value is True:
            tokens.append(key)
        elif isinstance(value, list):
            tokens.extend(f"{key}={item}" for item in value)
        else:
            tokens.append(f"{key}={value}")
    return tokens


def test_the_corpus_has_exactly_the_nine_seed_files() -> None:
    assert {path.name for path in CORPUS.glob("*.json")} == SEED_FILES


def test_the_package_finds_the_corpus_as_plain_files() -> None:
    # no symlink a copy or an archive could drop: the build maps fixtures/control-plane into the package
    assert not (REPO_ROOT / "conformance" / "corpus").is_symlink()
    # Checkout or editable install: the repository's directory; wheel install: a copy of the same files.
    shipped = {path.name: path.read_bytes() for path in shipped_corpus_dir().glob("*.json")}
    assert shipped == {path.name: path.read_bytes() for path in CORPUS.glob("*.json")}


def test_rerunning_the_generator_reproduces_the_committed_files_byte_for_byte(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(REPO_ROOT / "tools" / "build_corpus.py"), "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    generated = {path.name: path.read_bytes() for path in tmp_path.glob("*.json")}
    committed = {path.name: path.read_bytes() for path in CORPUS.glob("*.json")}
    assert generated.keys() == committed.keys()
    for name, raw in committed.items():
        assert generated[name] == raw, f"{name} differs from tools/build_corpus.py's output"
        assert raw.endswith(b"}\n") and b'\n  "schema"' in raw  # 2-space indent, trailing newline


def test_the_generator_check_mode_notices_a_stale_file(tmp_path: Path) -> None:
    script = str(REPO_ROOT / "tools" / "build_corpus.py")
    subprocess.run([sys.executable, script, "--out", str(tmp_path)], check=True, capture_output=True)
    stale = tmp_path / "workflow-cancel-parity.json"
    stale.write_text(stale.read_text().replace("customer request", "customer asked"))
    result = subprocess.run(
        [sys.executable, script, "--out", str(tmp_path), "--check"], capture_output=True, text=True
    )
    assert result.returncode == 1
    assert "workflow-cancel-parity.json" in result.stderr


def test_the_shipped_corpus_validates_and_loads() -> None:
    report = validate_paths([CORPUS])
    assert report.ok, "\n".join(report.lines())
    found = discover([CORPUS])
    assert not found.problems
    assert len(found.fixtures) == 9


def test_every_shipped_avro_blob_decodes_to_its_stated_value() -> None:
    checked = 0
    for name, document in _fixtures().items():
        for key, projection in document.items():
            if not isinstance(projection, dict) or "payload_envelope" not in projection:
                continue
            envelope = projection["payload_envelope"]
            assert envelope["codec"] == "avro", name
            assert decode_blob(envelope["blob"]) == envelope["decoded"], f"{name}: /{key}/payload_envelope"
            checked += 1
    assert checked == 4  # start, signal, query and update


def test_the_start_blob_is_the_published_test_vector() -> None:
    start = _fixtures()["workflow-start-parity.json"]
    assert (
        start["sdk_python"]["payload_envelope"]["blob"]
        == "wwHioz3/VYAiNwwCDgQQb3JkZXJfaWQEVBBwcmlvcml0eQoIZ29sZAAA"
    )


def test_the_shipped_corpus_differs_from_the_client_repositories_only_where_documented() -> None:
    report = compare_corpora(CORPUS, upstream_corpus())
    assert report.compared == sorted(SEED_FILES)
    assert not report.only_a and not report.problems
    undocumented = [
        f"{drift.name}: {difference.pointer} ({difference.kind})"
        for drift in report.changed
        for difference in drift.differences
        if difference.pointer not in DELIBERATE_DRIFT
    ]
    assert undocumented == []
    # The deliberate differences are additions of ours, never a changed or a missing value.
    for drift in report.changed:
        for difference in drift.differences:
            assert difference.actual is None and difference.expected is not None, (drift.name, difference)


def test_the_reference_names_every_deliberate_difference() -> None:
    readme = (REPO_ROOT / "docs" / "reference.md").read_text(encoding="utf-8")
    for pointer in DELIBERATE_DRIFT:
        assert f"`{pointer}`" in readme, pointer


@pytest.mark.parametrize("name", sorted(SEED_FILES))
def test_cli_argv_reproduces_the_client_repositories_invocation(name: str) -> None:
    document = _fixtures()[name]
    command = default_tables().cli_command(document["operation"])
    assert [command, *_argv_tokens(document["cli"]["argv"])] == SEED_CLI[name]


@pytest.mark.parametrize("name", sorted(SEED_FILES))
def test_sdk_python_projection_reproduces_the_client_repositories_call(name: str) -> None:
    client_class = pytest.importorskip("durable_workflow").Client
    document = _fixtures()[name]
    projection = document["sdk_python"]
    method, args, kwargs = SEED_PYTHON[name]
    assert projection.get("method", default_tables().sdk_method(document["operation"])) == method
    seed_call = inspect.signature(getattr(client_class, method)).bind(None, *args, **kwargs).arguments
    seed_call.pop("self")
    assert {**projection.get("args", {}), **projection.get("kwargs", {})} == seed_call


# ── the real SDK against the corpus ──────────────────────────────────────

_HANDSHAKE = {
    "server_id": "corpus-test",
    "version": "2.0.0",
    "control_plane": {
        "version": "2",
        "request_contract": {
            "schema": "durable-workflow.v2.control-plane-request.contract",
            "version": 1,
            "operations": {
                "update": {"fields": {"wait_for": {"canonical_values": ["accepted", "completed"]}}}
            },
        },
    },
    "worker_protocol": {"version": "1.0", "server_capabilities": {"query_tasks": True}},
}


class _Recorder(BaseHTTPRequestHandler):
    """Answers the handshake and replies to everything else with the fixture's response_body."""

    server: _RecordingServer

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        self.server.captured.append((self.command, self.path, dict(self.headers), body))
        reply = _HANDSHAKE if self.path.startswith("/api/cluster/info") else self.server.reply
        raw = json.dumps(reply).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("X-Durable-Workflow-Control-Plane-Version", "2")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    do_GET = do_POST = do_PUT = do_DELETE = _answer

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _RecordingServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Recorder)
        self.captured: list[tuple[str, str, dict[str, str], bytes]] = []
        self.reply: Any = {}


@pytest.fixture
def recording_server() -> Iterator[_RecordingServer]:
    server = _RecordingServer()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def _at(body: dict[str, Any], dotted: str) -> tuple[dict[str, Any], str]:
    *parents, last = dotted.split(".")
    node = body
    for part in parents:
        node = node[part]
    return node, last


@pytest.mark.parametrize("name", sorted(SEED_FILES))
def test_the_real_sdk_sends_what_the_fixture_states(name: str, recording_server: _RecordingServer) -> None:
    durable_workflow = pytest.importorskip("durable_workflow")
    document = _fixtures()[name]
    projection = document["sdk_python"]
    method = projection.get("method") or default_tables().sdk_method(document["operation"])
    if "response_body" in document:
        recording_server.reply = document["response_body"]
    else:  # what the stub server answers for a fixture without one
        fixture = next(item for item in discover([CORPUS]).fixtures if item.path.name == name)
        recording_server.reply = (
            load_profile().default_reply(document["operation"]).render(template_values(fixture))
        )
    url = f"http://127.0.0.1:{recording_server.server_port}"

    async def call() -> Any:
        async with durable_workflow.Client(url, namespace="default", token="local-dev-token") as client:
            return await getattr(client, method)(**projection.get("args", {}), **projection.get("kwargs", {}))

    asyncio.run(call())  # the response_body must parse without raising

    operation = [entry for entry in recording_server.captured if not entry[1].startswith("/api/cluster/info")]
    assert len(operation) == 1
    http_method, target, headers, raw = operation[0]
    request = document["request"]
    split = urlsplit(target)
    assert http_method == request["method"]
    assert split.path == "/api" + request["path"]
    wanted_query = {key: [value] for key, value in request.get("query", {}).items()}
    assert parse_qs(split.query, keep_blank_values=True) == wanted_query
    assert headers.get("X-Namespace") == "default"
    if request["method"] == "GET":
        assert raw == b""
        return
    body = json.loads(raw)
    spec = projection.get("payload_envelope")
    if spec is not None:
        parent, key = _at(body, spec["field"])
        envelope = parent[key]
        assert envelope == {
            "codec": "avro",
            "blob": spec["blob"],
        }  # the SDK's bytes equal the harness codec's
        assert decode_blob(envelope["blob"]) == spec["decoded"]
        assert encode_blob(spec["decoded"]) == envelope["blob"]
        parent[key] = spec["decoded"]
    if "body" in request:
        assert body == request["body"]
    for key, value in projection.get("expected_body", {}).items():
        assert body.get(key) == value, key
