#!/usr/bin/env python3
"""A fake ``dw`` for the project's own tests: behaves like the real CLI on the wire.

Standard library only; runs under any Python 3.8+. It is a test double for the
``cli`` adapter, never a replacement for the real binary.

What it does, like the real CLI:

- takes the connection from ``DURABLE_WORKFLOW_SERVER_URL``,
  ``DURABLE_WORKFLOW_NAMESPACE`` and ``DURABLE_WORKFLOW_AUTH_TOKEN``, or from
  the global options ``--server``, ``--namespace``, ``--token``;
- calls ``GET /api/cluster/info`` first and refuses to go on (exit 8, a JSON
  error on stdout) unless the answer advertises control-plane version ``"2"``
  with the request contract schema/version 1 and, for worker commands,
  worker protocol ``"1.0"``;
- builds the operation request from its own argv with a per-command table
  (it never reads fixture files), sends it with the ``/api`` prefix, the
  bearer token, ``X-Namespace``, both version headers and a plain JSON body;
- checks the response's version header (and, for workflow commands, the
  ``control_plane`` contract object in the body), exits 1 when it is wrong;
- on an error answer, exits as the real CLI does (4 for 401 and 403, 5 for
  404, 6 for 5xx, 2 for any other) and prints the answer's ``errors`` as
  ``validation_errors`` in its JSON error;
- prints the JSON response with ``--json`` (a short line otherwise);
- ``schedule:history --all`` walks every page (``after_sequence`` = the
  page's ``next_cursor`` while ``has_more``) and prints one collapsed envelope;
- ``--version`` prints a version banner.

Injected defects, chosen with ``FAKE_DW_DEFECT`` (the adapter only scrubs
``DW_*`` and ``DURABLE_WORKFLOW_*`` variables, so this one gets through):

``int-as-string``     the first integer of the body is sent as a string
``double-for-long``   the first integer of the body is sent as a double (42 -> 42.0)
``missing-field``     the last body field (or, without a body, query parameter) is left out
``extra-field``       an extra body field (or query parameter) ``fake_extra`` is added
``wrong-path``        ``-wrong`` is appended to the last path segment
``wrong-method``      another HTTP method is used
``no-namespace-header`` no ``X-Namespace`` header
``bad-token``         another bearer token
``skip-handshake``    no ``GET /api/cluster/info``
``two-requests``      the operation request is sent twice
``no-request``        the handshake, then exit 0 without the operation
``hang``              the handshake, then sleep until killed
``crash``             the handshake, then an uncaught exception (a traceback, exit 1)
``garbage-json``      the body is cut in the middle (not JSON)
``leak-token``        behaves, but prints its token on stderr and adds it to its JSON output
"""

from __future__ import annotations

import json
import os
import sys
import time
import urllib.error
import urllib.request
from urllib.parse import quote, urlencode

VERSION_BANNER = "Durable Workflow CLI (fake for dw-conformance tests) 0.0.0-fake"
CONTRACT_SCHEMA = "durable-workflow.v2.control-plane-request.contract"
CONTROL_PLANE_HEADER = "X-Durable-Workflow-Control-Plane-Version"
PROTOCOL_HEADER = "X-Durable-Workflow-Protocol-Version"
EXIT_FAILURE = 1
EXIT_INCOMPATIBLE = 8
DEFECTS = (
    "int-as-string", "double-for-long", "missing-field", "extra-field", "wrong-path", "wrong-method",
    "no-namespace-header", "bad-token", "skip-handshake", "two-requests", "no-request", "hang", "crash",
    "garbage-json", "leak-token",
)

