"""Real clients through the recording proxy: curl as a subprocess and the Python SDK from PyPI."""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from conformance.avro_codec import decode_blob
from conformance.proxy.profile import load_profile
from conformance.proxy.recorder import RecordingProxy
from support.proxy import TOKEN, make_fixture, start_fixture_data

Factory = Callable[..., RecordingProxy]

CURL = shutil.which("curl")


@pytest.mark.skipif(CURL is None, reason="curl is not installed (Debian package: curl)")
def test_curl_subprocess_through_the_proxy(recording_proxy: RecordingProxy) -> None:
    assert CURL is not None
    body = '{"workflow_id":"wf-curl","input":[{"order_id":42}]}'
    with recording_proxy.open_case(
        "start:curl", make_fixture(start_fixture_data(workflow_id="wf-curl"))
    ) as rec:
        handshake = subprocess.run(
            [
                CURL,
                "-sS",
                "--max-time",
                "20",
                "-H",
                f"Authorization: Bearer {TOKEN}",
                f"{rec.server_url}/api/cluster/info",
            ],
            capture_output=True,
            check=True,
            timeout=30,
        )
        operation = subprocess.run(
            [
                CURL,
                "-sS",
                "--max-time",
                "20",
                "-X",
                "POST",
                "-H",
                "Content-Type: application/json",
                "-H",
                "X-Namespace: default",
                "--data-binary",
                body,
                "-w",
                "\n%{http_code}",
                f"{rec.server_url}/api/workflows?dry=1",
            ],
            capture_output=True,
            check=True,
            timeout=30,
        )
    assert json.loads(handshake.stdout)["worker_protocol"]["version"] == "1.0"
    reply, status = operation.stdout.decode().rsplit("\n", 1)
    assert status == "200" and json.loads(reply)["workflow_id"] == "wf-curl"

    first, second = rec.exchanges
    assert (first.method, first.path, first.answered_by) == ("GET", "/api/cluster/info", "profile")
    assert first.header("authorization") == f"Bearer {TOKEN}"
    assert (first.header("user-agent") or "").startswith("curl/")
    assert (second.method, second.path, second.query_string) == ("POST", "/api/workflows", "dry=1")
    assert second.request_body == body.encode()
    assert second.header("x-namespace") == "default"
    assert second.answered_by == "fixture" and second.response_status == 200


def test_the_real_python_sdk_starts_a_workflow_against_the_stub(recording_proxy: RecordingProxy) -> None:
    durable_workflow = pytest.importorskip("durable_workflow")
    fixture = make_fixture(start_fixture_data(workflow_id="wf-sdk-1"))

    async def start(url: str) -> object:
        async with durable_workflow.Client(url, namespace="billing", token=TOKEN) as client:
            return await client.start_workflow(
                workflow_type="orders.process",
                workflow_id="wf-sdk-1",
                task_queue="orders",
                input=[{"order_id": 42, "priority": "gold"}],
            )

    with recording_proxy.open_case("start:sdk", fixture) as recording:
        handle = asyncio.run(start(recording.server_url))
    assert getattr(handle, "workflow_id", None) == "wf-sdk-1"

    exchanges = recording.exchanges
    assert [(e.method, e.path) for e in exchanges] == [
        ("GET", "/api/cluster/info"),
        ("POST", "/api/workflows"),
    ]
    handshake, operation = exchanges
    assert handshake.answered_by == "profile" and handshake.route == "handshake"
    assert operation.answered_by == "fixture"
    for exchange in exchanges:
        assert exchange.header("authorization") == f"Bearer {TOKEN}"
        assert exchange.header("x-namespace") == "billing"
        assert exchange.header("x-durable-workflow-control-plane-version") == "2"
    body = json.loads(operation.request_body)
    assert (body["workflow_id"], body["workflow_type"], body["task_queue"]) == (
        "wf-sdk-1",
        "orders.process",
        "orders",
    )
    assert "observability_context" not in body
    assert body["input"]["codec"] == "avro"
    assert decode_blob(body["input"]["blob"]) == [{"order_id": 42, "priority": "gold"}]


def test_the_real_sdk_is_refused_by_a_profile_without_query_support(
    proxy_factory: Factory, tmp_path: Path
) -> None:
    """The handshake comes from the profile: removing query_tasks makes the SDK refuse to query."""
    durable_workflow = pytest.importorskip("durable_workflow")
    path = tmp_path / "no-query.yaml"
    path.write_text(
        "extends: v2\nhandshake:\n  worker_protocol:\n    server_capabilities:\n      query_tasks: false\n"
    )
    proxy = proxy_factory(load_profile(path), slots=1)
    data = start_fixture_data()
    data["operation"] = "workflow.query"
    data["request"] = {"method": "POST", "path": "/workflows/wf-1/query/status"}

    async def query(url: str) -> object:
        async with durable_workflow.Client(url, namespace="default", token=TOKEN) as client:
            return await client.query_workflow("wf-1", "status")

    with (
        proxy.open_case("query:refused", make_fixture(data)) as recording,
        pytest.raises(Exception, match="query_tasks"),
    ):
        asyncio.run(query(recording.server_url))
    assert [(e.method, e.path) for e in recording.exchanges] == [("GET", "/api/cluster/info")]
