"""Loading scenario files: strict YAML, the JSON Schema, then the rules the schema cannot say.

``load_scenarios(dirs, fixtures_by_name)`` scans each directory for
``*.scenario.yaml`` (and ``.yml``) files, directly inside it, sorted by name.
Every problem is a :class:`~conformance.problems.Problem` naming the file and
the JSON pointer; a file with a problem is left out, the others load.

Rules beyond the schema:

- an answer has at most one body source: ``body`` (JSON), ``text`` (raw) or
  ``fixture: true`` (the stub's usual answer for the fixture); an answer with
  none of them is an empty body; ``dress`` applies to ``body`` only;
- ``status`` is required unless ``fixture: true``;
- ``hold`` (a server that never answers) stands alone in its answer;
- ``expect.attempts.min`` <= ``max``; the expected requests and the minimum
  attempts fit under ``max_requests`` (else the bound would stop a
  conforming client);
- ``provisional.reason`` (optional) is a non-empty text: a scenario is
  required unless its file says why its rule does not gate;
- ``max_requests`` defaults to the number of answers + 5 (at most 100);
- two scenario files with one name in different directories are a problem
  (the name is the case id's first part).

A scenario whose fixture is not in ``fixtures_by_name`` is *not a problem*:
it is returned with ``fixture=None`` (``applicable`` False), and the run
reports it as not applicable to that corpus.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jsonschema import Draft202012Validator

from conformance import jsonpointer
from conformance.problems import InputError, Problem
from conformance.proxy.script import MAX_REQUESTS_CAP, ScriptedAnswer
from conformance.scenarios.model import (
    SCENARIO_SUFFIXES,
    ExpectedItems,
    ExpectedRequest,
    Scenario,
    ScenarioExpectation,
)
from conformance.schema_files import checked_validator, packaged_schema
from conformance.shipped import shipped_dir
from conformance.strict_yaml import load_yaml_file

if TYPE_CHECKING:
    from conformance.fixture import Fixture

__all__ = [
    "MAX_SCENARIO_BYTES",
    "SCHEMA_RESOURCE",
    "load_scenario",
    "load_scenarios",
    "parse_scenario",
    "scenario_paths",
    "scenario_schema",
    "shipped_scenarios_dir",
]

SCHEMA_RESOURCE = "schemas/scenario-v1.schema.json"
MAX_SCENARIO_BYTES = 1024 * 1024


def scenario_schema() -> dict[str, Any]:
    return packaged_schema(SCHEMA_RESOURCE)


@cache
def _validator() -> Draft202012Validator:
    return checked_validator(scenario_schema())


def shipped_scenarios_dir() -> Path:
    """The shipped scenarios (``scenarios/shipped`` of a wheel, ``fixtures/scenarios`` of a checkout)."""
    return shipped_dir("scenarios/shipped", "fixtures/scenarios", "*.scenario.yaml", "scenarios")


def _short(value: Any) -> str:
    text = (
        json.dumps(value, ensure_ascii=False, sort_keys=True) if not isinstance(value, str) else repr(value)
    )
    return text if len(text) <= 80 else text[:77] + "..."


def _schema_problems(document: Any, file: str) -> list[Problem]:
    problems: list[Problem] = []
    for error in _validator().iter_errors(document):
        pointer = jsonpointer.from_tokens(error.absolute_path)
        hint = error.schema.get("x-expected") if isinstance(error.schema, dict) else None
        keyword = error.validator
        found = _short(error.instance)
        if isinstance(hint, str):
            expected = hint
        elif keyword == "required":
            missing = error.message.split("'")[1] if "'" in error.message else str(error.validator_value)
            pointer = jsonpointer.join(pointer, missing)
            expected, found = f"the required key {missing!r}", "it is missing"
        elif keyword == "additionalProperties" and isinstance(error.instance, dict):
            allowed = sorted((error.schema.get("properties") or {}) if isinstance(error.schema, dict) else {})
            for key in error.instance:
                if key not in allowed:
                    problems.append(
                        Problem(
                            file,
                            jsonpointer.join(pointer, str(key)),
                            "only " + ", ".join(allowed),
                            f"key {key!r}",
                        )
                    )
            continue
        elif keyword == "enum":
            expected = "one of " + ", ".join(_short(item) for item in error.validator_value)
        elif keyword == "const":
            expected = f"the value {_short(error.validator_value)}"
        elif keyword == "type":
            kinds = (
                error.validator_value if isinstance(error.validator_value, list) else [error.validator_value]
            )
            expected = "a value of type " + " or ".join(kinds)
        else:
            expected = f"{keyword} {_short(error.validator_value)}"
        problems.append(Problem(file, pointer, expected, found))
    return sorted(set(problems))


def _answer(item: dict[str, Any], file: str, where: str, problems: list[Problem]) -> ScriptedAnswer | None:
    if "hold" in item:
        others = sorted(key for key in item if key != "hold")
        if others:
            expected = "hold alone (a held request gets no answer)"
            problems.append(Problem(file, where, expected, "also " + ", ".join(others)))
            return None
        return ScriptedAnswer(hold_seconds=float(item["hold"]), source=f"{file}#{where}")
    sources = [key for key in ("body", "text", "fixture") if key in item]
    if len(sources) > 1:
        problems.append(
            Problem(file, where, "at most one of body, text, fixture", "both " + " and ".join(sources))
        )
        return None
    from_fixture = item.get("fixture") is True
    if "status" not in item and not from_fixture:
        problems.append(
            Problem(
                file, jsonpointer.join(where, "status"), "a status code (or fixture: true)", "it is missing"
            )
        )
        return None
    if "dress" in item and "body" not in item:
        problems.append(
            Problem(file, jsonpointer.join(where, "dress"), "dress only beside a JSON body", "no body")
        )
        return None
    headers = tuple((str(name), str(value)) for name, value in (item.get("headers") or {}).items())
    return ScriptedAnswer(
        status=int(item.get("status", 200)),
        status_given="status" in item,
        json_body=item.get("body"),
        has_json_body="body" in item,
        text=item.get("text"),
        from_fixture=from_fixture,
        dress=bool(item.get("dress", True)),
        headers=headers,
        protocol_headers=bool(item.get("protocol_headers", True)),
        drop=item.get("drop"),
        source=f"{file}#{where}",
    )


def _expectation(
    document: dict[str, Any], file: str, max_requests: int, problems: list[Problem]
) -> ScenarioExpectation:
    raw = document.get("expect") or {}
    requests: tuple[ExpectedRequest, ...] | None = None
    if "requests" in raw:
        requests = tuple(
            ExpectedRequest(
                query=tuple((str(name), value) for name, value in (entry.get("query") or {}).items()),
                body=tuple((str(name), value) for name, value in (entry.get("body") or {}).items()),
            )
            for entry in raw["requests"]
        )
        if len(requests) > max_requests:
            problems.append(
                Problem(
                    file,
                    "/expect/requests",
                    f"at most max_requests ({max_requests}) expected requests",
                    f"{len(requests)}",
                )
            )
    attempts = raw.get("attempts") or {}
    low, high = attempts.get("min"), attempts.get("max")
    if low is not None and high is not None and low > high:
        problems.append(Problem(file, "/expect/attempts", "min <= max", f"min {low}, max {high}"))
    if low is not None and low > max_requests:
        problems.append(
            Problem(file, "/expect/attempts/min", f"at most max_requests ({max_requests})", str(low))
        )
    items_raw = raw.get("items")
    items = ExpectedItems(items_raw["at"], items_raw.get("key")) if items_raw else None
    return ScenarioExpectation(
        requests=requests,
        attempts_min=low,
        attempts_max=high,
        outcome=raw.get("outcome", "any"),
        retry_after=raw.get("retry_after", "honour"),
        items=items,
    )


def parse_scenario(
    document: Any, path: Path, fixtures_by_name: Mapping[str, Fixture] | None = None
) -> Scenario:
    """A :class:`Scenario` from a parsed document; :class:`InputError` lists every problem."""
    file = str(path)
    problems = _schema_problems(document, file)
    if problems:
        raise InputError(problems)
    answers: list[ScriptedAnswer] = []
    for index, item in enumerate(document["answers"]):
        answer = _answer(item, file, f"/answers/{index}", problems)
        if answer is not None:
            answers.append(answer)
    max_requests = int(document.get("max_requests", min(len(document["answers"]) + 5, MAX_REQUESTS_CAP)))
    expect = _expectation(document, file, max_requests, problems)
    if problems:
        raise InputError(sorted(problems))
    fixture_name = str(document["fixture"])
    return Scenario(
        name=path.name,
        path=path,
        fixture_name=fixture_name,
        description=str(document.get("description", "")),
        walk=document.get("drive", "call") == "walk",
        answers=tuple(answers),
        after_last=document.get("then", "repeat_last"),
        max_requests=max_requests,
        expect=expect,
        fixture=(fixtures_by_name or {}).get(fixture_name),
        provisional_reason=" ".join(str((document.get("provisional") or {}).get("reason", "")).split()),
    )


def load_scenario(path: Path, fixtures_by_name: Mapping[str, Fixture] | None = None) -> Scenario:
    """Read and parse one scenario file (size-capped, strict YAML)."""
    return parse_scenario(load_yaml_file(path, max_bytes=MAX_SCENARIO_BYTES), path, fixtures_by_name)


def scenario_paths(directory: Path) -> tuple[list[Path], list[Problem]]:
    """The scenario files directly in ``directory``, sorted by name (a missing directory is a problem)."""
    if not directory.is_dir():
        found = "no such directory" if not directory.exists() else "a file"
        return [], [Problem(str(directory), "", "a scenarios directory", found)]
    try:
        entries = sorted(directory.iterdir(), key=lambda entry: entry.name)
    except OSError as error:
        return [], [Problem(str(directory), "", "a readable directory", error.strerror or str(error))]
    root = directory.resolve()
    paths: list[Path] = []
    problems: list[Problem] = []
    for entry in entries:
        if not entry.name.endswith(SCENARIO_SUFFIXES):
            continue
        if entry.is_symlink() and root not in entry.resolve().parents:
            problems.append(Problem(str(entry), "", "a file inside the scenarios directory", "a symlink out"))
            continue
        paths.append(entry)
    return paths, problems


def load_scenarios(
    dirs: Iterable[Path], fixtures_by_name: Mapping[str, Fixture]
) -> tuple[list[Scenario], list[Problem]]:
    """Every scenario of ``dirs`` (fixture attached when the corpus has it) and every problem found."""
    scenarios: list[Scenario] = []
    problems: list[Problem] = []
    seen: dict[str, Path] = {}
    for directory in dirs:
        paths, found = scenario_paths(Path(directory))
        problems.extend(found)
        for path in paths:
            if path.name in seen:
                if seen[path.name].resolve() == path.resolve():
                    continue  # the same file reached twice (a directory named twice) plays once
                problems.append(
                    Problem(str(path), "", "a scenario name used once per run", f"also in {seen[path.name]}")
                )
                continue
            try:
                scenario = load_scenario(path, fixtures_by_name)
            except InputError as error:
                problems.extend(error.problems)
                continue
            seen[path.name] = path
            scenarios.append(scenario)
    return scenarios, problems
