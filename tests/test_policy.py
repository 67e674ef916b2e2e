"""The policy file: loading, clear errors, and turning declared failures into diagnostics."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.findings import Difference
from conformance.policy import Policy, load_policy, parse_policy
from conformance.problems import InputError

GOOD = """\
- operation: workflow.signal
  projection: sdk_python
  pointers:
    - /body/request_id
    - /headers/**
  reason: the SDK adds a generated idempotency key
- operation: "*"
  projection: cli
  pointers: /query/debug
  reason: debugging switch
"""


def write(tmp_path: Path, text: str | bytes, name: str = "policy.yaml") -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def failure(pointer: str) -> Difference:
    return Difference(pointer, "unexpected", None, 1, "failure", "sent, not expected")


def test_load_and_apply(tmp_path: Path) -> None:
    policy = load_policy(write(tmp_path, GOOD))
    assert len(policy.entries) == 2
    differences = [
        failure("/body/request_id"),
        failure("/headers/x-extra"),
        failure("/headers"),
        failure("/body/request_idx"),
        failure("/query/debug"),
    ]
    applied = policy.apply("workflow.signal", "sdk_python", differences)
    assert [d.severity for d in applied] == ["diagnostic", "diagnostic", "diagnostic", "failure", "failure"]
    assert "policy: the SDK adds a generated idempotency key" in applied[0].message
    assert "sent, not expected" in applied[0].message
    assert [d.severity for d in policy.apply("workflow.start", "cli", differences)] == [
        "failure",
        "failure",
        "failure",
        "failure",
        "diagnostic",
    ]


def test_other_operation_or_projection_is_untouched(tmp_path: Path) -> None:
    policy = load_policy(write(tmp_path, GOOD))
    applied = policy.apply("workflow.start", "sdk_python", [failure("/body/request_id")])
    assert applied[0].severity == "failure"


def test_diagnostics_stay_as_they_are() -> None:
    policy = parse_policy([{"operation": "*", "projection": "*", "pointers": ["/**"], "reason": "all"}], "p")
    diagnostic = Difference("/body/x", "unexpected", None, 1, "diagnostic", "original")
    assert policy.apply("a.b", "cli", [diagnostic]) == [diagnostic]
    (demoted,) = policy.apply("a.b", "cli", [Difference("", "operation_count", "one", [], "failure")])
    assert demoted.severity == "diagnostic"


def test_mapping_form_and_empty_file(tmp_path: Path) -> None:
    indented = "".join("  " + line for line in GOOD.splitlines(keepends=True))
    policy = load_policy(write(tmp_path, "deliberate_differences:\n" + indented))
    assert len(policy.entries) == 2
    assert policy.entries[0].pointers == ("/body/request_id", "/headers/**")
    assert load_policy(write(tmp_path, "", "empty.yaml")) == Policy((), str(tmp_path / "empty.yaml"))


@pytest.mark.parametrize(
    ("text", "pointer", "expected"),
    [
        (
            "- {operation: a.b, projection: cli, pointers: [/x], reason: ''}\n",
            "/0/reason",
            "non-empty explanation",
        ),
        ("- {operation: a.b, projection: cli, pointer: [/x], reason: r}\n", "/0/pointer", "only operation"),
        ("- {operation: a.b, projection: cli, reason: r}\n", "/0/pointers", "non-empty list"),
        (
            "- {operation: a.b, projection: cli, pointers: [body/x], reason: r}\n",
            "/0/pointers/0",
            "starting with '/'",
        ),
        (
            "- {operation: a.b, projection: cli, pointers: ['/*/x'], reason: r}\n",
            "/0/pointers/0",
            "last token",
        ),
        (
            "- {operation: a.b, projection: cli, pointers: ['/a/**/b'], reason: r}\n",
            "/0/pointers/0",
            "last token",
        ),
        (
            "- {operation: a.b, projection: cli, pointers: [3], reason: r}\n",
            "/0/pointers/0",
            "JSON pointer string",
        ),
        ("- {projection: cli, pointers: [/x], reason: r}\n", "/0/operation", "operation name"),
        ("- just a string\n", "/0", "a mapping"),
        ("other: 1\n", "/other", "only deliberate_differences"),
        ("42\n", "", "a list"),
    ],
)
def test_bad_entries_name_the_file_and_pointer(
    tmp_path: Path, text: str, pointer: str, expected: str
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(InputError) as caught:
        load_policy(path)
    problem = caught.value.problems[0]
    assert problem.file == str(path)
    assert problem.pointer == pointer
    assert expected in problem.expected


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    text = "- {operation: a.b, projection: cli, pointers: [x], reason: ''}\n- {}\n"
    with pytest.raises(InputError) as caught:
        load_policy(write(tmp_path, text))
    assert len(caught.value.problems) >= 5


def test_unreadable_invalid_yaml_and_bad_utf8(tmp_path: Path) -> None:
    with pytest.raises(InputError) as caught:
        load_policy(tmp_path / "absent.yaml")
    assert caught.value.problems[0].expected == "a readable file"
    with pytest.raises(InputError) as caught:
        load_policy(write(tmp_path, "- [unclosed\n"))
    assert caught.value.problems[0].expected == "valid YAML" and "line" in caught.value.problems[0].found
    with pytest.raises(InputError) as caught:
        load_policy(write(tmp_path, b"- \xff\n", "bad.yaml"))
    assert caught.value.problems[0].expected == "UTF-8 text"
    with pytest.raises(InputError) as caught:
        load_policy(tmp_path)
    assert caught.value.problems[0].expected == "a file"
