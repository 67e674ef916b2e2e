"""Small hand-written captures and a stand-in server profile for the verdict tests."""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from conformance.capture import CapturedExchange
from conformance.diff import CaseVerdict, judge_request
from conformance.expectations import JudgeSettings, build_expectation
from conformance.fixture import Fixture
from conformance.normalize import NormalizedRequest
from conformance.parity import ParityFinding, compare_requests
from conformance.policy import Policy

TOKEN = "s3cret-token-value"
SETTINGS = JudgeSettings(namespace="default", token=TOKEN)
REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO / "fixtures" / "control-plane"


class StubProfile:
    """Stand-in for ServerProfile: only the handshake is ancillary."""

    api_prefix = "/api"

    def ancillary_route(self, method: str, path: str) -> str | None:
        if method == "GET" and path == "/cluster/info":
            return "handshake"
        return None


def headers(
    *,
    namespace: str = "default",
    token: str | None = TOKEN,
    worker: bool = False,
    extra: list[tuple[str, str]] | None = None,
) -> list[tuple[str, str]]:
    """The headers SDK 2.8.0 sends (control plane by default)."""
    result = [("Content-Type", "application/json"), ("Accept", "application/json")]
    if token is not None:
        result.append(("Authorization", f"Bearer {token}"))
    result.append(("X-Namespace", namespace))
    if worker:
        result.append(("X-Durable-Workflow-Protocol-Version", "1.20"))
    else:
        result.append(("X-Durable-Workflow-Control-Plane-Version", "2"))
    return result + list(extra or [])


def exchange(
    method: str,
    path: str,
    body: Any = None,
    *,
    raw_body: bytes | None = None,
    query: str | dict[str, Any] = "",
    header_list: list[tuple[str, str]] | None = None,
    status: int = 200,
    sequence: int = 1,
) -> CapturedExchange:
    """One captured request; ``body`` is JSON-encoded unless ``raw_body`` is given."""
    if raw_body is None:
        raw_body = b"" if body is None else json.dumps(body).encode("utf-8")
    query_string = urlencode(query, doseq=True) if isinstance(query, dict) else query
    url = f"http://127.0.0.1:9/{path.lstrip('/')}" + (f"?{query_string}" if query_string else "")
    return CapturedExchange(
        case_id="case",
        sequence=sequence,
        method=method,
        url=url,
        path=path,
        query_string=query_string,
        request_headers=header_list if header_list is not None else headers(),
        request_body=raw_body,
        response_status=status,
        answered_by="fixture",
    )


def handshake(sequence: int = 0) -> CapturedExchange:
    ex = exchange("GET", "/api/cluster/info", sequence=sequence)
    ex.answered_by = "profile"
    ex.route = "handshake"
    return ex


def fixture(data: dict[str, Any], name: str = "test-parity.json") -> Fixture:
    return Fixture(Path("/fixtures") / name, copy.deepcopy(data))


def minimal(**overrides: Any) -> dict[str, Any]:
    """A small fixture document; keyword arguments replace top-level keys."""
    data: dict[str, Any] = {
        "schema": "durable-workflow.polyglot.control-plane-request-fixture",
        "version": 1,
        "operation": "workflow.start",
        "request": {"method": "POST", "path": "/workflows"},
        "semantic_body": {},
    }
    data.update(overrides)
    return data


def shipped(name: str) -> Fixture:
    path = CORPUS / name
    return Fixture(path, json.loads(path.read_text(encoding="utf-8")))


def judge(
    fixture: Fixture,
    projection_key: str,
    exchanges: Sequence[CapturedExchange],
    profile: Any,
    settings: JudgeSettings,
    policy: Policy | None = None,
) -> CaseVerdict:
    """Build the projection's expectation with the one builder, then judge the exchanges against it."""
    expectation = build_expectation(fixture, projection_key, settings)
    return judge_request(expectation, exchanges, profile, settings, policy=policy)


def compare_clients(
    fixture: Fixture,
    requests: Mapping[str, tuple[str, NormalizedRequest]],
    *,
    policy: Policy | None = None,
    settings: JudgeSettings = SETTINGS,
) -> list[ParityFinding]:
    """Parity of requests keyed by label with their projection key (expectations built here)."""
    built = {
        label: (build_expectation(fixture, projection, settings), request)
        for label, (projection, request) in requests.items()
    }
    return compare_requests(fixture, built, policy=policy)
