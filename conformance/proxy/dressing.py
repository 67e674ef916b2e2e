"""Dressing an operation's payload the way the v2 server does before sending it.

The stub's answer to an operation starts from a *payload*: the fixture's
``response_body``, else the profile's default reply. The server never sends
a bare payload; it adds what its response contracts say. :func:`dress`
does the same from the profile's :class:`ResponseContracts` data:

1. ``payload_defaults``: on the matching routes, the object at ``at`` gets
   every listed field it lacks (a history page's ``next_page_token``, the
   lease of a polled task, so that a client can claim it).
2. Worker plane (``/worker/...``): the payload gets every ``fields`` entry it
   lacks (``protocol_version``, ``server_capabilities``).
3. Control plane: on a route of a contract operation, every path parameter
   but ``{operation_name}`` (``workflow_id``, ``run_id``) is added to the
   payload when absent, then the contract object is attached (``schema``,
   ``version``, ``operation``, ``workflow_id``, the nested ``contract`` with
   the operation's ``required_fields`` and ``success_fields``,
   ``operation_name`` and ``operation_name_field`` when the operation has a
   name field and the route named it, then every projected field the payload
   carries).

Rules:

- **What the payload pins wins.** A field already present is never touched
  (a fixture that pins its own ``control_plane`` object or ``protocol_version``
  sends exactly that); only absent fields are added.
- Only a JSON object is dressed; ``null``, lists and scalars go out as they are.
- Templates (:mod:`conformance.proxy.template`) see the fixture's values
  (``request.body`` keys overridden by ``semantic_body``), plus ``request``
  (``method``, ``path``, ``query``, lower-case ``headers``, the parsed
  ``body`` the client sent, and ``params`` of the matched route) and
  ``protocol_version`` (the negotiated worker-protocol version).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from conformance import jsonpointer
from conformance.proxy import template
from conformance.proxy.contracts import (
    OPERATION_NAME_PARAM,
    ControlPlaneContract,
    ResponseContracts,
    first_match,
)
from conformance.proxy.paths import is_worker_plane

__all__ = ["RequestView", "answer_values", "dress", "parse_body", "render_header"]


@dataclass(frozen=True)
class RequestView:
    """What the stub knows of the request it answers (path without the API prefix and query)."""

    method: str
    path: str
    query: str = ""
    headers: Mapping[str, str] = field(default_factory=dict)
    body: Any = None

    def as_values(self, params: Mapping[str, str] | None = None) -> dict[str, Any]:
        return {
            "method": self.method,
            "path": self.path,
            "query": self.query,
            "headers": {name.lower(): value for name, value in self.headers.items()},
            "body": self.body,
            "params": dict(params or {}),
        }


def parse_body(raw: bytes | None) -> Any:
    """The request body as JSON, or None when it is empty or not JSON."""
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return None


def answer_values(
    fixture_values: Mapping[str, Any], request: RequestView, contracts: ResponseContracts
) -> dict[str, Any]:
    """The values every template of one answer sees (see the module docstring)."""
    values = dict(fixture_values)
    values["request"] = request.as_values()
    worker = contracts.worker_plane
    if worker is not None and worker.protocol_version is not None:
        version = template.render(worker.protocol_version, values)
        # a version is text on the wire ("1.0"), whatever JSON type a fallback rendered to
        values["protocol_version"] = (
            version if isinstance(version, str) or version is None else _text(version)
        )
    return values


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def render_header(value: str, values: Mapping[str, Any]) -> str:
    """A header value template rendered to one line of text (``null`` gives the empty text)."""
    rendered = template.render(value, values)
    if rendered is None:
        return ""
    return _text(rendered).replace("\r", " ").replace("\n", " ")


def _with_params(
    values: Mapping[str, Any], request: RequestView, params: Mapping[str, str]
) -> dict[str, Any]:
    scoped = dict(values)
    scoped["request"] = request.as_values(params)
    return scoped


def _add_missing(target: dict[str, Any], fields: Mapping[str, Any], values: Mapping[str, Any]) -> None:
    for name, value in fields.items():
        if name not in target:
            target[name] = template.render(value, values)


def _attach_control_plane(
    payload: dict[str, Any], contract: ControlPlaneContract, request: RequestView
) -> None:
    found = contract.operation_for(request.method, request.path)
    if found is None:
        return
    operation, params = found
    for name, value in params.items():
        if name != OPERATION_NAME_PARAM and name not in payload:
            payload[name] = value
    if contract.attach_as in payload:
        return
    definition = copy.deepcopy(contract.contract)
    definition["required_fields"] = list(operation.required_fields)
    definition["success_fields"] = list(operation.success_fields)
    attached: dict[str, Any] = {
        "schema": contract.schema,
        "version": contract.version,
        "operation": operation.name,
        "workflow_id": payload.get("workflow_id"),
        "contract": definition,
    }
    operation_name = params.get(OPERATION_NAME_PARAM)
    if operation.operation_name_field and operation_name:
        attached["operation_name"] = operation_name
        attached["operation_name_field"] = operation.operation_name_field
    for projected in contract.projected_fields:
        if projected in payload:
            attached[projected] = copy.deepcopy(payload[projected])
    payload[contract.attach_as] = attached


def dress(payload: Any, contracts: ResponseContracts, request: RequestView, values: Mapping[str, Any]) -> Any:
    """``payload`` dressed as the server sends it (a new document; ``payload`` is not modified)."""
    if not isinstance(payload, dict):
        return payload
    result = copy.deepcopy(payload)
    for defaults in contracts.payload_defaults:
        params = first_match(defaults.routes, request.method, request.path)
        if params is None:
            continue
        try:
            target = jsonpointer.resolve(result, defaults.at)
        except jsonpointer.PointerError:
            continue
        if isinstance(target, dict):
            _add_missing(target, defaults.fields, _with_params(values, request, params))
    if contracts.worker_plane is not None and is_worker_plane(request.path):
        _add_missing(result, contracts.worker_plane.fields, values)
    if contracts.control_plane is not None:
        _attach_control_plane(result, contracts.control_plane, request)
    return result
