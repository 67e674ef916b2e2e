"""The recording proxy with an in-process httpx client and raw sockets: capture, attribution, limits."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Callable, Iterator

import httpx
import pytest

from conformance.proxy import engine
from conformance.proxy.profile import load_profile
from conformance.proxy.recorder import ProxyStartError, RecordingProxy, parse_upstream
from support.proxy import TOKEN, make_fixture, start_fixture_data

Factory = Callable[..., RecordingProxy]


def sdk_like_headers() -> dict[str, str]:
    return {
        "Authorization": f"Bearer {TOKEN}",
        "X-Namespace": "default",
        "X-Durable-Workflow-Control-Plane-Version": "2",
        "Content-Type": "application/json",
    }


def raw_request(port: int, data: bytes, *, sock: socket.socket | None = None) -> bytes:
    """Send ``data`` on a (new or given) connection and read one response (or what arrives)."""
    own = sock is None
    conn = sock or socket.create_connection(("127.0.0.1", port), timeout=5)
    try:
        conn.sendall(data)
        received = b""
        while b"\r\n\r\n" not in received:
            chunk = conn.recv(65536)
            if not chunk:
                return received
            received += chunk
        head, _, rest = received.partition(b"\r\n\r\n")
        length = next(
            (
                int(line.split(b":", 1)[1])
                for line in head.split(b"\r\n")
                if line.lower().startswith(b"content-length")
            ),
            0,
        )
        while len(rest) < length:
            chunk = conn.recv(65536)
            if not chunk:
                break
            rest += chunk
        return head + b"\r\n\r\n" + rest
    finally:
        if own:
            conn.close()


def test_httpx_flows_are_captured_exactly(recording_proxy: RecordingProxy) -> None:
    fixture = make_fixture(start_fixture_data(workflow_id="wf-httpx"))
    raw_body = b'{"workflow_id": "wf-httpx",  "input": [ {"order_id": 42} ]}'
    with recording_proxy.open_case("start:httpx", fixture) as recording:
        assert recording.server_url.startswith("http://127.0.0.1:")
        with httpx.Client(base_url=recording.server_url) as client:
            handshake = client.get("/api/cluster/info", headers=sdk_like_headers())
            operation = client.post(
                "/api/workflows?trace=a%2Fb&limit=1", content=raw_body, headers=sdk_like_headers()
            )
    assert handshake.status_code == 200 and handshake.json()["control_plane"]["version"] == "2"
    assert operation.status_code == 200 and operation.json()["workflow_id"] == "wf-httpx"
    assert operation.headers["X-Durable-Workflow-Control-Plane-Version"] == "2"

    first, second = recording.exchanges
    assert (first.case_id, first.sequence, second.sequence) == ("start:httpx", 0, 1)
    # the handshake is recorded, separately from the operation, as a profile answer
    assert (first.method, first.path, first.answered_by, first.route) == (
        "GET",
        "/api/cluster/info",
        "profile",
        "handshake",
    )
    assert first.request_body == b""
    # the operation: method, raw path and query, exact body bytes, headers in the client's order
    assert (second.method, second.path, second.query_string) == (
        "POST",
        "/api/workflows",
        "trace=a%2Fb&limit=1",
    )
    assert second.url == f"{recording.server_url}/api/workflows?trace=a%2Fb&limit=1"
    assert second.request_body == raw_body
    assert second.header("authorization") == f"Bearer {TOKEN}"
    assert second.header("Host") == recording.server_url.removeprefix("http://")
    names = [name for name, _ in second.request_headers]
    assert names.index("Authorization") < names.index("X-Namespace") < names.index("Content-Type")
    assert second.http_version == "HTTP/1.1"
    assert second.answered_by == "fixture" and second.route is None
    assert second.response_status == 200
    assert json.loads(second.response_body)["workflow_id"] == "wf-httpx"
    assert ("X-Durable-Workflow-Control-Plane-Version", "2") in second.response_headers
    assert second.started_at <= (second.request_completed_at or 0) <= (second.response_completed_at or 0)
    assert second.error is None and not second.body_truncated


def test_unknown_route_is_answered_404_json_and_recorded(recording_proxy: RecordingProxy) -> None:
    with recording_proxy.open_case("c", make_fixture(start_fixture_data())) as recording:
        response = httpx.delete(recording.server_url + "/api/not/a/route")
    assert response.status_code == 404
    assert response.json()["reason"] == "route_not_found"
    [exchange] = recording.exchanges
    assert (exchange.method, exchange.response_status, exchange.answered_by) == ("DELETE", 404, "not_found")


def test_requests_on_a_port_without_an_open_case_are_stray(recording_proxy: RecordingProxy) -> None:
    port = recording_proxy.ports[0]
    response = httpx.get(f"http://127.0.0.1:{port}/api/cluster/info")
    assert response.status_code == 404 and response.json()["reason"] == "no_open_case"
    [stray] = recording_proxy.stray_exchanges
    assert (stray.path, stray.case_id, stray.answered_by) == ("/api/cluster/info", "", "not_found")
    assert recording_proxy.stray_count == 1


def test_a_connection_opened_before_the_case_never_joins_it(proxy_factory: Factory) -> None:
    proxy = proxy_factory(slots=1)
    port = proxy.ports[0]
    request = b"GET /api/cluster/info HTTP/1.1\r\nHost: x\r\n\r\n"
    early = socket.create_connection(("127.0.0.1", port), timeout=5)
    try:
        # served (as stray) before the case: the proxy has certainly accepted this connection
        before = raw_request(port, request, sock=early)
        with proxy.open_case("late", make_fixture(start_fixture_data())) as recording:
            try:
                during = raw_request(port, request, sock=early)
            except OSError:
                during = b""
            own = httpx.get(recording.server_url + "/api/cluster/info")
    finally:
        early.close()
    assert b" 404 " in before.split(b"\r\n", 1)[0]
    assert during == b""  # closed when the case began
    assert own.status_code == 200
    assert [exchange.summary() for exchange in recording.exchanges] == ["GET /api/cluster/info -> 200"]
    assert [exchange.summary() for exchange in proxy.stray_exchanges] == ["GET /api/cluster/info -> 404"]


def test_a_kept_alive_connection_of_the_previous_case_is_closed(proxy_factory: Factory) -> None:
    proxy = proxy_factory(slots=1)
    port = proxy.ports[0]
    request = b"GET /api/cluster/info HTTP/1.1\r\nHost: x\r\n\r\n"
    with proxy.open_case("first", None) as first:
        kept = socket.create_connection(("127.0.0.1", port), timeout=5)
        try:
            assert b" 200 " in raw_request(port, request, sock=kept).split(b"\r\n", 1)[0]
        except BaseException:
            kept.close()
            raise
    try:
        with proxy.open_case("second", None) as second:
            try:
                late = raw_request(port, request, sock=kept)
            except OSError:
                late = b""
            httpx.get(second.server_url + "/api/cluster/info")
    finally:
        kept.close()
    assert late == b""  # the proxy closed the first case's connection when that case ended
    assert len(first.exchanges) == 1
    assert [exchange.case_id for exchange in second.exchanges] == ["second"]


def test_oversized_bodies_are_refused_with_413_and_flagged(proxy_factory: Factory) -> None:
    proxy = proxy_factory(slots=1, max_body_bytes=1024)

    def chunks() -> Iterator[bytes]:
        for _ in range(8):
            yield b"y" * 512

    with (
        proxy.open_case("big", make_fixture(start_fixture_data())) as recording,
        httpx.Client(base_url=recording.server_url) as client,
    ):
        too_big = client.post("/api/workflows", content=b"x" * 4096)
        chunked = client.post("/api/workflows", content=chunks())
        fine = client.post("/api/workflows", content=b"{}")
    assert too_big.status_code == 413 and chunked.status_code == 413 and fine.status_code == 200
    big, streamed, ok = recording.exchanges
    for exchange in (big, streamed):
        assert exchange.body_truncated and exchange.response_status == 413
        assert exchange.answered_by == "proxy" and "body_size_limit" in (exchange.error or "")
        assert exchange.request_body == b""
    assert big.header("content-length") == "4096"
    assert not ok.body_truncated and ok.request_body == b"{}"


def test_garbage_bytes_do_not_break_the_proxy(recording_proxy: RecordingProxy) -> None:
    fixture = make_fixture(start_fixture_data())
    with recording_proxy.open_case("garbage", fixture) as garbage_case:
        port = garbage_case.port
        for junk in (
            b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + bytes(range(256)),
            b"NOT HTTP AT ALL\r\n\r\n",
        ):
            with socket.create_connection(("127.0.0.1", port), timeout=5) as conn:
                conn.sendall(junk)
                conn.shutdown(socket.SHUT_WR)
                while conn.recv(65536):
                    pass
        with recording_proxy.open_case("neighbour", fixture) as neighbour:
            assert httpx.get(neighbour.server_url + "/api/cluster/info").status_code == 200
        assert httpx.get(garbage_case.server_url + "/api/cluster/info").status_code == 200
    assert recording_proxy.running
    assert [exchange.path for exchange in neighbour.exchanges] == ["/api/cluster/info"]
    assert garbage_case.exchanges[-1].response_status == 200


def test_open_case_blocks_while_all_slots_are_busy(proxy_factory: Factory) -> None:
    proxy = proxy_factory(slots=1)
    got_slot = threading.Event()
    leased: list[str] = []

    def second_case() -> None:
        with proxy.open_case("waiting", None) as recording:
            leased.append(recording.server_url)
            got_slot.set()

    with proxy.open_case("holding", None) as holding:
        with pytest.raises(TimeoutError), proxy.open_case("impatient", None, timeout=0.05):
            pass
        waiter = threading.Thread(target=second_case)
        waiter.start()
        assert not got_slot.is_set()
    waiter.join(10)
    assert got_slot.is_set() and leased == [holding.server_url]


def test_stop_releases_the_ports_and_the_thread(proxy_factory: Factory) -> None:
    before = {thread.name for thread in threading.enumerate()}
    proxy = proxy_factory(slots=3)
    ports = proxy.ports
    assert len(set(ports)) == 3 and proxy.running
    proxy.stop()
    proxy.stop()  # idempotent
    assert not proxy.running
    assert "dw-conformance-proxy" not in {thread.name for thread in threading.enumerate()} - before
    for port in ports:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", port))
    with pytest.raises(RuntimeError), proxy.open_case("after-stop", None):
        pass


def test_context_manager_starts_and_stops() -> None:
    with RecordingProxy(load_profile(None), slots=1) as proxy:
        assert proxy.running and proxy.mode == "stub"
        with proxy.open_case("cm", None) as recording:
            assert httpx.get(recording.server_url + "/api/cluster/info").status_code == 200
    assert not proxy.running


def test_only_one_proxy_runs_per_process(recording_proxy: RecordingProxy) -> None:
    second = RecordingProxy(load_profile(None), slots=1)
    with pytest.raises(ProxyStartError, match="one at a time"):
        second.start()
    second.stop()
    assert recording_proxy.running
    with pytest.raises(ProxyStartError, match="already started"):
        recording_proxy.start()


def test_a_taken_port_is_replaced_at_start(monkeypatch: pytest.MonkeyPatch, proxy_factory: Factory) -> None:
    blocker = socket.socket()
    blocker.bind(("127.0.0.1", 0))
    blocker.listen()
    taken = blocker.getsockname()[1]
    real = engine.free_ports
    calls: list[int] = []

    def first_offer_is_taken(count: int, host: str = "127.0.0.1") -> list[int]:
        calls.append(count)
        ports = real(count, host)
        return [taken, *ports[1:]] if len(calls) == 1 else ports

    monkeypatch.setattr(engine, "free_ports", first_offer_is_taken)
    try:
        proxy = proxy_factory(slots=2)
    finally:
        blocker.close()
    assert taken not in proxy.ports and len(calls) == 2
    with proxy.open_case("retry", None) as recording:
        assert httpx.get(recording.server_url + "/api/cluster/info").status_code == 200


@pytest.mark.parametrize(
    ("upstream", "reason"),
    [
        ("ftp://host", "http:// or https://"),
        ("http://host/api", "no path"),
        ("http://", "no host"),
        ("http://u:p@host", "credentials"),
        ("http://host:99999", "not a URL"),
    ],
)
def test_bad_upstream_urls_are_refused(upstream: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        parse_upstream(upstream)
    with pytest.raises(ValueError):
        RecordingProxy(load_profile(None), upstream=upstream)


@pytest.mark.parametrize(
    "upstream", ["ftp://me:pw-9931@host", "http://me:pw-9931@host/api", "http://me:pw-9931@h:99999"]
)
def test_a_refused_upstream_is_never_echoed_with_its_password(upstream: str) -> None:
    with pytest.raises(ValueError) as raised:
        parse_upstream(upstream)
    assert "pw-9931" not in str(raised.value)


def test_parse_upstream_defaults() -> None:
    assert parse_upstream("https://dw.example") == ("https", "dw.example", 443)
    assert parse_upstream("http://127.0.0.1:8080/") == ("http", "127.0.0.1", 8080)
