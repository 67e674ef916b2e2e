"""Faults planted in scratch copies of the real clients: each a small source edit and what must catch it.

A :class:`Fault` names one file of a client snapshot (``../shared/upstream/cli``
or ``../shared/upstream/sdk-python``), a short anchor to find (``old``, the
first occurrence after the unique ``after`` anchor when one is given, else
the only one in the file) and its replacement; the fixture or scenario
(``subject``) whose case must fail; and the client's own test that reads the
same fixture (``upstream``: a pytest ``-k`` expression for the SDK's
``tests/test_client.py``, a PHPUnit ``--filter`` and test file for the CLI),
or ``None`` where the client's suite has no test of that behaviour that runs
here. Anchors are a few tokens of the snapshot, enough to place the edit;
nothing of the clients is copied into the project.

``kind`` says what the fault breaks: ``request`` (a query or body part, a
header, the path), ``surfaced`` (a scalar the client hands its user),
``list`` (the length, order or identity of a surfaced list), ``container``
(a renamed container), ``walk`` (paging), ``error`` (error answers),
``retry`` or ``avro`` (payload envelopes).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

__all__ = ["FAULTS", "Fault", "FaultError", "plant"]

Client = Literal["sdk", "cli"]
SDK_CLIENT = "src/durable_workflow/client.py"
SDK_ERRORS = "src/durable_workflow/errors.py"
SDK_RETRY = "src/durable_workflow/retry_policy.py"
SDK_TESTS = "tests/test_client.py"


class FaultError(Exception):
    """A fault's anchor is not where the fault says (the snapshot moved on): the fault cannot be planted."""


@dataclass(frozen=True)
class Fault:
    id: str
    client: Client
    kind: str
    file: str
    old: str
    new: str
    subject: str
    #: The client's own test: SDK ``-k`` expression over ``tests/test_client.py`` or ``(test file, -k)``;
    #: CLI ``(test file, --filter)``.
    upstream: str | tuple[str, str] | None
    what: str
    after: str | None = None

    @property
    def upstream_test(self) -> tuple[str, str] | None:
        """(test file, selector) of the client's own test, or ``None``."""
        if self.upstream is None:
            return None
        return (SDK_TESTS, self.upstream) if isinstance(self.upstream, str) else self.upstream


def plant(checkout: Path, fault: Fault) -> None:
    """Apply ``fault`` to the scratch copy ``checkout`` (raises :class:`FaultError` when it cannot)."""
    path = checkout / fault.file
    text = path.read_text(encoding="utf-8")
    start = 0
    if fault.after is not None:
        if text.count(fault.after) != 1:
            raise FaultError(
                f"{fault.id}: {fault.after!r} occurs {text.count(fault.after)} times in {fault.file}"
            )
        start = text.index(fault.after)
    elif text.count(fault.old) != 1:
        raise FaultError(f"{fault.id}: {fault.old!r} occurs {text.count(fault.old)} times in {fault.file}")
    at = text.find(fault.old, start)
    if at < 0:
        raise FaultError(f"{fault.id}: {fault.old!r} is not in {fault.file} after its anchor")
    path.write_text(text[:at] + fault.new + text[at + len(fault.old) :], encoding="utf-8")


def _sdk(
    id: str,
    kind: str,
    subject: str,
    upstream: str | tuple[str, str] | None,
    what: str,
    old: str,
    new: str,
    *,
    after: str | None = None,
    file: str = SDK_CLIENT,
) -> Fault:
    return Fault(id, "sdk", kind, file, old, new, subject, upstream, what, after)


def _cli(
    id: str,
    kind: str,
    subject: str,
    upstream: tuple[str, str] | None,
    what: str,
    file: str,
    old: str,
    new: str,
    *,
    after: str | None = None,
) -> Fault:
    return Fault(id, "cli", kind, f"src/{file}", old, new, subject, upstream, what, after)


_CLI_CLIENT_TESTS = ("tests/Support/ServerClientTest.php", "test_")


_LIST = "async def list_workflows("
_WL = "workflow-list-parity.json"
_CLI_LIST = (
    "tests/Commands/WorkflowListParityFixtureTest.php",
    "test_workflow_list_matches_polyglot_request_fixture",
)

