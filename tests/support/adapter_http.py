"""A plain local HTTP server for adapter-level tests (no proxy, no judge).

It records every request it receives and answers like a compatible Durable
Workflow v2 server: the handshake on ``GET /api/cluster/info``, the fixture's
``response_body`` (or ``{}``) for anything else, with the version headers.
It listens on 127.0.0.1 with an ephemeral port and is stopped by its context
manager, so tests leave nothing behind.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

HANDSHAKE: dict[str, Any] = {
    "server_id": "adapter-test-server",
    "version": "2.0.0",
    "control_plane": {
        "version": "2",
        "header": "X-Durable-Workflow-Control-Plane-Version",
        "request_contract": {
            "schema": "durable-workflow.v2.control-plane-request.contract",
            "version": 1,
            "operations": {
                "update": {"fields": {"wait_for": {"canonical_values": ["accepted", "completed"]}}}
            },
        },
    },
    "worker_protocol": {
        "version": "1.0",
        "header": "X-Durable-Workflow-Protocol-Version",
        "server_capabilities": {"query_tasks": True},
    },
}


@dataclass
class Received:
    method: str
    target: str
    headers: dict[str, str]
    body: bytes

    @property
    def path(self) -> str:
        return self.target.split("?", 1)[0]

    @property
    def query(self) -> str:
        return self.target.split("?", 1)[1] if "?" in self.target else ""

    def json(self) -> Any:
        return json.loads(self.body.decode("utf-8")) if self.body else None

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


Responder = Callable[[Received], tuple[int, Any]]


@dataclass
class LocalServer:
    url: str
    received: list[Received] = field(default_factory=list)
    handshake: dict[str, Any] = field(default_factory=lambda: json.loads(json.dumps(HANDSHAKE)))
    reply: Any = field(default_factory=dict)
    responder: Responder | None = None

    @property
    def operations(self) -> list[Received]:
        """Requests other than the handshake."""
        return [item for item in self.received if not item.path.endswith("/cluster/info")]


@contextmanager
def serving(handler: type[BaseHTTPRequestHandler], name: str) -> Iterator[str]:
    """``handler`` served on 127.0.0.1:<ephemeral> for the block; yields the base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name=name, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@contextmanager
def local_server(reply: Any = None, responder: Responder | None = None) -> Iterator[LocalServer]:
    """A recording server on 127.0.0.1:<ephemeral> for the duration of the block."""
    state = LocalServer(url="", reply={} if reply is None else reply, responder=responder)
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            return

        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            item = Received(self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, body)
            with lock:
                state.received.append(item)
            if item.path.endswith("/cluster/info") and self.command == "GET":
                status, document = 200, state.handshake
            elif state.responder is not None:
                status, document = state.responder(item)
            else:
                status, document = 200, state.reply
            payload = json.dumps(document).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.send_header("X-Durable-Workflow-Control-Plane-Version", "2")
            self.send_header("X-Durable-Workflow-Protocol-Version", "1.0")
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle

    with serving(Handler, "adapter-test-server") as url:
        state.url = url
        yield state
