"""What the server answers to a fixture's request, and what a client must check in it.

The answer is the stub server's own (:class:`conformance.proxy.stub.StubServer`
with the server profile): the fixture's ``response_body`` when it has one,
else the profile's default reply for the operation, with the plane's
response headers. So the handbook shows exactly what a client meets in a run.

What a client must verify is derived, in this order, from:

1. the HTTP status (2xx is success; anything else is an error the client
   must surface, not swallow);
2. the plane's version header on the response;
3. the response contract the server profile states for the operation, when
   the profile has a ``response_contracts`` section (its ``required_fields``
   and ``success_fields`` for the matching route), else a ``control_plane``
   object in the body (``schema``, ``version``, ``operation``);
4. the ids in the body that echo the request (a value equal to a
   ``semantic_body`` value under the same key), which a client should compare
   with what it asked for.

The profile section is read tolerantly (it is data another part of the
project defines); a shape this module does not recognise is shown as is.
"""

from __future__ import annotations

import json
from typing import Any

from conformance.fixture import Fixture
from conformance.handbook.model import RequestView, ResponseView
from conformance.proxy.paths import match_path
from conformance.proxy.profile import ServerProfile
from conformance.proxy.stub import StubServer


def _parse_body(raw: bytes) -> Any:
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return raw.decode("utf-8", errors="replace")


def _route_matches(route: Any, method: str, path: str) -> bool:
    if not isinstance(route, str):
        return False
    wanted_method, _, wanted_path = route.strip().partition(" ")
    if wanted_method.upper() not in ("*", method.upper()):
        return False
    return match_path(wanted_path.strip(), path) is not None


def contract_for(profile: ServerProfile, method: str, path: str) -> dict[str, Any] | None:
    """The ``response_contracts.control_plane`` operation entry whose routes match, if any."""
    section = profile.document.get("response_contracts")
    if not isinstance(section, dict):
        return None
    control = section.get("control_plane")
    if not isinstance(control, dict):
        return None
    operations = control.get("operations")
    if not isinstance(operations, dict):
        return None
    for name, entry in operations.items():
        if not isinstance(entry, dict):
            continue
        routes = entry.get("routes")
        routes = routes if isinstance(routes, list) else [routes]
        if any(_route_matches(route, method, path) for route in routes):
            return {"operation": name, **entry}
    return None


def _checks(
    fixture: Fixture, status: int, headers: list[tuple[str, str]], body: Any, contract: Any
) -> list[str]:
    checks = [
        f"The status is {status}: treat any 2xx as success; a 4xx or 5xx is an error the client must "
        "report to its caller with the body's message, never a silent success."
    ]
    for name, value in headers:
        if name.lower().startswith("x-durable-workflow"):
            checks.append(
                f"The response carries `{name}: {value}`; "
                "a client may refuse a major version it does not speak."
            )
    if isinstance(contract, dict):
        required = _field_names(contract.get("required_fields"), contract)
        success = _field_names(contract.get("success_fields"), contract)
        if required:
            checks.append(
                f"The server's response contract `{contract.get('operation')}` "
                f"requires the fields {_names(required)}."
            )
        if success:
            checks.append(f"Success shows in {_names(success)}.")
    if isinstance(body, dict):
        marker = body.get("control_plane")
        if isinstance(marker, dict):
            parts = [
                f"`{key}` = `{marker[key]}`" for key in ("schema", "version", "operation") if key in marker
            ]
            if parts:
                checks.append(
                    "The `control_plane` object names the response contract: " + ", ".join(parts) + "."
                )
        if "protocol_version" in body:
            checks.append(
                "The body's `protocol_version` is the worker protocol version "
                "the server speaks in this answer."
            )
        if isinstance(body.get("server_capabilities"), dict):
            checks.append(
                "`server_capabilities` says what the server supports (long-poll timeout, history page sizes, "
                "task commands...): read it instead of assuming."
            )
        echoes = [
            key
            for key, value in body.items()
            if key in fixture.semantic_body
            and fixture.semantic_body[key] == value
            and not isinstance(value, dict | list)
        ]
        if echoes:
            checks.append(f"The body echoes {_names(echoes)}: compare them with what was asked.")
    return checks


def _field_names(items: Any, contract: dict[str, Any]) -> list[str]:
    """Contract field names, with the placeholders ``operation_name``/``operation_name_field`` spelled out."""
    if not isinstance(items, list):
        return []
    named = str(contract.get("operation_name_field", "the operation name field"))
    spelled = {"operation_name": "the name in the path", "operation_name_field": named}
    return [spelled.get(str(item), str(item)) for item in items]


def _names(items: Any) -> str:
    if isinstance(items, dict):
        items = list(items)
    if not isinstance(items, list):
        return f"`{items}`"
    return ", ".join(f"`{item}`" for item in items)


def _request_headers(request: RequestView | None) -> dict[str, str]:
    """The canonical request's headers as the stub sees them (namespace ``default``, no token)."""
    if request is None:
        return {}
    headers = {header.name: header.value for header in request.headers if header.name != "Authorization"}
    headers["X-Namespace"] = "default"
    return headers


def response_view(
    fixture: Fixture, profile: ServerProfile, request: RequestView | None = None
) -> ResponseView:
    """The stub's answer to ``request`` (the fixture's canonical request), and what to check in it."""
    prefix = profile.api_prefix.rstrip("/")
    target = prefix + fixture.path_template
    if request is not None and request.query:
        target += "?" + "&".join(
            f"{name}={value}" for name, values in request.query.items() for value in values
        )
    body = None
    if request is not None and request.has_body:
        body = json.dumps(request.body, ensure_ascii=False).encode("utf-8")
    answer = StubServer(profile).answer(
        fixture.method, target, fixture, headers=_request_headers(request), body=body
    )
    body = _parse_body(answer.body)
    headers = [(name, value) for name, value in answer.headers]
    contract = contract_for(profile, fixture.method, fixture.path_template)
    source = (
        "the fixture's response_body" if fixture.has_response_body else "the server profile's default reply"
    )
    return ResponseView(
        status=answer.status,
        headers=tuple(headers),
        body=body,
        source=source,
        checks=tuple(_checks(fixture, answer.status, headers, body, contract)),
        contract=contract,
    )
