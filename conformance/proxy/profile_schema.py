"""The JSON Schema of a server profile, and its violations as :class:`Problem`.

The schema is kept as Python data next to the code that reads it (no extra
package-data file to ship). It checks the *shape* of a profile; it does not
insist that the handshake carries what the real clients need, because a user
may break the handshake on purpose to watch a client refuse it
(:meth:`ServerProfile.handshake_warnings` lists such gaps instead).

Two variants: a file with ``extends`` is a partial overlay (no key is
required), the merged result is complete (every section required).
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from conformance import jsonpointer
from conformance.problems import Problem
from conformance.schema_files import checked_validator

__all__ = ["PROFILE_SCHEMA", "SECTIONS", "schema_problems"]

#: Every top-level section of a complete profile.
SECTIONS = ("name", "api_prefix", "handshake", "headers", "routes", "operation_defaults")

_HEADER_NAME = r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$"
_HEADER_MAP: dict[str, Any] = {
    "type": "object",
    "propertyNames": {"pattern": _HEADER_NAME},
    "additionalProperties": {"type": "string", "pattern": r"^[^\r\n]*$"},
}
_ROUTE: dict[str, Any] = {
    "type": "object",
    "required": ["method", "path"],
    "additionalProperties": False,
    "properties": {
        "description": {"type": "string"},
        "method": {"type": "string", "pattern": r"^([A-Za-z]+|\*)$"},
        "path": {"type": "string", "pattern": r"^/[^?#\s]*$"},
        "status": {"type": "integer", "minimum": 100, "maximum": 599},
        "body": {},
        "headers": _HEADER_MAP,
    },
}
_REPLY: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "description": {"type": "string"},
        "status": {"type": "integer", "minimum": 100, "maximum": 599},
        "body": {},
        "headers": _HEADER_MAP,
    },
}

_CONTRACT_ROUTE = r"^([A-Za-z]+|\*) /[^?#\s]*$"
_ENTRY_NAME = r"^[A-Za-z0-9_.-]+$"
_FIELD_NAMES: dict[str, Any] = {"type": "array", "items": {"type": "string", "minLength": 1}}
_CONTRACT_ROUTES: dict[str, Any] = {"type": "array", "items": {"type": "string", "pattern": _CONTRACT_ROUTE}}
#: ``response_contracts``: no nested ``required`` (a partial overlay may set a single
#: key); what a merged document lacks is reported by :mod:`conformance.proxy.contracts`.
_RESPONSE_CONTRACTS: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "description": {"type": "string"},
        "worker_plane": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "description": {"type": "string"},
                "protocol_version": {"type": "string"},
                "fields": {"type": "object"},
            },
        },
        "control_plane": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "description": {"type": "string"},
                "attach_as": {"type": "string", "minLength": 1},
                "schema": {"type": "string", "minLength": 1},
                "version": {"type": ["integer", "string"]},
                "contract": {"type": "object"},
                "projected_fields": _FIELD_NAMES,
                "operations": {
                    "type": "object",
                    "propertyNames": {"pattern": _ENTRY_NAME},
                    "additionalProperties": {
                        "type": "object",
                        "additionalProperties": False,
                        "properties": {
                            "description": {"type": "string"},
                            "routes": _CONTRACT_ROUTES,
                            "operation_name_field": {"type": "string", "minLength": 1},
                            "required_fields": _FIELD_NAMES,
                            "success_fields": _FIELD_NAMES,
                        },
                    },
                },
            },
        },
        "payload_defaults": {
            "type": "object",
            "propertyNames": {"pattern": _ENTRY_NAME},
            "additionalProperties": {
                "type": "object",
                "additionalProperties": False,
                "properties": {
                    "description": {"type": "string"},
                    "routes": _CONTRACT_ROUTES,
                    "at": {"type": "string", "pattern": r"^(/.*)?$"},
                    "fields": {"type": "object"},
                },
            },
        },
    },
}

PROFILE_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "dw-conformance server profile",
    "type": "object",
    "additionalProperties": False,
    "required": list(SECTIONS),
    "properties": {
        "name": {"type": "string", "minLength": 1},
        "description": {"type": "string"},
        "extends": {"type": "string", "minLength": 1},
        "api_prefix": {"type": "string", "pattern": r"^(/[^/?#\s]+)*/?$"},
        "handshake": {"type": "object"},
        "headers": {
            "type": "object",
            "additionalProperties": False,
            "properties": {"common": _HEADER_MAP, "control_plane": _HEADER_MAP, "worker_plane": _HEADER_MAP},
        },
        "routes": {
            "type": "object",
            "propertyNames": {"pattern": r"^[A-Za-z0-9_.-]+$", "not": {"const": "handshake"}},
            "additionalProperties": _ROUTE,
        },
        "operation_defaults": {
            "type": "object",
            "propertyNames": {"pattern": r"^(\*|[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*)$"},
            "additionalProperties": _REPLY,
        },
        "response_contracts": _RESPONSE_CONTRACTS,
    },
}


@cache
def _validator(partial: bool) -> Draft202012Validator:
    schema = dict(PROFILE_SCHEMA)
    if partial:
        schema = {key: value for key, value in schema.items() if key != "required"}
    return checked_validator(schema)


def _short(value: Any) -> str:
    try:
        text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


_PATTERN_MEANING = {
    _HEADER_NAME: "a header name (letters, digits and !#$%&'*+.^_`|~-)",
    r"^[^\r\n]*$": "a header value on one line",
    r"^([A-Za-z]+|\*)$": "an HTTP method such as GET or POST (or * for any)",
    r"^/[^?#\s]*$": "a path starting with '/', without query, fragment or spaces",
    r"^(/[^/?#\s]+)*/?$": "an API prefix such as /api (or empty)",
    r"^[A-Za-z0-9_.-]+$": "a name of letters, digits, '.', '_' or '-'",
    r"^(\*|[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*)$": "a dotted operation id such as workflow.start, or *",
    _CONTRACT_ROUTE: "a route such as 'GET /workflows/{workflow_id}' (a method or *, one space, a path)",
    r"^(/.*)?$": "a JSON pointer such as /task (or empty for the whole payload)",
}


def _expected(error: ValidationError) -> str:
    keyword, wanted = error.validator, error.validator_value
    path = list(error.absolute_path)
    if keyword == "type":
        kinds = wanted if isinstance(wanted, list) else [wanted]
        kind = " or ".join("a mapping" if item == "object" else f"a {item}" for item in kinds)
        if path and path[0] == "headers" and wanted == "string":
            return f'{kind} (quote numbers such as "2" or "1.0" in YAML)'
        return kind
    if keyword == "required":
        return "this section (every profile needs " + ", ".join(SECTIONS) + ")"
    if keyword == "additionalProperties":
        allowed = (
            sorted((error.schema.get("properties") or {}).keys()) if isinstance(error.schema, dict) else []
        )
        return "only the keys " + ", ".join(allowed) if allowed else "no other keys"
    if keyword == "pattern":
        return _PATTERN_MEANING.get(str(wanted), f"a string matching {wanted}")
    if keyword in ("minimum", "maximum"):
        return "an HTTP status code from 100 to 599"
    if keyword == "minLength":
        return "a non-empty string"
    if keyword == "not":
        return "another name ('handshake' is the implied route of the handshake document)"
    return f"{keyword} {_short(wanted)}"


def _found(error: ValidationError) -> str:
    if error.validator == "required":
        return "it is missing"
    if error.validator == "additionalProperties":
        return error.message.replace(" were unexpected)", " is not allowed)").replace(
            " was unexpected)", " is not allowed)"
        )
    return _short(error.instance)


def _pointer(error: ValidationError) -> str:
    pointer = jsonpointer.from_tokens(error.absolute_path)
    if error.validator == "required" and "'" in error.message:
        pointer = jsonpointer.join(pointer, error.message.split("'")[1])
    return pointer


def schema_problems(document: Any, file: str, *, partial: bool = False) -> list[Problem]:
    """Every schema violation of ``document``, one :class:`Problem` each, sorted by pointer."""
    problems: set[Problem] = set()
    for error in _validator(partial).iter_errors(document):
        if "propertyNames" in error.schema_path:
            # A bad key: the error's instance is the key itself, its path the mapping.
            key = str(error.instance)
            pointer = jsonpointer.join(jsonpointer.from_tokens(error.absolute_path), key)
            problems.add(Problem(file, pointer, _expected(error), f"the key {key!r}"))
            continue
        problems.add(Problem(file, _pointer(error), _expected(error), _found(error)))
    return sorted(problems)
