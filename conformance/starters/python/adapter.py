#!/usr/bin/env python3
"""A dw-conformance exec adapter for a new Python client: the starter.

The harness runs this program once per case (fixture x adapter), writes one
JSON request on stdin, and reads one JSON result from stdout. Out of the box
the program does not use your client at all: it replays the fixture's
canonical request (the exact HTTP request the fixture pins), so a first run
over the whole corpus passes. Then, operation by operation, register a
function in OPERATIONS below that makes *your client* perform the operation;
the harness judges whatever your client sends.

Standard library only (Python 3.8+). Protocol: adapters/README.md of
dw-conformance; operation by operation details: the handbook
(``dw-conformance handbook --out handbook``).
"""

from __future__ import annotations

import http.client
import json
import sys
from collections.abc import Callable
from typing import Any
from urllib.parse import quote, urlsplit

CONTROL_PLANE_VERSION = "2"
WORKER_PROTOCOL_VERSION = "1.0"
API_PREFIX = "/api"


# ---------------------------------------------------------------------------
# REPLACE: one entry per operation your client implements.
#
# Key: the operation id (the handbook's page title, e.g. "workflow.signal").
# Value: a function receiving the case context and making YOUR client perform
# the operation. Return what your client returned (kept in the report); raise
# when your client fails. An operation without an entry is replayed by the
# starter itself, and its result says "replayed": true.
#
# ctx["config"]      {"server_url", "namespace", "token", "timeout_seconds"}: configure your client with these
# ctx["semantic"]    the fixture's semantic_body: the operation's facts (ids, input...)
# ctx["projection"]  your manifest's projection of the fixture ({} when the fixture has none)
# ctx["fixture"]     the whole fixture document
# ---------------------------------------------------------------------------
def _example_signal(ctx: dict[str, Any]) -> Any:  # an example; not registered
    from my_client import Client  # type: ignore  # your package

    config = ctx["config"]
    client = Client(config["server_url"], namespace=config["namespace"], token=config["token"])
    semantic = ctx["semantic"]
    return client.signal_workflow(semantic["workflow_id"], semantic["signal_name"], semantic.get("input"))


# While True, an operation without an entry is replayed by the starter (so it
# passes without your client). Set it to False once your client covers most
# operations: the others then report `skipped`, and the matrix shows the truth.
REPLAY_UNLISTED = True

OPERATIONS: dict[str, Callable[[dict[str, Any]], Any]] = {
    # "workflow.signal": _example_signal,
}


# ---------------------------------------------------------------------------
# The starter's replay: the canonical request over plain HTTP.
# ---------------------------------------------------------------------------
class HTTPError(Exception):
    pass


def canonical_request(request: dict[str, Any]) -> dict[str, Any]:
    """The canonical request: the harness computes it and sends it in the exec request."""
    if request.get("canonical_request"):
        return dict(request["canonical_request"])
    # An older harness without `canonical_request`: the fixture's own request,
    # completed by the CLI projection's exact body and query where it has them.
    fixture = request.get("fixture") or {}
    declared = fixture.get("request") or {}
    cli = fixture.get("cli") or {}
    query: dict[str, Any] = {}
    for name, value in (declared.get("query") or cli.get("expected_query") or {}).items():
        values = value if isinstance(value, list) else [value]
        query[name] = [json.dumps(item) if isinstance(item, bool) else str(item) for item in values]
    has_body = "body" in declared or "expected_body" in cli
    body = declared["body"] if "body" in declared else cli.get("expected_body")
    return {
        "method": declared.get("method"),
        "path": declared.get("path"),
        "query": query,
        "has_body": has_body,
        "body": body,
    }


