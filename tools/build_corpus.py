#!/usr/bin/env python3
"""Write the canonical corpus ``fixtures/control-plane/`` deterministically.

The nine fixtures are the operations the upstream CLI/Python parity page
names, with that page's example values. They are generated rather than
hand-written for one reason: every Avro ``blob`` in them must come from the
harness's own codec (:mod:`conformance.avro_codec`), never from a hand-typed
base64 string. Re-running the script must reproduce the committed files byte
for byte (``tests/test_corpus.py`` checks it); ``--check`` does the same from
the command line.

Design decisions, per projection:

- ``request.body`` is used only where both clients must send exactly that
  body once payload envelopes are decoded (cancel, query, worker task
  history, namespace storage driver, storage test). The SDK adds a random
  ``request_id`` idempotency key to signal and update bodies, so those carry
  ``cli.expected_body`` (exact, plain JSON input) plus an
  ``sdk_python.expected_body`` subset and a ``payload_envelope`` instead.
- ``sdk_python.expected_body`` never names an envelope field: the envelope
  is stated once, in ``payload_envelope`` (with its encoded ``blob``), so a
  reader of the fixture does not have to guess whether ``expected_body``
  holds the decoded or the encoded form.
- ``sdk_python.args`` holds the parameters the page passes positionally,
  ``kwargs`` those it passes by keyword; both are keyword arguments by
  parameter name, as the fixture format defines them.
- ``cli.argv`` lists positional keys first, in command order, then the
  options in the page's order. Numbers stay strings on the command line.
- ``response_body`` is what a v2 server answers, shaped so that the Python
  SDK 2.8.0 parses it (the fields each method reads are present) and, for
  workflow commands, carrying the ``control_plane`` response contract
  object the CLI insists on.

Usage: ``python tools/build_corpus.py [--out DIR] [--check]``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:  # running from a checkout without an install
    sys.path.insert(0, str(REPO_ROOT))

from conformance.avro_codec import AVRO_CODEC, encode_blob, make_envelope  # noqa: E402
from conformance.operations import fixture_file_name  # noqa: E402

FIXTURE_SCHEMA = "durable-workflow.polyglot.control-plane-request-fixture"
DEFAULT_OUT = REPO_ROOT / "fixtures" / "control-plane"

WORKFLOW_ID = "wf-polyglot-231"
WORKFLOW_TYPE = "orders.process"
TASK_QUEUE = "orders"
RUN_ID = "01JPOLYGLOT231RUN000000001"
NAMESPACE = "default"
RECORDED = "2026-01-15T10:30:00.000000Z"


def compact(value: Any) -> str:
    """JSON as typed on the page's command lines (no spaces)."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def control_plane(operation: str) -> dict[str, Any]:
    """The response contract object a v2 server puts in workflow command replies."""
    return {
        "schema": "durable-workflow.v2.control-plane-response",
        "version": 1,
        "operation": operation,
        "contract": {"schema": "durable-workflow.v2.control-plane-response.contract", "version": 1},
    }


def envelope_spec(field: str, decoded: Any) -> dict[str, Any]:
    return {"field": field, "codec": AVRO_CODEC, "blob": encode_blob(decoded), "decoded": decoded}


def fixture(operation: str, description: str, **sections: Any) -> dict[str, Any]:
    head = {"schema": FIXTURE_SCHEMA, "version": 1, "operation": operation, "description": description}
    return {**head, **sections}


def workflow_start() -> dict[str, Any]:
    start_input = [{"order_id": 42, "priority": "gold"}]
    memo = {"source": "polyglot-fixture"}
    search_attributes = {"CustomerId": "cust-42", "Tier": "gold"}
    semantic = {
        "workflow_id": WORKFLOW_ID,
        "workflow_type": WORKFLOW_TYPE,
        "task_queue": TASK_QUEUE,
        "input": start_input,
        "memo": memo,
        "search_attributes": search_attributes,
        "execution_timeout_seconds": 300,
        "run_timeout_seconds": 120,
        "duplicate_policy": "use-existing",
    }
    without_input = {key: value for key, value in semantic.items() if key != "input"}
    return fixture(
        "workflow.start",
        "Start orders.process as wf-polyglot-231 on the orders queue. The CLI sends the input list as "
        "plain JSON; the SDK sends the same list in an Avro envelope.",
        request={"method": "POST", "path": "/workflows"},
        semantic_body=semantic,
        response_body={
            "workflow_id": WORKFLOW_ID,
            "run_id": RUN_ID,
            "workflow_type": WORKFLOW_TYPE,
            "namespace": NAMESPACE,
            "task_queue": TASK_QUEUE,
            "status": "pending",
            "outcome": "started_new",
            "control_plane": control_plane("start"),
        },
        cli={
            "argv": {
                "--type": WORKFLOW_TYPE,
                "--workflow-id": WORKFLOW_ID,
                "--task-queue": TASK_QUEUE,
                "--input": compact(start_input),
                "--memo": compact(memo),
                "--search-attr": ["CustomerId=cust-42", "Tier=gold"],
                "--execution-timeout": "300",
                "--run-timeout": "120",
                "--duplicate-policy": "use-existing",
                "--json": True,
            },
            "expected_body": semantic,
        },
        sdk_python={
            "method": "start_workflow",
            "kwargs": {
                "workflow_type": WORKFLOW_TYPE,
                "workflow_id": WORKFLOW_ID,
                "task_queue": TASK_QUEUE,
                "input": start_input,
                "memo": memo,
                "search_attributes": search_attributes,
                "execution_timeout_seconds": 300,
                "run_timeout_seconds": 120,
                "duplicate_policy": "use-existing",
            },
            "expected_body": without_input,
            "payload_envelope": envelope_spec("input", start_input),
        },
    )


