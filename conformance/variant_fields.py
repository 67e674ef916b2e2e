"""The variable fields of a fixture: where a value lives (:class:`Place`), a field's domain
(:class:`FieldSpec`), a seed's variable (:class:`VariableField`).

Both sides of a variant use them: :mod:`conformance.variant_derivation` finds
the variables of a fixture, :mod:`conformance.variants` reads the table of
what cannot be derived, plans a seed and writes the variants. This module
imports neither (each imports it), so the derivation and the variants do not
import each other. :mod:`conformance.variants` re-exports every name.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from conformance import jsonpointer
from conformance.fixture import KNOWN_TOP_LEVEL_KEYS
from conformance.normalize import decode_envelopes

__all__ = [
    "DEFAULT_MAX",
    "DEFAULT_MIN",
    "KINDS",
    "RENDERINGS",
    "FieldSpec",
    "Place",
    "VariableField",
    "plain_value",
]

KINDS = (
    "identifier",
    "name",
    "payload",
    "json_map",
    "search_attributes",
    "text",
    "count",
    "choice",
    "boolean",
    "number",
    "strings",
    "flag",
)
RENDERINGS = (
    "value",
    "body",
    "json",
    "option",
    "positional",
    "decimal",
    "search_attributes",
    "path_segment",
    "envelope",
    "kv",
    "option_list",
    "flag",
)
DEFAULT_MIN = 1
DEFAULT_MAX = 2**31 - 1


@dataclass(frozen=True)
class Place:
    """Where a value lives (a pointer into the fixture) and how it is written there."""

    at: str
    render: str = "value"
    segment: int | None = None
    #: Inside the node at ``at``: a pointer into the parsed JSON text (``json``), or the key of a
    #: ``KEY=VALUE`` item (``kv``); ``""`` is the whole node.
    inner: str = ""

    @property
    def tokens(self) -> tuple[str, ...]:
        return tuple(jsonpointer.parse(self.at))

    @property
    def location(self) -> tuple[str, ...]:
        """Where the value sits, as a path of tokens: a place *under* another one extends it."""
        if self.render == "path_segment":
            return (*self.tokens, "#segment", str(self.segment))
        if self.render == "json":
            return (*self.tokens, "#json", *jsonpointer.parse(self.inner))
        if self.render == "kv":
            return (*self.tokens, "#kv", self.inner)
        return self.tokens

    @property
    def projection(self) -> str | None:
        """The projection this place belongs to (``None`` for ``request``, ``semantic_body``...)."""
        head = self.tokens[0] if self.tokens else ""
        return None if head in KNOWN_TOP_LEVEL_KEYS else head

    def describe(self) -> str:
        if self.render == "path_segment":
            return f"{self.at} (segment {self.segment})"
        if self.render == "json" and self.inner:
            return f"{self.at} (JSON text, at {self.inner})"
        if self.render == "kv":
            return f"{self.at} (the value of {self.inner}=...)"
        return self.at


@dataclass(frozen=True)
class FieldSpec:
    name: str
    kind: str
    places: tuple[Place, ...]
    choices: tuple[Any, ...] = ()
    minimum: int = DEFAULT_MIN
    maximum: int = DEFAULT_MAX


@dataclass(frozen=True)
class VariableField:
    spec: FieldSpec
    seed_value: Any
    #: The places of the map that the seed has.
    places: tuple[Place, ...]


def plain_value(value: Any) -> Any:
    """``value`` with every envelope in it decoded; ``ValueError`` when one does not decode."""
    decoded, _records, findings = decode_envelopes(copy.deepcopy(value), "")
    if findings:
        raise ValueError("an envelope that does not decode")
    return decoded
