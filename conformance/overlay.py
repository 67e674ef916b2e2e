"""Projection overlays: a client's projections kept beside a corpus instead of inside its files.

A new-language client (``sdk_go``, ``sdk_node``...) needs its own projection
in each fixture it wants to steer, but the corpus belongs to the client
repositories and is copied from them verbatim. ``--overlay DIR`` keeps the
additions apart: ``DIR/<fixture file name>`` is a JSON object whose keys are
projection keys, merged into the fixture of the same name when the run loads
it::

    overlay/workflow-start-parity.json
    {"sdk_go": {"call": "StartWorkflow", "expected_body": {...}}}

Rules (each broken rule is an input problem naming the overlay file and the
JSON pointer; the fixture then runs without that overlay and the rest goes on):

* an overlay file must be a JSON object, named like a fixture of the corpus;
* its keys are projection keys: never a fixture field (``request``,
  ``semantic_body``...), and never a projection the fixture already has (an
  overlay adds, it does not silently replace what the corpus says);
* each value is an object, like every projection;
* the merged fixture must pass the semantic rules a corpus fixture passes
  (:func:`conformance.fixture_rules.semantic_problems`: its envelopes decode to
  their stated values, each projection's expectation can be built). A merged
  fixture that fails them is an input problem, and *no* case of it runs: run
  without the overlay, its new client would be judged against an expectation
  nobody wrote. A problem whose pointer lies in a projection the overlay added
  names the overlay file; the others name the corpus file.

Fixtures without an overlay file are untouched. The merged fixture keeps the
corpus file's path, so reports still name the corpus file.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conformance import jsonpointer
from conformance.fixture import KNOWN_TOP_LEVEL_KEYS, Fixture, fixture_paths, read_json_file
from conformance.fixture_rules import semantic_problems
from conformance.problems import InputError, Problem
from conformance.strict_json import MAX_JSON_DEPTH

__all__ = ["Overlay", "OverlaysApplied", "apply_overlays", "load_overlays"]


@dataclass(frozen=True)
class Overlay:
    """One overlay file: the projections it adds to the fixture of the same name."""

    path: Path
    projections: dict[str, dict[str, Any]]

    @property
    def name(self) -> str:
        return self.path.name


@dataclass
class OverlaysApplied:
    fixtures: list[Fixture] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def _parse_overlay(path: Path) -> Overlay:
    document = read_json_file(path, max_depth=MAX_JSON_DEPTH)
    file = str(path)
    if not isinstance(document, dict):
        raise InputError([Problem(file, "", "a JSON object of projection keys", type(document).__name__)])
    problems: list[Problem] = []
    projections: dict[str, dict[str, Any]] = {}
    for key, value in document.items():
        where = jsonpointer.join("", key)
        if key in KNOWN_TOP_LEVEL_KEYS:
            problems.append(Problem(file, where, "a projection key (an overlay only adds projections)", key))
        elif not isinstance(value, dict):
            problems.append(Problem(file, where, "a projection object", type(value).__name__))
        else:
            projections[key] = value
    if problems:
        raise InputError(problems)
    return Overlay(path, projections)


def load_overlays(directories: Sequence[Path]) -> tuple[dict[str, Overlay], list[Problem]]:
    """Every overlay file of ``directories`` by file name, and the problems met on the way."""
    overlays: dict[str, Overlay] = {}
    problems: list[Problem] = []
    for directory in directories:
        paths, found = fixture_paths(directory)
        problems.extend(problem for problem in found if problem.expected != "at least one *.json fixture")
        for path in paths:
            try:
                overlay = _parse_overlay(path)
            except InputError as error:
                problems.extend(error.problems)
                continue
            if overlay.name in overlays:
                first = overlays[overlay.name].path
                problems.append(
                    Problem(str(path), "", f"one overlay per fixture name ({first} has this name too)", "two")
                )
                continue
            overlays[overlay.name] = overlay
    return overlays, problems


def apply_overlays(fixtures: Sequence[Fixture], overlays: dict[str, Overlay]) -> OverlaysApplied:
    """``fixtures`` with their overlays merged in (see the module docstring)."""
    applied = OverlaysApplied()
    names = {fixture.name for fixture in fixtures}
    for name, overlay in sorted(overlays.items()):
        if name not in names:
            applied.problems.append(
                Problem(str(overlay.path), "", "a fixture of the same name in the corpus", "none")
            )
    for fixture in fixtures:
        found = overlays.get(fixture.name)
        if found is None:
            applied.fixtures.append(fixture)
            continue
        clashes = [key for key in found.projections if key in fixture.data]
        if clashes:
            applied.problems.extend(
                Problem(
                    str(found.path),
                    jsonpointer.join("", key),
                    f"a projection {fixture.name} does not already have (the corpus file has it)",
                    "a second one",
                )
                for key in clashes
            )
            applied.fixtures.append(fixture)
            continue
        merged = fixture.with_data({**fixture.data, **found.projections})
        problems = semantic_problems(merged)
        if problems:
            applied.problems.extend(_name_overlay(problem, found) for problem in problems)
            continue
        applied.fixtures.append(merged)
    return applied


def _name_overlay(problem: Problem, overlay: Overlay) -> Problem:
    """``problem`` filed under the overlay file when its pointer lies in a projection the overlay added."""
    tokens = jsonpointer.parse(problem.pointer) if problem.pointer else []
    if tokens and tokens[0] in overlay.projections:
        return Problem(str(overlay.path), problem.pointer, problem.expected, problem.found)
    return problem
