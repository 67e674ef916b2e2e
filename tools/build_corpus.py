#!/usr/bin/env python3
"""Write the canonical corpus ``fixtures/control-plane/`` deterministically.

The nine fixtures are the seed operations of the control-plane parity work.
Their values are those of the corpus the two client repositories share
(``tests/fixtures/control-plane/`` in the ``dw`` CLI and in the Python SDK),
so that ``dw-conformance drift`` between the shipped corpus and a client
repository's corpus shows nothing but the deliberate differences listed
below. They are generated rather than hand-written for one reason: every
Avro ``blob`` in them must come from the harness's own codec
(:mod:`conformance.avro_codec`), never from a hand-typed base64 string.
Re-running the script must reproduce the committed files byte for byte
(``tests/test_corpus.py`` checks it); ``--check`` does the same from the
command line.

Deliberate differences from the client repositories' files (``drift`` lists
them, and the README names them):

- ``/description``: one sentence of our own per fixture, for the reports and
  for a reader of the corpus; the client repositories' files have none.
- ``/sdk_python/payload_envelope/blob`` (start, signal, query, update): the
  exact Avro bytes of ``decoded``, produced by the harness's codec. The client
  repositories state only the decoded value; stating the bytes too lets
  ``validate`` and ``tests/test_corpus.py`` prove that the harness codec and
  the real SDK produce the same bytes for the same value.

Everything else follows the client repositories' format and choices:

- ``request.body`` where one body is exact for every client; otherwise
  ``cli.expected_body`` and ``sdk_python.expected_body`` (the SDK adds a
  random ``request_id`` to signal and update bodies, and sends ``input`` as
  the envelope stated in ``payload_envelope``).
- ``sdk_python.args`` and ``kwargs`` are both keyword arguments by parameter
  name; the files put them in ``args``, except where a client repository
  used ``kwargs``. ``method`` is stated only where those files state it (the
  operation table supplies it otherwise).
- ``cli.argv`` lists positional keys first, in command order, then the
  options; numbers stay strings on the command line. ``--json`` appears where
  the client repositories pass it (not on the five workflow commands: there
  the CLI's printed answer is human text and its response is "not asserted").
- ``response_body`` only where the client repositories give one; the stub
  server's per-operation default reply (``conformance/proxy/profiles/v2.yaml``)
  answers the others.
- ``semantic_body`` holds what the client repositories hold there, response
  facts included (e.g. ``total_history_events`` of a history page).

Usage: ``python tools/build_corpus.py [--out DIR] [--check]``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:  # running from a checkout without an install
    sys.path.insert(0, str(REPO_ROOT))

from conformance.avro_codec import AVRO_CODEC, encode_blob  # noqa: E402
from conformance.operations import fixture_file_name  # noqa: E402

FIXTURE_SCHEMA = "durable-workflow.polyglot.control-plane-request-fixture"
DEFAULT_OUT = REPO_ROOT / "fixtures" / "control-plane"

WORKFLOW_ID = "wf-polyglot-231"
WORKFLOW_TYPE = "orders.process"
TASK_QUEUE = "orders"
TASK_ID = "workflow-task-231"
SCHEDULE_ID = "daily-inventory-check"
STORAGE_NAMESPACE = "billing"
SCHEDULE_NAMESPACE = "orders-prod"
SCHEDULE_DAY = "2026-04-22"


def compact(value: Any) -> str:
    """JSON as typed on a command line (no spaces)."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def envelope_spec(field: str, decoded: Any) -> dict[str, Any]:
    """A ``payload_envelope``: the field, the codec, the harness codec's bytes, the decoded value."""
    return {"field": field, "codec": AVRO_CODEC, "blob": encode_blob(decoded), "decoded": decoded}


def fixture(operation: str, description: str, **sections: Any) -> dict[str, Any]:
    head = {"schema": FIXTURE_SCHEMA, "version": 1, "operation": operation, "description": description}
    return {**head, **sections}


def workflow_start() -> dict[str, Any]:
    start_input = [{"order_id": 42, "priority": "gold"}]
    memo = {"source": "polyglot-fixture"}
    search_attributes = {"CustomerId": "cust-42", "Tier": "gold"}
    semantic = {
        "workflow_type": WORKFLOW_TYPE,
        "workflow_id": WORKFLOW_ID,
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
        cli={
            "argv": {
                "--type": WORKFLOW_TYPE,
                "--workflow-id": WORKFLOW_ID,
                "--task-queue": TASK_QUEUE,
                "--input": compact(start_input),
                "--memo": compact(memo),
                "--search-attr": [f"{key}={value}" for key, value in search_attributes.items()],
                "--execution-timeout": "300",
                "--run-timeout": "120",
                "--duplicate-policy": "use-existing",
            },
            "expected_body": semantic,
        },
        sdk_python={
            "kwargs": semantic,
            "expected_body": without_input,
            "payload_envelope": envelope_spec("input", start_input),
        },
    )


