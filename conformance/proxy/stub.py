"""The stub server: what the harness answers in place of a Durable Workflow server.

:class:`StubServer` decides the answer to one request (a pure function of the
profile, the case's fixture and the request line), so it is tested without
any socket. :class:`StubAddon` is the thin mitmproxy addon that applies the
decision in the ``request`` hook: setting ``flow.response`` there means no
upstream connection is ever attempted (with ``connection_strategy=lazy``).

Decisions, in order:

1. A path outside the API prefix -> ``404`` (``answered_by="not_found"``).
2. A canned route of the profile (the handshake ``GET /cluster/info``, extra
   routes) -> the profile's answer (``answered_by="profile"``, ``route`` set).
   Canned routes win over the fixture, so a request is ancillary exactly when
   :meth:`ServerProfile.ancillary_route` says so, for the stub and the judge
   alike.
3. The fixture's operation request (same method; same decoded path segments
   as ``request.path``, query ignored) -> the fixture's ``response_body``
   with ``200``, or the profile's default reply for the operation rendered
   from the fixture's ``semantic_body`` (then ``request.body``) values
   (``answered_by="fixture"``).
4. Anything else -> ``404`` with a JSON error naming the method and path
   (``answered_by="not_found"``). Never an exception: whatever a client
   sends, it is answered and recorded.

Every answer carries the profile's headers for the path's plane
(``X-Durable-Workflow-Control-Plane-Version`` outside ``/worker/``,
``X-Durable-Workflow-Protocol-Version`` under it) and a JSON content type.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from mitmproxy import http

from conformance.proxy.paths import segments, split_target, strip_prefix
from conformance.proxy.profile import ServerProfile, merge_headers

if TYPE_CHECKING:
    from conformance.fixture import Fixture

__all__ = [
    "ANSWERED_BY_FIXTURE",
    "ANSWERED_BY_NOT_FOUND",
    "ANSWERED_BY_PROFILE",
    "ANSWERED_BY_PROXY",
    "FLOW_ANSWERED_BY",
    "FLOW_CASE",
    "FLOW_ROUTE",
    "StubAddon",
    "StubAnswer",
    "StubServer",
    "is_operation_request",
    "json_bytes",
    "not_found_body",
]

ANSWERED_BY_PROFILE = "profile"
ANSWERED_BY_FIXTURE = "fixture"
ANSWERED_BY_NOT_FOUND = "not_found"
ANSWERED_BY_PROXY = "proxy"

#: ``flow.metadata`` keys shared with the recorder addon. FLOW_CASE holds the
#: case the flow belongs to (anything with a ``fixture`` attribute), or None
#: for a stray flow; the recorder sets it in ``requestheaders``.
FLOW_CASE = "dw_conformance.case"
FLOW_ANSWERED_BY = "dw_conformance.answered_by"
FLOW_ROUTE = "dw_conformance.route"


@dataclass(frozen=True)
class StubAnswer:
    status: int
    body: bytes
    headers: list[tuple[str, str]] = field(default_factory=list)
    answered_by: str = ANSWERED_BY_NOT_FOUND
    route: str | None = None


def json_bytes(document: Any) -> bytes:
    """Compact UTF-8 JSON, as a PHP server would send it."""
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def not_found_body(method: str, path: str, *, stray: bool = False) -> dict[str, Any]:
    message = (
        "no dw-conformance case is running on this port"
        if stray
        else f"the dw-conformance stub server has no route for {method} {path}"
    )
    return {
        "error": "not_found",
        "reason": "no_open_case" if stray else "route_not_found",
        "message": message,
        "method": method,
        "path": path,
    }


def is_operation_request(fixture: Fixture, method: str, path_without_prefix: str) -> bool:
    """True when ``method path`` is the fixture's operation request (decoded segments compared)."""
    if not fixture.method or method.upper() != fixture.method:
        return False
    return segments(path_without_prefix) == segments(fixture.path_template)


