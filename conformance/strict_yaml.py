"""Strict, JSON-shaped YAML loading for every YAML file a user hands the harness.

Server profiles, policies, operation tables, variant field maps and exec
adapter manifests all go through :func:`load_yaml_file`.

``yaml.safe_load`` is lenient in ways that hurt a data file which ends up on
the wire as JSON: a repeated key silently wins, ``2026-01-02`` becomes a
``date``, ``!!binary`` becomes bytes, ``.nan`` a float NaN, ``200:`` an int
key. This loader turns each of these into a :class:`Problem` naming the file,
the JSON pointer and (for syntax errors and repeated keys) the line, so that a
broken profile fails fast with a message a person can act on.

The harness's *own* data files (``conformance/data/*.yaml``, the shipped
server profiles) are not user input: :func:`load_shipped_yaml` parses them
with libyaml when PyYAML has it (about ten times faster: the surfaced-facts
map took 65 ms of every run's start-up in pure Python, 7 ms in C), with the
same resolvers (no timestamps). The test suite
(``tests/test_shipped_yaml.py``) loads every shipped file both ways and
requires the same document with no problem, so a repeated key, a NaN or an
over-long integer slipped into a shipped file fails there instead of being
parsed leniently. (Dates are no such case: neither loader resolves them.)

Timestamps are not resolved at all: ``2026-01-02`` stays the string it looks
like, which is what a JSON document would carry.

Parsing is bounded. A few hundred bytes of nested aliases ("billion laughs")
stand for a tree of billions of nodes, and an alias inside its own anchor for
an endless one; the size cap on the file does not help against either. So,
before any value is built:

- at most :data:`MAX_YAML_ALIASES` aliases (``*name``) per file;
- the tree the aliases expand to has at most :data:`MAX_YAML_EXPANDED_NODES`
  nodes, counted on the composed node graph (each shared node once, so the
  count itself takes time in the size of the file, not of the expansion);
- no alias may refer to a node that contains it (a cycle).

Each is a :class:`Problem`. Merge keys (``<<: *defaults``) and the few anchors
a hand-written file uses stay well inside these limits. Values are checked
like a JSON file's (:mod:`conformance.input_values`): integers of more than
:data:`~conformance.input_values.MAX_INTEGER_DIGITS` digits, NaN and
infinity, lone surrogates are problems at their pointer.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from conformance.input_file import read_input_bytes
from conformance.input_values import MAX_INTEGER_DIGITS, TooLongInteger, value_problems
from conformance.problems import InputError, Problem, decode_utf8

__all__ = [
    "MAX_YAML_ALIASES",
    "MAX_YAML_BYTES",
    "MAX_YAML_EXPANDED_NODES",
    "load_shipped_yaml",
    "load_yaml_file",
    "load_yaml_text",
]

#: Upper bound on a profile file; the shipped one is a few kilobytes.
MAX_YAML_BYTES = 1024 * 1024
#: Upper bound on the aliases (``*name``) of one YAML file.
MAX_YAML_ALIASES = 1000
#: Upper bound on the nodes of a YAML document with its aliases expanded (a 1 MiB file without
#: aliases has fewer than 600,000).
MAX_YAML_EXPANDED_NODES = 1_000_000


class _Unbounded(Exception):
    """The composed document breaks one of the bounds (its message is the problem's ``found``)."""

    def __init__(self, expected: str, found: str) -> None:
        super().__init__(found)
        self.expected = expected
        self.found = found


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that records repeated keys instead of letting the last one win."""

    duplicate_keys: list[tuple[str, int]]
    aliases: int = 0

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        if self.check_event(yaml.AliasEvent):
            self.aliases += 1
            if self.aliases > MAX_YAML_ALIASES:
                event: yaml.Event = self.peek_event()  # type: ignore[no-untyped-call]
                mark = event.start_mark
                where = f" at line {mark.line + 1} column {mark.column + 1}" if mark is not None else ""
                raise _Unbounded(f"at most {MAX_YAML_ALIASES} aliases", f"alias number {self.aliases}{where}")
        node: yaml.Node | None = super().compose_node(parent, index)
        return node

    def construct_yaml_int(self, node: yaml.ScalarNode) -> Any:
        literal = str(self.construct_scalar(node))
        digits = len(literal.lstrip("+-").replace("_", ""))
        if digits > MAX_INTEGER_DIGITS:  # int() would refuse it with a ValueError
            return TooLongInteger(digits)
        return super().construct_yaml_int(node)

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


_StrictLoader.add_constructor("tag:yaml.org,2002:int", _StrictLoader.construct_yaml_int)


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [item for pair in node.value for item in pair]
    return []


def _check_expansion(root: yaml.Node) -> None:
    """:class:`_Unbounded` when ``root`` expands to too many nodes, or to endlessly many (a cycle).

    An iterative depth-first walk of the composed graph that sizes each node
    once (a shared node's size is reused), so billions of expanded nodes cost
    as much to count as the few nodes written.
    """
    sizes: dict[int, int] = {}
    on_path: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, finished = stack.pop()
        key = id(node)
        if finished:
            on_path.discard(key)
            total = 1 + sum(sizes[id(child)] for child in _children(node))
            sizes[key] = min(total, MAX_YAML_EXPANDED_NODES + 1)
            if total > MAX_YAML_EXPANDED_NODES:
                mark = node.start_mark
                raise _Unbounded(
                    f"aliases expanding to at most {MAX_YAML_EXPANDED_NODES} nodes",
                    f"more from the node at line {mark.line + 1} column {mark.column + 1}",
                )
            continue
        if key in sizes:
            continue
        if key in on_path:
            mark = node.start_mark
            raise _Unbounded(
                "no alias inside the node it refers to",
                f"an endless alias cycle through line {mark.line + 1} column {mark.column + 1}",
            )
        on_path.add(key)
        stack.append((node, True))
        stack.extend((child, False) for child in _children(node) if id(child) not in sizes)


# Drop the timestamp resolver (a copy, so yaml.SafeLoader is unaffected).
_StrictLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


if yaml.__with_libyaml__:

    class _ShippedLoader(yaml.CSafeLoader):
        """libyaml's safe loader with the strict loader's resolvers (timestamps stay strings)."""

    _ShippedLoader.yaml_implicit_resolvers = _StrictLoader.yaml_implicit_resolvers


def load_shipped_yaml(text: str, file: str) -> Any:
    """Parse one of the harness's own YAML files: libyaml when available, else :func:`load_yaml_text`.

    For files shipped in the package only (see the module docstring); anything a user hands the
    harness goes through :func:`load_yaml_text` or :func:`load_yaml_file`.
    """
    if not yaml.__with_libyaml__:
        return load_yaml_text(text, file)
    try:
        return yaml.load(text, Loader=_ShippedLoader)  # a safe loader: libyaml's CSafeLoader
    except yaml.YAMLError:  # a broken shipped file: the strict loader says where
        return load_yaml_text(text, file)


def load_yaml_text(text: str, file: str) -> Any:
    """Parse YAML text strictly; every problem becomes an :class:`InputError`."""
    loader = _StrictLoader(text)
    loader.duplicate_keys = []
    try:
        node = loader.get_single_node()
        if node is not None:
            _check_expansion(node)
        document = loader.construct_document(node) if node is not None else None
    except _Unbounded as error:
        raise InputError([Problem(file, "", error.expected, error.found)]) from None
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
    problems = value_problems(document, file)
    if problems:
        raise InputError(sorted(problems))
    return document


def load_yaml_file(path: Path, *, max_bytes: int = MAX_YAML_BYTES) -> Any:
    """Read one YAML file (regular, size-capped, time-bounded, strict UTF-8) and parse it strictly."""
    file = str(path)
    return load_yaml_text(decode_utf8(read_input_bytes(path, max_bytes=max_bytes), file), file)
