"""Rules for the values inside a parsed input file, shared by the JSON and the YAML loaders.

A value that parses but cannot travel on as JSON, or would make a later step
fail, is a :class:`~conformance.problems.Problem` at its own pointer:

- **integers of at most** :data:`MAX_INTEGER_DIGITS` **digits**. Python refuses
  to turn longer digit strings into an ``int`` (or back) past a limit an
  interpreter may set as low as 640 digits; the parsers hand such a number
  over as a :class:`TooLongInteger`, and it becomes a problem here instead of
  a traceback. No wire format the harness checks has integers near this size;
- **finite numbers** (JSON has no NaN or infinity; ``1e400`` parses to one);
- **Unicode text**: a string or key holding a lone surrogate (``"\\ud800"`` is
  valid JSON syntax but no text) cannot be written to a UTF-8 report.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from conformance import jsonpointer
from conformance.problems import Problem

__all__ = ["MAX_INTEGER_DIGITS", "TooLongInteger", "bounded_int", "leaf_problem", "value_problems"]

#: The lowest limit Python lets an interpreter set on int <-> str conversion (sys.set_int_max_str_digits).
MAX_INTEGER_DIGITS = 640


@dataclass(frozen=True)
class TooLongInteger:
    """Stands in for an integer literal of more than :data:`MAX_INTEGER_DIGITS` digits."""

    digits: int


def bounded_int(literal: str) -> int | TooLongInteger:
    """The ``parse_int`` hook of the JSON parser: ``int(literal)``, or a :class:`TooLongInteger`."""
    digits = len(literal.lstrip("+-"))
    return TooLongInteger(digits) if digits > MAX_INTEGER_DIGITS else int(literal)


def _surrogate_found(text: str) -> str | None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        return f"a lone surrogate \\u{ord(text[error.start]):04x} at character {error.start}"
    return None


def leaf_problem(value: Any, file: str, pointer: str, *, text: bool = True) -> Problem | None:
    """The problem of one scalar value, or None (``text=False``: lone surrogates are let through)."""
    if isinstance(value, TooLongInteger):
        return Problem(
            file, pointer, f"an integer of at most {MAX_INTEGER_DIGITS} digits", f"{value.digits} digits"
        )
    if isinstance(value, float) and not math.isfinite(value):
        return Problem(file, pointer, "a finite number (JSON has no NaN or infinity)", repr(value))
    if text and isinstance(value, str):
        found = _surrogate_found(value)
        if found is not None:
            return Problem(file, pointer, "Unicode text (a string UTF-8 can encode)", found)
    return None


def key_problem(key: str, file: str, pointer: str) -> Problem | None:
    """The problem of one mapping key (a lone surrogate), or None."""
    found = _surrogate_found(key)
    return None if found is None else Problem(file, pointer, "a key of Unicode text", found)


def value_problems(document: Any, file: str, *, text: bool = True) -> list[Problem]:
    """Every value problem of a parsed JSON-shaped document, in pointer order (iterative).

    A key that is not a string and a value JSON cannot hold are problems too;
    only the YAML loader can build them.

    ``text=False`` lets lone surrogates through: a client's request body is
    evidence to judge, not an input to refuse, and the reports escape them.
    """
    problems: list[Problem] = []
    stack: list[tuple[Any, str]] = [(document, "")]
    while stack:
        node, pointer = stack.pop()
        if isinstance(node, dict):
            for key, value in node.items():
                where = jsonpointer.join(pointer, str(key))
                bad_key = (
                    (key_problem(key, file, where) if text else None)
                    if isinstance(key, str)
                    else Problem(
                        file, where, "a string key (quote it in YAML)", f"a {type(key).__name__} key {key!r}"
                    )
                )
                if bad_key is not None:
                    problems.append(bad_key)
                stack.append((value, where))
        elif isinstance(node, list):
            stack.extend((value, jsonpointer.join(pointer, index)) for index, value in enumerate(node))
        elif node is None or isinstance(node, TooLongInteger | str | int | float | bool):
            problem = leaf_problem(node, file, pointer, text=text)
            if problem is not None:
                problems.append(problem)
        else:  # only YAML builds other values (a date, a set, bytes): JSON has nothing of the kind
            problems.append(
                Problem(
                    file,
                    pointer,
                    "a JSON value (string, number, boolean, null, list or mapping)",
                    f"a YAML {type(node).__name__}",
                )
            )
    return sorted(problems)