# ---------------------------------------------------------------------- the command table
# positionals: (name, where, field) with where "path" (fills {name} in the path) or "body".
# options: --name -> (where, field, kind); where "body", "config" (body.config), "query" or "flag";
# kind "str", "int", "json", "kv" (repeatable KEY=VALUE into an object) or "bool-off" (flag that sets False).
COMMANDS = {
    "workflow:start": {
        "method": "POST", "path": "/workflows", "worker": False, "contract": True,
        "positionals": [],
        "options": {
            "--workflow-id": ("body", "workflow_id", "str"),
            "--type": ("body", "workflow_type", "str"),
            "--task-queue": ("body", "task_queue", "str"),
            "--input": ("body", "input", "json"),
            "--memo": ("body", "memo", "json"),
            "--search-attr": ("body", "search_attributes", "kv"),
            "--execution-timeout": ("body", "execution_timeout_seconds", "int"),
            "--run-timeout": ("body", "run_timeout_seconds", "int"),
            "--duplicate-policy": ("body", "duplicate_policy", "str"),
        },
        "body_order": [
            "workflow_id", "workflow_type", "task_queue", "input", "memo", "search_attributes",
            "execution_timeout_seconds", "run_timeout_seconds", "duplicate_policy",
        ],
    },
    "workflow:signal": {
        "method": "POST", "path": "/workflows/{workflow-id}/signal/{signal-name}", "worker": False,
        "contract": True,
        "positionals": [("workflow-id", "path", None), ("signal-name", "path", None)],
        "options": {"--input": ("body", "input", "json")},
    },
    "workflow:query": {
        "method": "POST", "path": "/workflows/{workflow-id}/query/{query-name}", "worker": False,
        "contract": True,
        "positionals": [("workflow-id", "path", None), ("query-name", "path", None)],
        "options": {"--input": ("body", "input", "json")},
    },
    "workflow:update": {
        "method": "POST", "path": "/workflows/{workflow-id}/update/{update-name}", "worker": False,
        "contract": True,
        "positionals": [("workflow-id", "path", None), ("update-name", "path", None)],
        "options": {"--input": ("body", "input", "json"), "--wait": ("body", "wait_for", "str")},
        "body_order": ["input", "wait_for"],
    },
    "workflow:cancel": {
        "method": "POST", "path": "/workflows/{workflow-id}/cancel", "worker": False, "contract": True,
        "positionals": [("workflow-id", "path", None)],
        "options": {"--reason": ("body", "reason", "str")},
    },
    "workflow-task:history": {
        "method": "POST", "path": "/worker/workflow-tasks/{task-id}/history",
        "worker": True, "contract": False,
        "positionals": [
            ("task-id", "path", None),
            ("next-history-page-token", "body", "next_history_page_token"),
        ],
        "options": {
            "--lease-owner": ("body", "lease_owner", "str"),
            "--attempt": ("body", "workflow_task_attempt", "int"),
        },
        "body_order": ["next_history_page_token", "lease_owner", "workflow_task_attempt"],
    },
    "namespace:set-storage-driver": {
        "method": "PUT", "path": "/namespaces/{name}/external-storage", "worker": False, "contract": False,
        # Like the real dw, print the namespace the command is about (its resource context) as `namespace`.
        "resource_namespace": "name",
        "positionals": [("name", "path", None), ("driver", "body", "driver")],
        "options": {
            "--disable": ("flag", "enabled", "bool-off"),
            "--threshold-bytes": ("body", "threshold_bytes", "int"),
            "--disk": ("config", "disk", "str"),
            "--bucket": ("config", "bucket", "str"),
            "--prefix": ("config", "prefix", "str"),
            "--region": ("config", "region", "str"),
            "--endpoint": ("config", "endpoint", "str"),
            "--auth-profile": ("config", "auth_profile", "str"),
        },
        "defaults": {"enabled": True},
        "body_order": ["driver", "enabled", "threshold_bytes", "config"],
    },
    "storage:test": {
        "method": "POST", "path": "/storage/test", "worker": False, "contract": False,
        "positionals": [],
        "options": {
            "--driver": ("body", "driver", "str"),
            "--small-bytes": ("body", "small_payload_bytes", "int"),
            "--large-bytes": ("body", "large_payload_bytes", "int"),
        },
        "body_order": ["driver", "small_payload_bytes", "large_payload_bytes"],
    },
    "schedule:history": {
        "method": "GET", "path": "/schedules/{schedule-id}/history", "worker": False, "contract": False,
        "positionals": [("schedule-id", "path", None)],
        "options": {
            "--limit": ("query", "limit", "str"),
            "--after-sequence": ("query", "after_sequence", "str"),
        },
    },
}
GLOBAL_OPTIONS = ("--server", "--namespace", "--token")
BARE_FLAGS = ("--json", "--disable", "--all")