def workflow_signal() -> dict[str, Any]:
    signal_input = [{"carrier": "ups", "tracking": "1Z999"}]
    return fixture(
        "workflow.signal",
        "Signal shipment_received to wf-polyglot-231. The SDK also sends a generated request_id "
        "idempotency key, so only the CLI body is stated exactly.",
        request={"method": "POST", "path": f"/workflows/{WORKFLOW_ID}/signal/shipment_received"},
        semantic_body={"workflow_id": WORKFLOW_ID, "signal_name": "shipment_received", "input": signal_input},
        response_body={
            "workflow_id": WORKFLOW_ID,
            "run_id": RUN_ID,
            "signal_name": "shipment_received",
            "command_id": "01JPOLYGLOT231CMD000000001",
            "command_status": "accepted",
            "outcome": "signal_received",
            "control_plane": control_plane("signal"),
        },
        cli={
            "argv": {
                "workflow-id": WORKFLOW_ID,
                "signal-name": "shipment_received",
                "--input": compact(signal_input),
                "--json": True,
            },
            "expected_body": {"input": signal_input},
        },
        sdk_python={
            "method": "signal_workflow",
            "args": {"workflow_id": WORKFLOW_ID, "signal_name": "shipment_received"},
            "kwargs": {"args": signal_input},
            "payload_envelope": envelope_spec("input", signal_input),
        },
    )


def workflow_query() -> dict[str, Any]:
    query_input = [{"include_items": True}]
    result = {"status": "awaiting_shipment", "items": [{"sku": "SKU-1001", "quantity": 2}]}
    return fixture(
        "workflow.query",
        "Query current_status of wf-polyglot-231 with one argument.",
        request={
            "method": "POST",
            "path": f"/workflows/{WORKFLOW_ID}/query/current_status",
            "body": {"input": query_input},
        },
        semantic_body={"workflow_id": WORKFLOW_ID, "query_name": "current_status", "input": query_input},
        response_body={
            "workflow_id": WORKFLOW_ID,
            "run_id": RUN_ID,
            "query_name": "current_status",
            "result": result,
            "result_envelope": make_envelope(result),
            "control_plane": control_plane("query"),
        },
        cli={
            "argv": {
                "workflow-id": WORKFLOW_ID,
                "query-name": "current_status",
                "--input": compact(query_input),
                "--json": True,
            },
        },
        sdk_python={
            "method": "query_workflow",
            "args": {"workflow_id": WORKFLOW_ID, "query_name": "current_status"},
            "kwargs": {"args": query_input},
            "payload_envelope": envelope_spec("input", query_input),
        },
    )


def workflow_update() -> dict[str, Any]:
    update_input = [{"approved_by": "manager"}]
    return fixture(
        "workflow.update",
        "Update approve on wf-polyglot-231 and wait for completion. The SDK also sends a generated "
        "request_id idempotency key, so only the CLI body is stated exactly.",
        request={"method": "POST", "path": f"/workflows/{WORKFLOW_ID}/update/approve"},
        semantic_body={
            "workflow_id": WORKFLOW_ID,
            "update_name": "approve",
            "input": update_input,
            "wait_for": "completed",
        },
        response_body={
            "workflow_id": WORKFLOW_ID,
            "run_id": RUN_ID,
            "update_name": "approve",
            "update_id": "01JPOLYGLOT231UPD000000001",
            "update_status": "completed",
            "wait_for": "completed",
            "outcome": "update_completed",
            "result": {"approved": True, "approved_by": "manager"},
            "control_plane": control_plane("update"),
        },
        cli={
            "argv": {
                "workflow-id": WORKFLOW_ID,
                "update-name": "approve",
                "--wait": "completed",
                "--input": compact(update_input),
                "--json": True,
            },
            "expected_body": {"input": update_input, "wait_for": "completed"},
        },
        sdk_python={
            "method": "update_workflow",
            "args": {"workflow_id": WORKFLOW_ID, "update_name": "approve"},
            "kwargs": {"args": update_input, "wait_for": "completed"},
            "expected_body": {"wait_for": "completed"},
            "payload_envelope": envelope_spec("input", update_input),
        },
    )


