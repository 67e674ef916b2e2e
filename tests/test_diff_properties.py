"""Property tests of the diff engine: a value never differs from itself; a mutation is caught where it is."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from conformance import jsonpointer
from conformance.avro_codec import make_envelope
from conformance.diff import diff_values
from conformance.normalize import normalize
from support.judging import exchange

scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()
)


def _containers(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=6), children, max_size=4)


json_values = st.recursive(scalars, _containers, max_leaves=25)


def leaf_pointers(value: Any, pointer: str = "") -> list[str]:
    """Pointers of every leaf of ``value`` (scalars and empty containers)."""
    if isinstance(value, dict) and value:
        return [p for key, item in value.items() for p in leaf_pointers(item, jsonpointer.join(pointer, key))]
    if isinstance(value, list) and value:
        return [p for i, item in enumerate(value) for p in leaf_pointers(item, jsonpointer.join(pointer, i))]
    return [pointer]


def replaced(value: Any, tokens: list[str], new: Any) -> Any:
    if not tokens:
        return new
    head, rest = tokens[0], tokens[1:]
    if isinstance(value, dict):
        return {key: replaced(item, rest, new) if key == head else item for key, item in value.items()}
    return [replaced(item, rest, new) if str(index) == head else item for index, item in enumerate(value)]


def mutate(leaf: Any) -> Any:
    """A different value of a different type, or the same type with another value."""
    if leaf is None:
        return 0
    if isinstance(leaf, bool):
        return not leaf
    if isinstance(leaf, int):
        return float(leaf) if abs(leaf) < 2**53 else str(leaf)
    if isinstance(leaf, float):
        return leaf + 1.0 if abs(leaf) < 1e15 else leaf * 2
    if isinstance(leaf, str):
        return leaf + "x"
    return None


@settings(max_examples=150, deadline=None)
@given(json_values)
def test_a_value_never_differs_from_itself(value: Any) -> None:
    assert diff_values(value, value, "/body") == []
    assert diff_values(value, value, "/body", mode="subset") == []


@settings(max_examples=150, deadline=None)
@given(json_values, st.data())
def test_a_mutated_leaf_is_caught_at_its_pointer(value: Any, data: st.DataObject) -> None:
    pointer = data.draw(st.sampled_from(leaf_pointers(value)))
    tokens = jsonpointer.parse(pointer)
    old = jsonpointer.resolve(value, pointer)
    mutated = replaced(value, tokens, mutate(old))
    (difference,) = diff_values(value, mutated, "/body")
    assert difference.pointer == "/body" + pointer
    assert difference.kind in ("changed", "type_changed")
    assert difference.severity == "failure"


@settings(max_examples=100, deadline=None)
@given(json_values)
def test_an_envelope_decodes_to_the_plain_value_it_carries(value: Any) -> None:
    plain = normalize(exchange("POST", "/api/x", {"input": value}))
    wrapped = normalize(exchange("POST", "/api/x", {"input": make_envelope(value)}))
    assert wrapped.findings == []
    assert diff_values(plain.body, wrapped.body, "/body") == []
