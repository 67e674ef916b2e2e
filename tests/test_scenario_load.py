"""Scenario files: strict loading, problems by file and JSON pointer, the shipped set on both corpora."""

from __future__ import annotations

from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from conformance.fixture_discovery import discover
from conformance.problems import Problem
from conformance.scenarios.load import load_scenarios, scenario_schema, shipped_scenarios_dir

ROOT = Path(__file__).resolve().parent.parent
SHIPPED_CORPUS = ROOT / "fixtures" / "control-plane"
UPSTREAM_CORPUS = ROOT.parent / "shared" / "upstream" / "cli" / "tests" / "fixtures" / "control-plane"

GOOD = """\
schema: durable-workflow.conformance.scenario
version: 1
fixture: schedule-history-parity.json
answers:
  - status: 200
    body: {events: [], has_more: false, next_cursor: null}
"""

ERROR_SCENARIOS = {
    "unauthorized-401.scenario.yaml": 401,
    "forbidden-403.scenario.yaml": 403,
    "workflow-not-found-404.scenario.yaml": 404,
    "schedule-not-found-404.scenario.yaml": 404,
    "duplicate-start-409.scenario.yaml": 409,
    "validation-422.scenario.yaml": 422,
    "rate-limited-429.scenario.yaml": 429,
    "server-error-500.scenario.yaml": 500,
    "unavailable-503.scenario.yaml": 503,
    "worker-poll-unauthorized-401.scenario.yaml": 401,
    "task-lease-conflict-409.scenario.yaml": 409,
    "task-rejected-422.scenario.yaml": 422,
}


def fixtures_of(corpus: Path) -> dict[str, object]:
    found = discover([corpus])
    assert found.problems == []
    return {fixture.path.name: fixture for fixture in found.fixtures}


def load_one(tmp_path: Path, text: str, name: str = "x.scenario.yaml") -> tuple[list[object], list[Problem]]:
    (tmp_path / name).write_text(text, encoding="utf-8")
    scenarios, problems = load_scenarios([tmp_path], fixtures_of(SHIPPED_CORPUS))  # type: ignore[arg-type]
    return list(scenarios), problems


def test_the_schema_is_valid_draft_2020_12() -> None:
    Draft202012Validator.check_schema(scenario_schema())


def test_the_shipped_scenarios_fit_the_shipped_corpus() -> None:
    scenarios, problems = load_scenarios([shipped_scenarios_dir()], fixtures_of(SHIPPED_CORPUS))  # type: ignore[arg-type]
    assert problems == []
    by_name = {scenario.name: scenario for scenario in scenarios}
    assert len(by_name) == 16
    # the run-history walk and the worker plane need fixtures only the upstream corpus has
    assert [name for name, scenario in by_name.items() if not scenario.applicable] == [
        "task-lease-conflict-409.scenario.yaml",
        "task-rejected-422.scenario.yaml",
        "worker-poll-unauthorized-401.scenario.yaml",
        "workflow-history-walk.scenario.yaml",
    ]
    for name, status in ERROR_SCENARIOS.items():
        assert by_name[name].answers[0].status == status
    # required unless the file says why not: only the Retry-After rules go beyond the server's own answers
    provisional = {
        name: scenario.provisional_reason for name, scenario in by_name.items() if not scenario.required
    }
    assert sorted(provisional) == ["rate-limited-429.scenario.yaml", "unavailable-503.scenario.yaml"]
    assert all("Retry-After" in reason and "never sends" in reason for reason in provisional.values())
    assert by_name["rate-limited-429.scenario.yaml"].answers[0].retry_after() == "1"
    assert by_name["dropped-connection.scenario.yaml"].answers[0].drop == "after_headers"
    assert by_name["non-json-body.scenario.yaml"].answers[0].text is not None
    walk = by_name["schedule-history-walk.scenario.yaml"]
    assert walk.walk and walk.expect.requests is not None and len(walk.expect.requests) >= 3


@pytest.mark.skipif(not UPSTREAM_CORPUS.is_dir(), reason="../shared (the upstream corpus) is absent")
def test_the_shipped_scenarios_all_apply_to_the_upstream_corpus() -> None:
    scenarios, problems = load_scenarios([shipped_scenarios_dir()], fixtures_of(UPSTREAM_CORPUS))  # type: ignore[arg-type]
    assert problems == []
    assert len(scenarios) == 16 and all(scenario.applicable for scenario in scenarios)
    walks = [scenario.name for scenario in scenarios if scenario.walk]
    assert walks == ["schedule-history-walk.scenario.yaml", "workflow-history-walk.scenario.yaml"]


def test_a_good_file_loads_with_defaults(tmp_path: Path) -> None:
    scenarios, problems = load_one(tmp_path, GOOD)
    assert problems == []
    (scenario,) = scenarios
    assert scenario.name == "x.scenario.yaml"  # type: ignore[attr-defined]
    assert scenario.max_requests == 6 and scenario.after_last == "repeat_last"  # type: ignore[attr-defined]
    assert scenario.to_json()["answers"] == [  # type: ignore[attr-defined]
        {"status": 200, "body": {"events": [], "has_more": False, "next_cursor": None}}
    ]


