"""Error kinds by meaning (data/error-kinds.yaml) and a client's declared retries, judged on their own."""

from __future__ import annotations

from typing import Any

import pytest

from conformance.problems import InputError
from conformance.scenarios.declared_retries import (
    DeclaredRetries,
    declared_retry_differences,
    parse_declared_retries,
)
from conformance.scenarios.error_kinds import (
    default_error_kinds,
    kind_differences,
    kind_not_asserted,
    parse_error_kinds,
)
from conformance.scenarios.sequence import SentRequest

NOT_FOUND = {"message": "Workflow not found.", "reason": "instance_not_found"}
INVALID = {
    "message": "The duplicate_policy field only supports fail or use-existing.",
    "reason": "validation_failed",
    "errors": {"duplicate_policy": ["The duplicate_policy field only supports fail or use-existing."]},
}


def sdk_surface(exception: str, **fields: Any) -> dict[str, Any]:
    return {"exception": f"durable_workflow.errors.{exception}", "fields": fields, "message": "m"}


def pointers(differences: list[Any]) -> list[str]:
    return [difference.pointer for difference in differences]


def test_the_shipped_map_loads_and_names_the_kind_of_an_answer_by_status_and_reason() -> None:
    kinds = default_error_kinds()
    assert {"sdk_python", "cli"} <= set(kinds.clients)
    found = kinds.kind_of(404, NOT_FOUND)
    assert found is not None and found.name == "workflow_not_found"
    schedule = kinds.kind_of(404, {"reason": "schedule_not_found"})
    assert schedule is not None and schedule.name == "schedule_not_found"
    assert kinds.kind_of(404, {"reason": "something_else"}) is None
    unauthorized = kinds.kind_of(401, "not json")
    assert unauthorized is not None and unauthorized.name == "unauthorized"
    assert kinds.kind_of(None, NOT_FOUND) is None


def test_a_surface_naming_the_answers_kind_passes() -> None:
    surface = sdk_surface("WorkflowNotFound", workflow_id="wf-1")
    assert kind_differences(404, NOT_FOUND, surface, "sdk_python") == []
    assert kind_differences(404, NOT_FOUND, {"exit_code": 5, "json": {}, "stderr": ""}, "cli") == []
    assert kind_differences(401, {"reason": "unauthorized"}, sdk_surface("Unauthorized"), "sdk_python") == []


def test_a_surface_contradicting_the_answers_kind_fails_at_the_kind() -> None:
    surface = sdk_surface("ServerError", status=404, body=NOT_FOUND)
    (difference,) = kind_differences(404, NOT_FOUND, surface, "sdk_python")
    assert difference.pointer == "/error_surface/kind" and difference.is_failure
    assert difference.expected == "durable_workflow.errors.WorkflowNotFound"
    assert difference.actual == "durable_workflow.errors.ServerError"
    assert "404 instance_not_found (workflow_not_found)" in difference.message
    (cli,) = kind_differences(401, {"reason": "unauthorized"}, {"exit_code": 0, "json": None}, "cli")
    assert (cli.pointer, cli.expected, cli.actual) == ("/error_surface/kind", 4, 0)


def test_a_validation_map_the_client_drops_or_changes_fails_at_the_errors() -> None:
    kept = sdk_surface("InvalidArgument", errors=INVALID["errors"])
    assert kind_differences(422, INVALID, kept, "sdk_python") == []
    dropped = sdk_surface("InvalidArgument", errors={})
    assert pointers(kind_differences(422, INVALID, dropped, "sdk_python")) == ["/error_surface/errors"]
    changed = sdk_surface("InvalidArgument", errors={"duplicate_policy": ["other"]})
    assert pointers(kind_differences(422, INVALID, changed, "sdk_python")) == ["/error_surface/errors"]
    cli = {"exit_code": 2, "json": {"validation_errors": {}}, "stderr": ""}
    assert pointers(kind_differences(422, INVALID, cli, "cli")) == ["/error_surface/errors"]


