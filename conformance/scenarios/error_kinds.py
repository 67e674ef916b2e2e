"""Error kinds by meaning: the kind of error a server answer implies, and whether a client surfaced it.

The data is ``data/error-kinds.yaml``, beside the surfaced-facts map:

- ``kinds``: an answer is of a kind by its HTTP status and, where listed, its
  body's ``reason`` (a 404 ``instance_not_found`` is ``workflow_not_found``; a
  422 ``validation_failed`` is ``invalid_argument``, whose validation map is
  the answer's ``errors``);
- ``clients``: per projection key, where the client's error surface names
  the kind (the SDK: the exception's class, at ``/exception``; ``dw``: its exit
  code, at ``/exit_code``), the value meaning each kind, and where it carries
  the validation map.

:func:`kind_differences` is the scenario judge's check: when the last answer
is of a known kind and the client ended with an error, a surface whose kind
contradicts the answer is a failure at ``/error_surface/kind`` (``the server
answered 404 instance_not_found (workflow_not_found); the client raised
durable_workflow.errors.ServerError, where its map says
durable_workflow.errors.WorkflowNotFound``), and a validation map the client
dropped or changed is a failure at ``/error_surface/errors``.
:func:`kind_not_asserted` says what stays unchecked: an answer of no known
kind, or a kind the client's map does not list (an exec client has no map
unless one is added here). A client that did not end with an error is the
outcome check's business, not this one's.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from conformance import jsonpointer
from conformance.findings import Difference
from conformance.problems import InputError, Problem
from conformance.strict_yaml import load_shipped_yaml
from conformance.textsafe import json_safe

__all__ = [
    "ERROR_KINDS_FILE",
    "ClientKinds",
    "ErrorKinds",
    "Kind",
    "default_error_kinds",
    "kind_differences",
    "kind_not_asserted",
    "parse_error_kinds",
]

ERROR_KINDS_FILE = "conformance/data/error-kinds.yaml"


@dataclass(frozen=True)
class Kind:
    """One kind of error answer: the statuses and (optional) reasons that mean it."""

    name: str
    statuses: tuple[int, ...]
    reasons: tuple[str, ...] = ()
    #: The answer member holding the validation map the client must carry ("" when none).
    errors: str = ""

    def matches(self, status: int, reason: str | None) -> bool:
        return status in self.statuses and (not self.reasons or reason in self.reasons)


@dataclass(frozen=True)
class SurfacedKind:
    value: Any
    errors_at: str = ""


@dataclass(frozen=True)
class ClientKinds:
    """How one client surfaces error kinds: the surface member naming the kind, the value per kind."""

    at: str
    kinds: Mapping[str, SurfacedKind] = field(default_factory=dict)


@dataclass(frozen=True)
class ErrorKinds:
    kinds: tuple[Kind, ...]
    clients: Mapping[str, ClientKinds]

    def kind_of(self, status: int | None, body: Any) -> Kind | None:
        """The kind the answer (status, JSON body) implies; None for an answer of no known kind."""
        if status is None:
            return None
        reason = body.get("reason") if isinstance(body, dict) else None
        reason = reason if isinstance(reason, str) else None
        return next((kind for kind in self.kinds if kind.matches(status, reason)), None)


def _problem(problems: list[Problem], source: str, where: str, expected: str, found: Any) -> None:
    problems.append(Problem(source, where, expected, repr(found)[:80]))


def _parse_kinds(raw: Any, source: str, problems: list[Problem]) -> tuple[Kind, ...]:
    if not isinstance(raw, dict):
        _problem(problems, source, "/kinds", "a mapping of kind name to status and reasons", raw)
        return ()
    kinds: list[Kind] = []
    for name, entry in raw.items():
        where = jsonpointer.join("/kinds", str(name))
        if not isinstance(entry, dict) or set(entry) - {"status", "reasons", "errors"}:
            _problem(problems, source, where, "a mapping with status, reasons, errors", entry)
            continue
        statuses = entry.get("status")
        reasons = entry.get("reasons") or []
        errors = entry.get("errors") or ""
        if (
            not isinstance(statuses, list)
            or not statuses
            or not all(isinstance(item, int) and not isinstance(item, bool) for item in statuses)
        ):
            _problem(problems, source, jsonpointer.join(where, "status"), "a list of HTTP statuses", statuses)
            continue
        if not isinstance(reasons, list) or not all(isinstance(item, str) for item in reasons):
            _problem(problems, source, jsonpointer.join(where, "reasons"), "a list of reasons", reasons)
            continue
        if not isinstance(errors, str) or (errors and not errors.startswith("/")):
            _problem(problems, source, jsonpointer.join(where, "errors"), "a JSON pointer", errors)
            continue
        kinds.append(Kind(str(name), tuple(statuses), tuple(reasons), errors))
    return tuple(kinds)


def _parse_client(
    key: str, raw: Any, known: set[str], source: str, problems: list[Problem]
) -> ClientKinds | None:
    where = jsonpointer.join("/clients", key)
    if not isinstance(raw, dict) or set(raw) - {"at", "kinds"}:
        _problem(problems, source, where, "a mapping with at and kinds", raw)
        return None
    at, raw_kinds = raw.get("at"), raw.get("kinds") or {}
    if not isinstance(at, str) or not at.startswith("/"):
        _problem(problems, source, jsonpointer.join(where, "at"), "a pointer into the error surface", at)
        return None
    if not isinstance(raw_kinds, dict):
        _problem(problems, source, jsonpointer.join(where, "kinds"), "a mapping of kind to value", raw_kinds)
        return None
    surfaced: dict[str, SurfacedKind] = {}
    for name, entry in raw_kinds.items():
        at_kind = jsonpointer.join(where, "kinds", str(name))
        if name not in known:
            _problem(problems, source, at_kind, f"one of the kinds ({', '.join(sorted(known))})", name)
        elif not isinstance(entry, dict) or "is" not in entry or set(entry) - {"is", "errors_at"}:
            _problem(problems, source, at_kind, "a mapping with is (and errors_at)", entry)
        elif not isinstance(entry.get("errors_at", ""), str):
            _problem(
                problems, source, jsonpointer.join(at_kind, "errors_at"), "a pointer", entry["errors_at"]
            )
        else:
            surfaced[str(name)] = SurfacedKind(entry["is"], entry.get("errors_at", ""))
    return ClientKinds(at, surfaced)


def parse_error_kinds(document: Any, source: str) -> ErrorKinds:
    """The map in ``document``; :class:`InputError` lists every problem with its pointer."""
    problems: list[Problem] = []
    if not isinstance(document, dict) or set(document) - {"kinds", "clients"}:
        raise InputError([Problem(source, "", "a mapping with kinds and clients", repr(document)[:80])])
    kinds = _parse_kinds(document.get("kinds"), source, problems)
    known = {kind.name for kind in kinds}
    clients: dict[str, ClientKinds] = {}
    raw_clients = document.get("clients") or {}
    if not isinstance(raw_clients, dict):
        _problem(problems, source, "/clients", "a mapping of projection key to its kinds", raw_clients)
        raw_clients = {}
    for key, raw in raw_clients.items():
        parsed = _parse_client(str(key), raw, known, source, problems)
        if parsed is not None:
            clients[str(key)] = parsed
    if problems:
        raise InputError(problems)
    return ErrorKinds(kinds, clients)


@functools.cache
def default_error_kinds() -> ErrorKinds:
    """The shipped map (``data/error-kinds.yaml``)."""
    text = resources.files("conformance").joinpath("data/error-kinds.yaml").read_text(encoding="utf-8")
    return parse_error_kinds(load_shipped_yaml(text, ERROR_KINDS_FILE), ERROR_KINDS_FILE)


def _resolve(document: Any, pointer: str) -> tuple[bool, Any]:
    try:
        return True, jsonpointer.resolve(document, pointer)
    except jsonpointer.PointerError:
        return False, None


def _answer_words(status: int, body: Any, kind: Kind) -> str:
    reason = body.get("reason") if isinstance(body, dict) else None
    return (
        f"the server answered {status}"
        + (f" {reason}" if isinstance(reason, str) else "")
        + f" ({kind.name})"
    )


def kind_differences(
    status: int | None,
    body: Any,
    surface: dict[str, Any] | None,
    projection_key: str,
    kinds: ErrorKinds | None = None,
) -> list[Difference]:
    """Failures where ``surface`` contradicts the kind of the answer (``status``, ``body``)."""
    table = kinds or default_error_kinds()
    kind = table.kind_of(status, body)
    client = table.clients.get(projection_key)
    if kind is None or surface is None or client is None or kind.name not in client.kinds:
        return []
    assert status is not None
    wanted = client.kinds[kind.name]
    answered = _answer_words(status, body, kind)
    differences: list[Difference] = []
    found, value = _resolve(surface, client.at)
    if not found or value != wanted.value:
        shown = json_safe(value) if found else f"nothing at {client.at}"
        differences.append(
            Difference(
                "/error_surface/kind",
                "error_kind",
                wanted.value,
                json_safe(value) if found else None,
                "failure",
                f"{answered}; the client surfaced {shown} at {client.at}, where its error-kinds map says "
                f"{json_safe(wanted.value)} for {kind.name}",
            )
        )
    if kind.errors and wanted.errors_at:
        has_errors, server_errors = _resolve(body, kind.errors)
        if has_errors and server_errors:
            carried, client_errors = _resolve(surface, wanted.errors_at)
            if not carried or client_errors != server_errors:
                differences.append(
                    Difference(
                        "/error_surface/errors",
                        "error_kind",
                        json_safe(server_errors),
                        json_safe(client_errors) if carried else None,
                        "failure",
                        f"{answered} with the validation map {json_safe(server_errors)} at {kind.errors}; "
                        f"the client carries {json_safe(client_errors) if carried else 'nothing'} at "
                        f"{wanted.errors_at}",
                    )
                )
    return differences


def kind_not_asserted(
    status: int | None, body: Any, projection_key: str, kinds: ErrorKinds | None = None
) -> list[str]:
    """What the error-kind check leaves unchecked for this answer and client (empty: it checks the kind)."""
    table = kinds or default_error_kinds()
    if status is None or status < 400:
        return []
    kind = table.kind_of(status, body)
    if kind is None:
        return [f"the error kind of a {status} answer (no kind in {ERROR_KINDS_FILE} means it)"]
    client = table.clients.get(projection_key)
    if client is None or kind.name not in client.kinds:
        return [
            f"the error kind {kind.name} ({projection_key or 'this client'} has no entry in "
            f"{ERROR_KINDS_FILE})"
        ]
    return []
