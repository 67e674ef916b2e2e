#!/usr/bin/env python3
"""An ``exec``-protocol client that misbehaves on purpose, for the reliability and secrets tests.

Run as ``python misbehaving_client.py MODE``; it reads the harness's request on
stdin like any exec adapter program. The well-behaved part of every mode is
the canonical request of the fixture (``conformance.canonical_request``):
the handshake, then the operation, with the bearer token, ``X-Namespace`` and
the version headers, so that a mode which ends up sending it passes.

Modes:

``good``              the canonical request; prints a ``completed`` result
``hang``              prints a line on stdout and on stderr, starts a child in its process group
                      and a grandchild that escapes it (double fork + ``setsid``, keeping the
                      output pipes), touches ``$CONFORMANCE_TEST_STARTED`` when set, then sleeps
``crash``             prints a line, then raises (a traceback on stderr, exit 1, nothing on stdout)
``nothing``           sends nothing; prints a ``completed`` result
``garbage-bytes``     sends bytes that are not HTTP, then prints a ``completed`` result
``truncated-body``    announces a 1000-byte body, sends 11 bytes and closes
``invalid-json``      the operation with a body that is not JSON
``huge-body``         the operation with a 2 MB body (``$CONFORMANCE_TEST_BODY_BYTES`` to change it)
``many-connections``  opens 200 idle connections, then the canonical request
``linger``            the canonical request, then leaves a detached grandchild that keeps a
                      connection open and keeps sending requests on it, and exits
``flood-output``      prints 50 MB on stdout and on stderr, then the canonical request
``echo``              prints its whole request (token included) on stdout and stderr, then the
                      canonical request (stdout is then not one JSON document)
``echo-result``       the canonical request, then a ``client_error`` result whose error message
                      and output carry the request (token included)
``extra-credentials`` the canonical request with other credentials too: an ``X-Api-Key`` header, a
                      cookie and an ``access_token`` query parameter (values containing ``SECRET``)
``show-run-values``   the canonical request; its result and stderr show the server URL, the
                      scratch directory and a fresh UUID (values that change from run to run)
``spoof-error``       the canonical request, then a ``client_error`` result whose error text is
                      :data:`SPOOF` (terminal control sequences and a fake ``[1/1] PASS`` line)
``spoof-stdout``      the canonical request, then :data:`SPOOF` on stdout instead of a result
``spoof-key``         the operation with one more body key, named :data:`SPOOF`
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit

from conformance.canonical_request import canonical_request
from conformance.fixture import Fixture

#: What a hostile client prints to fool a terminal: retitle the window, return to the start of
#: the line, print a line that looks like the harness's own, clear the rest of the line.
SPOOF = "\x1b]0;pwned\x07\r\n[1/1] PASS  spoofed::case\x1b[2K\u202e"


def address(request: dict) -> tuple[str, int]:
    url = urlsplit(request["server_url"])
    return str(url.hostname), int(url.port or 80)


def headers(request: dict, with_body: bool) -> dict[str, str]:
    result = {
        "Accept": "application/json",
        "Authorization": f"Bearer {request['token']}",
        "X-Namespace": request["namespace"],
        "X-Durable-Workflow-Control-Plane-Version": "2",
        "X-Durable-Workflow-Protocol-Version": "1.0",
    }
    if with_body:
        result["Content-Type"] = "application/json"
    return result


def send_canonical(
    request: dict, body: bytes | None = None, extra: dict | None = None, query: str = ""
) -> int:
    """Handshake + the fixture's operation (``body`` replaces the canonical body); the status."""
    canonical = canonical_request(Fixture(Path(request["fixture_path"]), request["fixture"]))
    payload = canonical.body_bytes() if body is None else body
    host, port = address(request)
    connection = http.client.HTTPConnection(host, port, timeout=30)
    connection.request("GET", "/api/cluster/info", headers=headers(request, False))
    connection.getresponse().read()
    target = canonical.target("/api")
    if query:
        target += ("&" if "?" in target else "?") + query
    connection.request(canonical.method, target, body=payload,
                       headers={**headers(request, payload is not None), **(extra or {})})
    response = connection.getresponse()
    response.read()
    connection.close()
    return response.status


def completed(output: object = None) -> None:
    print(json.dumps({"status": "completed", "output": output}))


def sleep_forever() -> None:
    while True:
        time.sleep(3600)


def escape(action) -> None:  # type: ignore[no-untyped-def]
    """Run ``action`` in a grandchild outside this process group (double fork + setsid)."""
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            try:
                action()
            finally:
                os._exit(0)
        os._exit(0)
    os.wait()


