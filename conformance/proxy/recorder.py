"""The recording proxy: every flow a client sends, recorded against the case that sent it.

Usage (the contract in ``docs/architecture.md``)::

    proxy = RecordingProxy(profile, upstream=None, slots=2)
    proxy.start()
    with proxy.open_case(case_id, fixture) as recording:
        run_the_client(server_url=recording.server_url)
    exchanges = recording.exchanges
    proxy.stop()

Design decisions:

- **Attribution by listener port.** The proxy opens ``slots`` reverse-proxy
  listeners on 127.0.0.1; :meth:`RecordingProxy.open_case` leases a free one
  (blocking while all are busy) and hands out ``http://127.0.0.1:<port>`` as
  the server URL, so clients need no proxy settings and no special base path.
  A flow belongs to the case holding the port its connection arrived on
  (``flow.client_conn.sockname``).
- **No leaks between cases on one port.** Leases begin and end *on the proxy
  loop* (the thread that accepts connections), so both sides use one clock
  and one order of events. Beginning a lease closes every connection still
  open on the port; ending it seals the recording and closes the case's
  connections. A flow joins a case only if its connection was accepted
  after the lease began (``client_conn.timestamp_start``) and the lease is
  still open; anything else is *stray*: answered 404 and kept in
  :attr:`RecordingProxy.stray_exchanges`, never added to a case. (A client
  that keeps connecting to a port after its case ended cannot be told apart
  from the next case's client by the proxy; no real client does that, since
  the URL is only handed out for the duration of a case.)
- **What is recorded.** An exchange is created at ``requestheaders`` (so
  arrival order is the order requests began, and a request that never
  completes is still recorded), its raw body filled at ``request``, its answer
  at ``response`` or ``error``. The request side is kept exactly as sent:
  raw path (percent-encoding untouched), raw query, headers in the client's
  order and case (``Host`` included: the proxy keeps the client's ``Host``
  and sets the upstream's only on the forwarded copy), raw body bytes. The
  response body is recorded as the client's HTTP library hands it over
  (content-encoding removed when it can be).
- **Body cap.** Request bodies larger than ``max_body_bytes`` are refused by
  mitmproxy's ``body_size_limit`` with ``413`` before being buffered (no
  memory spike): the exchange keeps the headers, an empty body,
  ``body_truncated=True``, status 413 and the error text.
- **Stub and live.** Without ``upstream`` the :class:`StubAddon` answers
  every flow in the ``request`` hook (no upstream connection is ever made).
  With ``upstream`` the flows of a case are forwarded there and the real
  answers recorded; HTTPS upstreams have their certificates verified unless
  ``verify_upstream_tls=False``.
- **Scripted answers.** ``open_case(..., script=AnswerScript(...))`` makes
  the stub answer the case's operation requests from the script, in order
  (:mod:`conformance.proxy.script`); ``recording.script_cursor`` says how
  many took an answer and whether the bound was reached. An answer that
  drops the connection is recorded with what was sent (status and headers
  when they went out, the partial body) and ``error`` saying where it was cut.
- **After the block.** When ``open_case`` exits, the case's connections are
  closed, the recording is sealed (later events for its flows are ignored),
  and a request still waiting for its answer is marked with an error.
  ``recording.exchanges`` is then final.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from mitmproxy import connection, http

from conformance.capture import CapturedExchange
from conformance.proxy.engine import MitmEngine, ProxyStartError
from conformance.proxy.profile import ServerProfile
from conformance.proxy.script import HOLD_POLL_SECONDS, AnswerScript, ScriptCursor
from conformance.proxy.stub import (
    ANSWERED_BY_PROXY,
    FLOW_ANSWERED_BY,
    FLOW_CASE,
    FLOW_DROP,
    FLOW_ROUTE,
    StubAddon,
    StubServer,
)
from conformance.redact import redact_url

if TYPE_CHECKING:
    from conformance.fixture import Fixture

__all__ = [
    "DEFAULT_MAX_BODY_BYTES",
    "CaseRecording",
    "ProxyStartError",
    "RecordingProxy",
    "parse_upstream",
]

DEFAULT_MAX_BODY_BYTES = 16 * 1024 * 1024
#: Stray exchanges kept (the oldest are dropped beyond this; ``stray_dropped`` counts them).
MAX_STRAY_EXCHANGES = 1000
#: The reverse target in stub mode: never contacted (every flow is answered in ``request``).
_STUB_TARGET = "http://127.0.0.1:9"
_FLOW_EXCHANGE = "dw_conformance.exchange"
_ENDED_EARLY = "the case ended before the response was recorded"
#: The most a closing case waits for exchanges still in flight (a held answer notices a closed client
#: within ``HOLD_POLL_SECONDS``).
_SETTLE_SECONDS = 0.5
#: How long opening or closing a case waits for the proxy loop (it answers in microseconds when healthy).
_LOOP_CALL_TIMEOUT = 30.0


def parse_upstream(upstream: str) -> tuple[str, str, int]:
    """``"https://dw.example:8443"`` -> ``("https", "dw.example", 8443)``; ValueError with the reason.

    Only scheme, host and port are allowed: mitmproxy's reverse mode cannot
    add a path prefix, and the clients add ``/api`` themselves.
    """
    shown = redact_url(upstream)  # error messages never echo user-info
    try:
        parts = urlsplit(upstream)
        port = parts.port
    except ValueError as error:
        raise ValueError(f"upstream {shown!r} is not a URL: {error}") from None
    if parts.scheme not in ("http", "https"):
        raise ValueError(f"upstream {shown!r} must start with http:// or https://")
    if not parts.hostname:
        raise ValueError(f"upstream {shown!r} has no host")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise ValueError(
            f"upstream {shown!r} must be scheme://host[:port] only (no path, query or fragment); "
            "the clients add the /api prefix themselves"
        )
    if parts.username or parts.password:
        raise ValueError("upstream URLs cannot carry credentials; the clients send their own token")
    return parts.scheme, parts.hostname, port or (443 if parts.scheme == "https" else 80)


class CaseRecording:
    """The flows of one case. ``exchanges`` is final once ``open_case`` has exited."""

    def __init__(
        self,
        case_id: str,
        fixture: Fixture | None,
        server_url: str,
        port: int,
        script: AnswerScript | None = None,
    ) -> None:
        self.case_id = case_id
        self.fixture = fixture
        #: The scripted answers' position (None: the stub answers as without a scenario).
        self.script_cursor: ScriptCursor | None = ScriptCursor(script) if script is not None else None
        self.server_url = server_url
        self.port = port
        self.opened_at = time.time()
        self.closed_at: float | None = None
        self._lock = threading.Lock()
        self._exchanges: list[CapturedExchange] = []

    @property
    def closed(self) -> bool:
        return self.closed_at is not None

    @property
    def exchanges(self) -> list[CapturedExchange]:
        """The recorded exchanges in arrival order (a copy; final after the case closed)."""
        with self._lock:
            return list(self._exchanges)

    def _add(self, exchange: CapturedExchange) -> bool:
        with self._lock:
            if self.closed_at is not None:
                return False
            exchange.sequence = len(self._exchanges)
            self._exchanges.append(exchange)
            return True

    def _seal(self) -> None:
        with self._lock:
            if self.closed_at is not None:
                return
            self.closed_at = time.time()
            for exchange in self._exchanges:
                if exchange.response_status is None and exchange.error is None:
                    exchange.error = _ENDED_EARLY

    @contextlib.contextmanager
    def _mutating(self) -> Iterator[bool]:
        """Hold the lock while a hook updates an exchange; yields False once sealed."""
        with self._lock:
            yield self.closed_at is None

    def __repr__(self) -> str:
        return f"CaseRecording({self.case_id!r}, {self.server_url}, {len(self._exchanges)} exchanges)"


@dataclass
class _Slot:
    index: int
    port: int
    #: The case holding the slot (main-thread bookkeeping: free or busy).
    lease: CaseRecording | None = None
    #: The case flows are attributed to, and since when (changed on the proxy loop only).
    loop_lease: CaseRecording | None = None
    loop_lease_started: float = 0.0


@dataclass
class _StrayLog:
    exchanges: deque[CapturedExchange] = field(default_factory=lambda: deque(maxlen=MAX_STRAY_EXCHANGES))
    count: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, exchange: CapturedExchange) -> None:
        with self.lock:
            exchange.sequence = self.count
            self.count += 1
            self.exchanges.append(exchange)


def _decode(data: bytes) -> str:
    return data.decode("utf-8", errors="replace")


class _RecorderAddon:
    """mitmproxy addon: attributes each flow to a case (or to the stray log) and records it."""

    def __init__(self, proxy: RecordingProxy) -> None:
        self.proxy = proxy

    def _case_of(self, flow: http.HTTPFlow, port: int) -> CaseRecording | None:
        slot = self.proxy._slot_for_port(port)
        if slot is None or slot.loop_lease is None or slot.loop_lease.closed:
            return None
        connected_at = flow.client_conn.timestamp_start
        if connected_at is None or connected_at < slot.loop_lease_started:
            return None  # the connection predates the case
        return slot.loop_lease

    def requestheaders(self, flow: http.HTTPFlow) -> None:
        if _FLOW_EXCHANGE in flow.metadata or flow.request is None:
            return
        port = _port_of(flow.client_conn)
        case = self._case_of(flow, port)
        exchange = self._new_exchange(flow, case, port)
        if case is not None and case._add(exchange):
            flow.metadata[FLOW_CASE] = case
        else:
            exchange.case_id = ""
            self.proxy._stray.add(exchange)
            flow.metadata[FLOW_CASE] = None
        flow.metadata[_FLOW_EXCHANGE] = exchange

    def _new_exchange(self, flow: http.HTTPFlow, case: CaseRecording | None, port: int) -> CapturedExchange:
        request = flow.request
        target = _decode(request.data.path)
        path, _, query = target.partition("?")
        host = flow.client_conn.sockname[0] if flow.client_conn.sockname else self.proxy.host
        return CapturedExchange(
            case_id=case.case_id if case is not None else "",
            sequence=0,
            method=request.method,
            url=f"http://{host}:{port}{target}",
            path=path,
            query_string=query,
            request_headers=[(_decode(name), _decode(value)) for name, value in request.headers.fields],
            request_body=b"",
            http_version=request.http_version,
            started_at=request.timestamp_start,
        )

    def request(self, flow: http.HTTPFlow) -> None:
        exchange = flow.metadata.get(_FLOW_EXCHANGE)
        if exchange is None:
            return
        with _guard(flow) as open_:
            if open_:
                exchange.request_body = flow.request.raw_content or b""
                exchange.request_completed_at = flow.request.timestamp_end
        upstream_host = self.proxy._upstream_host_header
        if upstream_host is not None and flow.metadata.get(FLOW_CASE) is not None:
            # The capture keeps the client's Host; the forwarded copy names the upstream.
            flow.request.host_header = upstream_host

    def response(self, flow: http.HTTPFlow) -> None:
        exchange = flow.metadata.get(_FLOW_EXCHANGE)
        if exchange is None or flow.response is None:
            return
        response = flow.response
        try:
            body = response.get_content(strict=False) or b""
        except ValueError:
            body = response.raw_content or b""
        with _guard(flow) as open_:
            if not open_:
                return
            exchange.response_status = response.status_code
            exchange.response_headers = [
                (_decode(name), _decode(value)) for name, value in response.headers.fields
            ]
            exchange.response_body = body
            exchange.answered_by = str(flow.metadata.get(FLOW_ANSWERED_BY) or "upstream")
            route = flow.metadata.get(FLOW_ROUTE)
            exchange.route = str(route) if route else None
            exchange.response_completed_at = response.timestamp_end or time.time()
            dropped = flow.metadata.get(FLOW_DROP)
            if dropped:
                exchange.error = str(dropped)

    def error(self, flow: http.HTTPFlow) -> None:
        exchange = flow.metadata.get(_FLOW_EXCHANGE)
        if exchange is None:
            # An error before the request headers were complete: record what there is.
            self.requestheaders(flow)
            exchange = flow.metadata.get(_FLOW_EXCHANGE)
            if exchange is None:
                return
        message = flow.error.msg if flow.error is not None else "unknown error"
        dropped = flow.metadata.get(FLOW_DROP)
        with _guard(flow) as open_:
            if not open_:
                return
            if dropped and exchange.error:
                return  # the scripted drop already says what happened; the close is its consequence
            exchange.error = f"{dropped} ({message})" if dropped else message
            if exchange.response_status is None and dropped:
                exchange.answered_by = str(flow.metadata.get(FLOW_ANSWERED_BY) or ANSWERED_BY_PROXY)
                route = flow.metadata.get(FLOW_ROUTE)
                exchange.route = str(route) if route else None
                exchange.response_completed_at = time.time()
            elif exchange.response_status is None:
                exchange.answered_by = ANSWERED_BY_PROXY
                exchange.response_completed_at = time.time()
                exchange.response_status = _proxy_error_status(flow, message, exchange)
                exchange.body_truncated = exchange.response_status == 413


def _proxy_error_status(flow: http.HTTPFlow, message: str, exchange: CapturedExchange) -> int | None:
    """The status mitmproxy answers the client with for this error (None: no answer is sent).

    Mirrors mitmproxy's HTTP layer: 413 for a request body over ``body_size_limit``,
    400 for a request it refuses to parse, 502 when the upstream side failed
    after the request was complete (connection refused, TLS verification,
    invalid or oversized response). A client that went away, or a killed
    flow, gets no answer.
    """
    if "body_size_limit" in message:
        return 413 if flow.response is None else 502
    if "from client" in message:
        return 400
    lowered = message.lower()
    if "client disconnected" in lowered or "killed" in lowered:
        return None
    if exchange.request_completed_at is not None or "from server" in message:
        return 502
    return None


@contextlib.contextmanager
def _guard(flow: http.HTTPFlow) -> Iterator[bool]:
    case = flow.metadata.get(FLOW_CASE)
    if isinstance(case, CaseRecording):
        with case._mutating() as open_:
            yield open_
    else:
        yield True


def _port_of(conn: connection.Connection) -> int:
    sockname: Any = conn.sockname
    try:
        return int(sockname[1])
    except (TypeError, IndexError, ValueError):
        return -1


class RecordingProxy:
    """The in-process recording proxy (stub or live); start it once per run."""

    def __init__(
        self,
        profile: ServerProfile,
        upstream: str | None = None,
        slots: int = 2,
        api_prefix: str | None = None,
        max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
        verify_upstream_tls: bool = True,
        *,
        host: str = "127.0.0.1",
    ) -> None:
        if slots < 1:
            raise ValueError("a recording proxy needs at least one slot")
        if max_body_bytes < 1:
            raise ValueError("max_body_bytes must be positive")
        self.profile = profile
        self.upstream = upstream
        self.slots = slots
        self.api_prefix = profile.api_prefix if api_prefix is None else api_prefix.rstrip("/")
        self.max_body_bytes = max_body_bytes
        self.verify_upstream_tls = verify_upstream_tls
        self.host = host
        self._upstream_host_header: str | None = None
        reverse_target = _STUB_TARGET
        with_tls = False
        if upstream is not None:
            scheme, upstream_host, upstream_port = parse_upstream(upstream)
            authority = f"[{upstream_host}]" if ":" in upstream_host else upstream_host
            reverse_target = f"{scheme}://{authority}:{upstream_port}"
            default_port = 443 if scheme == "https" else 80
            self._upstream_host_header = (
                authority if upstream_port == default_port else f"{authority}:{upstream_port}"
            )
            with_tls = scheme == "https"
        mitm_options: dict[str, Any] = {
            "connection_strategy": "lazy",  # nothing is dialled before a flow needs it (never, in stub mode)
            "keep_host_header": True,  # the capture keeps the client's Host; see _RecorderAddon.request
            "body_size_limit": str(max_body_bytes),
        }
        if with_tls:
            mitm_options["ssl_insecure"] = not verify_upstream_tls
        self.stub = StubServer(profile, self.api_prefix)
        self._engine = MitmEngine(
            self._make_addons,
            listeners=slots,
            reverse_target=reverse_target,
            host=host,
            with_tls=with_tls,
            mitm_options=mitm_options,
        )
        self._slots: list[_Slot] = []
        self._by_port: dict[int, _Slot] = {}
        self._free = threading.Condition()
        #: Slots claimed ahead of ``open_case`` (:meth:`claim_slot`), by the claiming thread's id.
        self._claims: dict[int, _Slot] = {}
        self._stray = _StrayLog()
        self._started = False

    def _make_addons(self) -> list[Any]:
        return [_RecorderAddon(self), StubAddon(self.stub, answer_cases=self.upstream is None)]

    # ------------------------------------------------------------ life cycle
    @property
    def mode(self) -> str:
        return "stub" if self.upstream is None else "live"

    @property
    def running(self) -> bool:
        return self._engine.running

    @property
    def ports(self) -> list[int]:
        return [slot.port for slot in self._slots]

    def start(self) -> RecordingProxy:
        """Start mitmproxy and the listeners (~0.1 s). Raises :class:`ProxyStartError`."""
        if self._started:
            raise ProxyStartError("this proxy was already started (start it once per run)")
        self._started = True
        ports = self._engine.start()
        self._slots = [_Slot(index, port) for index, port in enumerate(ports)]
        self._by_port = {slot.port: slot for slot in self._slots}
        return self

    def stop(self) -> None:
        """Stop the proxy: connections closed, ports released, thread joined. Idempotent."""
        self._engine.stop()
        with self._free:
            self._free.notify_all()

    def __enter__(self) -> RecordingProxy:
        return self.start() if not self._started else self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ------------------------------------------------------------ cases
    def _slot_for_port(self, port: int) -> _Slot | None:
        return self._by_port.get(port)

    def server_url(self, port: int) -> str:
        return f"http://{self.host}:{port}"

    def _unclaimed_free_slot(self) -> _Slot | None:
        claimed = {slot.index for slot in self._claims.values()}
        return next((slot for slot in self._slots if slot.lease is None and slot.index not in claimed), None)

    def claim_slot(self, timeout: float | None = None) -> bool:
        """Reserve a free slot for the calling thread's next :meth:`open_case`; False if none came.

        Blocks until a slot is neither leased nor claimed (False when the
        proxy stops or ``timeout`` passes). A worker pool claims before it
        starts a case, so it can keep one case more in flight than there are
        slots and still decide, once a slot is really there, whether to start
        it. A claim the thread does not use is given back with
        :meth:`release_claim`; ``open_case`` consumes it.
        """
        ident = threading.get_ident()
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._free:
            if ident in self._claims:
                return True
            while self.running:
                slot = self._unclaimed_free_slot()
                if slot is not None:
                    self._claims[ident] = slot
                    return True
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    return False
                self._free.wait(remaining if remaining is not None else 1.0)
            return False

    def release_claim(self) -> None:
        """Give back the calling thread's unused claim (nothing when it has none)."""
        with self._free:
            if self._claims.pop(threading.get_ident(), None) is not None:
                self._free.notify_all()

    @contextlib.contextmanager
    def open_case(
        self,
        case_id: str,
        fixture: Fixture | None,
        timeout: float | None = None,
        *,
        script: AnswerScript | None = None,
    ) -> Iterator[CaseRecording]:
        """Lease a free slot for one case; blocks while all are busy (TimeoutError after ``timeout``).

        The slot is the one the calling thread claimed (:meth:`claim_slot`), if
        it did; otherwise any slot neither leased nor claimed. With ``script``
        the stub answers the case's operation requests from it, in order (stub
        mode only: a live proxy forwards to the real server, so a script is
        refused with ValueError).
        """
        if script is not None and self.upstream is not None:
            raise ValueError("scripted answers need the embedded stub; a live proxy forwards to --upstream")
        if not self.running:
            raise RuntimeError("the recording proxy is not running (call start() first)")
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._free:
            while True:
                slot = self._claims.pop(threading.get_ident(), None) or self._unclaimed_free_slot()
                if slot is not None:
                    break
                if not self.running:
                    raise RuntimeError("the recording proxy stopped while waiting for a free slot")
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    raise TimeoutError(f"no free proxy slot for case {case_id!r} within {timeout:g} s")
                self._free.wait(remaining if remaining is not None else 1.0)
            recording = CaseRecording(case_id, fixture, self.server_url(slot.port), slot.port, script)
            slot.lease = recording
        try:
            self._engine.run_in_loop(lambda: self._begin_lease(slot, recording), _LOOP_CALL_TIMEOUT)
            if slot.loop_lease is not recording:
                raise RuntimeError(
                    f"the recording proxy could not start case {case_id!r} "
                    "(its loop stopped or did not answer)"
                )
            yield recording
        finally:
            self._close_case(slot, recording)

    async def _begin_lease(self, slot: _Slot, recording: CaseRecording) -> None:
        """On the proxy loop: drop connections older than the case, then start attributing."""
        for _ in range(2):  # let connections accepted just now get their timestamps first
            await asyncio.sleep(0)
        await self._engine.cancel_connections(slot.port)
        slot.loop_lease_started = time.time()
        slot.loop_lease = recording

    async def _end_lease(self, slot: _Slot, recording: CaseRecording) -> None:
        """On the proxy loop: stop attributing, then close the case's connections.

        An exchange still in flight when the case ends (a held answer whose
        client has just exited) gets up to :data:`_SETTLE_SECONDS` to be
        recorded as what it was; a case with nothing in flight waits for nothing.
        """
        settle_until = time.monotonic() + _SETTLE_SECONDS
        while time.monotonic() < settle_until and any(
            exchange.response_status is None and exchange.error is None for exchange in recording.exchanges
        ):
            await asyncio.sleep(HOLD_POLL_SECONDS)
        recording._seal()
        if slot.loop_lease is recording:
            slot.loop_lease = None
        await self._engine.cancel_connections(slot.port)

    def _close_case(self, slot: _Slot, recording: CaseRecording) -> None:
        try:
            self._engine.run_in_loop(lambda: self._end_lease(slot, recording), _LOOP_CALL_TIMEOUT)
        finally:
            # Seal in any case (also when the loop is gone): late flows are stray from here on.
            recording._seal()
            if slot.loop_lease is recording:
                slot.loop_lease = None
            with self._free:
                slot.lease = None
                self._free.notify_all()  # waiters for a lease and for a claim alike

    @property
    def stray_exchanges(self) -> list[CapturedExchange]:
        """Flows that arrived on a port with no open case (the last ones kept), oldest first."""
        with self._stray.lock:
            return list(self._stray.exchanges)

    @property
    def stray_count(self) -> int:
        """How many stray flows arrived in total (including those no longer kept)."""
        with self._stray.lock:
            return self._stray.count

    def __repr__(self) -> str:
        return f"RecordingProxy({self.mode}, slots={self.slots}, ports={self.ports})"
