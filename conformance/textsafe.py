"""Turning bytes and arbitrary values into JSON-safe, report-safe forms."""

from __future__ import annotations

import base64
import math
from typing import Any


def body_to_json(body: bytes) -> dict[str, Any]:
    """``{"text": ...}`` for UTF-8 bodies, ``{"base64": ...}`` otherwise; always ``size``."""
    try:
        return {"size": len(body), "text": body.decode("utf-8")}
    except UnicodeDecodeError:
        return {"size": len(body), "base64": base64.b64encode(body).decode("ascii")}


def json_safe(value: Any) -> Any:
    """A JSON-serialisable view of a decoded value.

    Avro ``bytes`` become ``{"$bytes": "<base64>"}``; non-finite doubles become
    ``{"$double": "nan"|"inf"|"-inf"}``; tuples become lists. Everything else is
    returned unchanged. Works iteratively so deep values do not hit recursion limits.
    """
    if isinstance(value, bytes | bytearray):
        return {"$bytes": base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, float) and not math.isfinite(value):
        return {"$double": "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")}
    if not isinstance(value, dict | list | tuple):
        return value
    root: Any = {} if isinstance(value, dict) else []
    stack: list[tuple[Any, Any]] = [(value, root)]
    while stack:
        source, target = stack.pop()
        items = source.items() if isinstance(source, dict) else enumerate(source)
        for key, item in items:
            if isinstance(item, dict | list | tuple):
                child: Any = {} if isinstance(item, dict) else []
                stack.append((item, child))
            else:
                child = json_safe(item)
            if isinstance(target, dict):
                target[key] = child
            else:
                target.append(child)
    return root
