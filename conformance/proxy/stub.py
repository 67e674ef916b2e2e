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
   (``answered_by="fixture"``). Either payload is then *dressed* as the
   server dresses it (:mod:`conformance.proxy.dressing`, driven by the
   profile's ``response_contracts``): what the payload pins is kept, the
   contract fields it lacks are added.
4. Anything else -> ``404`` with a JSON error naming the method and path
   (``answered_by="not_found"``). Never an exception: whatever a client
   sends, it is answered and recorded.

A case opened with an answer script (a scenario, :mod:`conformance.proxy.script`)
changes step 3 only: each operation request takes the script's next answer
(:meth:`StubServer.scripted_answer`, ``answered_by="scenario"``, ``route``
``"answer <n>"`` or ``"bound"``); canned routes and the ``404`` stay as they are.

Every answer carries the profile's headers for the path's plane
(``X-Durable-Workflow-Control-Plane-Version`` outside ``/worker/``,
``X-Durable-Workflow-Protocol-Version`` under it) and a JSON content type.
Header values are templates rendered with the answer's values, so the
worker-protocol header carries the negotiated ``{protocol_version}`` (the
version the client asked for, the same value the dressed body carries).
Canned routes and ``404`` answers are sent as the profile writes them
(headers rendered, bodies not dressed).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from mitmproxy import http
from mitmproxy.connection import ConnectionState

from conformance.proxy.dressing import RequestView, answer_values, dress, parse_body
from conformance.proxy.paths import segments, split_target, strip_prefix
from conformance.proxy.profile import ServerProfile, merge_headers
from conformance.proxy.script import (
    BOUND_STATUS,
    HELD_BY_CLIENT,
    HELD_TO_THE_END,
    HOLD_POLL_SECONDS,
    HOLD_RAN_OUT,
    AnswerScript,
    ScriptCursor,
    ScriptedAnswer,
)

if TYPE_CHECKING:
    from conformance.fixture import Fixture

__all__ = [
    "ANSWERED_BY_FIXTURE",
    "ANSWERED_BY_NOT_FOUND",
    "ANSWERED_BY_PROFILE",
    "ANSWERED_BY_PROXY",
    "ANSWERED_BY_SCENARIO",
    "FLOW_ANSWERED_BY",
    "FLOW_CASE",
    "FLOW_DROP",
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
ANSWERED_BY_SCENARIO = "scenario"

#: ``flow.metadata`` keys shared with the recorder addon. FLOW_CASE holds the
#: case the flow belongs to (anything with a ``fixture`` attribute), or None
#: for a stray flow; the recorder sets it in ``requestheaders``.
FLOW_CASE = "dw_conformance.case"
FLOW_ANSWERED_BY = "dw_conformance.answered_by"
FLOW_ROUTE = "dw_conformance.route"
#: Set when a scripted answer drops the connection: what was sent before the drop (the exchange's error).
FLOW_DROP = "dw_conformance.drop"


@dataclass(frozen=True)
class StubAnswer:
    status: int
    body: bytes
    headers: list[tuple[str, str]] = field(default_factory=list)
    answered_by: str = ANSWERED_BY_NOT_FOUND
    route: str | None = None
    #: A scripted drop of the connection ("after_headers" / "before_response"), else None.
    drop: str | None = None
    #: Seconds a scripted answer holds the request without answering (see ``proxy.script``), else None.
    hold_seconds: float | None = None


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

    def _headers(
        self, path: str, values: dict[str, Any], *extra: tuple[tuple[str, str], ...]
    ) -> list[tuple[str, str]]:
        return self.profile.response_headers(path, values, *extra)

    def _request(
        self, method: str, target: str, headers: Mapping[str, str] | None, body: bytes | None
    ) -> RequestView:
        path, query = split_target(target)
        stripped = strip_prefix(path, self.api_prefix)
        return RequestView(
            method=method.upper(),
            path=path if stripped is None else stripped,
            query=query,
            headers={name.lower(): value for name, value in (headers or {}).items()},
            body=parse_body(body),
        )

    def _values(self, request: RequestView, fixture: Fixture | None) -> dict[str, Any]:
        fixture_values = template_values(fixture) if fixture is not None else {}
        return answer_values(fixture_values, request, self.profile.contracts)

    def not_found(
        self,
        method: str,
        target: str,
        *,
        stray: bool = False,
        headers: Mapping[str, str] | None = None,
    ) -> StubAnswer:
        path = split_target(target)[0]
        request = self._request(method, target, headers, None)
        return StubAnswer(
            status=404,
            body=json_bytes(not_found_body(method, path, stray=stray)),
            headers=self._headers(request.path, self._values(request, None)),
            answered_by=ANSWERED_BY_NOT_FOUND,
        )

    def answer(
        self,
        method: str,
        target: str,
        fixture: Fixture | None,
        *,
        headers: Mapping[str, str] | None = None,
        body: bytes | None = None,
    ) -> StubAnswer:
        """The answer to ``method target`` (raw request target, prefix and query included).

        ``headers`` and ``body`` are the client's request; the dressing reads
        them (the negotiated protocol version, the polling worker's id). Without
        them the answer is what a request without headers or body would get.
        """
        method = method.upper()
        stripped = strip_prefix(split_target(target)[0], self.api_prefix)
        if stripped is None:
            return self.not_found(method, target, headers=headers)
        request = self._request(method, target, headers, body)
        route = self.profile.ancillary_route(method, stripped)
        if route is not None:
            params = route.match(method, stripped) or {}
            return StubAnswer(
                status=route.status,
                body=json_bytes(route.reply_body(params)),
                headers=self._headers(stripped, self._values(request, fixture), route.headers),
                answered_by=ANSWERED_BY_PROFILE,
                route=route.name,
            )
        if fixture is not None and is_operation_request(fixture, method, stripped):
            values = self._values(request, fixture)
            extra: tuple[tuple[str, str], ...] = ()
            if fixture.has_response_body:
                status, payload = 200, fixture.response_body
            else:
                reply = self.profile.default_reply(fixture.operation)
                status, payload, extra = reply.status, reply.render(values), reply.headers
            return StubAnswer(
                status=status,
                body=json_bytes(dress(payload, self.profile.contracts, request, values)),
                headers=self._headers(stripped, values, extra),
                answered_by=ANSWERED_BY_FIXTURE,
            )
        return self.not_found(method, target, headers=headers)

    def is_scripted_request(self, method: str, target: str, fixture: Fixture | None) -> bool:
        """True when a script answers this request: the fixture's operation request, not a canned route."""
        if fixture is None:
            return False
        stripped = strip_prefix(split_target(target)[0], self.api_prefix)
        if stripped is None or self.profile.ancillary_route(method.upper(), stripped) is not None:
            return False
        return is_operation_request(fixture, method, stripped)

    def scripted_answer(
        self,
        method: str,
        target: str,
        fixture: Fixture,
        answer: ScriptedAnswer | None,
        index: int,
        script: AnswerScript,
        *,
        headers: Mapping[str, str] | None = None,
        body: bytes | None = None,
    ) -> StubAnswer:
        """The answer ``answer`` (index ``index`` of ``script``) dressed for this request; None: the bound."""
        method = method.upper()
        request = self._request(method, target, headers, body)
        values = self._values(request, fixture)
        if answer is None:
            return StubAnswer(
                status=BOUND_STATUS,
                body=json_bytes(script.bound_body()),
                headers=self._headers(request.path, values),
                answered_by=ANSWERED_BY_SCENARIO,
                route="bound",
            )
        extra: tuple[tuple[str, str], ...] = ()
        if answer.from_fixture:
            base = self.answer(method, target, fixture, headers=headers, body=body)
            status = answer.status if answer.status_given else base.status
            payload = base.body
            extra = tuple(base.headers)
        elif answer.has_json_body:
            status = answer.status
            document = answer.json_body
            if answer.dress:
                document = dress(document, self.profile.contracts, request, values)
            payload = json_bytes(document)
        else:
            status = answer.status
            payload = (answer.text or "").encode("utf-8")
        if answer.protocol_headers:
            merged = self._headers(request.path, values, extra, answer.headers)
        else:
            merged = merge_headers(self.profile.headers.common, answer.headers)
        return StubAnswer(
            status=status,
            body=payload,
            headers=merged,
            answered_by=ANSWERED_BY_SCENARIO,
            route=f"answer {index}",
            drop=answer.drop,
            hold_seconds=answer.hold_seconds,
        )


async def hold(flow: http.HTTPFlow, seconds: float) -> str:
    """Keep ``flow`` unanswered until its client closes the connection or ``seconds`` pass; what happened.

    The client's side is closed once mitmproxy has read its end of the
    stream (the connection loses ``CAN_READ``); the hook runs in its own task,
    so other flows go on meanwhile.
    """
    started = time.monotonic()
    deadline = started + seconds
    while time.monotonic() < deadline:
        if not flow.client_conn.state & ConnectionState.CAN_READ:
            waited = time.monotonic() - started
            return f"{HELD_BY_CLIENT} after {waited:.1f} s (the hold was {seconds:g} s)"
        await asyncio.sleep(HOLD_POLL_SECONDS)
    return (
        f"{HELD_TO_THE_END} {seconds:g} s and {HOLD_RAN_OUT}: "
        "the stub closed the connection with no response"
    )


def folded_headers(fields: Iterable[tuple[bytes, bytes]]) -> dict[str, str]:
    """A request's headers as mitmproxy's ``Headers.get`` reads them, in one pass over its raw fields.

    Name as first spelt -> every value of that name (case-insensitively) joined by ``", "``, both
    decoded as mitmproxy decodes them (UTF-8, surrogate escapes). The same dict as
    ``{name: headers.get(name) for name in headers}``, which scans every field once per name.
    """
    folded: dict[bytes, tuple[bytes, list[bytes]]] = {}
    for name, value in fields:
        folded.setdefault(name.lower(), (name, []))[1].append(value)
    return {
        name.decode("utf-8", "surrogateescape"): ", ".join(
            value.decode("utf-8", "surrogateescape") for value in values
        )
        for name, values in folded.values()
    }


class StubAddon:
    """mitmproxy addon: answers in the ``request`` hook (after the recorder attributed the flow).

    In live mode (``answer_cases=False``) it answers only stray flows (no open
    case on the port); the flows of a case go to the upstream server.
    """

    def __init__(self, stub: StubServer, *, answer_cases: bool = True) -> None:
        self.stub = stub
        self.answer_cases = answer_cases

    async def request(self, flow: http.HTTPFlow) -> None:
        """Answer the flow; a held answer waits here (this flow only) until the client or the hold ends."""
        if flow.response is not None or FLOW_CASE not in flow.metadata:
            return
        case = flow.metadata[FLOW_CASE]
        if case is not None and not self.answer_cases:
            return
        method = flow.request.method
        target = flow.request.data.path.decode("utf-8", errors="replace")
        headers = folded_headers(flow.request.headers.fields)
        cursor: ScriptCursor | None = getattr(case, "script_cursor", None)
        fixture = getattr(case, "fixture", None)
        try:
            if case is None:
                answer = self.stub.not_found(method, target, stray=True, headers=headers)
            elif (
                cursor is not None
                and fixture is not None
                and self.stub.is_scripted_request(method, target, fixture)
            ):
                _ordinal, index, scripted = cursor.take()
                answer = self.stub.scripted_answer(
                    method,
                    target,
                    fixture,
                    scripted,
                    index,
                    cursor.script,
                    headers=headers,
                    body=flow.request.get_content(strict=False),
                )
            else:
                answer = self.stub.answer(
                    method,
                    target,
                    getattr(case, "fixture", None),
                    headers=headers,
                    body=flow.request.get_content(strict=False),
                )
        except Exception as error:  # a stub bug must still produce an answer, never a dead proxy
            answer = StubAnswer(
                status=500,
                body=json_bytes({"error": "stub_error", "message": f"{type(error).__name__}: {error}"}),
                headers=[("Content-Type", "application/json")],
                answered_by=ANSWERED_BY_PROXY,
            )
        flow.metadata[FLOW_ANSWERED_BY] = answer.answered_by
        flow.metadata[FLOW_ROUTE] = answer.route
        if answer.hold_seconds is not None:
            flow.metadata[FLOW_DROP] = await hold(flow, answer.hold_seconds)
            held: Any = flow
            held.kill()  # no response byte: the client's timeout (or the end of the hold) ended the wait
            return
        if answer.drop == "before_response":
            flow.metadata[FLOW_DROP] = "the scenario closed the connection before any response byte"
            killable: Any = flow
            killable.kill()  # mitmproxy's Flow.kill is untyped
            return
        body = answer.body
        response_headers = [(name.encode("utf-8"), value.encode("utf-8")) for name, value in answer.headers]
        if answer.drop == "after_headers":
            # Promise the whole body, send half of it, close: the client sees a response cut short.
            sent = body[: len(body) // 2]
            response_headers = [
                (name, value)
                for name, value in response_headers
                if name.lower() not in (b"content-length", b"connection", b"transfer-encoding")
            ]
            response_headers += [(b"Content-Length", str(len(body)).encode()), (b"Connection", b"close")]
            flow.metadata[FLOW_DROP] = (
                f"the scenario closed the connection after the response headers and {len(sent)} of "
                f"{len(body)} body bytes"
            )
            body = sent
        flow.response = http.Response.make(answer.status, body, response_headers)
        if answer.drop == "after_headers":
            flow.response.headers["Content-Length"] = str(len(answer.body))