def test_what_a_map_does_not_list_is_not_asserted_with_its_reason() -> None:
    surface = sdk_surface("ServerError", status=404)
    assert kind_differences(404, NOT_FOUND, surface, "exec_client") == []
    (note,) = kind_not_asserted(404, NOT_FOUND, "exec_client")
    assert "workflow_not_found" in note and "exec_client" in note
    (unknown,) = kind_not_asserted(409, {"reason": "duplicate_not_allowed"}, "sdk_python")
    assert "409" in unknown
    assert kind_not_asserted(404, NOT_FOUND, "sdk_python") == []
    assert kind_not_asserted(200, {}, "sdk_python") == []


def test_a_bad_map_names_every_problem_with_its_pointer() -> None:
    document = {
        "kinds": {"a": {"status": "401"}, "b": {"status": [404], "reasons": "x"}},
        "clients": {
            "sdk_python": {"at": "exception", "kinds": {}},
            "cli": {"at": "/x", "kinds": {"zz": {"is": 1}}},
        },
    }
    with pytest.raises(InputError) as raised:
        parse_error_kinds(document, "map.yaml")
    where = sorted(problem.pointer for problem in raised.value.problems)
    assert where == ["/clients/cli/kinds/zz", "/clients/sdk_python/at", "/kinds/a/status", "/kinds/b/reasons"]


# ------------------------------------------------------------------ declared retries
SDK = DeclaredRetries("sdk_python", ("429", "5xx"), 3, "TransportRetryPolicy")


def sent(index: int, status: int | None, error: str | None = None, answer: str = "") -> SentRequest:
    return SentRequest(index, "POST", "/api/x", {}, {}, float(index), status, answer, error, None, None, None)


def test_a_client_that_retries_as_it_declares_passes() -> None:
    assert declared_retry_differences(SDK, [sent(0, 429), sent(1, 200)], gave_up=False) == []
    assert declared_retry_differences(SDK, [sent(0, 500), sent(1, 500), sent(2, 500)], gave_up=True) == []
    # an answer it does not declare (a 401, a dropped connection) is not asserted
    assert declared_retry_differences(SDK, [sent(0, 401)], gave_up=True) == []
    assert declared_retry_differences(SDK, [sent(0, None, "dropped")], gave_up=True) == []


def test_a_client_that_gives_up_before_its_declared_attempts_fails_at_the_missing_attempt() -> None:
    (difference,) = declared_retry_differences(SDK, [sent(0, 429)], gave_up=True)
    assert difference.pointer == "/requests/1" and difference.kind == "declared_retry"
    assert "429" in difference.message and "3 attempts in all" in difference.message
    (second,) = declared_retry_differences(SDK, [sent(0, 503), sent(1, 503)], gave_up=True)
    assert second.pointer == "/requests/2"


def test_a_client_that_retries_beyond_its_declared_attempts_fails_at_the_first_extra_one() -> None:
    sequence = [sent(index, 500) for index in range(4)]
    (difference,) = declared_retry_differences(SDK, sequence, gave_up=True)
    assert (difference.pointer, difference.expected, difference.actual) == ("/requests/3", 3, 4)


def test_each_page_of_a_walk_has_its_own_attempts() -> None:
    walk = [sent(0, 200), sent(1, 429), sent(2, 200), sent(3, 200)]
    assert declared_retry_differences(SDK, walk, gave_up=False) == []


def test_a_bad_declaration_names_every_problem() -> None:
    items = [
        {"projection": "sdk_python", "retries": ["429", "soon"], "max_attempts": 0, "reason": "r"},
        {"projection": "", "retries": [], "max_attempts": 3, "reason": "r", "extra": 1},
    ]
    with pytest.raises(InputError) as raised:
        parse_declared_retries(items, "policy.yaml")
    where = sorted(problem.pointer for problem in raised.value.problems)
    assert where == [
        "/declared_retries/0/max_attempts",
        "/declared_retries/0/retries/1",
        "/declared_retries/1/extra",
        "/declared_retries/1/projection",
        "/declared_retries/1/retries",
    ]
    (entry,) = parse_declared_retries([{**items[0], "retries": [429, "5xx"], "max_attempts": 3}], "p.yaml")
    assert entry == DeclaredRetries("sdk_python", ("429", "5xx"), 3, "r")
