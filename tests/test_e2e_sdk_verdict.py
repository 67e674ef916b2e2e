"""End to end: the real Python SDK through the real recording proxy, judged against the shipped fixture.

The SDK is driven directly (``durable_workflow.Client`` with the fixture's
``sdk_python`` kwargs) so this test depends only on the proxy, the stub
profile and the verdict code, not on the adapter.
"""

from __future__ import annotations

import asyncio
import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from conformance.capture import CapturedExchange
from conformance.diff import CaseVerdict
from conformance.expectations import JudgeSettings
from conformance.fixture import Fixture, load_fixture
from conformance.proxy.profile import load_profile
from conformance.proxy.recorder import RecordingProxy
from conformance.render import render_verdict
from support.judging import judge

durable_workflow = pytest.importorskip("durable_workflow")

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "control-plane" / "workflow-start-parity.json"
TOKEN = "e2e-verdict-token-5b81c2"
SETTINGS = JudgeSettings(namespace="default", token=TOKEN)


async def _start(server_url: str, kwargs: dict[str, Any]) -> Any:
    async with durable_workflow.Client(server_url, namespace=SETTINGS.namespace, token=TOKEN) as client:
        return await client.start_workflow(**kwargs)


def _run_sdk(
    proxy_factory: Callable[..., RecordingProxy], fixture: Fixture
) -> tuple[list[CapturedExchange], CaseVerdict]:
    profile = load_profile(None)
    proxy = proxy_factory(profile=profile, slots=1)
    projection = fixture.projection("sdk_python")
    assert projection is not None
    kwargs = copy.deepcopy(projection["kwargs"])
    with proxy.open_case(f"{fixture.name}::python-sdk", fixture) as recording:
        asyncio.run(_start(recording.server_url, kwargs))
    exchanges = recording.exchanges
    return exchanges, judge(fixture, "sdk_python", exchanges, profile, SETTINGS)


def test_real_sdk_passes_the_shipped_start_fixture(proxy_factory: Callable[..., RecordingProxy]) -> None:
    fixture = load_fixture(FIXTURE)
    exchanges, verdict = _run_sdk(proxy_factory, fixture)
    text = render_verdict(verdict, label="python-sdk")
    assert verdict.status == "pass", text
    assert verdict.request is not None
    assert [record["pointer"] for record in verdict.request.envelopes] == ["/body/input"]
    assert verdict.request.body["input"] == [{"order_id": 42, "priority": "gold"}]
    assert len(verdict.operation_candidates) == 1
    assert all(exchange.path != "/api/workflows" for exchange in verdict.ancillary)
    assert [exchange.path for exchange in exchanges].count("/api/workflows") == 1
    assert TOKEN not in text


@pytest.mark.parametrize(
    ("change", "pointer", "expected", "sent"),
    [
        ("expected_body.run_timeout_seconds", "/body/run_timeout_seconds", 121, 120),
        ("payload_envelope.decoded.order_id", "/body/input/0/order_id", 43, 42),
    ],
)
def test_real_sdk_fails_an_altered_fixture_at_the_altered_value(
    proxy_factory: Callable[..., RecordingProxy], change: str, pointer: str, expected: int, sent: int
) -> None:
    fixture = load_fixture(FIXTURE)
    data = copy.deepcopy(fixture.data)
    projection = data["sdk_python"]
    if change == "expected_body.run_timeout_seconds":
        projection["expected_body"]["run_timeout_seconds"] = expected
    else:
        projection["payload_envelope"]["decoded"][0]["order_id"] = expected
        del projection["payload_envelope"]["blob"]  # keep the altered fixture self-consistent
    altered = fixture.with_data(data)
    _exchanges, verdict = _run_sdk(proxy_factory, altered)
    text = render_verdict(verdict, label="python-sdk")
    assert verdict.status == "fail", text
    assert [(d.pointer, d.kind, d.expected, d.actual) for d in verdict.failures] == [
        (pointer, "changed", expected, sent)
    ], text
    assert pointer in text
