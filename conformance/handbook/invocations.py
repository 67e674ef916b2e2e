"""How the two reference clients perform an operation: the ``dw`` command line and the SDK call.

Both are built exactly as the adapters build them: the ``dw`` argv with
:func:`conformance.adapters.cli_argv.build_arguments` and the command from the
operation tables (:mod:`conformance.operations`); the SDK method from
``sdk_python.method`` else the tables, with ``args`` and ``kwargs`` merged as
keyword arguments (:func:`conformance.adapters.python_sdk.sdk_arguments`).
A fixture without a projection, or with one the adapter would refuse, gets an
entry that says so instead of a guess.
"""

from __future__ import annotations

import json
import shlex

from conformance.adapters.cli_argv import build_arguments
from conformance.adapters.python_sdk import sdk_arguments
from conformance.fixture import Fixture
from conformance.handbook.model import Invocation
from conformance.operations import OperationTables
from conformance.problems import InputError


def cli_invocation(fixture: Fixture, tables: OperationTables) -> Invocation:
    projection = fixture.projection("cli")
    command = tables.cli_command(fixture.operation)
    if projection is None:
        return Invocation(
            "dw CLI", f"dw {command}", ("The fixture has no `cli` projection.",), available=False
        )
    try:
        arguments = build_arguments(projection.get("argv"), file=str(fixture.path))
    except InputError as error:
        return Invocation(
            "dw CLI", f"dw {command}", tuple(problem.render() for problem in error.problems), False
        )
    detail = [
        f"command `{command}`"
        + (
            " (from the operation table)"
            if fixture.operation in tables.cli_commands
            else " (general naming rule)"
        )
    ]
    detail.append(
        "server, namespace and token travel in the environment: DURABLE_WORKFLOW_SERVER_URL, "
        "DURABLE_WORKFLOW_NAMESPACE, DURABLE_WORKFLOW_AUTH_TOKEN"
    )
    return Invocation("dw CLI", shlex.join(["dw", command, *arguments]), tuple(detail))


def sdk_invocation(fixture: Fixture, tables: OperationTables) -> Invocation:
    projection = fixture.projection("sdk_python")
    if projection is None:
        return Invocation("Python SDK", "", ("The fixture has no `sdk_python` projection.",), available=False)
    method = projection.get("method")
    origin = "sdk_python.method"
    if not isinstance(method, str) or not method:
        method = tables.sdk_method(fixture.operation)
        origin = "the operation table"
    if method is None:
        return Invocation("Python SDK", "", ("No SDK method is known for this operation.",), available=False)
    try:
        arguments, _pointers = sdk_arguments(projection, str(fixture.path))
    except InputError as error:
        return Invocation(
            "Python SDK", f"await client.{method}(...)", tuple(p.render() for p in error.problems), False
        )
    lines = [f"    {name}={_python_literal(value)}," for name, value in arguments.items()]
    text = f"await client.{method}(\n" + "\n".join(lines) + "\n)" if lines else f"await client.{method}()"
    detail = (
        f"method from {origin}; arguments are keyword arguments (`args` and `kwargs` merged)",
        "client = durable_workflow.Client(server_url, namespace=..., token=...)",
    )
    return Invocation("Python SDK", text, detail)


def _python_literal(value: object) -> str:
    """A JSON value written as Python source (``true`` -> ``True``, ``null`` -> ``None``)."""
    text = json.dumps(value, ensure_ascii=False)
    if isinstance(value, bool):
        return "True" if value else "False"
    if value is None:
        return "None"
    if isinstance(value, dict | list):
        return repr(value)
    return text


def invocations(fixture: Fixture, tables: OperationTables) -> tuple[Invocation, ...]:
    return (cli_invocation(fixture, tables), sdk_invocation(fixture, tables))
