"""Reply templates of the server profile: JSON documents whose strings name values.

A template is any JSON-like value. Its strings may contain placeholders:

- ``"{workflow_id}"`` -- the *whole* string is one placeholder: it becomes the
  value itself with its JSON type kept (a number stays a number, a list a
  list). A dotted name (``{schedule.id}``) looks into nested objects.
- ``"run-{workflow_id}"`` -- a placeholder inside text is replaced by the
  value's text (JSON text for non-strings).
- ``"{run_id|01RUN}"`` -- a fallback after ``|`` is used when the value is
  absent. For a whole-string placeholder the fallback is read as JSON when it
  parses (``{count|0}`` gives ``0``, ``{x|null}`` gives ``null``) and kept
  as text otherwise.
- ``{{`` and ``}}`` are literal braces.

A placeholder whose value is absent and that has no fallback becomes
``null`` (whole string) or the empty text (inside text): a default reply
must never fail to build, because the stub has to answer something.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from typing import Any

__all__ = ["placeholders", "render"]

_PLACEHOLDER = re.compile(r"\{\{|\}\}|\{([A-Za-z_][A-Za-z0-9_.\-]*)(?:\|([^{}]*))?\}")
_MISSING = object()


def _lookup(values: Mapping[str, Any], name: str) -> Any:
    if name in values:
        return values[name]
    node: Any = values
    for part in name.split("."):
        if isinstance(node, Mapping) and part in node:
            node = node[part]
        else:
            return _MISSING
    return node


def _fallback_value(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text


def _as_text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _render_string(template: str, values: Mapping[str, Any]) -> Any:
    whole = _PLACEHOLDER.fullmatch(template)
    if whole is not None and whole.group(1) is not None:
        value = _lookup(values, whole.group(1))
        if value is not _MISSING:
            return value
        fallback = whole.group(2)
        return None if fallback is None else _fallback_value(fallback)

    def substitute(match: re.Match[str]) -> str:
        token = match.group(0)
        if token == "{{":
            return "{"
        if token == "}}":
            return "}"
        value = _lookup(values, match.group(1))
        if value is _MISSING:
            return match.group(2) or ""
        return _as_text(value)

    return _PLACEHOLDER.sub(substitute, template)


def render(template: Any, values: Mapping[str, Any]) -> Any:
    """A new document: ``template`` with its placeholders filled from ``values``.

    Works iteratively (deep templates do not hit the recursion limit) and
    never modifies ``template``. Dict keys are not templated.
    """
    if isinstance(template, str):
        return _render_string(template, values)
    if not isinstance(template, dict | list):
        return template
    root: Any = {} if isinstance(template, dict) else []
    stack: list[tuple[Any, Any]] = [(template, root)]
    while stack:
        source, target = stack.pop()
        items = source.items() if isinstance(source, dict) else enumerate(source)
        for key, item in items:
            if isinstance(item, dict | list):
                child: Any = {} if isinstance(item, dict) else []
                stack.append((item, child))
            elif isinstance(item, str):
                child = _render_string(item, values)
            else:
                child = item
            if isinstance(target, dict):
                target[key] = child
            else:
                target.append(child)
    return root


def placeholders(template: Any) -> Iterator[str]:
    """Every placeholder name used in ``template`` (for validation and docs)."""
    stack: list[Any] = [template]
    while stack:
        node = stack.pop()
        if isinstance(node, str):
            for match in _PLACEHOLDER.finditer(node):
                if match.group(1) is not None:
                    yield match.group(1)
        elif isinstance(node, dict):
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