def _named_command(
    operation: str, description: str, kind: str, name: str, command_input: list[Any], **extra: str
) -> dict[str, Any]:
    """Signal, query or update ``name`` on the workflow with ``command_input`` (and ``extra`` body fields).

    The CLI body is exact; the SDK body is stated without ``input`` (sent as
    the envelope) and without the SDK's generated ``request_id``.
    """
    cli_options = {"--wait": extra["wait_for"]} if "wait_for" in extra else {}
    return fixture(
        operation,
        description,
        request={"method": "POST", "path": f"/workflows/{WORKFLOW_ID}/{kind}/{name}"},
        semantic_body={"workflow_id": WORKFLOW_ID, f"{kind}_name": name, **extra, "input": command_input},
        cli={
            "argv": {
                "workflow-id": WORKFLOW_ID,
                f"{kind}-name": name,
                **cli_options,
                "--input": compact(command_input),
            },
            "expected_body": {**extra, "input": command_input},
        },
        sdk_python={
            "args": {"workflow_id": WORKFLOW_ID, f"{kind}_name": name, "args": command_input, **extra},
            "expected_body": dict(extra),
            "payload_envelope": envelope_spec("input", command_input),
        },
    )


def workflow_signal() -> dict[str, Any]:
    return _named_command(
        "workflow.signal",
        "Signal approval.received to wf-polyglot-231. The SDK also sends a generated request_id "
        "idempotency key, so only the CLI body is stated exactly.",
        "signal",
        "approval.received",
        [{"approved_by": "ada", "approved": True, "notes": "ship it"}],
    )


def workflow_query() -> dict[str, Any]:
    return _named_command(
        "workflow.query",
        "Query order.status of wf-polyglot-231 with one argument; the SDK sends it as an Avro envelope.",
        "query",
        "order.status",
        [{"include_line_items": True, "currency": "USD"}],
    )


def workflow_update() -> dict[str, Any]:
    return _named_command(
        "workflow.update",
        "Update quota.adjust on wf-polyglot-231 and wait for completion. The SDK also sends a generated "
        "request_id idempotency key, so only the CLI body is stated exactly.",
        "update",
        "quota.adjust",
        [{"quota": 50, "reason": "gold-tier"}],
        wait_for="completed",
    )


def workflow_cancel() -> dict[str, Any]:
    reason = "customer requested refund"
    return fixture(
        "workflow.cancel",
        "Cancel wf-polyglot-231 with a reason.",
        request={"method": "POST", "path": f"/workflows/{WORKFLOW_ID}/cancel"},
        semantic_body={"workflow_id": WORKFLOW_ID, "reason": reason},
        cli={
            "argv": {"workflow-id": WORKFLOW_ID, "--reason": reason},
            "expected_body": {"reason": reason},
        },
        sdk_python={
            "args": {"workflow_id": WORKFLOW_ID, "reason": reason},
            "expected_body": {"reason": reason},
        },
    )


def workflow_task_history() -> dict[str, Any]:
    page, next_page, total = "history-page-2", "history-page-3", 4
    lease_owner, attempt = "polyglot-worker-231", 2
    events = [
        {
            "event_id": 2,
            "event_type": "ActivityScheduled",
            "payload": {"activity_type": "inventory.sync-page"},
        },
        {"event_id": 3, "event_type": "ActivityCompleted", "payload": {"activity_id": "activity-231"}},
    ]
    return fixture(
        "workflow-task.history",
        "Fetch the second replay page of leased workflow task workflow-task-231 (worker plane).",
        request={
            "method": "POST",
            "path": f"/worker/workflow-tasks/{TASK_ID}/history",
            "body": {
                "next_history_page_token": page,
                "lease_owner": lease_owner,
                "workflow_task_attempt": attempt,
            },
        },
        semantic_body={
            "task_id": TASK_ID,
            "lease_owner": lease_owner,
            "workflow_task_attempt": attempt,
            "next_history_page_token": page,
            "total_history_events": total,
            "response_next_history_page_token": next_page,
        },
        response_body={
            "history_events": events,
            "total_history_events": total,
            "next_history_page_token": next_page,
        },
        cli={
            "argv": {
                "task-id": TASK_ID,
                "page-token": page,
                "--lease-owner": lease_owner,
                "--attempt": str(attempt),
                "--json": True,
            },
        },
        sdk_python={
            "method": "workflow_task_history",
            "kwargs": {
                "task_id": TASK_ID,
                "next_history_page_token": page,
                "lease_owner": lease_owner,
                "workflow_task_attempt": attempt,
            },
        },
    )


