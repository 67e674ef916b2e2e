"""The server profile: what the stub server answers besides the operation under test.

A profile is a YAML file (the shipped one is ``profiles/v2.yaml``) with:

``name``, ``api_prefix``
    a label for reports, and the prefix both real clients put before every
    path (``/api``).
``handshake``
    the document answered to ``GET {api_prefix}/cluster/info``, the
    compatibility handshake; it is the implied canned route ``handshake``.
``headers``
    ``common`` headers on every stub response, plus ``control_plane``
    headers for every path outside ``/worker/...`` and ``worker_plane``
    headers for ``/worker/...`` paths. The handshake route carries both.
``routes``
    extra canned routes by name: ``method``, ``path`` (``{name}`` matches
    one segment and may be used in the body's strings), ``status`` (200),
    ``body`` ({}), ``headers``.
``operation_defaults``
    per operation id, the reply (``status``, ``body`` template, ``headers``)
    to an operation request whose fixture has no ``response_body``; ``*`` is
    the reply for any other operation. See :mod:`conformance.proxy.template`.
``response_contracts`` (optional)
    how the server dresses an operation's payload before sending it: the
    worker-plane fields, the control-plane contract object, per-route payload
    defaults (:mod:`conformance.proxy.contracts`, applied by
    :mod:`conformance.proxy.dressing`). Absent, payloads go out undressed.

Decisions:

- ``extends: v2`` (a shipped profile's name) or ``extends: other.yaml`` (a
  path relative to the extending file) starts from another profile. Mappings
  merge key by key, other values are replaced; a ``null`` removes a key.
  A reply's or route's ``body`` is replaced whole, never merged, so a literal
  ``null`` inside a body stays a ``null``; so is each field template of
  ``response_contracts`` (``worker_plane.fields.<name>``,
  ``payload_defaults.<entry>.fields.<name>``): overriding ``server_capabilities``
  replaces the whole object, and ``null`` there means a JSON ``null``.
- Header values are templates too, rendered per answer with the dressing's
  values (``{protocol_version}``, ``{request.headers.<name>}``); a plain value
  is sent as written.
- Routing compares decoded path segments (:mod:`conformance.proxy.paths`);
  routes are tried in order, the handshake first, then the file's order.
- Loading fails fast with :class:`InputError` naming file, pointer and what
  was expected. A handshake that lacks what the clients need is *not* an
  error (a user may break it on purpose); :meth:`ServerProfile.handshake_warnings`
  lists the gaps.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from conformance import jsonpointer
from conformance.problems import InputError, Problem
from conformance.proxy import template
from conformance.proxy.contracts import ResponseContracts, contracts_from_document
from conformance.proxy.dressing import render_header
from conformance.proxy.paths import is_worker_plane, match_path, split_target
from conformance.proxy.profile_schema import schema_problems
from conformance.strict_yaml import load_shipped_yaml, load_yaml_file

__all__ = [
    "DEFAULT_PROFILE",
    "HANDSHAKE_PATH",
    "HANDSHAKE_ROUTE",
    "CannedRoute",
    "ProfileHeaders",
    "ReplyTemplate",
    "ServerProfile",
    "load_profile",
    "merge_headers",
    "shipped_profile_names",
]

DEFAULT_PROFILE = "v2"
HANDSHAKE_ROUTE = "handshake"
HANDSHAKE_PATH = "/cluster/info"
#: How many ``extends`` hops are followed before giving up (cycles are caught before).
MAX_EXTENDS_DEPTH = 8

Headers = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class CannedRoute:
    """One canned answer of the profile (an *ancillary* request when it matches)."""

    name: str
    method: str
    path: str
    status: int = 200
    body: Any = field(default_factory=dict)
    headers: Headers = ()

    def match(self, method: str, path: str) -> dict[str, str] | None:
        """The ``{param}`` values when ``method`` and ``path`` (no API prefix) match, else None."""
        if self.method != "*" and method.upper() != self.method:
            return None
        return match_path(self.path, path)

    def reply_body(self, params: Mapping[str, Any]) -> Any:
        """The body with ``{param}`` placeholders filled from the matched path."""
        return template.render(self.body, params)


@dataclass(frozen=True)
class ReplyTemplate:
    """The default reply of one operation: status, body template, extra headers."""

    status: int = 200
    body: Any = field(default_factory=dict)
    headers: Headers = ()

    def render(self, values: Mapping[str, Any]) -> Any:
        return template.render(self.body, values)


@dataclass(frozen=True)
class ProfileHeaders:
    common: Headers = ()
    control_plane: Headers = ()
    worker_plane: Headers = ()


@dataclass(frozen=True)
class ServerProfile:
    """A loaded, validated, merged server profile."""

    name: str
    api_prefix: str
    handshake: dict[str, Any]
    headers: ProfileHeaders
    routes: tuple[CannedRoute, ...]
    operation_defaults: dict[str, ReplyTemplate]
    #: Where it came from: a file path, or ``shipped:v2``.
    source: str = ""
    #: The merged document (for reports and ``--show-profile`` style output).
    document: dict[str, Any] = field(default_factory=dict, repr=False)
    #: How operation payloads are dressed (empty: sent as they are).
    contracts: ResponseContracts = field(default_factory=ResponseContracts)

    def ancillary_route(self, method: str, path: str) -> CannedRoute | None:
        """The canned route answering ``method path`` (path WITHOUT the API prefix), or None."""
        path = split_target(path)[0]
        for route in self.routes:
            if route.match(method, path) is not None:
                return route
        return None

    def route_named(self, name: str) -> CannedRoute | None:
        return next((route for route in self.routes if route.name == name), None)

    def response_headers(
        self, path: str, values: Mapping[str, Any] | None = None, *extra: Headers
    ) -> list[tuple[str, str]]:
        """Headers of a stub response to ``path`` (no API prefix): common + the plane's + ``extra``.

        Values are rendered as templates with ``values`` (the dressing's
        values of the answer; none: every placeholder takes its fallback).
        """
        plane = self.headers.worker_plane if is_worker_plane(path) else self.headers.control_plane
        merged = merge_headers(self.headers.common, plane, *extra)
        return [(name, render_header(value, values or {})) for name, value in merged]

    def default_reply(self, operation: str) -> ReplyTemplate:
        """The reply template for ``operation`` (its own, else ``*``, else 200 ``{}``)."""
        return self.operation_defaults.get(operation) or self.operation_defaults.get("*") or ReplyTemplate()

    def handshake_warnings(self) -> list[str]:
        """What the handshake lacks that a real client needs (empty for the shipped profile)."""
        return handshake_gaps(self.handshake)


def merge_headers(*groups: Headers | list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Header groups merged: later groups override earlier ones by case-insensitive name.

    The position and spelling of a header's first mention are kept.
    """
    merged: dict[str, tuple[str, str]] = {}
    for group in groups:
        for name, value in group:
            merged[name.lower()] = (merged.get(name.lower(), (name, ""))[0], value)
    return list(merged.values())