def main(mode: str) -> int:
    request = json.load(sys.stdin)
    if mode == "good":
        completed({"status": send_canonical(request)})
    elif mode == "hang":
        print("partial stdout before hanging", flush=True)
        print("partial stderr before hanging", file=sys.stderr, flush=True)
        subprocess.Popen([sys.executable, "-c", "import time; time.sleep(3600)"])
        escape(sleep_forever)
        started = os.environ.get("CONFORMANCE_TEST_STARTED")
        if started:
            Path(started).write_text(str(os.getpid()), encoding="utf-8")
        sleep_forever()
    elif mode == "crash":
        print("about to crash", flush=True)
        raise RuntimeError("the misbehaving client crashed on purpose")
    elif mode == "nothing":
        completed()
    elif mode == "garbage-bytes":
        with socket.create_connection(address(request), timeout=1) as sock:
            sock.sendall(b"\x00\x01\xfe\xff not http at all \x7f\r\n\r\n")
            try:
                answer = sock.recv(65536)
            except OSError as error:
                answer = str(error).encode()
        completed({"answer": answer.decode("utf-8", "replace")[:200]})
    elif mode == "truncated-body":
        with socket.create_connection(address(request), timeout=10) as sock:
            head = (
                "POST /api/workflows/wf-1/cancel HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                f"Authorization: Bearer {request['token']}\r\nContent-Length: 1000\r\n\r\n"
            )
            sock.sendall(head.encode() + b'{"reason": ')
        completed()
    elif mode == "invalid-json":
        completed({"status": send_canonical(request, body=b'{"reason": "cut in the mid')})
    elif mode == "huge-body":
        size = int(os.environ.get("CONFORMANCE_TEST_BODY_BYTES", 2 * 1024 * 1024))
        try:
            status = send_canonical(request, body=b'{"reason": "' + b"x" * size + b'"}')
        except (OSError, http.client.HTTPException) as error:
            status = f"{type(error).__name__}: {error}"
        completed({"status": status})
    elif mode == "many-connections":
        idle = [socket.create_connection(address(request), timeout=10) for _ in range(200)]
        status = send_canonical(request)
        for sock in idle:
            sock.close()
        completed({"status": status})
    elif mode == "linger":
        status = send_canonical(request)

        def keep_talking() -> None:
            host, port = address(request)
            connection = http.client.HTTPConnection(host, port, timeout=5)
            while True:
                try:
                    target = "/api/cluster/info?from=lingering"
                    connection.request("GET", target, headers=headers(request, False))
                    connection.getresponse().read()
                except (OSError, http.client.HTTPException):
                    connection = http.client.HTTPConnection(host, port, timeout=5)
                time.sleep(0.05)

        escape(keep_talking)
        completed({"status": status})
    elif mode == "flood-output":
        block = b"y" * (1024 * 1024)
        for _ in range(50):
            sys.stdout.buffer.write(block)
            sys.stderr.buffer.write(block)
        completed({"status": send_canonical(request)})
    elif mode == "echo":
        text = json.dumps(request)
        print(text)
        print(text, file=sys.stderr)
        send_canonical(request)
        completed()
    elif mode == "echo-result":
        send_canonical(request)
        print(json.dumps({
            "status": "client_error",
            "error": f"refused token {request['token']} (Authorization: Bearer {request['token']})",
            "output": request,
        }))
    elif mode == "extra-credentials":
        extra = {"X-Api-Key": "apikey-SECRET-777", "Cookie": "session=cookie-SECRET-999"}
        completed({"status": send_canonical(request, extra=extra, query="access_token=qtoken-SECRET-888")})
    elif mode == "show-run-values":
        status = send_canonical(request)
        values = {"server_url": request["server_url"], "scratch_dir": request["scratch_dir"],
                  "nonce": uuid.uuid4().hex, "status": status}
        print(json.dumps(values), file=sys.stderr)
        completed(values)
    elif mode == "spoof-error":
        send_canonical(request)
        print(json.dumps({"status": "client_error", "error": SPOOF}))
    elif mode == "spoof-stdout":
        send_canonical(request)
        print(SPOOF)
    elif mode == "spoof-key":
        canonical = canonical_request(Fixture(Path(request["fixture_path"]), request["fixture"]))
        body = json.loads(canonical.body_bytes() or b"{}")
        completed({"status": send_canonical(request, body=json.dumps({**body, SPOOF: 1}).encode())})
    else:
        print(f"unknown mode {mode!r}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
