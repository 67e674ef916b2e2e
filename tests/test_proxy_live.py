"""Live mode: flows forwarded to a real local server, its real answers recorded."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from conformance.proxy.recorder import RecordingProxy
from support.adapter_http import Received, local_server
from support.proxy import TOKEN, make_fixture, start_fixture_data
from support.tls import tls_server

Factory = Callable[..., RecordingProxy]


def test_live_mode_forwards_and_records_the_real_answer(proxy_factory: Factory) -> None:
    with local_server(reply={"workflow_id": "wf-live", "run_id": "run-real", "workflow_type": "t"}) as server:
        proxy = proxy_factory(upstream=server.url, slots=2)
        assert proxy.mode == "live"
        body = b'{"workflow_id": "wf-live"}'
        with (
            proxy.open_case("live:httpx", make_fixture(start_fixture_data())) as recording,
            httpx.Client(base_url=recording.server_url) as client,
        ):
            info = client.get("/api/cluster/info", headers={"Authorization": f"Bearer {TOKEN}"})
            reply = client.post(
                "/api/workflows?x=1", content=body, headers={"Content-Type": "application/json"}
            )
    assert info.json()["server_id"] == "adapter-test-server"  # the real server's handshake, not the profile's
    assert reply.json()["run_id"] == "run-real"

    # what the real server received: the exact request, with its own authority as Host
    handshake_seen, operation_seen = server.received
    assert (operation_seen.method, operation_seen.target, operation_seen.body) == (
        "POST",
        "/api/workflows?x=1",
        body,
    )
    assert operation_seen.header("host") == server.url.removeprefix("http://")
    assert handshake_seen.header("authorization") == f"Bearer {TOKEN}"

    # what was recorded: the client's request as sent, and the real response
    first, second = recording.exchanges
    assert (first.answered_by, first.route, first.response_status) == ("upstream", None, 200)
    assert json.loads(first.response_body)["server_id"] == "adapter-test-server"
    assert (second.method, second.path, second.query_string, second.request_body) == (
        "POST",
        "/api/workflows",
        "x=1",
        body,
    )
    assert second.header("host") == recording.server_url.removeprefix("http://")
    assert second.answered_by == "upstream" and second.response_status == 200
    assert json.loads(second.response_body)["run_id"] == "run-real"
    assert ("X-Durable-Workflow-Control-Plane-Version", "2") in second.response_headers


def test_live_mode_with_the_real_sdk(proxy_factory: Factory) -> None:
    durable_workflow = pytest.importorskip("durable_workflow")
    with local_server(
        reply={"workflow_id": "wf-real", "run_id": "r", "workflow_type": "orders.process"}
    ) as server:
        proxy = proxy_factory(upstream=server.url, slots=1)

        async def start(url: str) -> str:
            async with durable_workflow.Client(url, namespace="default", token=TOKEN) as client:
                handle = await client.start_workflow(
                    workflow_type="orders.process", workflow_id="wf-real", task_queue="q"
                )
                return str(handle.workflow_id)

        with proxy.open_case("live:sdk", None) as recording:
            assert asyncio.run(start(recording.server_url)) == "wf-real"
    assert [exchange.path for exchange in recording.exchanges] == ["/api/cluster/info", "/api/workflows"]
    assert [item.path for item in server.received] == ["/api/cluster/info", "/api/workflows"]
    assert json.loads(recording.exchanges[1].request_body) == server.received[1].json()


def test_live_mode_does_not_forward_stray_flows(proxy_factory: Factory) -> None:
    with local_server() as server:
        proxy = proxy_factory(upstream=server.url, slots=1)
        response = httpx.get(f"http://127.0.0.1:{proxy.ports[0]}/api/cluster/info")
    assert response.status_code == 404 and response.json()["reason"] == "no_open_case"
    assert server.received == []
    assert len(proxy.stray_exchanges) == 1


def test_an_unreachable_upstream_is_recorded_as_a_proxy_error(proxy_factory: Factory) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    proxy = proxy_factory(upstream=f"http://127.0.0.1:{closed_port}", slots=1)
    with proxy.open_case("live:down", None) as recording:
        response = httpx.get(recording.server_url + "/api/cluster/info")
    assert response.status_code == 502
    [exchange] = recording.exchanges
    assert exchange.answered_by == "proxy" and exchange.response_status == 502
    assert exchange.error


def test_a_request_still_waiting_when_the_case_ends_is_marked(proxy_factory: Factory) -> None:
    arrived, release = threading.Event(), threading.Event()

    def slow(item: Received) -> tuple[int, Any]:
        arrived.set()
        release.wait(20)
        return 200, {"late": True}

    with local_server(responder=slow) as server:
        proxy = proxy_factory(upstream=server.url, slots=1)
        outcome: list[object] = []

        def client(url: str) -> None:
            try:
                outcome.append(httpx.post(url + "/api/workflows", content=b"{}", timeout=20).status_code)
            except httpx.HTTPError as error:
                outcome.append(type(error).__name__)

        with proxy.open_case("live:slow", None) as recording:
            caller = threading.Thread(target=client, args=(recording.server_url,))
            caller.start()
            assert arrived.wait(20)
        release.set()
        caller.join(20)
    [exchange] = recording.exchanges
    assert exchange.response_status is None
    assert exchange.error == "the case ended before the response was recorded"
    assert outcome and outcome[0] != 200  # the client saw its connection closed


# ---------------------------------------------------------------- HTTPS upstreams
def test_https_upstream_certificates_are_verified_unless_disabled(
    proxy_factory: Factory, tmp_path: Path
) -> None:
    with tls_server(tmp_path) as url:
        strict = proxy_factory(upstream=url, slots=1)
        with strict.open_case("tls:verify", None) as verified:
            refused = httpx.get(verified.server_url + "/api/cluster/info")
        strict.stop()
        lax = proxy_factory(upstream=url, slots=1, verify_upstream_tls=False)
        with lax.open_case("tls:insecure", None) as insecure:
            accepted = httpx.get(insecure.server_url + "/api/cluster/info")
    assert refused.status_code == 502
    assert verified.exchanges[0].answered_by == "proxy" and verified.exchanges[0].error
    assert accepted.status_code == 200 and accepted.json() == {"tls": True}
    assert insecure.exchanges[0].answered_by == "upstream"
