"""The pieces behind the adversarial matrix one by one: escaping, values, YAML bounds, atomic reports."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import conformance.reporting as reporting
from conformance.fixture import parse_json_bytes
from conformance.input_values import MAX_INTEGER_DIGITS, value_problems
from conformance.problems import InputError, Problem
from conformance.result import exit_code_for, validate_result
from conformance.strict_yaml import MAX_YAML_EXPANDED_NODES, load_yaml_text
from conformance.textsafe import printable, printable_lines, printable_tree
from support.results import ResultBuilder, sample_document

# ------------------------------------------------------------------ printable


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("\x1b[2J", "\\x1b[2J"),
        ("a\r\nb\tc", "a\\r\\nb\\tc"),
        ("\x00\x07\x7f\x9b", "\\x00\\x07\\x7f\\x9b"),
        ("abc\u202edef\u2066", "abc\\u202edef\\u2066"),
        ("line\u2028sep", "line\\u2028sep"),
        ("lone \ud800", "lone \\ud800"),
        ("café ✅ 日本", "café ✅ 日本"),  # printable text, non-ASCII included, is unchanged
    ],
)
def test_printable_shows_what_a_terminal_would_act_on(text: str, shown: str) -> None:
    assert printable(text) == shown
    assert printable(shown) == shown  # escaping twice changes nothing


def test_printable_lines_keeps_the_harness_line_breaks_and_the_tree_escapes_keys() -> None:
    assert printable_lines("one\x1b\ntwo\r") == "one\\x1b\ntwo\\r"
    assert printable_tree({"k\n": ["v\x1b", 1, None]}) == {"k\\n": ["v\\x1b", 1, None]}


def test_a_problem_renders_on_one_printable_line() -> None:
    problem = Problem("evil\n[1/1] PASS.json", "/a\x1b", "x", "y\r")
    assert problem.render() == "evil\\n[1/1] PASS.json: /a\\x1b: expected x; found y\\r"


# ------------------------------------------------------------------ values


def test_json_values_that_cannot_travel_are_problems_at_their_pointer() -> None:
    raw = json.dumps({"a": [1, {"b": 0}], "c": "x"}).encode()
    raw = raw.replace(b"0}", b"1" * (MAX_INTEGER_DIGITS + 1) + b"}").replace(b'"x"', b"NaN")
    with pytest.raises(InputError) as caught:
        parse_json_bytes(raw, "f.json")
    rendered = [problem.render() for problem in caught.value.problems]
    assert rendered == [
        f"f.json: /a/1/b: expected an integer of at most {MAX_INTEGER_DIGITS} digits; found 641 digits",
        "f.json: /c: expected a finite number (JSON has no NaN or infinity); found nan",
    ]
    assert parse_json_bytes(b'{"n": ' + b"9" * MAX_INTEGER_DIGITS + b"}", "f.json")["n"] > 0


def test_a_client_body_keeps_lone_surrogates_but_not_huge_integers() -> None:
    assert parse_json_bytes(b'{"s": "\\ud800"}', "request body", lone_surrogates=True) == {"s": "\ud800"}
    with pytest.raises(InputError):
        parse_json_bytes(b'{"s": "\\ud800"}', "f.json")
    assert [p.pointer for p in value_problems({"\ud800": 1}, "f")] == ["/\ud800"]


# ------------------------------------------------------------------ YAML bounds


def test_merge_keys_and_a_few_anchors_still_load() -> None:
    text = "base: &b {timeout: 5}\none: {<<: *b, name: a}\ntwo: {<<: *b, name: b}\nlist: [*b, *b]\n"
    document = load_yaml_text(text, "f.yaml")
    assert document["one"] == {"timeout": 5, "name": "a"} and document["list"] == [{"timeout": 5}] * 2


def test_an_expansion_just_past_the_cap_is_refused_and_one_within_it_loads() -> None:
    # 1000 x 1000 = 1,000,000 leaves, plus the lists themselves: past the cap
    row = "row: &r [" + ", ".join(["0"] * 1000) + "]\n"
    with pytest.raises(InputError, match=f"aliases expanding to at most {MAX_YAML_EXPANDED_NODES} nodes"):
        load_yaml_text(row + "all: [" + ", ".join(["*r"] * 999) + "]\n", "f.yaml")
    assert len(load_yaml_text(row + "all: [" + ", ".join(["*r"] * 10) + "]\n", "f.yaml")["all"]) == 10


def test_a_yaml_integer_too_long_and_a_yaml_surrogate_are_problems_at_their_pointer() -> None:
    with pytest.raises(InputError, match=r"f.yaml: /a/0: expected an integer of at most 640 digits"):
        load_yaml_text("a: [" + "7" * 700 + "]\n", "f.yaml")
    with pytest.raises(InputError, match=r"f.yaml: /k: expected Unicode text"):
        load_yaml_text('k: "\\ud800"\n', "f.yaml")


# ------------------------------------------------------------------ input problems and the level


def test_an_input_problem_makes_a_full_run_incomplete_and_exit_1_unless_allowed() -> None:
    builder = ResultBuilder()
    builder.case("workflow-start-parity.json", "python-sdk")
    builder.input_problems.append("bad.json: (file): expected valid JSON; found x")
    document = builder.build()
    assert document["conformance"]["level"] == "incomplete"
    assert exit_code_for(document) == 1
    builder.run["allow_input_problems"] = True
    allowed = builder.build()
    assert allowed["conformance"]["level"] == "full" and exit_code_for(allowed) == 0
    note = "1 input problem: the inputs concerned took no part (see input_problems)."
    assert allowed["conformance"]["explanation"].endswith(note)


def test_a_document_written_before_the_rule_still_validates() -> None:
    builder = ResultBuilder()
    builder.case("workflow-start-parity.json", "python-sdk")
    builder.input_problems.append("bad.json: (file): expected valid JSON; found x")
    builder.run["allow_input_problems"] = True
    older = builder.build()
    older["run"].pop("allow_input_problems")  # the older writer: level from the cases, count noted
    assert older["conformance"]["level"] == "full"
    assert validate_result(older) == []


# ------------------------------------------------------------------ atomic reports


def test_a_writer_that_fails_half_way_leaves_the_previous_reports_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    reporting.write_reports(sample_document(), tmp_path)
    before = {path.name: path.read_bytes() for path in tmp_path.iterdir()}

    def full_disk(document: Any, path: Path) -> Path:
        path.write_bytes(b"<?xml half")  # what a full disk leaves: a fragment
        raise OSError(28, "No space left on device")

    monkeypatch.setitem(reporting._WRITERS, "markdown", full_disk)
    with pytest.raises(reporting.ReportsNotWritten) as caught:
        reporting.write_reports(sample_document(), tmp_path)
    assert str(caught.value) == (
        "No space left on device while writing summary.md; the reports already there "
        "(result.json, junit.xml, summary.md, index.html) are left whole"
    )
    assert {path.name: path.read_bytes() for path in tmp_path.iterdir()} == before
