"""The seam for checks: the registry drives the builder, the judge and the self-test, and the worked
example of ``docs/architecture.md`` ("Adding a check") is taken from the page and proven to work."""

from __future__ import annotations

import importlib.util
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from conformance import checks, mutation
from conformance.canonical_request import canonical_request
from conformance.diff import judge_request
from conformance.expectations import CANONICAL, build_expectation
from conformance.fixture import load_fixture
from conformance.mutation import derive_mutants, mutant_expectation
from support.judging import CORPUS, REPO, SETTINGS, StubProfile, exchange, headers
from support.registry import registered_check

DOC = REPO / "docs" / "architecture.md"


def _example_source() -> str:
    """The first ``python`` block of the "Adding a check" section of the architecture page."""
    text = DOC.read_text(encoding="utf-8")
    section = text.split("\n## Adding a check\n", 1)[1]
    section = re.split(r"\n## ", section, maxsplit=1)[0]
    match = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    assert match is not None, "the section has no python example"
    return match.group(1)


@pytest.fixture
def example(tmp_path: Path) -> ModuleType:
    path = tmp_path / "content_type_example.py"
    path.write_text(_example_source(), encoding="utf-8")
    spec = importlib.util.spec_from_file_location("content_type_example", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def registered(example: ModuleType) -> Iterator[Any]:
    """The example check appended to THE registry (as the page says), removed afterwards."""
    with registered_check(example.ContentTypeCheck(), "content_type_example") as check:
        yield check


def _start_request(content_type: str) -> Any:
    """The canonical workflow.start request as a client sends it, with the given content type."""
    fixture = load_fixture(CORPUS / "workflow-start-parity.json")
    request = canonical_request(fixture)
    sent = [(name, value) for name, value in headers() if name.lower() != "content-type"]
    return fixture, exchange(
        request.method,
        "/api" + request.path,
        request.body,
        header_list=[("Content-Type", content_type), *sent],
    )


def test_the_builtin_registry_lists_four_checks_and_the_mutation_kinds() -> None:
    assert [check.name for check in checks.request_checks()] == ["method_path", "query", "headers", "body"]
    assert [check.name for check in checks.listed()] == ["method_path", "query", "body", "headers"]
    assert checks.mutation_kinds() == mutation.MUTATION_KINDS
    assert checks.mutation_kinds()[:2] == ("method", "path_segment")
    assert checks.mutation_kinds()[-2:] == ("namespace", "token")


def test_the_example_catches_a_wrong_content_type_and_passes_the_right_one(registered: Any) -> None:
    fixture, good = _start_request("application/json; charset=utf-8")
    expectation = build_expectation(fixture, CANONICAL, SETTINGS)
    assert expectation.to_json()["content_type"] == "application/json"
    assert "header content-type (application/json)" in expectation.asserted

    passed = judge_request(expectation, [good], StubProfile(), SETTINGS, policy=None)
    assert passed.passed, [item.to_json() for item in passed.failures]

    _fixture, bad = _start_request("text/plain")
    failed = judge_request(expectation, [bad], StubProfile(), SETTINGS, policy=None)
    assert [(item.pointer, item.kind, item.actual) for item in failed.failures] == [
        ("/headers/content-type", "changed", "text/plain")
    ]


def test_the_example_is_not_asserted_where_no_body_is_pinned(registered: Any) -> None:
    fixture = load_fixture(CORPUS / "schedule-history-parity.json")
    expectation = build_expectation(fixture, "cli", SETTINGS)
    assert expectation.to_json()["content_type"] is None
    assert "content-type (the fixture pins no body)" in expectation.not_asserted
    (skipped,) = [
        item
        for item in derive_mutants(fixture, "cli", SETTINGS).not_applicable
        if item.kind == "content_type"
    ]
    assert skipped.reason == "the fixture pins no body"


def test_the_self_test_derives_the_example_s_mutants_and_the_judge_catches_them(registered: Any) -> None:
    assert "content_type" in checks.mutation_kinds()
    fixture, good = _start_request("application/json")
    for projection in (CANONICAL, "sdk_python", "cli"):
        found = derive_mutants(fixture, projection, SETTINGS)
        assert found.problems == []
        (mutant,) = [item for item in found.mutants if item.kind == "content_type"]
        assert mutant.target == "/headers/content-type"
        verdict = judge_request(
            mutant_expectation(mutant, fixture, projection, SETTINGS),
            [good],
            StubProfile(),
            SETTINGS,
            policy=None,
        )
        assert [item.pointer for item in verdict.failures if item.pointer == mutant.target] == [mutant.target]


def test_unregistered_the_example_leaves_the_judge_as_it_was(example: ModuleType) -> None:
    fixture, bad = _start_request("text/plain")
    expectation = build_expectation(fixture, CANONICAL, SETTINGS)
    assert "content_type" not in expectation.to_json()
    assert judge_request(expectation, [bad], StubProfile(), SETTINGS, policy=None).passed