FAULTS: tuple[Fault, ...] = (
    # ---------------------------------------------------------------- the SDK
    _sdk(
        "sdk-list-drops-last",
        "list",
        _WL,
        "test_list_request_matches_polyglot_fixture",
        "list_workflows drops the last workflow of the page",
        "for item in items",
        "for item in items[:-1]",
        after=_LIST,
    ),
    _sdk(
        "sdk-list-no-page-size",
        "request",
        _WL,
        "test_list_request_matches_polyglot_fixture",
        "list_workflows stops sending page_size",
        'params["page_size"] = str(page_size)',
        "pass",
        after=_LIST,
    ),
    _sdk(
        "sdk-list-no-status",
        "request",
        _WL,
        "test_list_request_matches_polyglot_fixture",
        "list_workflows stops sending the status filter",
        'params["status"] = status',
        "pass",
        after=_LIST,
    ),
    _sdk(
        "sdk-list-reads-other-container",
        "container",
        _WL,
        "test_list_request_matches_polyglot_fixture",
        "list_workflows reads an `executions` container the answer does not have (an empty list)",
        'items = data.get("workflows", [])',
        'items = data.get("executions", [])',
        after=_LIST,
    ),
    _sdk(
        "sdk-list-no-token",
        "surfaced",
        _WL,
        "test_list_request_matches_polyglot_fixture",
        "list_workflows drops the next page token",
        'next_page_token=data.get("next_page_token"),',
        "next_page_token=None,",
        after=_LIST,
    ),
    _sdk(
        "sdk-list-reversed",
        "list",
        _WL,
        "test_list_request_matches_polyglot_fixture",
        "list_workflows returns the page in reverse order",
        "for item in items",
        "for item in reversed(items)",
        after=_LIST,
    ),
    _sdk(
        "sdk-namespaces-drops-first",
        "list",
        "namespace-list-parity.json",
        "test_list_namespaces_matches_polyglot_fixture",
        "list_namespaces drops the first namespace",
        "for item in items",
        "for item in items[1:]",
        after='items = data.get("namespaces", [])',
    ),
    _sdk(
        "sdk-task-queues-drops-last",
        "list",
        "task-queue-list-parity.json",
        "test_list_task_queues_matches_polyglot_fixture",
        "list_task_queues drops the last queue",
        "for item in items",
        "for item in items[:-1]",
        after='items = data.get("task_queues", [])',
    ),
    _sdk(
        "sdk-workers-drops-last",
        "list",
        "worker-list-parity.json",
        "test_list_workers_matches_polyglot_fixture",
        "list_workers drops the last worker",
        "for item in items",
        "for item in items[:-1]",
        after='items = data.get("workers", [])',
    ),
    _sdk(
        "sdk-schedules-drops-first",
        "list",
        "schedule-list-parity.json",
        "test_list_schedules_matches_polyglot_fixture",
        "list_schedules drops the first schedule",
        "for item in items",
        "for item in items[1:]",
        after='items = data.get("schedules", [])',
    ),
    _sdk(
        "sdk-schedules-no-token",
        "surfaced",
        "schedule-list-parity.json",
        "test_list_schedules_matches_polyglot_fixture",
        "list_schedules drops the next page token",
        'next_page_token=data.get("next_page_token"),',
        "next_page_token=None,",
        after='items = data.get("schedules", [])',
    ),
    _sdk(
        "sdk-runs-reversed",
        "list",
        "workflow-list-runs-parity.json",
        "test_list_runs_request_matches_polyglot_fixture",
        "list_workflow_runs returns the runs newest first",
        'for item in data.get("runs", [])',
        'for item in reversed(data.get("runs", []))',
    ),
    _sdk(
        "sdk-run-count-off-by-one",
        "surfaced",
        "workflow-list-runs-parity.json",
        "test_list_runs_request_matches_polyglot_fixture",
        "list_workflow_runs counts one run too many",
        'run_count=data.get("run_count", len(runs)),',
        "run_count=len(runs) + 1,",
    ),
    _sdk(
        "sdk-build-ids-drops-last",
        "list",
        "task-queue-build-ids-parity.json",
        "test_list_task_queue_build_ids_matches_polyglot_fixture",
        "list_task_queue_build_ids drops the last build id",
        "for item in (items if isinstance(items, list) else [])",
        "for item in (items[:-1] if isinstance(items, list) else [])",
    ),
    _sdk(
        "sdk-history-events-drops-last",
        "list",
        "schedule-history-parity.json",
        "test_get_schedule_history_matches_polyglot_fixture",
        "get_schedule_history drops the page's last event",
        "for item in raw_events",
        "for item in raw_events[:-1]",
    ),
    _sdk(
        "sdk-cancel-no-reason",
        "request",
        "workflow-cancel-parity.json",
        "test_cancel_request_matches_polyglot_fixture",
        "cancel_workflow stops sending the reason",
        'body["reason"] = reason',
        "pass",
        after="async def cancel_workflow(",
    ),
    _sdk(
        "sdk-terminate-reason-upper",
        "request",
        "workflow-terminate-parity.json",
        "test_terminate_request_matches_polyglot_fixture",
        "terminate_workflow sends the reason upper-cased",
        'body["reason"] = reason',
        'body["reason"] = reason.upper()',
        after="async def terminate_workflow(",
    ),
    _sdk(
        "sdk-archive-wrong-path",
        "request",
        "workflow-archive-parity.json",
        "test_archive_request_matches_polyglot_fixture",
        "archive_workflow posts to /archived",
        '/archive", json=body',
        '/archived", json=body',
        after="async def archive_workflow(",
    ),
    _sdk(
        "sdk-repair-extra-body",
        "request",
        "workflow-repair-parity.json",
        "test_repair_request_matches_polyglot_fixture",
        "repair_workflow sends a body member nobody asked for",
        "json={}, context=workflow_id)",
        'json={"force": True}, context=workflow_id)',
        after="async def repair_workflow(",
    ),
    _sdk(
        "sdk-update-no-wait-for",
        "request",
        "workflow-update-parity.json",
        "test_update_request_matches_polyglot_fixture",
        "update_workflow stops sending wait_for",
        'body["wait_for"] = wait_for',
        "pass",
    ),
    _sdk(
        "sdk-query-wrong-path",
        "request",
        "workflow-query-parity.json",
        "test_query_request_matches_polyglot_fixture",
        "query_workflow posts to /queries/",
        'f"/workflows/{workflow_id}/query/{query_name}"',
        'f"/workflows/{workflow_id}/queries/{query_name}"',
    ),
    _sdk(
        "sdk-namespace-header-upper",
        "request",
        "workflow-describe-parity.json",
        "test_control_plane_headers",
        "every request names the namespace upper-cased in X-Namespace",
        'h["X-Namespace"] = self.namespace',
        'h["X-Namespace"] = self.namespace.upper()',
    ),
    _sdk(
        "sdk-control-plane-version-3",
        "request",
        "workflow-describe-parity.json",
        "test_control_plane_headers",
        "every control-plane request claims control-plane version 3",
        'CONTROL_PLANE_VERSION = "2"',
        'CONTROL_PLANE_VERSION = "3"',
    ),
    _sdk(
        "sdk-signal-plain-input",
        "avro",
        "workflow-signal-parity.json",
        "test_signal_request_matches_polyglot_fixture",
        "signal_workflow sends its arguments as plain JSON, not an Avro envelope",
        'body["input"] = self._payload_envelope(',
        'body["input"] = list(args) or self._payload_envelope(',
        after="async def signal_workflow(",
    ),
    _sdk(
        "sdk-start-input-json-codec",
        "avro",
        "workflow-start-parity.json",
        "test_start_request_matches_polyglot_fixture",
        "start_workflow wraps its input in a JSON-codec envelope, not Avro",
        'kind="workflow_input",',
        'kind="workflow_input", codec="json",',
        after="async def start_workflow(",
    ),
    _sdk(
        "sdk-schedule-history-skips-one",
        "walk",
        "schedule-history-walk.scenario.yaml",
        "test_iter_schedule_history_walks_polyglot_fixture",
        "the history walk asks for after_sequence one past the cursor",
        'params["after_sequence"] = str(after_sequence)',
        'params["after_sequence"] = str(after_sequence + 1)',
    ),
    _sdk(
        "sdk-schedule-history-stops-early",
        "walk",
        "schedule-history-walk.scenario.yaml",
        "test_iter_schedule_history_walks_polyglot_fixture",
        "iter_schedule_history stops after the first page",
        "if not page.has_more or page.next_cursor is None:",
        "if True:",
    ),
    _sdk(
        "sdk-401-not-raised",
        "error",
        "unauthorized-401.scenario.yaml",
        ("tests/test_errors.py", "test_401_unauthorized"),
        "a 401 answer is not raised as Unauthorized but falls through to the generic errors",
        "if status == 401:",
        "if status == 4010:",
        file=SDK_ERRORS,
    ),
    _sdk(
        "sdk-404-not-found-generic",
        "error",
        "workflow-not-found-404.scenario.yaml",
        ("tests/test_errors.py", "test_404_instance_not_found"),
        "a 404 for a workflow raises ServerError instead of WorkflowNotFound",
        'if reason in ("instance_not_found", "workflow_not_found") or "workflow" in context.lower():',
        "if False:",
        file=SDK_ERRORS,
    ),
    _sdk(
        "sdk-422-errors-dropped",
        "error",
        "validation-422.scenario.yaml",
        ("tests/test_errors.py", "test_422_invalid"),
        "a 422 answer's `errors` are dropped from InvalidArgument",
        "raise InvalidArgument(message, errors)",
        "raise InvalidArgument(message, {})",
        file=SDK_ERRORS,
    ),
    _sdk(
        "sdk-no-retries",
        "retry",
        "server-error-500.scenario.yaml",
        ("tests/test_retry_policy.py", "test_should_retry_5xx_server_error"),
        "the transport never retries (one attempt)",
        "max_attempts: int = 3",
        "max_attempts: int = 1",
        file=SDK_RETRY,
    ),
    _sdk(
        "sdk-429-not-retried",
        "retry",
        "rate-limited-429.scenario.yaml",
        ("tests/test_retry_policy.py", "test_should_retry_429_rate_limit"),
        "a 429 answer is not retried",
        "exc.response.status_code >= 500 or exc.response.status_code == 429",
        "exc.response.status_code >= 500",
        file=SDK_RETRY,
    ),
    # ---------------------------------------------------------------- the dw CLI
    _cli(
        "cli-list-no-page-size",
        "request",
        _WL,
        _CLI_LIST,
        "dw workflow:list stops sending page_size",
        "Commands/WorkflowCommand/ListCommand.php",
        "'page_size' => (int) $input->getOption('limit'),",
        "",
    ),
    _cli(
        "cli-list-type-renamed",
        "request",
        _WL,
        _CLI_LIST,
        "dw workflow:list sends the type filter as `type`",
        "Commands/WorkflowCommand/ListCommand.php",
        "'workflow_type' => $input->getOption('type'),",
        "'type' => $input->getOption('type'),",
    ),
    _cli(
        "cli-list-drops-last",
        "list",
        _WL,
        _CLI_LIST,
        "dw workflow:list --json drops the last workflow",
        "Commands/WorkflowCommand/ListCommand.php",
        "return $this->renderJsonList($output, $input, $result, 'workflows');",
        "$result['workflows'] = array_slice($result['workflows'] ?? [], 0, -1);\n"
        "            return $this->renderJsonList($output, $input, $result, 'workflows');",
    ),
    _cli(
        "cli-list-renamed-container",
        "container",
        _WL,
        _CLI_LIST,
        "dw workflow:list --json prints the workflows under `executions`",
        "Commands/WorkflowCommand/ListCommand.php",
        "return $this->renderJsonList($output, $input, $result, 'workflows');",
        "$result['executions'] = $result['workflows'] ?? [];\n            unset($result['workflows']);\n"
        "            return $this->renderJsonList($output, $input, $result, 'executions');",
    ),
    _cli(
        "cli-list-no-token",
        "surfaced",
        _WL,
        _CLI_LIST,
        "dw workflow:list --json drops the next page token",
        "Commands/WorkflowCommand/ListCommand.php",
        "return $this->renderJsonList($output, $input, $result, 'workflows');",
        "unset($result['next_page_token']);\n"
        "            return $this->renderJsonList($output, $input, $result, 'workflows');",
    ),
    _cli(
        "cli-archive-no-reason",
        "request",
        "workflow-archive-parity.json",
        ("tests/Commands/WorkflowMaintenanceParityFixtureTest.php", "archive"),
        "dw workflow:archive stops sending the reason",
        "Commands/WorkflowCommand/ArchiveCommand.php",
        "'reason' => $input->getOption('reason'),",
        "'reason' => null,",
    ),
    _cli(
        "cli-terminate-reason-upper",
        "request",
        "workflow-terminate-parity.json",
        None,
        "dw workflow:terminate sends the reason upper-cased",
        "Commands/WorkflowCommand/TerminateCommand.php",
        "'reason' => $input->getOption('reason'),",
        "'reason' => strtoupper((string) $input->getOption('reason')),",
    ),
    _cli(
        "cli-history-always-waits",
        "request",
        "workflow-history-parity.json",
        ("tests/Commands/WorkflowHistoryParityFixtureTest.php", "history"),
        "dw workflow:history always asks the server to wait for a new event",
        "Commands/WorkflowCommand/HistoryCommand.php",
        "'wait_new_event' => $follow,",
        "'wait_new_event' => true,",
    ),
    _cli(
        "cli-history-walk-stops",
        "walk",
        "workflow-history-walk.scenario.yaml",
        ("tests/Commands/WorkflowHistoryParityFixtureTest.php", "history"),
        "dw workflow:history stops after the first page",
        "Commands/WorkflowCommand/HistoryCommand.php",
        "$nextPageToken = $result['next_page_token'] ?? null;",
        "$nextPageToken = null;",
    ),
    _cli(
        "cli-schedule-history-skips-one",
        "walk",
        "schedule-history-walk.scenario.yaml",
        ("tests/Commands/ScheduleParityFixtureTest.php", "history"),
        "dw schedule:history --all asks for after_sequence one past the cursor",
        "Commands/ScheduleCommand/HistoryCommand.php",
        "$query['after_sequence'] = (string) $cursor;",
        "$query['after_sequence'] = (string) ($cursor + 1);",
    ),
    _cli(
        "cli-schedule-history-no-walk",
        "walk",
        "schedule-history-walk.scenario.yaml",
        ("tests/Commands/ScheduleParityFixtureTest.php", "history"),
        "dw schedule:history --all reads the first page only",
        "Commands/ScheduleCommand/HistoryCommand.php",
        "} while ($fetchAll && $hasMore && $cursor !== null);",
        "} while (false);",
    ),
    _cli(
        "cli-namespaces-drops-last",
        "list",
        "namespace-list-parity.json",
        ("tests/Commands/NamespaceParityFixtureTest.php", "list"),
        "dw namespace:list --json drops the last namespace",
        "Commands/NamespaceCommand/ListCommand.php",
        "return $this->renderJsonList($output, $input, $result, 'namespaces');",
        "$result['namespaces'] = array_slice($result['namespaces'] ?? [], 0, -1);\n"
        "            return $this->renderJsonList($output, $input, $result, 'namespaces');",
    ),
    _cli(
        "cli-namespace-header-upper",
        "request",
        "workflow-describe-parity.json",
        _CLI_CLIENT_TESTS,
        "dw names the namespace upper-cased in X-Namespace",
        "Support/ServerClient.php",
        "'X-Namespace' => $this->namespace,",
        "'X-Namespace' => strtoupper($this->namespace),",
    ),
    _cli(
        "cli-auth-scheme",
        "request",
        "workflow-describe-parity.json",
        _CLI_CLIENT_TESTS,
        "dw sends its token with the `Token` scheme",
        "Support/ServerClient.php",
        "$headers['Authorization'] = 'Bearer '.$token;",
        "$headers['Authorization'] = 'Token '.$token;",
    ),
    _cli(
        "cli-4xx-as-success",
        "error",
        "workflow-not-found-404.scenario.yaml",
        _CLI_CLIENT_TESTS,
        "dw treats 4xx answers other than 401/403 as success",
        "Support/ServerClient.php",
        "if ($statusCode >= 400) {",
        "if ($statusCode >= 500) {",
    ),
    _cli(
        "cli-401-as-success",
        "error",
        "unauthorized-401.scenario.yaml",
        _CLI_CLIENT_TESTS,
        "dw lets a 401 through as a success",
        "Support/ServerClient.php",
        "if ($statusCode === 401 || $statusCode === 403) {",
        "if ($statusCode === 403) {",
    ),
)
