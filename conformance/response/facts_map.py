"""The surfaced-facts map: its typed model and its strict loader (``data/surfaced-facts.yaml``).

What the map says and how a case is judged against it is
:mod:`conformance.response.facts`; this module only reads the data: the
shipped file, extended entry by entry by a user's ``--surfaced-facts FILE``,
and a client's own map (:class:`ClientFacts`, an exec manifest's
``surfaced_facts``), which applies to that client's projection key alone.
Every problem of a bad file names the file and the JSON pointer, all at once.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from conformance import jsonpointer
from conformance.problems import InputError, Problem, unknown_key_problems
from conformance.strict_yaml import load_shipped_yaml, load_yaml_file

__all__ = [
    "FACTS_FILE",
    "ClientFacts",
    "FactsMap",
    "OperationFacts",
    "default_facts_map",
    "load_facts_map",
    "parse_client_facts",
    "parse_facts_map",
]

FACTS_FILE = "conformance/data/surfaced-facts.yaml"
_OPERATION_KEYS = ("facts", "containers", "answer")
_KNOWN_OPERATION = "an operation the run knows (its fixtures, the operation tables, the surfaced-facts map)"


@dataclass(frozen=True)
class OperationFacts:
    """One operation's map: fact pointer -> projection key -> output path (None: not surfaced)."""

    facts: Mapping[str, Mapping[str, str | None]] = field(default_factory=dict)
    #: projection key -> output pointer -> answer pointer.
    containers: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    #: projection key -> the answer members (pointers) that client surfaces.
    answer: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def paths_for(self, projection_key: str) -> dict[str, str | None]:
        """Fact pointer -> output path, for the facts the map states for ``projection_key``."""
        return {
            fact: by_key[projection_key] for fact, by_key in self.facts.items() if projection_key in by_key
        }

    def merged(self, other: OperationFacts) -> OperationFacts:
        facts = {key: dict(value) for key, value in self.facts.items()}
        for fact, by_key in other.facts.items():
            facts.setdefault(fact, {}).update(by_key)
        containers = {key: dict(value) for key, value in self.containers.items()}
        for key, renames in other.containers.items():
            containers.setdefault(key, {}).update(renames)
        return OperationFacts(facts, containers, {**self.answer, **other.answer})


@dataclass(frozen=True)
class FactsMap:
    operations: Mapping[str, OperationFacts] = field(default_factory=dict)

    def for_operation(self, operation: str) -> OperationFacts:
        return self.operations.get(operation, OperationFacts())

    def merged(self, other: FactsMap) -> FactsMap:
        operations = dict(self.operations)
        for name, entry in other.operations.items():
            operations[name] = operations[name].merged(entry) if name in operations else entry
        return FactsMap(operations)


# ------------------------------------------------------------------ loading
def _pointer_ok(value: Any) -> bool:
    return isinstance(value, str) and (value == "" or value.startswith("/"))


def _section(
    entry: dict[str, Any], name: str, expected: str, source: str, base: str, problems: list[Problem]
) -> dict[Any, Any]:
    """The mapping under ``name`` ({} when absent); a problem, and {}, when it is not a mapping."""
    raw = entry.get(name) or {}
    if isinstance(raw, dict):
        return raw
    problems.append(Problem(source, jsonpointer.join(base, name), expected, repr(raw)[:80]))
    return {}


def _parse_operation(entry: Any, source: str, base: str, problems: list[Problem]) -> OperationFacts:
    if not isinstance(entry, dict):
        problems.append(Problem(source, base, "a mapping with facts and/or containers", repr(entry)[:80]))
        return OperationFacts()
    problems.extend(unknown_key_problems(entry, _OPERATION_KEYS, source, base))
    facts: dict[str, dict[str, str | None]] = {}
    raw_facts = _section(entry, "facts", "a mapping of fact pointer to clients", source, base, problems)
    for fact, by_key in raw_facts.items():
        where = jsonpointer.join(base, "facts", str(fact))
        if not _pointer_ok(fact) or fact == "":
            problems.append(
                Problem(source, where, "a JSON pointer into semantic_body (/name)", repr(fact)[:80])
            )
            continue
        if not isinstance(by_key, dict) or not by_key:
            problems.append(
                Problem(
                    source, where, "a mapping of projection key to an output path or null", repr(by_key)[:80]
                )
            )
            continue
        facts[fact] = {}
        for key, path in by_key.items():
            if path is not None and not _pointer_ok(path):
                problems.append(
                    Problem(
                        source,
                        jsonpointer.join(where, str(key)),
                        "an output path (/a/*/b) or null",
                        repr(path)[:80],
                    )
                )
                continue
            facts[fact][str(key)] = path
    containers: dict[str, dict[str, str]] = {}
    expected = "a mapping of projection key to renames"
    raw_containers = _section(entry, "containers", expected, source, base, problems)
    for key, renames in raw_containers.items():
        where = jsonpointer.join(base, "containers", str(key))
        if not isinstance(renames, dict) or not all(
            _pointer_ok(a) and a and _pointer_ok(b) and b for a, b in renames.items()
        ):
            problems.append(
                Problem(source, where, "a mapping of output pointer to answer pointer", repr(renames)[:80])
            )
            continue
        containers[str(key)] = dict(renames)
    answer: dict[str, tuple[str, ...]] = {}
    raw_answer = _section(entry, "answer", "a mapping of projection key to members", source, base, problems)
    for key, members in raw_answer.items():
        where = jsonpointer.join(base, "answer", str(key))
        if not isinstance(members, list) or not all(_pointer_ok(item) and item for item in members):
            problems.append(Problem(source, where, "a list of answer pointers (/name)", repr(members)[:80]))
            continue
        answer[str(key)] = tuple(members)
    return OperationFacts(facts, containers, answer)