def workflow_cancel() -> dict[str, Any]:
    return fixture(
        "workflow.cancel",
        "Cancel wf-polyglot-231 with a reason.",
        request={
            "method": "POST",
            "path": f"/workflows/{WORKFLOW_ID}/cancel",
            "body": {"reason": "customer request"},
        },
        semantic_body={"workflow_id": WORKFLOW_ID, "reason": "customer request"},
        response_body={
            "workflow_id": WORKFLOW_ID,
            "run_id": RUN_ID,
            "command_id": "01JPOLYGLOT231CMD000000002",
            "command_status": "accepted",
            "outcome": "cancelled",
            "reason": "customer request",
            "control_plane": control_plane("cancel"),
        },
        cli={"argv": {"workflow-id": WORKFLOW_ID, "--reason": "customer request", "--json": True}},
        sdk_python={
            "method": "cancel_workflow",
            "args": {"workflow_id": WORKFLOW_ID},
            "kwargs": {"reason": "customer request"},
        },
    )


def workflow_task_history() -> dict[str, Any]:
    events = [
        {
            "id": f"01JPOLYGLOT231EVT00000000{sequence}",
            "sequence": sequence,
            "event_type": event_type,
            "timestamp": f"2026-01-15T10:30:0{sequence}.000000Z",
            "payload": payload,
        }
        for sequence, event_type, payload in (
            (4, "ActivityScheduled", {"activity_type": "orders.reserve_stock", "activity_id": "act-1"}),
            (5, "ActivityStarted", {"activity_id": "act-1", "attempt": 1}),
            (6, "ActivityCompleted", {"activity_id": "act-1"}),
        )
    ]
    return fixture(
        "workflow-task.history",
        "Fetch the second replay page of leased workflow task workflow-task-231 (worker plane).",
        request={
            "method": "POST",
            "path": "/worker/workflow-tasks/workflow-task-231/history",
            "body": {
                "next_history_page_token": "history-page-2",
                "lease_owner": "polyglot-worker-231",
                "workflow_task_attempt": 2,
            },
        },
        semantic_body={
            "task_id": "workflow-task-231",
            "next_history_page_token": "history-page-2",
            "lease_owner": "polyglot-worker-231",
            "workflow_task_attempt": 2,
        },
        response_body={
            "task_id": "workflow-task-231",
            "workflow_id": WORKFLOW_ID,
            "run_id": RUN_ID,
            "history_events": events,
            "total_history_events": 9,
            "next_history_page_token": "history-page-3",
        },
        cli={
            "argv": {
                "task-id": "workflow-task-231",
                "next-history-page-token": "history-page-2",
                "--lease-owner": "polyglot-worker-231",
                "--attempt": "2",
                "--json": True,
            },
        },
        sdk_python={
            "method": "workflow_task_history",
            "kwargs": {
                "task_id": "workflow-task-231",
                "next_history_page_token": "history-page-2",
                "lease_owner": "polyglot-worker-231",
                "workflow_task_attempt": 2,
            },
        },
    )


def namespace_set_storage_driver() -> dict[str, Any]:
    config = {
        "disk": "external-payload-objects",
        "bucket": "dw-payloads",
        "prefix": "billing/",
        "region": "us-east-1",
        "endpoint": "https://s3.us-east-1.amazonaws.com",
        "auth_profile": "billing-prod",
    }
    body = {"driver": "s3", "enabled": True, "threshold_bytes": 2_097_152, "config": config}
    return fixture(
        "namespace.set_storage_driver",
        "Point namespace billing's external payload storage at S3 above 2 MiB.",
        request={"method": "PUT", "path": "/namespaces/billing/external-storage", "body": body},
        semantic_body={"name": "billing", **body},
        response_body={
            "name": "billing",
            "description": "Billing workflows",
            "retention_days": 30,
            "status": "active",
            "created_at": "2026-01-02T09:00:00.000000Z",
            "updated_at": RECORDED,
            "external_payload_storage": body,
        },
        cli={
            "argv": {
                "name": "billing",
                "driver": "s3",
                "--threshold-bytes": "2097152",
                "--disk": "external-payload-objects",
                "--bucket": "dw-payloads",
                "--prefix": "billing/",
                "--region": "us-east-1",
                "--endpoint": "https://s3.us-east-1.amazonaws.com",
                "--auth-profile": "billing-prod",
                "--json": True,
            },
        },
        sdk_python={
            "method": "set_namespace_external_storage",
            "args": {"name": "billing"},
            "kwargs": {"driver": "s3", "enabled": True, "threshold_bytes": 2_097_152, "config": config},
        },
    )


