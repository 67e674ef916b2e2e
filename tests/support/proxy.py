"""pytest fixtures and helpers for tests that need the recording proxy.

Registered for every test module from ``tests/conftest.py``
(``pytest_plugins = ["support.proxy"]``), so a test simply asks for:

- ``recording_proxy``: a started stub-mode :class:`RecordingProxy` with the
  shipped ``v2`` profile and :data:`DEFAULT_SLOTS` slots, stopped after the test;
- ``proxy_factory``: ``proxy_factory(**kwargs)`` builds and starts a proxy
  with other settings (``upstream=``, ``slots=``, ``max_body_bytes=``,
  ``profile=``); every proxy it made is stopped after the test.

Both are function-scoped on purpose: mitmproxy allows one running master per
process, so a proxy must not outlive the test that started it (a Session of
the runner started by another test would otherwise fail to start its own).
Start-up takes about 0.1 s.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from conformance.fixture import Fixture

if TYPE_CHECKING:  # imported lazily: mitmproxy takes ~0.8 s to import
    from conformance.proxy.profile import ServerProfile
    from conformance.proxy.recorder import RecordingProxy

__all__ = [
    "DEFAULT_SLOTS",
    "TOKEN",
    "make_fixture",
    "proxy_factory",
    "recording_proxy",
    "start_fixture_data",
]

DEFAULT_SLOTS = 4
TOKEN = "proxy-test-token-7f3a9c"

_START: dict[str, Any] = {
    "schema": "durable-workflow.polyglot.control-plane-request-fixture",
    "version": 1,
    "operation": "workflow.start",
    "request": {"method": "POST", "path": "/workflows"},
    "semantic_body": {
        "workflow_id": "wf-proxy-1",
        "workflow_type": "orders.process",
        "task_queue": "orders",
        "input": [{"order_id": 42}],
    },
    "sdk_python": {
        "method": "start_workflow",
        "kwargs": {
            "workflow_type": "orders.process",
            "workflow_id": "wf-proxy-1",
            "task_queue": "orders",
            "input": [{"order_id": 42}],
        },
    },
}


def start_fixture_data(**semantic: Any) -> dict[str, Any]:
    """A ``workflow.start`` fixture document without ``response_body`` (the stub builds the reply)."""
    data = copy.deepcopy(_START)
    data["semantic_body"].update(semantic)
    return data


def make_fixture(data: dict[str, Any], name: str = "test-parity.json") -> Fixture:
    """A :class:`Fixture` from a document (no file needed: the proxy reads only ``data``)."""
    return Fixture(Path(name), data)


@pytest.fixture
def proxy_factory() -> Iterator[Callable[..., RecordingProxy]]:
    from conformance.proxy.profile import load_profile
    from conformance.proxy.recorder import RecordingProxy

    made: list[RecordingProxy] = []

    def build(profile: ServerProfile | None = None, **kwargs: Any) -> RecordingProxy:
        proxy = RecordingProxy(profile or load_profile(None), **kwargs)
        made.append(proxy)
        proxy.start()
        return proxy

    try:
        yield build
    finally:
        for proxy in made:
            proxy.stop()


@pytest.fixture
def recording_proxy(proxy_factory: Callable[..., RecordingProxy]) -> RecordingProxy:
    return proxy_factory(slots=DEFAULT_SLOTS)
