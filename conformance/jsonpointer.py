"""RFC 6901 JSON pointers: building, parsing and resolving."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

__all__ = ["PointerError", "escape", "join", "parse", "replace", "resolve", "unescape"]


class PointerError(LookupError):
    """A pointer that does not resolve in a document."""


def escape(token: str | int) -> str:
    """Escape one reference token (``~`` -> ``~0``, ``/`` -> ``~1``)."""
    return str(token).replace("~", "~0").replace("/", "~1")


def unescape(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


def join(base: str, *tokens: str | int) -> str:
    """Append reference tokens to ``base`` (``""`` is the whole document)."""
    return base + "".join("/" + escape(token) for token in tokens)


def from_tokens(tokens: Iterable[str | int]) -> str:
    return join("", *tokens)


def parse(pointer: str) -> list[str]:
    """Split a pointer into unescaped tokens; ``""`` gives ``[]``."""
    if pointer == "":
        return []
    if not pointer.startswith("/"):
        raise PointerError(f"a JSON pointer starts with '/', got {pointer!r}")
    return [unescape(token) for token in pointer[1:].split("/")]


def resolve(document: Any, pointer: str) -> Any:
    """The value at ``pointer`` in ``document``; :class:`PointerError` when absent."""
    node = document
    for token in parse(pointer):
        if isinstance(node, dict):
            if token not in node:
                raise PointerError(f"{pointer}: no key {token!r}")
            node = node[token]
        elif isinstance(node, list):
            if not (token.isascii() and token.isdigit()) or int(token) >= len(node):
                raise PointerError(f"{pointer}: no index {token!r}")
            node = node[int(token)]
        else:
            raise PointerError(f"{pointer}: {token!r} goes below a scalar")
    return node


def replace(document: Any, pointer: str, value: Any) -> None:
    """Put ``value`` at ``pointer``, which must already exist below the root (:class:`PointerError` else)."""
    tokens = parse(pointer)
    if not tokens:
        raise PointerError("the root cannot be replaced in place")
    resolve(document, pointer)
    parent = resolve(document, from_tokens(tokens[:-1]))
    if isinstance(parent, list):
        parent[int(tokens[-1])] = value
    else:
        parent[tokens[-1]] = value


def dotted_to_pointer(dotted: str, base: str = "") -> str:
    """``action.input`` -> ``/action/input`` (used by ``payload_envelope.field``)."""
    return join(base, *[part for part in dotted.split(".")])
