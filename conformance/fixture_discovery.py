"""Loading every fixture of some directories for a run: :func:`discover`.

Each file is loaded (:func:`conformance.fixture.load_fixture`: strict JSON,
schema) and held to the semantic rules of :mod:`conformance.fixture_rules`,
one of which is that every projection's expectation can be built; so this
module stands above the expectation builder, while the :class:`Fixture`
model stays below it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from conformance.fixture import Fixture, fixture_paths, load_fixture
from conformance.fixture_rules import semantic_problems
from conformance.problems import InputError, Problem

__all__ = ["DiscoveredFixtures", "discover"]


@dataclass
class DiscoveredFixtures:
    """The fixture files of some directories, and the problems met on the way."""

    fixtures: list[Fixture] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def discover(directories: list[Path], *, check_schema: bool = True) -> DiscoveredFixtures:
    """Load every fixture of ``directories``; bad files become problems, the rest loads.

    With ``check_schema`` (the default) a fixture must also pass the semantic
    rules (:func:`conformance.fixture_rules.semantic_problems`: envelopes decode
    to their stated values, path ids agree with ``semantic_body``, every
    projection's expectation can be built). One that fails is listed under
    ``problems`` (file, pointer, expected, found) and not under ``fixtures``, so
    no case runs for it and no client is blamed for it; the rest loads.
    """
    found = DiscoveredFixtures()
    for directory in directories:
        paths, problems = fixture_paths(directory)
        found.problems.extend(problems)
        for path in paths:
            try:
                fixture = load_fixture(path, check_schema=check_schema)
            except InputError as error:
                found.problems.extend(error.problems)
                continue
            semantic = semantic_problems(fixture) if check_schema else []
            if semantic:
                found.problems.extend(semantic)
            else:
                found.fixtures.append(fixture)
    return found