# ---------------------------------------------------------------- handshake checks
_REQUIRED_HANDSHAKE: tuple[tuple[str, Any, str], ...] = (
    ("/control_plane/version", "2", "both clients refuse another control-plane version"),
    (
        "/control_plane/request_contract/schema",
        "durable-workflow.v2.control-plane-request.contract",
        "the CLI refuses another request contract",
    ),
    ("/control_plane/request_contract/version", 1, "the CLI refuses another request contract version"),
    ("/worker_protocol/version", "1.0", "the CLI's worker commands refuse another worker protocol"),
    (
        "/worker_protocol/server_capabilities/query_tasks",
        True,
        "the SDK's query_workflow refuses to run without it",
    ),
)


def handshake_gaps(handshake: Any) -> list[str]:
    """Human-readable gaps of a handshake document against what both clients check."""
    gaps: list[str] = []
    for pointer, wanted, why in _REQUIRED_HANDSHAKE:
        try:
            value = jsonpointer.resolve(handshake, pointer)
        except jsonpointer.PointerError:
            gaps.append(f"handshake{pointer} is missing ({why})")
            continue
        if value != wanted or type(value) is not type(wanted):
            gaps.append(f"handshake{pointer} is {value!r}, not {wanted!r} ({why})")
    pointer = "/control_plane/request_contract/operations/update/fields/wait_for/canonical_values"
    try:
        stages = jsonpointer.resolve(handshake, pointer)
    except jsonpointer.PointerError:
        stages = None
    if not (isinstance(stages, list) and stages and all(isinstance(item, str) and item for item in stages)):
        gaps.append(
            f"handshake{pointer} is not a list of wait stages (the SDK's update_workflow refuses to run)"
        )
    return gaps


