"""A local HTTP server that plays a script of answers, for the adapters' walk and error tests.

Like :mod:`support.adapter_http` it answers the handshake on
``GET /api/cluster/info`` and records every request, on 127.0.0.1 with an
ephemeral port, stopped by its context manager. Every other request gets the
next :class:`Answer` of the script (the last one again when the script is
used up): any status, extra headers (``Retry-After``), a JSON body or raw
bytes (an HTML error page), or a connection dropped in the middle of the body.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

from support.adapter_http import HANDSHAKE, serving


@dataclass(frozen=True)
class Answer:
    status: int = 200
    body: Any = None
    #: Raw bytes sent instead of ``body`` (with ``Content-Type: text/html``).
    raw: bytes | None = None
    headers: tuple[tuple[str, str], ...] = ()
    #: Announce a body, send five bytes of it, and close the connection.
    drop: bool = False


@dataclass
class ScriptedServer:
    url: str
    answers: list[Answer]
    #: Targets (path and query) of the requests other than the handshake, in arrival order.
    targets: list[str] = field(default_factory=list)

    def queries(self) -> list[dict[str, list[str]]]:
        return [parse_qs(urlsplit(target).query) for target in self.targets]


@contextmanager
def scripted_server(answers: list[Answer]) -> Iterator[ScriptedServer]:
    state = ScriptedServer(url="", answers=list(answers))
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            return

        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                self.rfile.read(length)
            path = urlsplit(self.path).path
            if path.endswith("/cluster/info"):
                self._send(Answer(body=HANDSHAKE))
                return
            with lock:
                index = min(len(state.targets), len(state.answers) - 1)
                state.targets.append(self.path)
            self._send(state.answers[index])

        def _send(self, answer: Answer) -> None:
            if answer.drop:
                self.wfile.write(
                    b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{"par'
                )
                self.wfile.flush()
                self.connection.shutdown(socket.SHUT_RDWR)
                self.close_connection = True
                return
            if answer.raw is not None:
                payload, kind = answer.raw, "text/html"
            else:
                payload, kind = json.dumps(answer.body).encode("utf-8"), "application/json"
            self.send_response(answer.status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(payload)))
            self.send_header("X-Durable-Workflow-Control-Plane-Version", "2")
            for name, value in answer.headers:
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle

    with serving(Handler, "scripted-server") as url:
        state.url = url
        yield state