class StarterHttp:
    def __init__(self, config: dict[str, Any]) -> None:
        self.config = config
        url = urlsplit(config["server_url"])
        connection = http.client.HTTPSConnection if url.scheme == "https" else http.client.HTTPConnection
        self.connection = connection(
            url.hostname or "127.0.0.1", url.port, timeout=float(config["timeout_seconds"])
        )
        self.base_path = url.path.rstrip("/")

    def headers(self, path: str, has_body: bool) -> dict[str, str]:
        headers = {
            "Accept": "application/json",
            "Authorization": "Bearer " + self.config["token"],
            "X-Namespace": self.config["namespace"],
        }
        if path.startswith("/worker/"):
            headers["X-Durable-Workflow-Protocol-Version"] = WORKER_PROTOCOL_VERSION
        else:
            headers["X-Durable-Workflow-Control-Plane-Version"] = CONTROL_PLANE_VERSION
        if has_body:
            headers["Content-Type"] = "application/json"
        return headers

    def send(self, method: str, path: str, query: dict[str, Any], has_body: bool, body: Any) -> Any:
        """One request; ``path`` is already percent-encoded and has no API prefix. Returns (status, body)."""
        pairs = [
            quote(name, safe="") + "=" + quote(value, safe="")
            for name, values in query.items()
            for value in values
        ]
        target = self.base_path + API_PREFIX + path + ("?" + "&".join(pairs) if pairs else "")
        payload = (
            json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8") if has_body else None
        )
        self.connection.request(method, target, body=payload, headers=self.headers(path, has_body))
        response = self.connection.getresponse()
        raw = response.read()
        try:
            parsed = json.loads(raw.decode("utf-8")) if raw else None
        except ValueError as error:  # an HTML page from a proxy is an error, never a result
            message = f"{method} {path} answered {response.status} with a body that is not JSON"
            raise HTTPError(message) from error
        return response.status, parsed

    def handshake(self) -> Any:
        """GET /api/cluster/info, and refuse a server that does not speak control plane version 2."""
        status, body = self.send("GET", "/cluster/info", {}, False, None)
        version = ((body or {}).get("control_plane") or {}).get("version") if isinstance(body, dict) else None
        if status != 200 or str(version) != CONTROL_PLANE_VERSION:
            raise HTTPError(
                f"incompatible server: cluster/info answered {status} with control_plane.version {version}"
            )
        return body

    def close(self) -> None:
        self.connection.close()


def replay_canonical(ctx: dict[str, Any], canonical: dict[str, Any]) -> Any:
    starter = StarterHttp(ctx["config"])
    try:
        starter.handshake()
        status, body = starter.send(
            canonical["method"],
            canonical["path"],
            canonical.get("query") or {},
            bool(canonical.get("has_body")),
            canonical.get("body"),
        )
    finally:
        starter.close()
    if not 200 <= status < 300:
        raise HTTPError(f"{canonical['method']} {canonical['path']} answered {status}")
    return body


def main() -> int:
    request = json.loads(sys.stdin.buffer.read().decode("utf-8"))
    fixture = request.get("fixture") or {}
    ctx = {
        "config": {
            "server_url": request["server_url"],
            "namespace": request["namespace"],
            "token": request["token"],
            "timeout_seconds": request["timeout_seconds"],
        },
        "semantic": request.get("semantic_body") or fixture.get("semantic_body") or {},
        "projection": request.get("projection") or {},
        "fixture": fixture,
        "operation": request.get("operation"),
    }
    # A case the starter answers with its own replay says so ("replayed": true): the harness marks it, and a
    # run with replayed cases reads "replayed", never "full", until your client does every operation.
    replayed = False
    try:
        operation = str(request.get("operation"))
        handler = OPERATIONS.get(operation)
        result: dict[str, Any]
        if (request.get("drive") or {}).get("walk"):
            # A walk: read every page to the end, report the items as `output`. Not written yet.
            reason = f"walking every page of {operation} is not implemented yet"
            result = {"status": "skipped", "error": reason}
        elif handler is None and not REPLAY_UNLISTED:
            result = {"status": "skipped", "error": f"{operation} is not implemented by this client yet"}
        else:
            replayed = handler is None
            output = handler(ctx) if handler else replay_canonical(ctx, canonical_request(request))
            result = {"status": "completed", "output": output}
    except Exception as error:  # the client's failure is a result, not a crash
        result = {"status": "client_error", "error": f"{type(error).__name__}: {error}"}
    if replayed:
        result["replayed"] = True
    try:
        text = json.dumps({"protocol_version": 1, **result})
    except (TypeError, ValueError):
        text = json.dumps({"protocol_version": 1, **result, "output": repr(result.get("output"))})
    sys.stdout.write(text + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
