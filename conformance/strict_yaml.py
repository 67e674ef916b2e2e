"""Strict, JSON-shaped YAML loading for every YAML file a user hands the harness.

Server profiles, policies, operation tables, variant field maps and exec
adapter manifests all go through :func:`load_yaml_file`.

``yaml.safe_load`` is lenient in ways that hurt a data file which ends up on
the wire as JSON: a repeated key silently wins, ``2026-01-02`` becomes a
``date``, ``!!binary`` becomes bytes, ``.nan`` a float NaN, ``200:`` an int
key. This loader turns each of these into a :class:`Problem` naming the file,
the JSON pointer and (for syntax errors and repeated keys) the line, so that a
broken profile fails fast with a message a person can act on.

Timestamps are not resolved at all: ``2026-01-02`` stays the string it looks
like, which is what a JSON document would carry.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import yaml

from conformance import jsonpointer
from conformance.problems import InputError, Problem, decode_utf8

__all__ = ["MAX_YAML_BYTES", "load_yaml_file", "load_yaml_text"]

#: Upper bound on a profile file; the shipped one is a few kilobytes.
MAX_YAML_BYTES = 1024 * 1024


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that records repeated keys instead of letting the last one win."""

    duplicate_keys: list[tuple[str, int]]

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node, deep=deep)
            try:
                repeated = key in seen
            except TypeError:
                continue
            if repeated:
                self.duplicate_keys.append((str(key), key_node.start_mark.line + 1))
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


# Drop the timestamp resolver (a copy, so yaml.SafeLoader is unaffected).
_StrictLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _json_shape_problems(document: Any, file: str) -> list[Problem]:
    problems: list[Problem] = []
    stack: list[tuple[Any, str]] = [(document, "")]
    while stack:
        node, pointer = stack.pop()
        if isinstance(node, dict):
            for key, value in node.items():
                if not isinstance(key, str):
                    problems.append(
                        Problem(
                            file,
                            jsonpointer.join(pointer, str(key)),
                            "a string key (quote it in YAML)",
                            f"a {type(key).__name__} key {key!r}",
                        )
                    )
                stack.append((value, jsonpointer.join(pointer, str(key))))
        elif isinstance(node, list):
            stack.extend((value, jsonpointer.join(pointer, index)) for index, value in enumerate(node))
        elif isinstance(node, float) and not math.isfinite(node):
            problems.append(
                Problem(file, pointer, "a finite number (JSON has no NaN or infinity)", repr(node))
            )
        elif node is not None and not isinstance(node, str | int | float | bool):
            problems.append(
                Problem(
                    file,
                    pointer,
                    "a JSON value (string, number, boolean, null, list or mapping)",
                    f"a YAML {type(node).__name__}",
                )
            )
    return problems


def load_yaml_text(text: str, file: str) -> Any:
    """Parse YAML text strictly; every problem becomes an :class:`InputError`."""
    loader = _StrictLoader(text)
    loader.duplicate_keys = []
    try:
        document = loader.get_single_data()
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = f" at line {mark.line + 1} column {mark.column + 1}" if mark is not None else ""
        raise InputError(
            [Problem(file, "", "valid YAML", f"{error.problem or error.context}{where}")]
        ) from None
    except yaml.YAMLError as error:
        raise InputError([Problem(file, "", "valid YAML", str(error).splitlines()[0])]) from None
    except RecursionError:
        raise InputError(
            [Problem(file, "", "YAML nested less deeply", "nesting too deep to parse")]
        ) from None
    finally:
        loader.dispose()
    if loader.duplicate_keys:
        raise InputError(
            [
                Problem(file, "", "each key once per mapping", f"key {key!r} repeated at line {line}")
                for key, line in loader.duplicate_keys
            ]
        )
    problems = _json_shape_problems(document, file)
    if problems:
        raise InputError(sorted(problems))
    return document


def load_yaml_file(path: Path, *, max_bytes: int = MAX_YAML_BYTES) -> Any:
    """Read one YAML file (size-capped, strict UTF-8) and parse it strictly."""
    file = str(path)
    try:
        with path.open("rb") as handle:
            raw = handle.read(max_bytes + 1)
    except IsADirectoryError:
        raise InputError([Problem(file, "", "a file", "a directory")]) from None
    except OSError as error:
        raise InputError([Problem(file, "", "a readable file", error.strerror or str(error))]) from None
    if len(raw) > max_bytes:
        raise InputError([Problem(file, "", f"a file of at most {max_bytes} bytes", "a larger file")])
    return load_yaml_text(decode_utf8(raw, file), file)