class Usage(Exception):
    """A command line the CLI refuses (exit 1)."""


class Refusal(Exception):
    """The server is not one this CLI talks to (exit 8)."""


def fail(message: str, code: int, as_json: bool = True, **extra: object) -> int:
    if as_json:
        print(json.dumps({"error": message, **extra}))
    else:
        print(f"error: {message}", file=sys.stderr)
    return code


def http_failure(message: str, as_json: bool, status: int, document: object) -> int:
    """An error answer, reported like the real dw: its exit code says the kind, the envelope the facts."""
    if status in (401, 403):
        code = 4
    elif status == 404:
        code = 5
    elif status >= 500:
        code = 6
    else:
        code = 2
    errors = document.get("errors") if isinstance(document, dict) else None
    extra = {"validation_errors": errors} if isinstance(errors, dict) else {}
    return fail(message, code, as_json, status=status, body=document, **extra)


# ---------------------------------------------------------------------- argv
def split_argv(argv: list[str]) -> tuple[list[str], dict[str, list[str]], set[str]]:
    """``(positionals, options with values, bare flags)``; ``--opt=value`` or ``--opt value``."""
    positionals: list[str] = []
    options: dict[str, list[str]] = {}
    flags: set[str] = set()
    index = 0
    while index < len(argv):
        token = argv[index]
        index += 1
        if token == "--":
            positionals.extend(argv[index:])
            break
        if not token.startswith("--"):
            positionals.append(token)
            continue
        name, equals, value = token.partition("=")
        if equals:
            options.setdefault(name, []).append(value)
        elif name in BARE_FLAGS:
            flags.add(name)
        elif index < len(argv):
            options.setdefault(name, []).append(argv[index])
            index += 1
        else:
            raise Usage(f'The "{name}" option requires a value.')
    return positionals, options, flags


def build_request(command: str, argv: list[str]) -> tuple[str, str, dict, dict, bool]:
    """``(method, path, body, query, --json given)`` for ``command``; :class:`Usage` when wrong."""
    spec = COMMANDS[command]
    positionals, options, flags = split_argv(argv)
    for name in GLOBAL_OPTIONS:
        options.pop(name, None)
    if len(positionals) != len(spec["positionals"]):
        names = " ".join(f"<{p[0]}>" for p in spec["positionals"]) or "(none)"
        raise Usage(f"{command} takes the arguments {names}; got {len(positionals)}")
    body: dict = dict(spec.get("defaults", {}))
    query: dict = {}
    path = spec["path"]
    # lengths are equal (checked above); zip(strict=) needs Python 3.10 and this runs on 3.8
    for (name, where, field), value in zip(spec["positionals"], positionals):  # noqa: B905
        if where == "path":
            path = path.replace("{" + name + "}", quote(value, safe=""))
        else:
            body[field] = value
    for option, values in options.items():
        if option not in spec["options"]:
            raise Usage(f'The "{option}" option does not exist.')
        where, field, kind = spec["options"][option]
        if kind == "kv":
            target: dict = {}
            for item in values:
                key, equals, value = item.partition("=")
                if not equals:
                    raise Usage(f"{option} expects KEY=VALUE, got {item!r}")
                target[key] = value
            body[field] = target
            continue
        raw = values[-1]
        if kind == "int":
            try:
                value = int(raw)
            except ValueError:
                raise Usage(f"{option} expects an integer, got {raw!r}") from None
        elif kind == "json":
            try:
                value = json.loads(raw)
            except ValueError:
                raise Usage(f"{option} is not valid JSON") from None
        else:
            value = raw
        if where == "query":
            query[field] = value
        elif where == "config":
            body.setdefault("config", {})[field] = value
        else:
            body[field] = value
    for flag in flags:
        if flag in spec["options"]:
            body[spec["options"][flag][1]] = False
        elif flag != "--json" and not (flag == "--all" and command == "schedule:history"):
            raise Usage(f'The "{flag}" option does not exist.')
    order = spec.get("body_order", [])
    ordered = {key: body[key] for key in order if key in body}
    ordered.update({key: value for key, value in body.items() if key not in ordered})
    return spec["method"], path, ordered, query, "--json" in flags


