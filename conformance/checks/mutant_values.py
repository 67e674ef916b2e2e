"""How a mutant changes one JSON value: the same type with another value, or another type.

Shared by every check whose mutants edit a value of the fixture (the request
body's leaves, the answer's surfaced values, the ``semantic_body`` facts).
"""

from __future__ import annotations

from typing import Any

from conformance.textsafe import json_type

__all__ = ["OTHER_TYPE_VALUE", "changed_json_value", "other_type_value"]

#: A value of another JSON type, by the JSON type of the value it replaces (``42`` -> ``"42"``).
OTHER_TYPE_VALUE: dict[str, Any] = {
    "string": 7,
    "integer": "7",
    "double": "7.5",
    "boolean": "true",
    "null": "null",
    "object": [],
    "array": {},
}


def changed_json_value(value: Any) -> Any:
    """Another value: a boolean flips, a number grows by one, a string gets a suffix; anything else
    (``null``, a container) becomes a marker string."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, int | float):
        return value + 1
    if isinstance(value, str):
        return value + "-dw-mutant"
    return "dw-mutant"


def other_type_value(value: Any) -> Any:
    """A value of another JSON type than ``value``."""
    return OTHER_TYPE_VALUE[json_type(value)]
