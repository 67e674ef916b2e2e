"""Turning bytes and arbitrary values into JSON-safe, report-safe forms."""

from __future__ import annotations

import base64
import math
import re
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


#: Characters a terminal acts on instead of showing: C0 and C1 controls, DEL, the bidirectional
#: overrides and isolates ("Trojan source"), line and paragraph separators, lone surrogates.
_UNPRINTABLE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)
_NAMED_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape_char(match: re.Match[str]) -> str:
    char = match.group()
    named = _NAMED_ESCAPES.get(char)
    if named is not None:
        return named
    return f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}"


def printable(text: str) -> str:
    """``text`` with every character a terminal would act on shown as an escape (``\\x1b``, ``\\r``, ``\\n``).

    The one rule for text from a client or a file on its way to a terminal:
    what remains cannot move the cursor, retitle the window, reorder the line
    or start a new one, so a client cannot print a line that looks like the
    harness's own (a fake ``[1/1] PASS``). Printable text, non-ASCII included,
    is unchanged.
    """
    return _UNPRINTABLE.sub(_escape_char, text)


def printable_lines(text: str) -> str:
    """Multi-line harness text: each line made :func:`printable`, the line breaks kept."""
    return "\n".join(printable(line) for line in text.split("\n"))


def printable_tree(value: Any) -> Any:
    """A copy of a JSON-shaped tree with every string (keys too) made :func:`printable`."""

    def leaf(item: Any) -> Any:
        return printable(item) if isinstance(item, str) else item

    return map_tree(value, leaf, leaf)