# ---------------------------------------------------------------------- defects
def _first_int(node: object, parents: list) -> list | None:
    if isinstance(node, dict):
        items = list(node.items())
    elif isinstance(node, list):
        items = list(enumerate(node))
    else:
        return None
    for key, value in items:
        if isinstance(value, int) and not isinstance(value, bool):
            return [*parents, (node, key)]
        found = _first_int(value, [*parents, (node, key)])
        if found:
            return found
    return None


def apply_defect(defect: str, method: str, path: str, body: dict, query: dict) -> tuple[str, str, dict, dict]:
    if defect in ("int-as-string", "double-for-long"):
        found = _first_int(body, [])
        if found:
            container, key = found[-1]
            container[key] = str(container[key]) if defect == "int-as-string" else float(container[key])
    elif defect == "missing-field":
        if body:
            body.pop(list(body)[-1])
        elif query:
            query.pop(list(query)[-1])
    elif defect == "extra-field":
        if method == "GET":
            query["fake_extra"] = "1"
        else:
            body["fake_extra"] = True
    elif defect == "wrong-path":
        path = path + "-wrong"
    elif defect == "wrong-method":
        method = {"GET": "POST", "POST": "PUT", "PUT": "PATCH"}.get(method, "GET")
    return method, path, body, query


# ---------------------------------------------------------------------- HTTP
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def http(method: str, url: str, headers: dict, data: bytes | None) -> tuple[int, dict, object]:
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with _OPENER.open(request, timeout=60) as response:
            status, response_headers, raw = response.status, dict(response.headers.items()), response.read()
    except urllib.error.HTTPError as error:
        status, response_headers, raw = error.code, dict(error.headers.items()), error.read()
    try:
        document = json.loads(raw.decode("utf-8")) if raw else None
    except ValueError:
        document = raw.decode("utf-8", errors="replace")
    return status, {key.lower(): value for key, value in response_headers.items()}, document


def check_handshake(info: object, worker: bool) -> None:
    control_plane = info.get("control_plane") if isinstance(info, dict) else None
    if not isinstance(control_plane, dict) or control_plane.get("version") != "2":
        raise Refusal("the server does not advertise control_plane.version \"2\"")
    contract = control_plane.get("request_contract")
    advertised = (contract.get("schema"), contract.get("version")) if isinstance(contract, dict) else None
    if advertised != (CONTRACT_SCHEMA, 1):
        raise Refusal("the server does not advertise the control-plane request contract version 1")
    if worker:
        protocol = info.get("worker_protocol")
        if not isinstance(protocol, dict) or protocol.get("version") != "1.0":
            raise Refusal("the server does not advertise worker_protocol.version \"1.0\"")


