"""Several cases at once: every flow lands in the case that sent it, and nowhere else."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from conformance.proxy.recorder import CaseRecording, RecordingProxy
from support.proxy import TOKEN, make_fixture, start_fixture_data

Factory = Callable[..., RecordingProxy]
CASES = 10


def httpx_client_case(recording: CaseRecording, marker: str, requests: int) -> list[str]:
    """Handshake, several marked probes, then the operation; returns the workflow ids answered."""
    answered = []
    with httpx.Client(base_url=recording.server_url, headers={"X-Case-Marker": marker}) as client:
        assert client.get("/api/cluster/info").status_code == 200
        for index in range(requests):
            client.get(f"/api/probe/{marker}/{index}", params={"marker": marker})
        reply = client.post("/api/workflows", content=json.dumps({"marker": marker}).encode())
        answered.append(reply.json()["workflow_id"])
    return answered


def sdk_client_case(recording: CaseRecording, marker: str) -> list[str]:
    durable_workflow = pytest.importorskip("durable_workflow")

    async def start() -> str:
        async with durable_workflow.Client(recording.server_url, namespace=marker, token=TOKEN) as client:
            handle = await client.start_workflow(
                workflow_type="orders.process",
                workflow_id=f"wf-{marker}",
                task_queue="orders",
                input=[marker],
            )
            return str(handle.workflow_id)

    return [asyncio.run(start())]


def check_case(recording: CaseRecording, marker: str, answered: list[str], sdk: bool) -> None:
    exchanges = recording.exchanges
    assert answered == [f"wf-{marker}"], "the stub answered with another case's fixture"
    assert [exchange.sequence for exchange in exchanges] == list(range(len(exchanges)))
    for exchange in exchanges:
        assert exchange.case_id == recording.case_id
        if sdk:
            assert exchange.header("x-namespace") == marker
        else:
            assert exchange.header("x-case-marker") == marker
    operation = exchanges[-1]
    assert (operation.method, operation.path) == ("POST", "/api/workflows")
    if sdk:
        assert json.loads(operation.request_body)["workflow_id"] == f"wf-{marker}"
    else:
        assert json.loads(operation.request_body) == {"marker": marker}
        probes = [exchange for exchange in exchanges if exchange.path.startswith("/api/probe/")]
        assert [exchange.path for exchange in probes] == [
            f"/api/probe/{marker}/{i}" for i in range(len(probes))
        ]
        assert all(exchange.query_string == f"marker={marker}" for exchange in probes)


def test_ten_cases_at_once_each_on_its_own_slot(proxy_factory: Factory) -> None:
    proxy = proxy_factory(slots=CASES)
    all_open = threading.Barrier(CASES, timeout=30)
    results: dict[str, tuple[CaseRecording, list[str], bool]] = {}
    lock = threading.Lock()

    def run(index: int) -> None:
        marker = f"case{index:02d}"
        fixture = make_fixture(start_fixture_data(workflow_id=f"wf-{marker}"))
        sdk = index % 2 == 1
        with proxy.open_case(f"start:{marker}", fixture) as recording:
            all_open.wait()  # every case is open before any client sends a byte
            answered = sdk_client_case(recording, marker) if sdk else httpx_client_case(recording, marker, 5)
            all_open.wait()  # and every case is still open until all clients are done
        with lock:
            results[marker] = (recording, answered, sdk)

    with ThreadPoolExecutor(CASES) as pool:
        for future in [pool.submit(run, index) for index in range(CASES)]:
            future.result()

    assert len(results) == CASES
    assert len({recording.port for recording, _, _ in results.values()}) == CASES
    for marker, (recording, answered, sdk) in results.items():
        check_case(recording, marker, answered, sdk)
    assert proxy.stray_exchanges == []


def test_many_cases_queue_for_few_slots(proxy_factory: Factory) -> None:
    proxy = proxy_factory(slots=3)
    total = 18

    def run(index: int) -> tuple[CaseRecording, str, list[str]]:
        marker = f"queued{index:02d}"
        fixture = make_fixture(start_fixture_data(workflow_id=f"wf-{marker}"))
        with proxy.open_case(f"start:{marker}", fixture, timeout=60) as recording:
            answered = httpx_client_case(recording, marker, 2)
        return recording, marker, answered

    with ThreadPoolExecutor(8) as pool:
        outcomes = [future.result() for future in [pool.submit(run, index) for index in range(total)]]

    assert {recording.port for recording, _, _ in outcomes} <= set(proxy.ports)
    for recording, marker, answered in outcomes:
        check_case(recording, marker, answered, sdk=False)
        assert len(recording.exchanges) == 4
    assert proxy.stray_exchanges == []
