"""Strict JSON parsing of an input file's bytes: :func:`parse_json_bytes`.

Everything a hostile or broken file can do to a JSON parser (bytes that are
not UTF-8, invalid JSON, duplicate keys, nesting deeper than a consumer can
bear, an integer too long for Python to convert, NaN or infinity, a lone
surrogate in a string) becomes an :class:`~conformance.problems.InputError`
naming the file, the pointer, what was expected and what was found. Fixtures
and the other JSON input files (:func:`conformance.fixture.read_json_file`)
and captured request bodies (:mod:`conformance.normalize`) are parsed here.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from conformance import jsonpointer
from conformance.input_values import bounded_int, value_problems
from conformance.problems import InputError, Problem, decode_utf8
from conformance.textsafe import map_tree

__all__ = ["MAX_JSON_DEPTH", "parse_json_bytes"]

#: Upper bound on the nesting of a parsed document (fixture or captured body). Real
#: fixtures nest fewer than ten levels; the bound keeps every recursive consumer
#: downstream (schema validation, copies, the diff) far from Python's recursion limit,
#: which a document just under the parser's own limit would otherwise reach.
MAX_JSON_DEPTH = 128


class _PairsDict(dict[str, Any]):
    """A dict that remembers keys that appeared more than once in the source."""

    duplicates: list[str]


def _pairs_hook(pairs: list[tuple[str, Any]]) -> _PairsDict:
    result = _PairsDict()
    duplicates: list[str] = []
    for key, value in pairs:
        if key in result:
            duplicates.append(key)
        result[key] = value
    result.duplicates = duplicates
    return result


def _duplicate_key_problems(node: Any, pointer: str, file: str) -> Iterator[Problem]:
    stack: list[tuple[Any, str]] = [(node, pointer)]
    while stack:
        current, where = stack.pop()
        if isinstance(current, dict):
            for key in getattr(current, "duplicates", []):
                yield Problem(
                    file, jsonpointer.join(where, key), "each key once per object", f"key {key!r} repeated"
                )
            stack.extend((value, jsonpointer.join(where, key)) for key, value in current.items())
        elif isinstance(current, list):
            stack.extend((value, jsonpointer.join(where, i)) for i, value in enumerate(current))


def parse_json_bytes(
    raw: bytes, file: str, *, max_depth: int | None = None, lone_surrogates: bool = False
) -> Any:
    """Strict JSON parsing of a file's bytes; problems become :class:`InputError`.

    Values are checked by :func:`conformance.input_values.value_problems`
    (integer length, finite numbers, and, unless ``lone_surrogates``, text).

    The parser itself copes with any nesting below its own limit (the tree is
    rebuilt iteratively); ``max_depth`` additionally refuses documents nested
    deeper than that, for consumers that recurse (see :data:`MAX_JSON_DEPTH`).
    """
    text = decode_utf8(raw, file)
    if text.startswith("\ufeff"):
        text = text[1:]
    if not text.strip():
        raise InputError([Problem(file, "", "a JSON document", "an empty file")])
    try:
        document = json.loads(
            text, object_pairs_hook=_pairs_hook, parse_int=bounded_int, parse_constant=float
        )
    except json.JSONDecodeError as error:
        raise InputError(
            [Problem(file, "", "valid JSON", f"{error.msg} at line {error.lineno} column {error.colno}")]
        ) from None
    except RecursionError:
        raise InputError(
            [
                Problem(
                    file, "", "JSON nested less deeply than the parser's limit", "nesting too deep to parse"
                )
            ]
        ) from None
    if max_depth is not None:
        too_deep = _nesting_problem(document, file, max_depth)
        if too_deep is not None:
            raise InputError([too_deep])
    duplicates = list(_duplicate_key_problems(document, "", file))
    if duplicates:
        raise InputError(duplicates)
    # integers too long, NaN or infinity, lone surrogates
    values = value_problems(document, file, text=not lone_surrogates)
    if values:
        raise InputError(values)
    return map_tree(document, lambda leaf: leaf)


def _nesting_problem(document: Any, file: str, max_depth: int = MAX_JSON_DEPTH) -> Problem | None:
    """A problem at the first value nested deeper than ``max_depth`` (iterative), else None."""
    stack: list[tuple[Any, str, int]] = [(document, "", 0)]
    while stack:
        node, where, depth = stack.pop()
        if not isinstance(node, dict | list):
            continue
        if depth >= max_depth:
            return Problem(file, where, f"JSON nested at most {max_depth} levels deep", "deeper nesting")
        items = node.items() if isinstance(node, dict) else enumerate(node)
        stack.extend((value, jsonpointer.join(where, key), depth + 1) for key, value in items)
    return None