# ---------------------------------------------------------------- loading
def shipped_profile_names() -> list[str]:
    """Names of the profiles shipped in the package (``v2``, ...)."""
    folder = resources.files("conformance.proxy").joinpath("profiles")
    return sorted(entry.name[: -len(".yaml")] for entry in folder.iterdir() if entry.name.endswith(".yaml"))


def _load_shipped(name: str) -> tuple[Any, str]:
    source = f"shipped:{name}"
    if name not in shipped_profile_names():
        raise KeyError(name)
    text = resources.files("conformance.proxy").joinpath(f"profiles/{name}.yaml").read_text(encoding="utf-8")
    return load_shipped_yaml(text, source), source


_REPLACE_WHOLE = {
    ("routes", "*", "body"),
    ("operation_defaults", "*", "body"),
    ("response_contracts", "worker_plane", "fields", "*"),
    ("response_contracts", "payload_defaults", "*", "fields", "*"),
}


def _replaces_whole(path: tuple[str, ...]) -> bool:
    return any(
        len(path) == len(rule)
        and all(part == "*" or part == key for part, key in zip(rule, path, strict=True))
        for rule in _REPLACE_WHOLE
    )


def merge_documents(base: dict[str, Any], overlay: Mapping[str, Any]) -> dict[str, Any]:
    """``overlay`` deep-merged onto a copy of ``base`` (rules in the module docstring)."""
    result = copy.deepcopy(base)
    stack: list[tuple[dict[str, Any], Mapping[str, Any], tuple[str, ...]]] = [(result, overlay, ())]
    while stack:
        target, source, path = stack.pop()
        for key, value in source.items():
            here = (*path, key)
            if value is None and not _replaces_whole(here):
                target.pop(key, None)
            elif isinstance(value, dict) and isinstance(target.get(key), dict) and not _replaces_whole(here):
                stack.append((target[key], value, here))
            else:
                target[key] = copy.deepcopy(value)
    return result


def _without_deletions(overlay: dict[str, Any]) -> dict[str, Any]:
    """An overlay without its ``null`` deletions, for shape checks (the merged result is checked too)."""
    result: dict[str, Any] = {}
    stack: list[tuple[Mapping[str, Any], dict[str, Any], tuple[str, ...]]] = [(overlay, result, ())]
    while stack:
        source, target, path = stack.pop()
        for key, value in source.items():
            here = (*path, key)
            if value is None and not _replaces_whole(here):
                continue
            if isinstance(value, dict) and not _replaces_whole(here):
                target[key] = {}
                stack.append((value, target[key], here))
            else:
                target[key] = value
    return result


def _resolve_extends(name: str, file: Path | None, source: str) -> tuple[Any, str, Path | None]:
    """Load the profile named by ``extends`` (shipped name, or a path relative to ``file``)."""
    looks_like_path = name.endswith((".yaml", ".yml")) or "/" in name
    if not looks_like_path:
        try:
            document, shipped = _load_shipped(name)
        except KeyError:
            raise InputError(
                [
                    Problem(
                        source,
                        "/extends",
                        "the name of a shipped profile ("
                        + ", ".join(shipped_profile_names())
                        + ") or a .yaml path",
                        repr(name),
                    )
                ]
            ) from None
        return document, shipped, None
    base_dir = file.parent if file is not None else Path.cwd()
    target = (base_dir / name).resolve()
    return load_yaml_file(target), str(target), target


