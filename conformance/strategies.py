"""Hypothesis strategies for ``fuzz``: values clients must carry faithfully, and fixture variants.

This module imports ``hypothesis`` at the top; the rest of the engine imports
it only when fuzzing (``hypothesis`` is needed at run time by ``fuzz`` alone).

Design decisions:

* **Payloads cover every branch of the Avro Value union** (:func:`avro_values`):
  null, booleans, integers with the 64-bit edges drawn often, doubles that are
  not integers (``2.0`` and ``2`` are the same JSON number to many JSON
  libraries, and a client carrying JSON cannot be blamed for it), bytes,
  strings over all of Unicode but surrogates (which no UTF-8 encoder can
  write) *including* control characters and NUL, lists, string-keyed maps,
  empty containers and deep chains of nested lists and maps. Values without
  bytes (:func:`json_values`) are used where the wire carries plain JSON
  (memo).
* **Identifiers** (:func:`identifiers`) mix unreserved characters with
  everything that needs percent-encoding in a path (space, ``/``, ``%``,
  ``?``, ``#``, ``+``, ``&``, ``=``, tab, non-ASCII), never empty, never
  ``.`` or ``..``: RFC 3986 removes those dot segments from any path, so no
  client can carry them as an id.
* **Names** of signals, queries, updates, types and task queues
  (:func:`handler_names`) are identifier-like with dots and dashes.
* **Payloads of variants are plain JSON** (:func:`json_values`): every variant is
  first replayed by the ``canonical`` adapter, whose body is plain JSON, and a
  variant it cannot replay is dropped; :func:`avro_values` (with bytes) stays
  for the codec and normalizer tests.
* **Every field shrinks to its seed value**: a field's strategy is
  ``just(seed value) | generated``, so a shrunk failing variant differs from
  its seed only where it must.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from conformance.variants import SeedPlan, VariableField, Variant, build_variant

__all__ = [
    "INT64_EDGES",
    "avro_values",
    "deep_values",
    "field_values",
    "handler_names",
    "identifiers",
    "json_values",
    "search_attribute_maps",
    "texts",
    "variant_values",
    "variants",
]

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
INT64_EDGES = (0, 1, -1, 2**31 - 1, -(2**31), 2**32, 2**53, 2**53 + 1, -(2**53) - 1, INT64_MAX, INT64_MIN)
_ID_SPECIALS = " /%?#+&=:@!$'()*,;~._-\t"


def integers() -> st.SearchStrategy[int]:
    return st.sampled_from(INT64_EDGES) | st.integers(INT64_MIN, INT64_MAX)


def doubles() -> st.SearchStrategy[float]:
    """Finite doubles that are not integers (so not ``-0.0`` either)."""
    edges = st.sampled_from((0.1, -0.5, 1.5, 5e-324, -2.2250738585072014e-308, 4503599627370495.5))
    return edges | st.floats(allow_nan=False, allow_infinity=False).filter(lambda x: not x.is_integer())


def texts(max_size: int = 24) -> st.SearchStrategy[str]:
    """Any Unicode scalar values, control characters included (surrogates excluded)."""
    controls = st.sampled_from(("\x00", "\t", "\n", "\r", "\x1b", "\x7f", "\u2028", "\ufeff"))
    return st.text(st.characters(exclude_categories=["Cs"]) | controls, max_size=max_size)


def _scalars(with_bytes: bool) -> st.SearchStrategy[Any]:
    base = st.none() | st.booleans() | integers() | doubles() | texts()
    return base | st.binary(max_size=16) if with_bytes else base


def _containers(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.lists(children, max_size=4) | st.dictionaries(texts(max_size=8), children, max_size=4)


def deep_values(leaves: st.SearchStrategy[Any], max_depth: int = 48) -> st.SearchStrategy[Any]:
    """A chain of ``depth`` nested lists and maps around one leaf."""

    def nest(arguments: tuple[list[bool], Any]) -> Any:
        kinds, value = arguments
        for is_list in reversed(kinds):
            value = [value] if is_list else {"k": value}
        return value

    return st.tuples(st.lists(st.booleans(), min_size=8, max_size=max_depth), leaves).map(nest)


def avro_values(*, with_bytes: bool = True, max_leaves: int = 12) -> st.SearchStrategy[Any]:
    """Values over every branch of the Avro Value union (see the module docstring)."""
    scalars = _scalars(with_bytes)
    return st.recursive(scalars, _containers, max_leaves=max_leaves) | deep_values(scalars)


def json_values(max_leaves: int = 12) -> st.SearchStrategy[Any]:
    """Like :func:`avro_values` without bytes: what plain JSON carries."""
    return avro_values(with_bytes=False, max_leaves=max_leaves)


def identifiers() -> st.SearchStrategy[str]:
    alphabet = (
        st.sampled_from(tuple("abcxyzABC0129"))
        | st.sampled_from(tuple(_ID_SPECIALS))
        | st.characters(min_codepoint=0xA0, exclude_categories=["Cs"])
    )
    return st.text(alphabet, min_size=1, max_size=20).filter(lambda text: text not in (".", ".."))


def handler_names() -> st.SearchStrategy[str]:
    return st.from_regex(r"[A-Za-z_][A-Za-z0-9_.\-]{0,23}", fullmatch=True)


def search_attribute_maps() -> st.SearchStrategy[dict[str, str]]:
    names = st.from_regex(r"[A-Za-z][A-Za-z0-9_]{0,11}", fullmatch=True)
    return st.dictionaries(names, texts(max_size=16), max_size=4)


def field_values(variable: VariableField) -> st.SearchStrategy[Any]:
    """New values for one field; shrinks towards the seed's own value."""
    spec = variable.spec
    generated: st.SearchStrategy[Any]
    if spec.kind == "identifier":
        generated = identifiers()
    elif spec.kind == "name":
        generated = handler_names()
    elif spec.kind == "payload":
        generated = st.lists(json_values(), max_size=4)
    elif spec.kind == "json_map":
        generated = st.dictionaries(texts(max_size=8), json_values(), max_size=4)
    elif spec.kind == "search_attributes":
        generated = search_attribute_maps()
    elif spec.kind == "boolean":
        generated = st.booleans()
    elif spec.kind == "number":
        generated = doubles()
    elif spec.kind == "strings":
        generated = st.lists(texts(max_size=16), min_size=1, max_size=4)
    elif spec.kind == "flag":
        generated = st.booleans()
    elif spec.kind == "text":
        generated = texts()
    elif spec.kind == "count":
        generated = st.integers(spec.minimum, spec.maximum)
    elif spec.kind == "choice":
        generated = st.sampled_from(spec.choices)
    else:
        raise ValueError(f"unknown field kind {spec.kind!r}")
    return st.just(variable.seed_value) | generated


def variant_values(plan: SeedPlan) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries({variable.spec.name: field_values(variable) for variable in plan.fields})


def variants(plan: SeedPlan) -> st.SearchStrategy[Variant]:
    """Self-consistent variants of the plan's seed fixture."""
    return variant_values(plan).map(lambda values: build_variant(plan, values))