def namespace_set_storage_driver() -> dict[str, Any]:
    config = {
        "disk": "external-payload-objects",
        "bucket": "dw-payloads",
        "prefix": f"{STORAGE_NAMESPACE}/",
        "region": "us-east-1",
        "endpoint": "https://s3.us-east-1.amazonaws.com",
        "auth_profile": "billing-prod",
    }
    body = {"driver": "s3", "enabled": True, "threshold_bytes": 2_097_152, "config": config}
    option_names = ("disk", "bucket", "prefix", "region", "endpoint", "auth_profile")
    return fixture(
        "namespace.set_storage_driver",
        "Point namespace billing's external payload storage at S3 above 2 MiB.",
        request={"method": "PUT", "path": f"/namespaces/{STORAGE_NAMESPACE}/external-storage", "body": body},
        semantic_body={
            "namespace": STORAGE_NAMESPACE,
            "driver": "s3",
            "enabled": True,
            "threshold_bytes": 2_097_152,
            **{key: config[key] for key in ("disk", "bucket", "prefix")},
        },
        response_body={
            "name": STORAGE_NAMESPACE,
            "external_payload_storage": body,
            "updated_at": "2026-04-22T15:25:00Z",
        },
        cli={
            "argv": {
                "name": STORAGE_NAMESPACE,
                "driver": "s3",
                "--threshold-bytes": str(body["threshold_bytes"]),
                **{"--" + key.replace("_", "-"): config[key] for key in option_names},
                "--json": True,
            },
        },
        sdk_python={
            "method": "set_namespace_external_storage",
            "args": {"name": STORAGE_NAMESPACE, **body},
        },
    )


def storage_test() -> dict[str, Any]:
    small, large = 128, 3_145_728
    reference_uri = f"s3://dw-payloads/{STORAGE_NAMESPACE}/storage-test-large"
    request_body = {"small_payload_bytes": small, "large_payload_bytes": large, "driver": "s3"}
    return fixture(
        "storage.test",
        "Round-trip a small and an over-threshold payload through the s3 driver of the active namespace.",
        request={"method": "POST", "path": "/storage/test", "body": request_body},
        semantic_body={
            "status": "passed",
            "namespace": STORAGE_NAMESPACE,
            "driver": "s3",
            "small_payload_bytes": small,
            "large_payload_bytes": large,
            "large_payload_reference_uri": reference_uri,
        },
        response_body={
            "status": "passed",
            "namespace": STORAGE_NAMESPACE,
            "driver": "s3",
            # Placeholder digests, as in the client repositories: no client checks them.
            "small_payload": {"status": "passed", "bytes": small, "sha256": "a" * 64},
            "large_payload": {
                "status": "passed",
                "bytes": large,
                "sha256": "b" * 64,
                "reference_uri": reference_uri,
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
            "args": {"driver": "s3", "small_payload_bytes": small, "large_payload_bytes": large},
        },
    )


def schedule_history() -> dict[str, Any]:
    triggered = {
        "workflow_instance_id": f"wf-inventory-check-{SCHEDULE_DAY.replace('-', '')}",
        "workflow_run_id": f"run-inventory-check-{SCHEDULE_DAY.replace('-', '')}",
    }
    no_workflow = {"workflow_instance_id": None, "workflow_run_id": None}
    events = [
        {
            "id": f"evt-{sequence}",
            "sequence": sequence,
            "event_type": event_type,
            "recorded_at": f"{SCHEDULE_DAY}T{time_of_day}Z",
            **refs,
            "payload": payload,
        }
        for sequence, event_type, time_of_day, refs, payload in (
            (6, "ScheduleTriggered", "06:00:00", triggered, {"overlap_policy": "skip"}),
            (7, "ScheduleTriggerSkipped", "06:30:00", no_workflow, {"reason": "previous_run_in_progress"}),
            (8, "ScheduleUpdated", "12:00:00", no_workflow, {"fields": ["overlap_policy"]}),
        )
    ]
    last_sequence = events[-1]["sequence"]
    return fixture(
        "schedule.history",
        "Read one page of the daily-inventory-check schedule's audit history after sequence 5.",
        request={
            "method": "GET",
            "path": f"/schedules/{SCHEDULE_ID}/history",
            "query": {"limit": "100", "after_sequence": "5"},
        },
        semantic_body={
            "namespace": SCHEDULE_NAMESPACE,
            "schedule_id": SCHEDULE_ID,
            "event_types": [event["event_type"] for event in events],
            "sequences": [event["sequence"] for event in events],
            "workflow_refs": {str(events[0]["sequence"]): triggered},
            "has_more": True,
            "next_cursor": last_sequence,
        },
        response_body={
            "schedule_id": SCHEDULE_ID,
            "namespace": SCHEDULE_NAMESPACE,
            "events": events,
            "has_more": True,
            "next_cursor": last_sequence,
        },
        cli={
            "argv": {
                "schedule-id": SCHEDULE_ID,
                "--limit": "100",
                "--after-sequence": "5",
                "--json": True,
            },
        },
        sdk_python={
            "method": "get_schedule_history",
            "args": {"schedule_id": SCHEDULE_ID, "limit": 100, "after_sequence": 5},
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