def main(argv: list[str]) -> int:
    if argv[:1] in (["--version"], ["-V"]):
        print(VERSION_BANNER)
        return 0
    if not argv or argv[0] not in COMMANDS:
        known = ", ".join(sorted(COMMANDS))
        name = argv[0] if argv else "(none)"
        return fail(f"unknown command {name!r}; this fake knows: {known}", EXIT_FAILURE)
    command, arguments = argv[0], argv[1:]
    spec = COMMANDS[command]
    as_json = "--json" in arguments
    try:
        method, path, body, query, as_json = build_request(command, arguments)
    except Usage as error:
        return fail(str(error), EXIT_FAILURE, as_json)
    _, options, _ = split_argv(arguments)
    server = (options.get("--server") or [os.environ.get("DURABLE_WORKFLOW_SERVER_URL", "")])[-1]
    namespace = (options.get("--namespace") or [os.environ.get("DURABLE_WORKFLOW_NAMESPACE", "default")])[-1]
    token = (options.get("--token") or [os.environ.get("DURABLE_WORKFLOW_AUTH_TOKEN", "")])[-1]
    if not server:
        return fail("no server: set DURABLE_WORKFLOW_SERVER_URL or pass --server", EXIT_FAILURE, as_json)
    defect = os.environ.get("FAKE_DW_DEFECT", "")
    if defect and defect not in DEFECTS:
        return fail(f"FAKE_DW_DEFECT={defect!r} is not one of {', '.join(DEFECTS)}", EXIT_FAILURE, as_json)
    base = server.rstrip("/") + "/api"
    headers = {
        "Accept": "application/json",
        "Authorization": f"Bearer {'not-the-configured-token' if defect == 'bad-token' else token}",
        "X-Namespace": namespace,
        CONTROL_PLANE_HEADER: "2",
        PROTOCOL_HEADER: "1.0",
        "User-Agent": "fake-dw/0.0.0",
    }
    if defect == "no-namespace-header":
        del headers["X-Namespace"]

    if defect != "skip-handshake":
        status, _, info = http("GET", base + "/cluster/info", headers, None)
        if status != 200:
            message = f"GET /api/cluster/info answered {status}"
            return fail(message, EXIT_INCOMPATIBLE, reason="handshake_failed")
        try:
            check_handshake(info, spec["worker"])
        except Refusal as refusal:
            return fail(str(refusal), EXIT_INCOMPATIBLE, reason="incompatible_server")
    if defect == "no-request":
        return 0
    if defect == "hang":
        print("waiting for the server...", flush=True)
        time.sleep(3600)
    if defect == "crash":
        raise RuntimeError("fake dw crashed on purpose (FAKE_DW_DEFECT=crash)")

    method, path, body, query = apply_defect(defect, method, path, body, query)
    data = None
    if method != "GET":
        data = json.dumps(body, separators=(",", ":")).encode("utf-8")
        if defect == "garbage-json":
            data = data[: max(1, len(data) // 2)]
        headers["Content-Type"] = "application/json"
    url = base + path + (("?" + urlencode(query)) if query else "")
    for _ in range(2 if defect == "two-requests" else 1):
        status, response_headers, document = http(method, url, headers, data)
    if not 200 <= status < 300:
        return http_failure(f"{method} {path} answered {status}", as_json, status, document)
    header, wanted = (PROTOCOL_HEADER, "1.0") if spec["worker"] else (CONTROL_PLANE_HEADER, "2")
    if response_headers.get(header.lower()) != wanted:
        return fail(f"the response lacks {header}: {wanted}", EXIT_FAILURE, as_json)
    has_contract = isinstance(document, dict) and isinstance(document.get("control_plane"), dict)
    if spec["contract"] and not has_contract:
        return fail("the response lacks the control_plane contract object", EXIT_FAILURE, as_json)
    if command == "schedule:history" and "--all" in arguments:
        # the real dw's walk: after_sequence = the page's next_cursor while has_more, one collapsed envelope
        events = list(document.get("events") or []) if isinstance(document, dict) else []

        def more(page: object) -> bool:
            found = isinstance(page, dict) and bool(page.get("has_more"))
            return found and isinstance(page, dict) and page.get("next_cursor") is not None

        while more(document):
            query = {**query, "after_sequence": str(document["next_cursor"])}
            status, _, document = http(method, base + path + "?" + urlencode(query), headers, None)
            if not 200 <= status < 300:
                return http_failure(f"{method} {path} answered {status}", as_json, status, document)
            events.extend(document.get("events") or [] if isinstance(document, dict) else [])
        if isinstance(document, dict):
            document = {**document, "events": events, "has_more": False, "next_cursor": None}
    if defect == "leak-token":
        print(f"debug: token={token} Authorization: Bearer {token}", file=sys.stderr)
        document = {**document, "debug_token": token} if isinstance(document, dict) else document
    resource = spec.get("resource_namespace")
    if resource and isinstance(document, dict) and "namespace" not in document:
        names = [positional[0] for positional in spec["positionals"]]
        document = {**document, "namespace": split_argv(arguments)[0][names.index(resource)]}
    if as_json:
        print(json.dumps(document, indent=2))
    else:
        print(f"{command}: ok ({status})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