def storage_test() -> dict[str, Any]:
    small, large = 128, 3_145_728
    small_sha = hashlib.sha256(b"\x00" * small).hexdigest()
    large_sha = hashlib.sha256(b"\x00" * large).hexdigest()
    return fixture(
        "storage.test",
        "Round-trip a small and an over-threshold payload through the s3 driver of the active namespace.",
        request={
            "method": "POST",
            "path": "/storage/test",
            "body": {"driver": "s3", "small_payload_bytes": small, "large_payload_bytes": large},
        },
        semantic_body={"driver": "s3", "small_payload_bytes": small, "large_payload_bytes": large},
        response_body={
            "status": "passed",
            "namespace": NAMESPACE,
            "driver": "s3",
            "small_payload": {"status": "passed", "bytes": small, "sha256": small_sha},
            "large_payload": {
                "status": "passed",
                "bytes": large,
                "sha256": large_sha,
                "reference_uri": f"s3://dw-payloads/{NAMESPACE}/storage-test/{large_sha}",
            },
        },
        cli={
            "argv": {
                "--driver": "s3",
                "--small-bytes": str(small),
                "--large-bytes": str(large),
                "--json": True,
            },
        },
        sdk_python={
            "method": "test_external_storage",
            "kwargs": {"driver": "s3", "small_payload_bytes": small, "large_payload_bytes": large},
        },
    )


def schedule_history() -> dict[str, Any]:
    events = [
        {
            "id": f"01JPOLYGLOT231SCH00000000{sequence}",
            "sequence": sequence,
            "event_type": event_type,
            "recorded_at": f"2026-01-1{sequence - 3}T06:00:00.000000Z",
            **refs,
            "payload": payload,
        }
        for sequence, event_type, refs, payload in (
            (
                6,
                "ScheduleTriggered",
                {
                    "workflow_instance_id": "daily-inventory-check-20260113",
                    "workflow_run_id": "01JPOLYGLOT231RUN000000006",
                },
                {"overlap_policy": "skip", "trigger": "spec"},
            ),
            (7, "SchedulePaused", {}, {"note": "warehouse audit"}),
            (8, "ScheduleResumed", {}, {"note": "audit finished"}),
        )
    ]
    return fixture(
        "schedule.history",
        "Read one page of the daily-inventory-check schedule's audit history after sequence 5.",
        request={
            "method": "GET",
            "path": "/schedules/daily-inventory-check/history",
            "query": {"limit": "100", "after_sequence": "5"},
        },
        semantic_body={"schedule_id": "daily-inventory-check", "limit": 100, "after_sequence": 5},
        response_body={
            "schedule_id": "daily-inventory-check",
            "namespace": NAMESPACE,
            "events": events,
            "has_more": True,
            "next_cursor": 8,
        },
        cli={
            "argv": {
                "schedule-id": "daily-inventory-check",
                "--limit": "100",
                "--after-sequence": "5",
                "--json": True,
            },
        },
        sdk_python={
            "method": "get_schedule_history",
            "args": {"schedule_id": "daily-inventory-check"},
            "kwargs": {"limit": 100, "after_sequence": 5},
        },
    )


BUILDERS = (
    workflow_start,
    workflow_signal,
    workflow_query,
    workflow_update,
    workflow_cancel,
    workflow_task_history,
    namespace_set_storage_driver,
    storage_test,
    schedule_history,
)


def render(document: dict[str, Any]) -> str:
    """The file text: 2-space indent, key order as built, UTF-8, trailing newline."""
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def corpus() -> dict[str, str]:
    """File name -> file text for every fixture of the canonical corpus."""
    files: dict[str, str] = {}
    for build in BUILDERS:
        document = build()
        files[fixture_file_name(document["operation"])] = render(document)
    return files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="target directory")
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 when a file differs")
    args = parser.parse_args(argv)
    files = corpus()
    if args.check:
        stale = []
        for name, text in files.items():
            path = args.out / name
            if not path.is_file() or path.read_bytes() != text.encode("utf-8"):
                stale.append(name)
        for name in stale:
            print(f"{args.out / name}: differs from tools/build_corpus.py's output", file=sys.stderr)
        return 1 if stale else 0
    args.out.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (args.out / name).write_bytes(text.encode("utf-8"))
    print(f"wrote {len(files)} fixtures to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
