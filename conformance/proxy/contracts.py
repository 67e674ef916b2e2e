"""The response contracts of a server profile, as typed data.

The ``response_contracts`` section of a profile says how the server dresses
the payload of an operation before sending it (:mod:`conformance.proxy.dressing`
applies it). It has three optional parts:

``worker_plane``
    ``protocol_version``: a template giving the negotiated worker-protocol
    version (the value of ``{protocol_version}`` in every other template and
    header); ``fields``: templates of the top-level fields added to every
    JSON-object answer under ``/worker/...`` (``protocol_version``,
    ``server_capabilities``).
``control_plane``
    the object attached to control-plane answers (under ``attach_as``,
    ``control_plane`` by default): ``schema``, ``version``, the nested
    ``contract`` definition, the ``projected_fields`` copied from the payload,
    and per contract operation the ``routes`` it answers (``"POST
    /workflows/{workflow_id}/signal/{operation_name}"``), its
    ``operation_name_field``, ``required_fields`` and ``success_fields``.
``payload_defaults``
    named entries of fields the server always sends on some routes (a
    history page's ``next_page_token``, the lease of a polled task): ``routes``,
    ``at`` (a JSON pointer to the object to complete, the payload itself by
    default) and ``fields`` (templates).

Missing parts mean "no dressing of that kind": a profile without the section
answers the fixture's ``response_body`` as it is.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from conformance import jsonpointer
from conformance.problems import InputError, Problem
from conformance.proxy.paths import match_path

__all__ = [
    "CONTRACTS_SECTION",
    "ContractOperation",
    "ControlPlaneContract",
    "PayloadDefaults",
    "ResponseContracts",
    "RoutePattern",
    "WorkerPlaneContract",
    "contracts_from_document",
]

CONTRACTS_SECTION = "response_contracts"
#: The path parameter that names a signal, query or update (not a payload field).
OPERATION_NAME_PARAM = "operation_name"


@dataclass(frozen=True)
class RoutePattern:
    """``METHOD /path/{param}`` (``*`` for any method); matched on decoded segments."""

    method: str
    path: str

    @classmethod
    def parse(cls, text: str) -> RoutePattern:
        method, _, path = text.strip().partition(" ")
        return cls(method.upper(), path.strip())

    def match(self, method: str, path: str) -> dict[str, str] | None:
        if self.method != "*" and method.upper() != self.method:
            return None
        return match_path(self.path, path)


def first_match(routes: tuple[RoutePattern, ...], method: str, path: str) -> dict[str, str] | None:
    """The parameters of the first of ``routes`` that matches, else None."""
    for route in routes:
        params = route.match(method, path)
        if params is not None:
            return params
    return None


@dataclass(frozen=True)
class WorkerPlaneContract:
    protocol_version: Any = None
    fields: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ContractOperation:
    name: str
    routes: tuple[RoutePattern, ...]
    operation_name_field: str | None = None
    required_fields: tuple[str, ...] = ()
    success_fields: tuple[str, ...] = ()


@dataclass(frozen=True)
class ControlPlaneContract:
    schema: Any
    version: Any
    contract: dict[str, Any]
    projected_fields: tuple[str, ...]
    operations: tuple[ContractOperation, ...]
    attach_as: str = "control_plane"

    def operation_for(self, method: str, path: str) -> tuple[ContractOperation, dict[str, str]] | None:
        """The contract operation answering ``method path`` and its path parameters, else None."""
        for operation in self.operations:
            params = first_match(operation.routes, method, path)
            if params is not None:
                return operation, params
        return None


@dataclass(frozen=True)
class PayloadDefaults:
    name: str
    routes: tuple[RoutePattern, ...]
    fields: dict[str, Any]
    at: str = ""


@dataclass(frozen=True)
class ResponseContracts:
    worker_plane: WorkerPlaneContract | None = None
    control_plane: ControlPlaneContract | None = None
    payload_defaults: tuple[PayloadDefaults, ...] = ()


def _routes(entry: Mapping[str, Any], source: str, pointer: str) -> tuple[RoutePattern, ...]:
    routes = entry.get("routes")
    if not routes:
        raise InputError(
            [
                Problem(
                    source,
                    jsonpointer.join(pointer, "routes"),
                    "a list of routes such as 'GET /workflows/{workflow_id}'",
                    "it is missing" if routes is None else "an empty list",
                )
            ]
        )
    return tuple(RoutePattern.parse(str(text)) for text in routes)


def _names(value: Any) -> tuple[str, ...]:
    return tuple(str(item) for item in value or ())


def _control_plane(section: Mapping[str, Any], source: str) -> ControlPlaneContract:
    base = "/" + CONTRACTS_SECTION + "/control_plane"
    missing = [key for key in ("schema", "version", "contract") if key not in section]
    if missing:
        raise InputError(
            [Problem(source, jsonpointer.join(base, key), "this key", "it is missing") for key in missing]
        )
    operations = tuple(
        ContractOperation(
            name=str(name),
            routes=_routes(entry, source, jsonpointer.join(base, "operations", str(name))),
            operation_name_field=(
                str(entry["operation_name_field"]) if entry.get("operation_name_field") else None
            ),
            required_fields=_names(entry.get("required_fields")),
            success_fields=_names(entry.get("success_fields")),
        )
        for name, entry in (section.get("operations") or {}).items()
    )
    return ControlPlaneContract(
        schema=section["schema"],
        version=section["version"],
        contract=dict(section["contract"]),
        projected_fields=_names(section.get("projected_fields")),
        operations=operations,
        attach_as=str(section.get("attach_as") or "control_plane"),
    )


def contracts_from_document(document: Mapping[str, Any], source: str) -> ResponseContracts:
    """The typed response contracts of a merged, schema-checked profile document."""
    section = document.get(CONTRACTS_SECTION)
    if not isinstance(section, Mapping):
        return ResponseContracts()
    worker = section.get("worker_plane")
    control = section.get("control_plane")
    defaults = section.get("payload_defaults") or {}
    defaults_pointer = "/" + CONTRACTS_SECTION + "/payload_defaults"
    return ResponseContracts(
        worker_plane=(
            WorkerPlaneContract(worker.get("protocol_version"), dict(worker.get("fields") or {}))
            if isinstance(worker, Mapping)
            else None
        ),
        control_plane=_control_plane(control, source) if isinstance(control, Mapping) else None,
        payload_defaults=tuple(
            PayloadDefaults(
                name=str(name),
                routes=_routes(entry, source, jsonpointer.join(defaults_pointer, str(name))),
                fields=dict(entry.get("fields") or {}),
                at=str(entry.get("at") or ""),
            )
            for name, entry in defaults.items()
        ),
    )
