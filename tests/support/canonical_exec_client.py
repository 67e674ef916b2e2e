#!/usr/bin/env python3
"""A new-language client double for the exec protocol that knows only the canonical request.

It reads nothing of any projection: it takes ``canonical_request`` from the
exec request, performs the handshake and then that request, the way a fresh
client in another language would on its first day. Standard library only.

Defects, chosen with ``CANONICAL_CLIENT_DEFECT``, so tests can show the
harness catches each with a pointer:

- ``int-as-string``: the first integer of the body is sent as a decimal string;
- ``wrong-output``: the request is right, but the output it reports holds
  another value than the answer for the answer's first string member;
- ``refuse``: the request is right, then it reports a client error (as a
  client that rejects the server's answer would);
- ``drop-item``: the output it reports lacks the last item of its first list
  (a client that loses a workflow of a page).

``CANONICAL_CLIENT_RENAME=ANSWER_KEY:OWN_KEY`` makes it surface the answer's
member ``ANSWER_KEY`` under a name of its own (``workflows:runs``), as a
client in another language names its own fields.
"""

from __future__ import annotations

import json
import os
import sys
import urllib.error
import urllib.request
from typing import Any


def _stringify_first_int(node: Any) -> tuple[Any, bool]:
    if isinstance(node, bool):
        return node, False
    if isinstance(node, int):
        return str(node), True
    if isinstance(node, dict):
        result: dict[str, Any] = {}
        done = False
        for key, value in node.items():
            if not done:
                value, done = _stringify_first_int(value)
            result[key] = value
        return result, done
    if isinstance(node, list):
        items: list[Any] = []
        done = False
        for value in node:
            if not done:
                value, done = _stringify_first_int(value)
            items.append(value)
        return items, done
    return node, False


def _send(request: dict[str, Any], method: str, path: str, query: str, body: Any, has_body: bool) -> Any:
    headers = {
        "Authorization": f"Bearer {request['token']}",
        "X-Namespace": request["namespace"],
        "Accept": "application/json",
    }
    if path.startswith("/worker/"):
        headers["X-Durable-Workflow-Protocol-Version"] = "1.0"
    else:
        headers["X-Durable-Workflow-Control-Plane-Version"] = "2"
    data = None
    if has_body:
        headers["Content-Type"] = "application/json"
        data = json.dumps(body).encode("utf-8")
    url = request["server_url"].rstrip("/") + "/api" + path + (f"?{query}" if query else "")
    outgoing = urllib.request.Request(url, data=data, method=method, headers=headers)
    with urllib.request.urlopen(outgoing, timeout=float(request["timeout_seconds"])) as response:
        text = response.read().decode("utf-8")
    return json.loads(text) if text.strip() else None


def main() -> int:
    request = json.loads(sys.stdin.read())
    canonical = request.get("canonical_request")
    if not isinstance(canonical, dict):
        print(json.dumps({"status": "skipped", "error": "no canonical request for this fixture"}))
        return 0
    body = canonical["body"]
    if os.environ.get("CANONICAL_CLIENT_DEFECT") == "int-as-string":
        body, _changed = _stringify_first_int(body)
    from urllib.parse import quote, urlencode

    query = urlencode(
        [(name, value) for name, values in canonical["query"].items() for value in values], quote_via=quote
    )
    try:
        _send(request, "GET", "/cluster/info", "", None, False)
        output = _send(request, canonical["method"], canonical["path"], query, body, canonical["has_body"])
    except (urllib.error.URLError, OSError, ValueError) as error:
        print(json.dumps({"status": "client_error", "error": f"{type(error).__name__}: {error}"}))
        return 0
    defect = os.environ.get("CANONICAL_CLIENT_DEFECT")
    if defect == "refuse":
        print(
            json.dumps({"status": "client_error", "error": "AnswerRejected: the answer lacks a field I need"})
        )
        return 0
    if defect == "wrong-output" and isinstance(output, dict):
        for key, value in output.items():
            if isinstance(value, str):
                output[key] = value + "-not-what-the-server-said"
                break
    answer_key, _, own_key = os.environ.get("CANONICAL_CLIENT_RENAME", "").partition(":")
    if answer_key and own_key and isinstance(output, dict) and answer_key in output:
        output = {own_key if key == answer_key else key: value for key, value in output.items()}
    if defect == "drop-item" and isinstance(output, dict):
        for key, value in output.items():
            if isinstance(value, list) and value:
                output[key] = value[:-1]
                break
    print(json.dumps({"protocol_version": 1, "status": "completed", "output": output}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