def _load_chain(document: Any, source: str, file: Path | None) -> dict[str, Any]:
    """Validate ``document`` and merge it onto whatever it extends (recursively)."""
    seen: set[str] = {source} if file is None else {source, str(file)}
    chain: list[tuple[dict[str, Any], str]] = []
    current: Any = document
    current_source, current_file = source, file
    while True:
        if not isinstance(current, dict):
            raise InputError(
                [Problem(current_source, "", "a mapping (a server profile)", f"a {type(current).__name__}")]
            )
        partial = "extends" in current
        checked = _without_deletions(current) if partial else current
        problems = schema_problems(checked, current_source, partial=partial)
        if problems:
            raise InputError(problems)
        chain.append((current, current_source))
        if not partial:
            break
        if len(chain) > MAX_EXTENDS_DEPTH:
            raise InputError(
                [
                    Problem(
                        current_source, "/extends", f"at most {MAX_EXTENDS_DEPTH} levels of extends", "more"
                    )
                ]
            )
        parent, parent_source, parent_file = _resolve_extends(
            str(current["extends"]), current_file, current_source
        )
        if parent_source in seen:
            raise InputError(
                [
                    Problem(
                        current_source,
                        "/extends",
                        "a profile that does not extend itself",
                        f"a cycle through {parent_source}",
                    )
                ]
            )
        seen.add(parent_source)
        current, current_source, current_file = parent, parent_source, parent_file
    merged: dict[str, Any] = {}
    for layer, _layer_source in reversed(chain):
        merged = merge_documents(merged, {key: value for key, value in layer.items() if key != "extends"})
    problems = schema_problems(merged, source)
    if problems:
        raise InputError(problems)
    return merged


def _headers(mapping: Mapping[str, str] | None) -> Headers:
    return tuple((str(name), str(value)) for name, value in (mapping or {}).items())


def profile_from_document(document: Any, source: str, file: Path | None = None) -> ServerProfile:
    """Build a :class:`ServerProfile` from an already parsed document (for tests and tools)."""
    merged = _load_chain(document, source, file)
    headers = merged["headers"]
    profile_headers = ProfileHeaders(
        common=_headers(headers.get("common")),
        control_plane=_headers(headers.get("control_plane")),
        worker_plane=_headers(headers.get("worker_plane")),
    )
    routes: list[CannedRoute] = [
        CannedRoute(
            name=HANDSHAKE_ROUTE,
            method="GET",
            path=HANDSHAKE_PATH,
            status=200,
            body=merged["handshake"],
            headers=profile_headers.worker_plane,
        )
    ]
    for name, route in merged["routes"].items():
        routes.append(
            CannedRoute(
                name=name,
                method=str(route["method"]).upper(),
                path=str(route["path"]),
                status=int(route.get("status", 200)),
                body=route.get("body", {}),
                headers=_headers(route.get("headers")),
            )
        )
    defaults = {
        operation: ReplyTemplate(
            status=int(reply.get("status", 200)),
            body=reply.get("body", {}),
            headers=_headers(reply.get("headers")),
        )
        for operation, reply in merged["operation_defaults"].items()
    }
    prefix = str(merged["api_prefix"]).rstrip("/")
    return ServerProfile(
        name=str(merged["name"]),
        api_prefix=prefix,
        handshake=merged["handshake"],
        headers=profile_headers,
        routes=tuple(routes),
        operation_defaults=defaults,
        source=source,
        document=merged,
        contracts=contracts_from_document(merged, source),
    )


def load_profile(path: Path | str | None = None) -> ServerProfile:
    """The shipped ``v2`` profile (``None``), a shipped profile by name, or a user file.

    Raises :class:`InputError` (file, JSON pointer, what was expected) for a
    file that cannot be read, is not strict YAML, breaks the schema, or
    extends something that does not exist.
    """
    if path is None:
        document, source = _load_shipped(DEFAULT_PROFILE)
        return profile_from_document(document, source)
    if isinstance(path, str) and "/" not in path and not path.endswith((".yaml", ".yml")):
        try:
            document, source = _load_shipped(path)
        except KeyError:
            raise InputError(
                [
                    Problem(
                        path,
                        "",
                        "a profile file or the name of a shipped profile ("
                        + ", ".join(shipped_profile_names())
                        + ")",
                        "neither",
                    )
                ]
            ) from None
        return profile_from_document(document, source)
    file = Path(path)
    document = load_yaml_file(file)
    return profile_from_document(document, str(file), file.resolve())
