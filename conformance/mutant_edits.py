"""What a check's mutants are made of: :class:`Mutant`, :class:`Edit` and the changed values.

A check (:mod:`conformance.checks`) derives its own mutants
(:meth:`conformance.checks.base.Check.mutants`) with these pieces, handing them
to the :class:`conformance.mutation.MutantDeriver` it is given. This module
imports neither the checks nor the deriver (which asks every registered check):
the deriver stands above the checks, and nothing imports back up.
:mod:`conformance.mutation` re-exports every name, and its docstring says how
mutants are derived and how values change.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from conformance.expectation_parts import Expectation, JudgeSettings
from conformance.fixture import Fixture

__all__ = [
    "ADDED_KEY",
    "SUFFIX",
    "Edit",
    "Mutant",
    "changed_payload",
    "changed_value",
    "is_integer",
    "is_leaf",
    "walk",
]

SUFFIX = "-dw-mutant"
ADDED_KEY = "dw_mutant_added"
_INT64_MAX = 2**63 - 1


@dataclass(frozen=True)
class Mutant:
    """One mutant of one projection's expectation.

    ``target`` is the pointer of the normalized request where the judge must
    report a failure; ``fixture`` / ``settings`` are what to judge with
    (``None``: the unmutated one). ``expectation``, when set, is the mutated
    expectation itself (a check whose part no fixture field spells); judge with
    :func:`conformance.mutation.mutant_expectation`, which covers all three.
    """

    kind: str
    target: str
    description: str
    fixture: Fixture | None = None
    settings: JudgeSettings | None = None
    #: Fixture pointers the mutant edited.
    sites: tuple[str, ...] = ()
    #: Other pointers where the expectation changes as a direct consequence (see ``path_segment``).
    consequences: tuple[str, ...] = ()
    #: The mutated expectation, for a mutant made on the expectation rather than the fixture.
    expectation: Expectation | None = None


@dataclass(frozen=True)
class Edit:
    """One edit of fixture data at a place: ``replace`` (with ``value``), ``remove`` or ``add``."""

    action: str  # "replace", "remove" or "add"
    value: Any = None


def changed_value(value: Any) -> Any:
    """A different value, of the same type where the type allows it (see :mod:`conformance.mutation`)."""
    if value is None:
        return "dw-mutant"
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value - 1 if value >= _INT64_MAX else value + 1
    if isinstance(value, float):
        return value + 1.5 if abs(value) < 1e15 else value * 2
    if isinstance(value, str):
        return value + SUFFIX
    if isinstance(value, bytes):
        return value + b"\x00"
    if isinstance(value, list):
        return [*value, "dw-mutant"]
    if isinstance(value, dict):
        return [] if not value else {**value, ADDED_KEY: "dw-mutant"}
    return "dw-mutant"


def changed_payload(value: Any) -> Any:
    """A changed envelope payload: an object gains a key, anything else changes like a scalar."""
    if isinstance(value, dict):
        return {**value, ADDED_KEY: "dw-mutant"}
    return changed_value(value)


def is_integer(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def walk(value: Any, tokens: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    """Every node of ``value`` with its tokens, in document order (iterative)."""
    stack: list[tuple[tuple[str, ...], Any]] = [(tokens, value)]
    while stack:
        where, node = stack.pop()
        yield where, node
        if isinstance(node, dict):
            stack.extend(reversed([((*where, str(key)), item) for key, item in node.items()]))
        elif isinstance(node, list):
            stack.extend(reversed([((*where, str(index)), item) for index, item in enumerate(node)]))


def is_leaf(node: Any) -> bool:
    return not isinstance(node, dict | list) or not node
