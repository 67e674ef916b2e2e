"""Structural, type-exact comparison of two JSON values: :func:`diff_values` (used by the body check,
parity and the self-test's mutant check)."""

from __future__ import annotations

from typing import Any, Literal

from conformance import jsonpointer
from conformance.findings import Difference
from conformance.textsafe import json_type

__all__ = ["diff_values", "is_under"]


def _scalars_equal(expected: Any, actual: Any) -> bool:
    if isinstance(expected, float) and isinstance(actual, float):
        return expected == actual or (expected != expected and actual != actual)
    return bool(expected == actual)


def diff_values(
    expected: Any,
    actual: Any,
    pointer: str = "",
    *,
    mode: Literal["exact", "subset"] = "exact",
) -> list[Difference]:
    """Structural, type-exact differences of ``actual`` against ``expected``.

    Pointers are ``pointer`` plus RFC 6901 tokens. Under ``subset`` the
    top-level object keys of ``actual`` that ``expected`` does not list are
    diagnostics; everything else is a failure. Iterative (no recursion limit);
    the result is sorted by pointer (keys by name, list indexes numerically),
    so the same inputs always give the same list.
    """
    differences: list[Difference] = []
    # (expected, actual, pointer, depth); processed depth-first in document order
    stack: list[tuple[Any, Any, str, int]] = [(expected, actual, pointer, 0)]
    while stack:
        want, got, where, depth = stack.pop()
        kind_want, kind_got = json_type(want), json_type(got)
        if kind_want != kind_got:
            differences.append(
                Difference(
                    where, "type_changed", want, got, "failure", f"expected {kind_want}, found {kind_got}"
                )
            )
            continue
        if isinstance(want, dict):
            children: list[tuple[Any, Any, str, int]] = []
            for key, item in want.items():
                child = jsonpointer.join(where, key)
                if key not in got:
                    differences.append(Difference(child, "missing", item, None, "failure", "not sent"))
                else:
                    children.append((item, got[key], child, depth + 1))
            for key, item in got.items():
                if key in want:
                    continue
                subset_extra = mode == "subset" and depth == 0
                differences.append(
                    Difference(
                        jsonpointer.join(where, key),
                        "unexpected",
                        None,
                        item,
                        "diagnostic" if subset_extra else "failure",
                        "sent, not listed by a subset expectation" if subset_extra else "sent, not expected",
                    )
                )
            stack.extend(reversed(children))
        elif isinstance(want, list | tuple):
            got_list = list(got)
            shared = min(len(want), len(got_list))
            for index in range(len(got_list), len(want)):
                differences.append(
                    Difference(
                        jsonpointer.join(where, index), "missing", want[index], None, "failure", "not sent"
                    )
                )
            for index in range(len(want), len(got_list)):
                differences.append(
                    Difference(
                        jsonpointer.join(where, index),
                        "unexpected",
                        None,
                        got_list[index],
                        "failure",
                        "extra item",
                    )
                )
            stack.extend(
                reversed(
                    [(want[i], got_list[i], jsonpointer.join(where, i), depth + 1) for i in range(shared)]
                )
            )
        elif not _scalars_equal(want, got):
            differences.append(Difference(where, "changed", want, got, "failure"))
    differences.sort(key=lambda difference: _pointer_sort_key(difference.pointer))
    return differences


def _pointer_sort_key(pointer: str) -> list[tuple[int, int, str]]:
    key: list[tuple[int, int, str]] = []
    for token in jsonpointer.parse(pointer) if pointer else []:
        key.append((0, int(token), "") if token.isascii() and token.isdigit() else (1, 0, token))
    return key


def is_under(pointer: str, base: str) -> bool:
    """Whether ``pointer`` is ``base`` or lies below it."""
    return pointer == base or pointer.startswith(base + "/")