def template_values(fixture: Fixture) -> dict[str, Any]:
    """Values a default reply may reference: ``request.body`` keys, overridden by ``semantic_body``."""
    values: dict[str, Any] = {}
    body = fixture.request_body
    if isinstance(body, dict):
        values.update(body)
    values.update(fixture.semantic_body)
    return values


class StubServer:
    """Decides the stub's answer to one request; holds no per-request state (thread-safe)."""

    def __init__(self, profile: ServerProfile, api_prefix: str | None = None) -> None:
        self.profile = profile
        self.api_prefix = profile.api_prefix if api_prefix is None else api_prefix.rstrip("/")

    def _headers(self, path: str, *extra: tuple[tuple[str, str], ...]) -> list[tuple[str, str]]:
        return merge_headers(self.profile.response_headers(path), *extra)

    def not_found(self, method: str, target: str, *, stray: bool = False) -> StubAnswer:
        path = split_target(target)[0]
        plane_path = strip_prefix(path, self.api_prefix) or path
        return StubAnswer(
            status=404,
            body=json_bytes(not_found_body(method, path, stray=stray)),
            headers=self._headers(plane_path),
            answered_by=ANSWERED_BY_NOT_FOUND,
        )

    def answer(self, method: str, target: str, fixture: Fixture | None) -> StubAnswer:
        """The answer to ``method target`` (raw request target, prefix and query included)."""
        method = method.upper()
        path = split_target(target)[0]
        stripped = strip_prefix(path, self.api_prefix)
        if stripped is None:
            return self.not_found(method, target)
        route = self.profile.ancillary_route(method, stripped)
        if route is not None:
            params = route.match(method, stripped) or {}
            return StubAnswer(
                status=route.status,
                body=json_bytes(route.reply_body(params)),
                headers=self._headers(stripped, route.headers),
                answered_by=ANSWERED_BY_PROFILE,
                route=route.name,
            )
        if fixture is not None and is_operation_request(fixture, method, stripped):
            if fixture.has_response_body:
                return StubAnswer(
                    status=200,
                    body=json_bytes(fixture.response_body),
                    headers=self._headers(stripped),
                    answered_by=ANSWERED_BY_FIXTURE,
                )
            reply = self.profile.default_reply(fixture.operation)
            return StubAnswer(
                status=reply.status,
                body=json_bytes(reply.render(template_values(fixture))),
                headers=self._headers(stripped, reply.headers),
                answered_by=ANSWERED_BY_FIXTURE,
            )
        return self.not_found(method, target)


class StubAddon:
    """mitmproxy addon: answers in the ``request`` hook (after the recorder attributed the flow).

    In live mode (``answer_cases=False``) it answers only stray flows (no open
    case on the port); the flows of a case go to the upstream server.
    """

    def __init__(self, stub: StubServer, *, answer_cases: bool = True) -> None:
        self.stub = stub
        self.answer_cases = answer_cases

    def request(self, flow: http.HTTPFlow) -> None:
        if flow.response is not None or FLOW_CASE not in flow.metadata:
            return
        case = flow.metadata[FLOW_CASE]
        if case is not None and not self.answer_cases:
            return
        method = flow.request.method
        target = flow.request.data.path.decode("utf-8", errors="replace")
        try:
            if case is None:
                answer = self.stub.not_found(method, target, stray=True)
            else:
                answer = self.stub.answer(method, target, getattr(case, "fixture", None))
        except Exception as error:  # a stub bug must still produce an answer, never a dead proxy
            answer = StubAnswer(
                status=500,
                body=json_bytes({"error": "stub_error", "message": f"{type(error).__name__}: {error}"}),
                headers=[("Content-Type", "application/json")],
                answered_by=ANSWERED_BY_PROXY,
            )
        flow.response = http.Response.make(
            answer.status,
            answer.body,
            [(name.encode("utf-8"), value.encode("utf-8")) for name, value in answer.headers],
        )
        flow.metadata[FLOW_ANSWERED_BY] = answer.answered_by
        flow.metadata[FLOW_ROUTE] = answer.route