def _parse_operations(
    document: Any, source: str, base: str
) -> tuple[dict[str, OperationFacts], dict[str, list[Problem]]]:
    """Each operation's entry of ``document`` (the map at ``base`` in ``source``) and its problems.

    :class:`InputError` when ``document`` is not a mapping at all.
    """
    if not isinstance(document, dict):
        expected = "a mapping of operation id to its facts"
        raise InputError([Problem(source, base, expected, type(document).__name__)])
    operations: dict[str, OperationFacts] = {}
    problems: dict[str, list[Problem]] = {}
    for name, entry in document.items():
        found: list[Problem] = []
        operations[str(name)] = _parse_operation(entry, source, jsonpointer.join(base, str(name)), found)
        if found:
            problems[str(name)] = found
    return operations, problems


def parse_facts_map(document: Any, source: str) -> FactsMap:
    """The map in ``document``; every problem names ``source`` and the JSON pointer, all at once."""
    if document is None:
        return FactsMap()
    operations, problems = _parse_operations(document, source, "")
    if problems:
        raise InputError([problem for found in problems.values() for problem in found])
    return FactsMap(operations)


# ------------------------------------------------------------------ a client's own map
@dataclass(frozen=True)
class ClientFacts:
    """One client's own map (an exec manifest's ``surfaced_facts``), over the run's for its projection key.

    It has the shape of ``data/surfaced-facts.yaml`` and may name one
    projection key only: the client's. The entries that parsed are
    :attr:`facts`; an operation whose entry has a problem is *refused*: the
    client's cases of it do not run (judged without the entry, the client
    would be held to a map nobody wrote), and the problem is an input
    problem. ``unreadable`` refuses every operation: the declaration as a
    whole could not be read (a missing file, not a mapping).
    """

    projection_key: str
    #: The file the map is written in, and the pointer of the map in it (``/surfaced_facts``; ``""``).
    source: str
    base: str
    facts: FactsMap = field(default_factory=FactsMap)
    problems: tuple[Problem, ...] = ()
    refused: frozenset[str] = frozenset()
    unreadable: bool = False

    def refuses(self, operation: str) -> bool:
        """Whether the client's cases of ``operation`` must not run (its entry has a problem)."""
        return self.unreadable or operation in self.refused

    def checked(
        self, known_operations: Collection[str], knows_fact: Callable[[str, str], bool]
    ) -> ClientFacts:
        """This map with an operation the run does not know, or a fact nobody names, refused.

        ``knows_fact(operation, fact)`` says whether the run knows the fact
        (the run's map names it, or a fixture's ``semantic_body`` holds it).
        """
        problems = list(self.problems)
        refused = set(self.refused)
        operations = dict(self.facts.operations)
        for name, entry in self.facts.operations.items():
            where = jsonpointer.join(self.base, name)
            if name not in known_operations:
                found = [Problem(self.source, where, _KNOWN_OPERATION, repr(name))]
            else:
                expected = (
                    f"a fact of {name}: a member of its fixtures' semantic_body or of the surfaced-facts map"
                )
                found = [
                    Problem(self.source, jsonpointer.join(where, "facts", fact), expected, repr(fact))
                    for fact in entry.facts
                    if not knows_fact(name, fact)
                ]
            if found:
                problems.extend(found)
                refused.add(name)
                del operations[name]
        return ClientFacts(
            self.projection_key,
            self.source,
            self.base,
            FactsMap(operations),
            tuple(problems),
            frozenset(refused),
            self.unreadable,
        )


def _other_keys(entry: OperationFacts, projection_key: str, source: str, where: str) -> list[Problem]:
    """One problem per projection key of ``entry`` that is not ``projection_key``."""
    places = [
        *(
            (jsonpointer.join(where, "facts", fact, key), key)
            for fact, by_key in entry.facts.items()
            for key in by_key
        ),
        *((jsonpointer.join(where, "containers", key), key) for key in entry.containers),
        *((jsonpointer.join(where, "answer", key), key) for key in entry.answer),
    ]
    expected = f"only this client's projection key {projection_key!r}"
    return [
        Problem(source, place, expected, f"key {key!r}") for place, key in places if key != projection_key
    ]


def parse_client_facts(document: Any, source: str, base: str, projection_key: str) -> ClientFacts:
    """A client's own map: ``document``, found at ``base`` in ``source`` (see :class:`ClientFacts`)."""
    if document is None:
        return ClientFacts(projection_key, source, base)
    try:
        operations, problems = _parse_operations(document, source, base)
    except InputError as error:
        return ClientFacts(projection_key, source, base, problems=tuple(error.problems), unreadable=True)
    for name, entry in operations.items():
        other = _other_keys(entry, projection_key, source, jsonpointer.join(base, name))
        if other:
            problems.setdefault(name, []).extend(other)
    return ClientFacts(
        projection_key,
        source,
        base,
        FactsMap({name: entry for name, entry in operations.items() if name not in problems}),
        tuple(problem for found in problems.values() for problem in found),
        frozenset(problems),
    )


@functools.cache
def default_facts_map() -> FactsMap:
    """The shipped map (``data/surfaced-facts.yaml``)."""
    text = resources.files("conformance").joinpath("data/surfaced-facts.yaml").read_text(encoding="utf-8")
    return parse_facts_map(load_shipped_yaml(text, FACTS_FILE), FACTS_FILE)


def load_facts_map(extra: Path | None = None) -> FactsMap:
    """The shipped map, extended (entry by entry) by ``extra`` when given."""
    shipped = default_facts_map()
    if extra is None:
        return shipped
    return shipped.merged(parse_facts_map(load_yaml_file(extra), str(extra)))
