"""Pointer-annotated pretty-printing used by the HTML side-by-side view."""

from __future__ import annotations

import json

from conformance.reporting.jsonview import covers, json_lines, severity_at, with_ghosts


def _text(lines: list) -> str:  # type: ignore[type-arg]
    out = []
    for line in lines:
        key = json.dumps(line.key) + ": " if line.key is not None else ""
        out.append("  " * line.depth + key + line.text + ("," if line.comma else ""))
    return "\n".join(out)


def test_lines_reproduce_pretty_json_and_carry_pointers() -> None:
    value = {"method": "POST", "body": {"input": [{"order_id": 42}], "a/b~c": True}, "empty": {}}
    lines = json_lines(value)
    assert json.loads(_text(lines)) == value
    by_pointer = {line.pointer: line for line in lines if line.kind != "close"}
    assert by_pointer["/body/input/0/order_id"].text == "42"
    assert by_pointer["/body/input/0/order_id"].depth == 4
    assert by_pointer["/body/a~1b~0c"].key == "a/b~c"
    assert by_pointer["/empty"].text == "{}"
    assert [line.kind for line in lines if line.pointer == "/body/input"] == ["open", "close"]


def test_scalar_root_and_unicode() -> None:
    assert [(line.text, line.pointer) for line in json_lines("é")] == [('"é"', "")]
    assert json_lines(None)[0].text == "null"


def test_deep_values_do_not_hit_the_recursion_limit() -> None:
    value: object = 1
    for _ in range(5000):
        value = [value]
    lines = json_lines(value, max_lines=20000)
    assert lines[5000].text == "1"
    assert lines[5000].pointer == "/0" * 5000


def test_long_values_are_cut_with_a_marker() -> None:
    lines = json_lines(list(range(100)), max_lines=10)
    assert len(lines) == 11
    assert lines[-1].kind == "cut"


def test_ghost_lines_go_inside_the_nearest_existing_ancestor() -> None:
    lines = json_lines({"body": {"input": [1]}, "method": "POST"})
    ghosted = with_ghosts(lines, [("/body/task_queue", "not sent"), ("/body/memo/source", "not sent either")])
    rendered = [(line.kind, line.pointer, line.key) for line in ghosted]
    body_close = rendered.index(("close", "/body", None))
    assert rendered[body_close - 2] == ("ghost", "/body/task_queue", "task_queue")
    assert rendered[body_close - 1] == ("ghost", "/body/memo/source", "source")
    # a pointer that exists gets no ghost
    assert with_ghosts(lines, [("/method", "x")]) == lines


def test_ghost_under_a_scalar_or_a_missing_root() -> None:
    lines = json_lines({"body": None})
    ghosted = with_ghosts(lines, [("/body/input", "not sent")])
    index = [line.pointer for line in ghosted].index("/body/input")
    assert ghosted[index - 1].pointer == "/body" and ghosted[index].depth == 2


def test_coverage_and_severity() -> None:
    assert covers("/body", "/body/input/0")
    assert not covers("/body/in", "/body/input")
    assert covers("", "/anything")
    differences = [
        {"pointer": "/body", "severity": "diagnostic"},
        {"pointer": "/body/input", "severity": "failure"},
    ]
    assert severity_at("/body/input/0", differences) == "failure"
    assert severity_at("/body/memo", differences) == "diagnostic"
    assert severity_at("/method", differences) is None


def test_root_order_puts_the_request_line_first() -> None:
    from conformance.reporting.jsonview import REQUEST_ORDER

    value = {"body": {"z": 1, "a": 2}, "extra": 1, "method": "POST", "path": "/x"}
    keys = [
        line.key
        for line in json_lines(value, root_order=REQUEST_ORDER)
        if line.depth == 1 and line.kind != "close"
    ]
    assert keys == ["method", "path", "body", "extra"]
    nested = [
        line.key
        for line in json_lines(value, root_order=REQUEST_ORDER)
        if line.depth == 2 and line.kind != "close"
    ]
    assert nested == ["a", "z"]
