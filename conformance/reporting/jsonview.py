"""Pretty-printed JSON as lines that know their RFC 6901 pointer.

The HTML report shows "what should have been sent" and "what was sent" side
by side and highlights the lines a difference points at. For that each line
of the pretty-printed document carries the pointer of the value it belongs
to (a container's opening and closing lines carry the container's pointer).

A difference whose pointer does not exist in a pane (a key that was not
sent, or that was not expected) still needs a visible place: :func:`with_ghosts`
adds a *ghost* line for it inside its nearest existing ancestor, so the
reader sees ``"order_id": <not sent>`` exactly where it belongs.

Works iteratively (no recursion limit on deep client bodies) and stops after
``max_lines`` lines with a marker, so a huge body cannot bloat the page.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from conformance import jsonpointer

MAX_LINES = 4000


@dataclass(frozen=True)
class Line:
    depth: int
    #: Member name (objects) or ``None`` (array items, the root, closing lines).
    key: str | None
    #: ``{``, ``[``, ``}``, ``]``, a scalar's JSON text, or the ghost's note.
    text: str
    pointer: str
    kind: str  # "open" | "close" | "scalar" | "ghost" | "cut"
    comma: bool = False


def _scalar(value: Any) -> str:
    try:
        return json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        return json.dumps(repr(value), ensure_ascii=False)


#: Members of a request-shaped document shown first, in this order: the request line, then
#: the body (where most differences are), then the headers (long, and mostly noise).
REQUEST_ORDER = ("method", "path", "path_segments", "query", "body", "headers")


def json_lines(
    value: Any,
    max_lines: int = MAX_LINES,
    *,
    sort_keys: bool = True,
    root_order: Sequence[str] = (),
) -> list[Line]:
    """Lines of ``value`` pretty-printed with 2-space indentation (depth), each with its pointer.

    Keys are sorted by default: both panes of a comparison then list the same
    members in the same order, and the page does not depend on how the
    document's objects happened to be ordered (result.json sorts its keys).
    ``root_order`` lists top-level members to show first, in that order.
    """
    lines: list[Line] = []
    # stack items: ("value", value, pointer, depth, key, comma)
    # or ("close", bracket, pointer, depth, None, comma)
    stack: list[tuple[str, Any, str, int, str | None, bool]] = [("value", value, "", 0, None, False)]
    while stack:
        if len(lines) >= max_lines:
            lines.append(Line(0, None, "… (cut: the whole value is in result.json)", "", "cut"))
            break
        tag, item, pointer, depth, key, comma = stack.pop()
        if tag == "close":
            lines.append(Line(depth, None, item, pointer, "close", comma))
            continue
        if isinstance(item, dict) and item:
            lines.append(Line(depth, key, "{", pointer, "open"))
            stack.append(("close", "}", pointer, depth, None, comma))
            members = sorted(item.items()) if sort_keys else list(item.items())
            if pointer == "" and root_order:
                rank = {name: index for index, name in enumerate(root_order)}
                members.sort(key=lambda member: rank.get(member[0], len(rank)))
            for index in range(len(members) - 1, -1, -1):
                name, child = members[index]
                last = index == len(members) - 1
                stack.append(
                    ("value", child, jsonpointer.join(pointer, name), depth + 1, str(name), not last)
                )
        elif isinstance(item, list) and item:
            lines.append(Line(depth, key, "[", pointer, "open"))
            stack.append(("close", "]", pointer, depth, None, comma))
            for index in range(len(item) - 1, -1, -1):
                last = index == len(item) - 1
                stack.append(
                    ("value", item[index], jsonpointer.join(pointer, index), depth + 1, None, not last)
                )
        else:
            lines.append(Line(depth, key, _scalar(item), pointer, "scalar", comma))
    return lines


def _parent(pointer: str) -> str | None:
    if pointer == "":
        return None
    return pointer.rsplit("/", 1)[0]


def with_ghosts(lines: list[Line], ghosts: Iterable[tuple[str, str]]) -> list[Line]:
    """``lines`` plus a ghost line for each ``(pointer, note)`` whose pointer has no line.

    The ghost goes inside the nearest ancestor that has lines: before its
    closing line when it is a container, right after it otherwise.
    """
    result = list(lines)
    for pointer, note in ghosts:
        present = {line.pointer for line in result if line.kind != "ghost"}
        if pointer in present:
            continue
        ancestor = _parent(pointer)
        while ancestor is not None and ancestor not in present:
            ancestor = _parent(ancestor)
        tokens = jsonpointer.parse(pointer) if pointer.startswith("/") else [pointer]
        key = tokens[-1] if tokens else None
        if ancestor is None:
            result.append(Line(0, key, note, pointer, "ghost"))
            continue
        indices = [i for i, line in enumerate(result) if line.pointer == ancestor and line.kind != "ghost"]
        first, last = indices[0], indices[-1]
        depth = result[first].depth + 1
        position = last if result[last].kind == "close" else last + 1
        # keep ghosts of the same parent after each other in arrival order
        while position < len(result) and result[position].kind == "ghost" and result[last].kind != "close":
            position += 1
        result.insert(position, Line(depth, key, note, pointer, "ghost"))
    return result


def covers(difference_pointer: str, line_pointer: str) -> bool:
    """True when a difference at ``difference_pointer`` concerns the line at ``line_pointer``."""
    return (
        difference_pointer == ""
        or line_pointer == difference_pointer
        or line_pointer.startswith(difference_pointer + "/")
    )


def severity_at(line_pointer: str, differences: Iterable[Mapping[str, Any]]) -> str | None:
    """``failure``/``diagnostic`` when a difference covers the line (failure wins), else None."""
    found: str | None = None
    for difference in differences:
        if covers(str(difference.get("pointer", "")), line_pointer):
            if difference.get("severity") == "failure":
                return "failure"
            found = "diagnostic"
    return found