@pytest.mark.parametrize(
    ("text", "pointer", "expected"),
    [
        (GOOD.replace("status: 200", "stauts: 200"), "/answers/0/stauts", "only body, dress, drop, fixture"),
        (GOOD + "then: loop\n", "/then", "one of 'repeat_last', 'stop'"),
        (
            GOOD.replace("fixture: schedule-history-parity.json", "fixture: dir/x.json"),
            "/fixture",
            "a fixture file name",
        ),
        (
            GOOD.replace("    body:", "    text: hi\n    body:"),
            "/answers/0",
            "at most one of body, text, fixture",
        ),
        (GOOD.replace("  - status: 200\n", "  - headers: {A: b}\n"), "/answers/0/status", "a status code"),
        (GOOD + "expect: {attempts: {min: 3, max: 2}}\n", "/expect/attempts", "min <= max"),
        (
            GOOD + "max_requests: 1\nexpect: {requests: [{query: {a: '1'}}, {query: {a: '2'}}]}\n",
            "/expect/requests",
            "at most max_requests",
        ),
        (
            GOOD + "expect: {requests: [{query: {a: 1}}]}\n",
            "/expect/requests/0/query/a",
            "a value of type string or null",
        ),
        (GOOD.replace("version: 1", "version: 2"), "/version", "the value 1"),
        (
            GOOD.replace("  - status: 200\n", "  - status: 200\n    drop: halfway\n"),
            "/answers/0/drop",
            "one of",
        ),
        (GOOD + "provisional: {reason: '  '}\n", "/provisional/reason", "a non-empty reason"),
        (GOOD.replace("  - status: 200\n", "  - hold: 5\n    status: 200\n"), "/answers/0", "hold alone"),
        (
            GOOD.replace("  - status: 200\n", "  - hold: 0\n"),
            "/answers/0/hold",
            "seconds to hold",
        ),
        (GOOD + "provisional: {}\n", "/provisional/reason", "the required key 'reason'"),
        (GOOD + "provisional: true\n", "/provisional", "a value of type object"),
    ],
)
def test_bad_files_are_problems_with_a_pointer(
    tmp_path: Path, text: str, pointer: str, expected: str
) -> None:
    scenarios, problems = load_one(tmp_path, text)
    assert scenarios == []
    assert [problem.pointer for problem in problems] == [pointer], problems
    assert problems[0].file == str(tmp_path / "x.scenario.yaml")
    assert problems[0].expected.startswith(expected), problems[0].render()


def test_repeated_yaml_keys_and_repeated_names_are_problems(tmp_path: Path) -> None:
    _, problems = load_one(tmp_path, GOOD + "version: 1\n")
    assert problems and "repeated" in problems[0].found
    other = tmp_path / "other"
    other.mkdir()
    (tmp_path / "x.scenario.yaml").write_text(GOOD, encoding="utf-8")
    (other / "x.scenario.yaml").write_text(GOOD, encoding="utf-8")
    scenarios, problems = load_scenarios([tmp_path, other], fixtures_of(SHIPPED_CORPUS))  # type: ignore[arg-type]
    assert len(scenarios) == 1
    assert [problem.found for problem in problems] == [f"also in {tmp_path / 'x.scenario.yaml'}"]
    # the same directory named twice (the shipped one given as --scenarios too) plays each file once
    again, none = load_scenarios([tmp_path, tmp_path / "."], fixtures_of(SHIPPED_CORPUS))  # type: ignore[arg-type]
    assert len(again) == 1 and none == []


def test_a_missing_directory_is_a_problem_and_other_files_are_ignored(tmp_path: Path) -> None:
    (tmp_path / "notes.yaml").write_text("not: a scenario\n", encoding="utf-8")
    (tmp_path / "schedule-history-parity.json").write_text("{}", encoding="utf-8")
    scenarios, problems = load_scenarios([tmp_path], {})
    assert scenarios == [] and problems == []
    _, problems = load_scenarios([tmp_path / "absent"], {})
    assert [problem.found for problem in problems] == ["no such directory"]


def test_a_provisional_reason_is_read_and_written_back(tmp_path: Path) -> None:
    text = GOOD + "provisional:\n  reason: >-\n    beyond what\n    the server sends\n"
    scenarios, problems = load_one(tmp_path, text)
    assert problems == []
    (scenario,) = scenarios
    assert not scenario.required  # type: ignore[attr-defined]
    assert scenario.provisional_reason == "beyond what the server sends"  # type: ignore[attr-defined]
    assert scenario.to_json()["provisional"] == {"reason": "beyond what the server sends"}  # type: ignore[attr-defined]
    required, _ = load_one(tmp_path, GOOD)  # the same file without the key
    assert required[0].required and "provisional" not in required[0].to_json()  # type: ignore[attr-defined]


def test_a_held_answer_loads_and_the_slow_scenario_is_apart(tmp_path: Path) -> None:
    text = GOOD.replace(
        "  - status: 200\n    body: {events: [], has_more: false, next_cursor: null}\n", "  - hold: 2.5\n"
    )
    scenarios, problems = load_one(tmp_path, text + "max_requests: 2\n")
    assert problems == []
    (scenario,) = scenarios
    assert scenario.answers[0].hold_seconds == 2.5  # type: ignore[attr-defined]
    assert scenario.script().held_seconds() == 5.0  # type: ignore[attr-defined]
    assert scenario.to_json()["answers"] == [{"hold": 2.5}]  # type: ignore[attr-defined]
    # the silent-server scenario is slow: it is not in the default set, only in its own directory
    default, _ = load_scenarios([shipped_scenarios_dir()], fixtures_of(SHIPPED_CORPUS))  # type: ignore[arg-type]
    assert "server-silent.scenario.yaml" not in {item.name for item in default}
    slow, problems = load_scenarios([shipped_scenarios_dir() / "slow"], fixtures_of(SHIPPED_CORPUS))  # type: ignore[arg-type]
    assert problems == [] and [item.name for item in slow] == ["server-silent.scenario.yaml"]
    assert slow[0].applicable and slow[0].required and slow[0].answers[0].hold_seconds == 75
