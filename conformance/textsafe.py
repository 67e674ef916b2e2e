"""Turning bytes and arbitrary values into JSON-safe, report-safe forms."""

from __future__ import annotations

import base64
import math
from collections.abc import Callable
from typing import Any


def body_to_json(body: bytes) -> dict[str, Any]:
    """``{"text": ...}`` for UTF-8 bodies, ``{"base64": ...}`` otherwise; always ``size``."""
    try:
        return {"size": len(body), "text": body.decode("utf-8")}
    except UnicodeDecodeError:
        return {"size": len(body), "base64": base64.b64encode(body).decode("ascii")}


def json_type(value: Any) -> str:
    """The JSON type name used in messages; ``integer`` (Avro long) and ``double`` stay distinct."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "double"
    if isinstance(value, str):
        return "string"
    if isinstance(value, bytes | bytearray):
        return "bytes"
    if isinstance(value, list | tuple):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def map_tree(value: Any, leaf: Callable[[Any], Any], key: Callable[[Any], Any] | None = None) -> Any:
    """A copy of a JSON-shaped tree with ``leaf`` applied to every scalar (and ``key`` to every key).

    Dicts (subclasses included) become plain dicts, lists and tuples plain
    lists. Iterative, so values nested deeper than the recursion limit work.
    """
    if not isinstance(value, dict | list | tuple):
        return leaf(value)
    root: Any = {} if isinstance(value, dict) else []
    stack: list[tuple[Any, Any]] = [(value, root)]
    while stack:
        source, target = stack.pop()
        items = source.items() if isinstance(source, dict) else enumerate(source)
        for name, item in items:
            if isinstance(item, dict | list | tuple):
                child: Any = {} if isinstance(item, dict) else []
                stack.append((item, child))
            else:
                child = leaf(item)
            if isinstance(target, dict):
                target[key(name) if key is not None else name] = child
            else:
                target.append(child)
    return root


def _json_safe_leaf(value: Any) -> Any:
    if isinstance(value, bytes | bytearray):
        return {"$bytes": base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, float) and not math.isfinite(value):
        return {"$double": "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")}
    return value


def json_safe(value: Any) -> Any:
    """A JSON-serialisable view of a decoded value.

    Avro ``bytes`` become ``{"$bytes": "<base64>"}``; non-finite doubles become
    ``{"$double": "nan"|"inf"|"-inf"}``; tuples become lists. Everything else is
    returned unchanged. Works iteratively so deep values do not hit recursion limits.
    """
    return map_tree(value, _json_safe_leaf)
