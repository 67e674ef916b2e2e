"""Safe loading of fixture files: every hostile or broken file becomes a pointed Problem, never a crash."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from conformance.fixture import (
    MAX_FIXTURE_BYTES,
    Fixture,
    fixture_paths,
    load_fixture,
    parse_json_bytes,
    read_json_file,
    shipped_corpus_dir,
)
from conformance.fixture_discovery import discover
from conformance.problems import InputError, Problem

GOOD: dict[str, Any] = {
    "schema": "durable-workflow.polyglot.control-plane-request-fixture",
    "version": 1,
    "operation": "workflow.cancel",
    "request": {"method": "POST", "path": "/workflows/wf-1/cancel"},
    "semantic_body": {"workflow_id": "wf-1"},
    "cli": {"argv": {"workflow-id": "wf-1"}},
    "sdk_rust": {"function": "cancel"},
}


def _problems(raw: bytes, tmp_path: Path, name: str = "f.json") -> list[Problem]:
    path = tmp_path / name
    path.write_bytes(raw)
    with pytest.raises(InputError) as caught:
        read_json_file(path)
    problems = caught.value.problems
    assert problems and all(problem.file == str(path) for problem in problems)
    return problems


def test_a_good_file_loads_into_a_fixture(tmp_path: Path) -> None:
    path = tmp_path / "workflow-cancel-parity.json"
    path.write_text(json.dumps(GOOD), encoding="utf-8")
    fixture = load_fixture(path)
    assert isinstance(fixture, Fixture)
    assert fixture.operation == "workflow.cancel"
    assert fixture.method == "POST"
    assert fixture.path_template == "/workflows/wf-1/cancel"
    assert fixture.projection_keys == ["cli", "sdk_rust"]
    assert fixture.projection("sdk_python") is None
    assert not fixture.has_request_body and not fixture.has_response_body


def test_not_json(tmp_path: Path) -> None:
    (problem,) = _problems(b'{"schema": ', tmp_path)
    assert problem.expected == "valid JSON"
    assert "line 1" in problem.found


def test_an_empty_file(tmp_path: Path) -> None:
    (problem,) = _problems(b"  \n", tmp_path)
    assert problem.found == "an empty file"


def test_duplicate_keys_are_reported_with_their_pointer(tmp_path: Path) -> None:
    raw = b'{"request": {"path": "/a", "path": "/b"}, "operation": "x.y", "operation": "x.z"}'
    problems = _problems(raw, tmp_path)
    assert {problem.pointer for problem in problems} == {"/request/path", "/operation"}
    assert all(problem.expected == "each key once per object" for problem in problems)


def test_non_utf8_bytes_name_their_offset(tmp_path: Path) -> None:
    (problem,) = _problems(b'{"a": "caf\xe9"}', tmp_path)
    assert problem.expected == "UTF-8 text"
    assert "0xe9" in problem.found and "offset 10" in problem.found


def test_a_utf8_byte_order_mark_is_tolerated() -> None:
    assert parse_json_bytes(b'\xef\xbb\xbf{"a": 1}', "f.json") == {"a": 1}


def test_nesting_too_deep_to_parse(tmp_path: Path) -> None:
    (problem,) = _problems(b"[" * 200_000 + b"]" * 200_000, tmp_path)
    assert "nest" in problem.found


def test_deep_but_parseable_nesting_loads_without_recursion_errors(tmp_path: Path) -> None:
    path = tmp_path / "deep.json"
    path.write_bytes(b'{"a":' * 500 + b"1" + b"}" * 500)
    document = read_json_file(path)
    for _ in range(500):
        document = document["a"]
    assert document == 1


def test_a_file_larger_than_the_cap(tmp_path: Path) -> None:
    path = tmp_path / "huge.json"
    with path.open("wb") as handle:
        handle.truncate(MAX_FIXTURE_BYTES + 1)  # sparse: no real disk use
    with pytest.raises(InputError) as caught:
        read_json_file(path)
    (problem,) = caught.value.problems
    assert f"at most {MAX_FIXTURE_BYTES} bytes" in problem.expected
    assert str(MAX_FIXTURE_BYTES + 1) in problem.found


def test_the_cap_is_adjustable(tmp_path: Path) -> None:
    path = tmp_path / "f.json"
    path.write_text(json.dumps(GOOD))
    with pytest.raises(InputError, match="at most 10 bytes"):
        read_json_file(path, max_bytes=10)


def test_an_unreadable_file(tmp_path: Path) -> None:
    if os.geteuid() == 0:
        path = tmp_path / "dangling.json"
        path.symlink_to(tmp_path / "nowhere.json")
    else:  # pragma: no cover - depends on who runs the tests
        path = tmp_path / "locked.json"
        path.write_text("{}")
        path.chmod(0)
    with pytest.raises(InputError) as caught:
        read_json_file(path)
    (problem,) = caught.value.problems
    assert problem.expected == "a readable file"


def test_a_directory_named_like_a_fixture(tmp_path: Path) -> None:
    (tmp_path / "x.json").mkdir()
    with pytest.raises(InputError) as caught:
        read_json_file(tmp_path / "x.json")
    assert caught.value.problems[0].found == "a directory"


def test_a_symlink_out_of_the_directory_is_refused(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    outside = tmp_path / "secret.json"
    outside.write_text(json.dumps(GOOD))
    (corpus / "workflow-cancel-parity.json").symlink_to(outside)
    inside = corpus / "real.json"
    inside.write_text(json.dumps(GOOD))
    (corpus / "alias.json").symlink_to(inside)
    paths, problems = fixture_paths(corpus)
    assert [path.name for path in paths] == ["alias.json", "real.json"]
    (problem,) = problems
    assert problem.file.endswith("workflow-cancel-parity.json")
    assert "symlink to" in problem.found and str(outside) in problem.found


def test_a_directory_without_fixtures(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("not a fixture")
    paths, problems = fixture_paths(tmp_path)
    assert paths == []
    (problem,) = problems
    assert problem.expected == "at least one *.json fixture"


def test_a_missing_directory(tmp_path: Path) -> None:
    paths, problems = fixture_paths(tmp_path / "absent")
    assert paths == [] and problems[0].found == "no such directory"


def test_load_fixture_reports_schema_problems(tmp_path: Path) -> None:
    path = tmp_path / "f.json"
    path.write_text(json.dumps({**GOOD, "version": 2}))
    with pytest.raises(InputError) as caught:
        load_fixture(path)
    assert [problem.pointer for problem in caught.value.problems] == ["/version"]


def test_load_fixture_refuses_a_non_object(tmp_path: Path) -> None:
    path = tmp_path / "f.json"
    path.write_text("[]")
    with pytest.raises(InputError, match="a JSON object"):
        load_fixture(path)


def test_discover_loads_the_good_and_lists_the_bad(tmp_path: Path) -> None:
    (tmp_path / "a-good-parity.json").write_text(json.dumps(GOOD))
    (tmp_path / "b-broken.json").write_text("{")
    (tmp_path / "c-no-op.json").write_text(json.dumps({k: v for k, v in GOOD.items() if k != "operation"}))
    found = discover([tmp_path])
    assert [fixture.name for fixture in found.fixtures] == ["a-good-parity.json"]
    assert sorted(Path(problem.file).name for problem in found.problems) == ["b-broken.json", "c-no-op.json"]


def test_the_shipped_corpus_directory_holds_the_nine_fixtures() -> None:
    directory = shipped_corpus_dir()
    assert directory.is_dir()
    assert len(list(directory.glob("*-parity.json"))) == 9
