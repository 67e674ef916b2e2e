"""Do the values a client surfaced agree with the answer it was given?

A client's *surfaced value* is what it hands its user: the SDK's return
value (made JSON-safe by the adapter), the ``output`` an exec program
reports, the JSON ``dw --json`` prints. Clients reshape answers (typed
objects, renamed or added fields, defaults for what is absent), so the
comparison is deliberately about the *values they share*, never about shape:

* Both sides are decoded (payload envelopes become their values); keys of the
  output that start with ``$`` (an adapter's type markers) are ignored.
* **Anchor.** The answer, or one of its object members (``{"task": {...}}``
  answered, the task returned), whichever shares the most keys with the
  output; the anchor is named in the verdict.
* From the anchor down, every key present on both sides is compared, type
  exactly (``42`` is not ``"42"`` nor ``42.0``); lists are compared item by
  item and their lengths must agree. A key only one side has is not compared:
  that is reshaping, not a wrong value.
* A value the client surfaces where the answer holds another one (including
  ``null`` for a value the answer gave) is a ``changed`` or ``type_changed``
  failure, pointed at in the output: ``/output/outcome``.
* Nothing shared (the client returned ``None``, or only fields the answer
  does not have) means nothing was checked: the comparison says so and is
  never counted as a pass of anything.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from conformance import jsonpointer
from conformance.findings import Difference
from conformance.normalize import decoded_copy
from conformance.textsafe import json_type

__all__ = ["SurfacedComparison", "compare_surfaced"]

#: Deepest level compared (answers are shallow; this bounds hostile output).
MAX_DEPTH = 64


@dataclass
class SurfacedComparison:
    """The outcome of :func:`compare_surfaced`."""

    #: Where in the answer the output was anchored ("" = the whole answer).
    anchor: str = ""
    #: How many scalar values both sides hold and were compared.
    compared: int = 0
    differences: list[Difference] = field(default_factory=list)
    #: Each compared scalar: (pointer in the output, pointer in the answer).
    pairs: list[tuple[str, str]] = field(default_factory=list)



def _without_markers(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _without_markers(item) for key, item in value.items() if not str(key).startswith("$")}
    if isinstance(value, list):
        return [_without_markers(item) for item in value]
    return value


def _shared(a: Any, b: Any) -> int:
    return len(set(a) & set(b)) if isinstance(a, dict) and isinstance(b, dict) else 0


def _anchor(output: Any, answer: Any) -> tuple[str, Any]:
    best: tuple[int, str, Any] = (_shared(output, answer), "", answer)
    if isinstance(answer, dict):
        for key, member in answer.items():
            score = _shared(output, member)
            if score > best[0]:
                best = (score, jsonpointer.join("", key), member)
    return best[1], best[2]


def _compare_leaf(comparison: SurfacedComparison, want: Any, got: Any, where: str, there: str) -> None:
    """One place both sides hold that is not a pair of containers: equal, and of one JSON type."""
    if json_type(want) != json_type(got):
        message = f"the answer holds {json_type(want)}, the client surfaced {json_type(got)}"
        comparison.differences.append(Difference(where, "type_changed", want, got, "failure", message))
    elif not isinstance(want, dict | list) and want != got:
        comparison.differences.append(
            Difference(where, "changed", want, got, "failure", "the client surfaced another value")
        )
    if not isinstance(want, dict | list) and not isinstance(got, dict | list):
        comparison.compared += 1
        comparison.pairs.append((where, there))


def compare_surfaced(output: Any, answer: Any, *, base: str = "/output") -> SurfacedComparison:
    """Compare a client's surfaced ``output`` with the ``answer`` it received (see the module docstring)."""
    output = _without_markers(decoded_copy(output))
    answer = decoded_copy(answer)
    anchor, expected = _anchor(output, answer)
    comparison = SurfacedComparison(anchor=anchor)
    stack: list[tuple[Any, Any, str, int, str]] = [(expected, output, base, 0, anchor)]
    while stack:
        want, got, where, depth, there = stack.pop()
        if depth > MAX_DEPTH:
            continue
        shared: list[str | int] = []
        if isinstance(want, dict) and isinstance(got, dict):
            shared = sorted(set(want) & set(got), key=str)
        elif isinstance(want, list) and isinstance(got, list):
            if len(want) != len(got):
                message = f"the answer holds {len(want)} items here, the client surfaced {len(got)}"
                comparison.differences.append(
                    Difference(where, "changed", len(want), len(got), "failure", message)
                )
            shared = list(range(min(len(want), len(got))))
        elif depth == 0:
            continue  # an output of another shape than the answer shares nothing with it
        else:
            _compare_leaf(comparison, want, got, where, there)
            continue
        for token in reversed(shared):
            child = (
                want[token],
                got[token],
                jsonpointer.join(where, token),
                depth + 1,
                jsonpointer.join(there, token),
            )
            stack.append(child)
    comparison.differences.sort(key=lambda item: item.pointer)
    return comparison
