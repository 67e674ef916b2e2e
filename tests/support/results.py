"""Building result documents by hand, for tests of the result model and the reports.

``ResultBuilder`` knows the shipped adapters (their projection, target and
whether they are self-checks) and fills every case field with something
plausible, so a test only states what it is about::

    builder = ResultBuilder()
    builder.case("workflow-start-parity.json", "python-sdk", "fail",
                 differences=[difference("/body/input/0/order_id", expected=42, actual=43)])
    document = builder.build()           # a dict, through conformance.result.build_document

:func:`sample_document` is a realistic run with every status, an Avro
envelope, a handshake, parity findings and hostile client output.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from conformance.result import build_document, validate_result

#: adapter -> (projection, target, self_check, identity)
KNOWN_ADAPTERS: dict[str, tuple[str, str, bool, dict[str, str]]] = {
    "canonical": (
        "canonical",
        "canonical_replay",
        True,
        {"name": "dw-conformance canonical replay", "version": "0.1.0", "installed": "built-in"},
    ),
    "python-sdk": (
        "sdk_python",
        "official_sdk",
        False,
        {"name": "durable-workflow", "version": "2.8.0", "installed": "pypi"},
    ),
    "cli": (
        "cli",
        "cli_json_client",
        False,
        {"name": "dw", "version": "0.9.0", "installed": "binary at /usr/local/bin/dw"},
    ),
}

OPERATIONS = {
    "workflow-start-parity.json": "workflow.start",
    "workflow-signal-parity.json": "workflow.signal",
    "workflow-query-parity.json": "workflow.query",
    "workflow-cancel-parity.json": "workflow.cancel",
    "schedule-history-parity.json": "schedule.history",
}


def difference(
    pointer: str,
    kind: str = "changed",
    *,
    expected: Any = None,
    actual: Any = None,
    severity: str = "failure",
    message: str = "",
) -> dict[str, Any]:
    found: dict[str, Any] = {
        "pointer": pointer,
        "kind": kind,
        "expected": expected,
        "actual": actual,
        "severity": severity,
    }
    if message:
        found["message"] = message
    return found


def _path(operation: str) -> str:
    return "/workflows" if operation == "workflow.start" else "/workflows/wf-polyglot-231/signal/x"


def default_request(operation: str, body: Any = None) -> dict[str, Any]:
    """A sent request shaped like ``NormalizedRequest.to_json()`` (path without the API prefix)."""
    path = _path(operation)
    return {
        "method": "POST",
        "path": path,
        "path_segments": [segment for segment in path.split("/") if segment],
        "query": {},
        "headers": {
            "authorization": ["Bearer [REDACTED]"],
            "x-namespace": ["default"],
            "x-durable-workflow-control-plane-version": ["2"],
        },
        "body": body if body is not None else {"workflow_id": "wf-polyglot-231"},
        "body_present": True,
        "envelopes": [],
        "raw_path": "/api" + path,
    }


def default_expected(operation: str, body: Any = None, projection: str = "cli") -> dict[str, Any]:
    """An expectation shaped like ``Expectation.to_json()``."""
    request = default_request(operation, body)
    return {
        "fixture": "",
        "operation": operation,
        "projection": projection,
        "method": request["method"],
        "path": request["path"],
        "path_segments": request["path_segments"],
        "plane": "control",
        "query": None,
        "body": {"mode": "exact", "source": "request.body", "value": request["body"], "envelopes": []},
        "headers": [
            {"name": "authorization", "expected": "Bearer [REDACTED]", "match": "secret"},
            {"name": "x-namespace", "expected": "default", "match": "exact"},
            {"name": "x-durable-workflow-control-plane-version", "expected": "2", "match": "exact"},
        ],
        "not_asserted": [],
    }


class ResultBuilder:
    """Accumulates implementations, cases and parity entries; :meth:`build` makes the document."""

    def __init__(self, **run: Any) -> None:
        self.run: dict[str, Any] = {
            "started_at": "2026-01-02T03:04:05.000Z",
            "finished_at": "2026-01-02T03:04:07.500Z",
            "duration_seconds": 2.5,
            "mode": "stub",
            "upstream": None,
            "server_profile": "v2",
            "namespace": "default",
            "fixtures_dirs": ["fixtures/control-plane"],
            "selection": None,
            "jobs": 2,
            "complete": True,
            "interrupted": False,
        }
        self.run.update(run)
        self.implementations: dict[str, dict[str, Any]] = {}
        self.cases: list[dict[str, Any]] = []
        self.parity: list[dict[str, Any]] = []
        self.input_problems: list[str] = []
        self.categories: dict[str, str] | None = None

    def implementation(
        self,
        adapter: str,
        *,
        target: str | None = None,
        projection: str | None = None,
        self_check: bool | None = None,
        available: bool = True,
        reason: str = "",
        identity: Mapping[str, str] | None = None,
    ) -> ResultBuilder:
        known = KNOWN_ADAPTERS.get(adapter, (adapter, f"{adapter}_target", False, {}))
        self.implementations[adapter] = {
            "adapter": adapter,
            "projection": projection if projection is not None else known[0],
            "target": target if target is not None else known[1],
            "self_check": self_check if self_check is not None else known[2],
            "identity": dict(
                identity or known[3] or {"name": adapter, "version": "1.0", "installed": "test"}
            ),
            "available": available,
            "reason": reason,
        }
        return self

    def case(
        self,
        fixture: str,
        adapter: str,
        status: str = "pass",
        *,
        operation: str | None = None,
        differences: Sequence[Mapping[str, Any]] = (),
        diagnostics: Sequence[Mapping[str, Any]] = (),
        reason: str | None = None,
        category: str | None = None,
        body: Any = None,
        **fields: Any,
    ) -> dict[str, Any]:
        """Add a case (the adapter's implementation too, when new) and return it for tweaking."""
        if adapter not in self.implementations:
            self.implementation(adapter)
        impl = self.implementations[adapter]
        operation = operation or OPERATIONS.get(fixture, "workflow.signal")
        if status == "fail" and not differences:
            differences = [difference("/body/workflow_id", expected="wf-polyglot-231", actual="wf-other")]
        if reason is None:
            reason = {
                "skipped": "fixture has no projection for this client",
                "error": "the client timed out",
            }.get(status, "")
        ran = status != "skipped"
        case: dict[str, Any] = {
            "id": f"{fixture}::{adapter}",
            "fixture": fixture,
            "fixture_path": f"fixtures/control-plane/{fixture}",
            "operation": operation,
            "adapter": adapter,
            "projection": impl["projection"],
            "target": impl["target"],
            "status": status,
            "reason": reason,
            "differences": [dict(d) for d in differences],
            "diagnostic_diff": [dict(d) for d in diagnostics],
            "not_asserted": [],
            "expected": default_expected(operation, body, impl["projection"]) if ran else None,
            "request": default_request(operation, body) if ran else None,
            "ancillary": [
                {"method": "GET", "path": "/api/cluster/info", "status": 200, "route": "cluster-info"}
            ]
            if ran
            else [],
            "client": {
                "status": "completed" if status in ("pass", "fail") else ("timeout" if ran else "skipped"),
                "duration_seconds": 0.1,
                "exit_code": 0 if ran else None,
                "exception": None,
                "stdout": "{}" if ran else "",
                "stderr": "",
                "output": {} if ran else None,
                "detail": "",
                "drift": [],
            },
            "response_diagnostics": [],
            "rendered": "",
            "har": f"har/{fixture}__{adapter}.har" if ran else None,
            "duration_seconds": 0.25,
        }
        if category is not None:
            case["category"] = category
        case.update(fields)
        self.cases.append(case)
        return case

    def parity_entry(
        self, fixture: str, adapters: Sequence[str], findings: Sequence[Mapping[str, Any]]
    ) -> ResultBuilder:
        self.parity.append(
            {
                "fixture": fixture,
                "operation": OPERATIONS.get(fixture, "workflow.signal"),
                "adapters": list(adapters),
                "findings": [dict(f) for f in findings],
            }
        )
        return self

    def build(self, *, validate: bool = True) -> dict[str, Any]:
        """The document; by default it must validate against the result schema (AssertionError if not)."""
        document = build_document(
            run=self.run,
            implementations=list(self.implementations.values()),
            cases=self.cases,
            parity=self.parity,
            input_problems=self.input_problems,
            categories=self.categories,
        )
        if validate:
            problems = validate_result(document)
            assert not problems, "the built result document is invalid:\n" + "\n".join(problems)
        return document


#: Client output that tries everything: markup, a script end tag, XML-forbidden
#: control characters, a lone surrogate, Markdown and a mention.
HOSTILE_TEXT = (
    "</script><script>window.__pwned=1</script><img src=x onerror=alert(1)> & \x00\x07\x1b[31m "
    "]]> | **bold** @everyone [link](http://evil.example) \ud800 end"
)


def sample_document() -> dict[str, Any]:
    """A run of three adapters over four fixtures with every status and parity findings."""
    builder = ResultBuilder()
    builder.implementation("canonical").implementation("python-sdk").implementation("cli")
    fixtures = ["workflow-cancel-parity.json", "workflow-query-parity.json", "workflow-signal-parity.json"]
    for fixture in fixtures:
        builder.case(fixture, "canonical")
    start_body = {"workflow_type": "orders.process", "input": [{"order_id": 43, "priority": "gold"}]}
    builder.case("workflow-start-parity.json", "canonical", body={**start_body, "input": [{"order_id": 42}]})
    failing = builder.case(
        "workflow-start-parity.json",
        "python-sdk",
        "fail",
        body=start_body,
        differences=[
            difference("/body/input/0/order_id", expected=42, actual=43),
            difference("/body/task_queue", "missing", expected="orders", actual=None),
            difference("/headers/x-hostile", "unexpected", expected=None, actual=[HOSTILE_TEXT]),
        ],
        diagnostics=[
            difference(
                "/body/execution_timeout_seconds",
                "type_changed",
                expected=300,
                actual="300",
                severity="diagnostic",
                message="declared deliberate difference (policy)",
            )
        ],
        rendered=(
            "workflow-start-parity.json x python-sdk: FAIL\n  /body/input/0/order_id: expected 42, sent 43"
        ),
        response_diagnostics=["the client refused the response: KeyError: 'run_id'"],
    )
    failing["expected"]["body"] = {
        "mode": "subset",
        "source": "sdk_python.expected_body",
        "value": {
            "workflow_type": "orders.process",
            "task_queue": "orders",
            "input": [{"order_id": 42, "priority": "gold"}],
        },
        "envelopes": [{"pointer": "/body/input", "codec": "avro", "source": "sdk_python.payload_envelope"}],
    }
    failing["request"]["body"]["execution_timeout_seconds"] = "300"
    failing["request"]["headers"]["x-hostile"] = [HOSTILE_TEXT]
    failing["request"]["envelopes"] = [
        {"pointer": "/body/input", "codec": "avro", "blob_length": 56, "decoded": True}
    ]
    failing["client"].update(
        status="client_error",
        exit_code=None,
        exception="KeyError: 'run_id'",
        stdout=HOSTILE_TEXT,
        stderr="Traceback (most recent call last):\n  ...\nKeyError: 'run_id'",
    )
    builder.case("workflow-signal-parity.json", "python-sdk")
    builder.case(
        "workflow-query-parity.json",
        "python-sdk",
        "error",
        reason="fixture and client disagree on the operation's parameters: query_workflow() has no 'args'",
    )["client"].update(status="drift", drift=["query_workflow() has no parameter 'args'"])
    builder.case("workflow-cancel-parity.json", "python-sdk", "skipped", reason="fixture has no 'sdk_python'")
    for fixture in ["workflow-signal-parity.json", "workflow-start-parity.json"]:
        builder.case(fixture, "cli", body={**start_body, "input": [{"order_id": 42, "priority": "gold"}]})
    builder.case("workflow-cancel-parity.json", "cli")
    builder.parity_entry(
        "workflow-start-parity.json",
        ["cli", "python-sdk"],
        [
            difference("/body/input/0/order_id", expected=42, actual=43),
            difference(
                "/body/execution_timeout_seconds",
                "missing",
                expected=300,
                actual=None,
                severity="diagnostic",
                message="the CLI omits a default the SDK sends",
            ),
        ],
    )
    builder.input_problems.append("fixtures/broken-parity.json: /version: expected 1; found 7")
    # allowed (run --allow-input-problems), so the level speaks for the cases: partial
    builder.run["allow_input_problems"] = True
    return builder.build()
