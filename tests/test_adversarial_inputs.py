"""The adversarial matrix: inputs a hostile user hands the harness, one test each.

Every test puts one bad input beside one good fixture (the shipped
``workflow-cancel-parity.json``), runs the real ``dw-conformance`` command as a
subprocess, and checks three things:

- the bad input gets one clear message naming the file, the JSON pointer and
  what was expected, and no traceback;
- the good fixture beside it is still judged (its case passes), or, for a
  file that configures the whole run (policy, known failures), the run stops
  at once with exit code 2 and the message;
- nothing is left half-done: no process left running, no half-written report.

Time: each test is bounded by the harness's own limits (regular files only,
the read time limit, the YAML alias caps), not by luck. The subprocess
``timeout`` below is only a guard, so that a regression fails the test with a
message instead of hanging CI; none of these runs comes near it.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from conformance.fixture import shipped_corpus_dir
from conformance.input_file import ReadTimeout, read_input_bytes, within_time
from conformance.problems import InputError
from conformance.strict_yaml import MAX_YAML_ALIASES
from support.harness_run import CONSOLE_SCRIPT, Completed, clean_environment, misbehaving_adapter, run_command

GOOD = "workflow-cancel-parity.json"
GOOD_CASE = f"{GOOD}::canonical"
CANCEL = json.loads((shipped_corpus_dir() / GOOD).read_text(encoding="utf-8"))
#: A guard against a hang (see the module docstring), not a speed target.
GUARD_SECONDS = 120
#: Nine levels of nine aliases: 480 bytes standing for 9**9 (387 million) strings.
BILLION_LAUGHS = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"{name}: &{name} [" + ", ".join([f"*{previous}"] * 9) + "]\n"
    for previous, name in zip("abcdefgh", "bcdefghi", strict=True)
)
#: What the misbehaving client prints to fool a terminal (tests/support/misbehaving_client.py).
SPOOF = "\x1b]0;pwned\x07\r\n[1/1] PASS  spoofed::case\x1b[2K\u202e"
ESCAPED_SPOOF = "\\x1b]0;pwned\\x07\\r\\n[1/1] PASS  spoofed::case\\x1b[2K\\u202e"


def _corpus(tmp_path: Path, make: Callable[[Path], None] | None = None) -> Path:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copyfile(shipped_corpus_dir() / GOOD, corpus / GOOD)
    if make is not None:
        make(corpus)
    return corpus


def _run(tmp_path: Path, corpus: Path, *args: str, scenarios: bool = False) -> Completed:
    return run_command(
        tmp_path / "reports",
        "--adapter", "canonical", "--fixtures", str(corpus), "--no-har", *args,
        timeout=GUARD_SECONDS,
        scenarios=scenarios,
    )  # fmt: skip


def _validate(*paths: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(CONSOLE_SCRIPT), "validate", *map(str, paths)],
        capture_output=True,
        text=True,
        timeout=GUARD_SECONDS,
        env=clean_environment(),
        check=False,
    )


def _good_fixture_judged(run: Completed) -> None:
    assert "Traceback" not in run.stderr, run.stderr
    assert run.cases()[GOOD_CASE]["status"] == "pass", run.stderr
    assert run.left_behind == []


def _one_input_problem(run: Completed, file_part: str, pointer: str, expected: str, found: str) -> str:
    """The run's one problem about ``file_part``: in result.json and on stderr, with exit code 1."""
    document = run.document
    assert document is not None, run.stderr
    (problem,) = [line for line in document["input_problems"] if file_part in line]
    assert f": {pointer}: expected {expected}" in problem, problem
    assert found in problem.partition("; found ")[2], problem
    assert f"skipping input: {problem}" in run.stderr
    assert run.code == 1, run.stderr  # input problems fail the run by default
    assert document["conformance"]["level"] == "incomplete"
    return problem


# ------------------------------------------------------------------ YAML: aliases


def _scenario_dir(tmp_path: Path, name: str, text: str) -> Path:
    directory = tmp_path / "scenarios"
    directory.mkdir()
    (directory / name).write_text(text, encoding="utf-8")
    return directory


def test_a_billion_laughs_scenario_is_an_input_problem_and_the_fixture_beside_it_runs(tmp_path: Path) -> None:
    scenarios = _scenario_dir(tmp_path, "laughs.scenario.yaml", BILLION_LAUGHS)
    assert len(BILLION_LAUGHS) < 500
    run = _run(tmp_path, _corpus(tmp_path), "--scenarios", str(scenarios), scenarios=True)
    _one_input_problem(
        run,
        "laughs.scenario.yaml",
        "(file)",
        "aliases expanding to at most 1000000 nodes",
        "more from the node",
    )
    _good_fixture_judged(run)


def test_an_alias_inside_its_own_anchor_is_an_input_problem(tmp_path: Path) -> None:
    scenarios = _scenario_dir(tmp_path, "loop.scenario.yaml", "fixture: &self [a, *self]\n")
    run = _run(tmp_path, _corpus(tmp_path), "--scenarios", str(scenarios), scenarios=True)
    _one_input_problem(
        run, "loop.scenario.yaml", "(file)", "no alias inside the node it refers to", "an endless alias cycle"
    )
    _good_fixture_judged(run)


def test_more_aliases_than_the_cap_is_an_input_problem(tmp_path: Path) -> None:
    text = "base: &b 1\nmany: [" + ", ".join(["*b"] * (MAX_YAML_ALIASES + 1)) + "]\n"
    scenarios = _scenario_dir(tmp_path, "many.scenario.yaml", text)
    run = _run(tmp_path, _corpus(tmp_path), "--scenarios", str(scenarios), scenarios=True)
    _one_input_problem(
        run,
        "many.scenario.yaml",
        "(file)",
        f"at most {MAX_YAML_ALIASES} aliases",
        "alias number 1001 at line 2",
    )
    _good_fixture_judged(run)


@pytest.mark.parametrize("option", ["--known-failures", "--policy", "--server-profile"])
def test_a_billion_laughs_configuration_file_stops_the_run_with_its_message(
    tmp_path: Path, option: str
) -> None:
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text(BILLION_LAUGHS, encoding="utf-8")
    run = _run(tmp_path, _corpus(tmp_path), option, str(bomb))
    assert run.code == 2, run.stderr
    assert run.stderr.startswith(
        f"dw-conformance run: {bomb}: (file): expected aliases expanding to at most 1000000 nodes; found more"
    ), run.stderr
    assert "Traceback" not in run.stderr and run.left_behind == []
    assert not (tmp_path / "reports" / "result.json").exists()


# ------------------------------------------------------------------ only regular files


def test_a_fifo_named_json_among_the_fixtures_is_an_input_problem(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path, lambda corpus: os.mkfifo(corpus / "fifo-parity.json"))
    run = _run(tmp_path, corpus)
    _one_input_problem(run, "fifo-parity.json", "(file)", "a regular file", "a FIFO (named pipe)")
    _good_fixture_judged(run)


def test_validate_refuses_a_fifo_and_checks_the_good_file_beside_it(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path, lambda corpus: os.mkfifo(corpus / "fifo-parity.json"))
    result = _validate(corpus)
    assert result.returncode == 1, result.stderr
    lines = result.stdout.splitlines()
    assert lines == [
        f"{corpus / 'fifo-parity.json'}: (file): expected a regular file; found a FIFO (named pipe)",
        "1 problem(s) in 1 of 2 fixture file(s)",
    ]
    assert "Traceback" not in result.stderr


def test_a_unix_socket_named_json_among_the_fixtures_is_an_input_problem(tmp_path: Path) -> None:
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        corpus = _corpus(tmp_path, lambda corpus: listener.bind(str(corpus / "socket-parity.json")))
        run = _run(tmp_path, corpus)
    finally:
        listener.close()
    _one_input_problem(run, "socket-parity.json", "(file)", "a regular file", "a socket")
    _good_fixture_judged(run)


@pytest.mark.parametrize(
    ("option", "make", "found"),
    [
        ("--policy", lambda path: os.symlink("/dev/zero", path), "a character device"),
        ("--known-failures", os.mkfifo, "a FIFO (named pipe)"),
    ],
    ids=["device-policy", "fifo-known-failures"],
)
def test_a_device_or_fifo_as_a_configuration_file_stops_the_run_with_its_message(
    tmp_path: Path, option: str, make: Callable[[Path], None], found: str
) -> None:
    path = tmp_path / "config.yaml"
    make(path)
    run = _run(tmp_path, _corpus(tmp_path), option, str(path))
    assert run.code == 2, run.stderr
    assert run.stderr.startswith(
        f"dw-conformance run: {path}: (file): expected a regular file; found {found}"
    )
    assert "Traceback" not in run.stderr and run.left_behind == []


def test_a_read_that_blocks_is_given_up_after_the_time_limit(tmp_path: Path) -> None:
    """The last guard: a read the kernel never completes (here: a FIFO opened without O_NONBLOCK)."""
    fifo = tmp_path / "never-written"
    os.mkfifo(fifo)
    with pytest.raises(ReadTimeout, match=r"not read within 0\.2 seconds"):
        within_time(lambda: fifo.read_bytes(), 0.2)
    os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))  # a writer comes and goes: the abandoned read ends
    # read_input_bytes maps the timeout to an input problem naming the file
    regular = tmp_path / "ok.json"
    regular.write_text("{}", encoding="utf-8")
    assert read_input_bytes(regular, max_bytes=10, timeout=5) == b"{}"
    with pytest.raises(InputError, match="expected a regular file; found a FIFO"):
        read_input_bytes(fifo, max_bytes=10, timeout=5)


# ------------------------------------------------------------------ values


def _with_request_extra(name: str, extra: str) -> Callable[[Path], None]:
    def make(corpus: Path) -> None:
        text = json.dumps(CANCEL).replace('"method": "POST"', f'"method": "POST", "extra": {extra}', 1)
        (corpus / name).write_text(text, encoding="utf-8")

    return make


def test_a_5000_digit_integer_is_an_input_problem_with_its_pointer(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path, _with_request_extra("huge-int-parity.json", "1" * 5000))
    run = _run(tmp_path, corpus)
    _one_input_problem(
        run, "huge-int-parity.json", "/request/extra", "an integer of at most 640 digits", "5000"
    )
    _good_fixture_judged(run)
    result = _validate(corpus)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "huge-int-parity.json: /request/extra: expected an integer of at most 640 digits" in result.stdout


def test_a_lone_surrogate_is_an_input_problem_with_its_pointer(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path, _with_request_extra("surrogate-parity.json", '"\\ud800"'))
    run = _run(tmp_path, corpus)
    _one_input_problem(
        run, "surrogate-parity.json", "/request/extra", "Unicode text", "a lone surrogate \\ud800"
    )
    _good_fixture_judged(run)


def test_an_unknown_operation_is_an_input_problem_not_a_skip(tmp_path: Path) -> None:
    def make(corpus: Path) -> None:
        document = {**CANCEL, "operation": "nosuch.thing"}
        (corpus / "nosuch-thing-parity.json").write_text(json.dumps(document), encoding="utf-8")

    run = _run(tmp_path, _corpus(tmp_path, make))
    _one_input_problem(
        run, "nosuch-thing-parity.json", "/operation", "an operation the operation tables", "nosuch"
    )
    assert not [case for case in run.cases() if case.startswith("nosuch")]
    _good_fixture_judged(run)


# ------------------------------------------------------------------ an entry that cannot be read


def test_a_self_looping_symlink_never_hides_the_good_file_beside_it(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path, lambda corpus: (corpus / "loop-parity.json").symlink_to("loop-parity.json"))
    result = _validate(corpus)
    assert result.returncode == 1
    assert result.stdout.splitlines()[-1] == "1 problem(s) in 1 of 2 fixture file(s)"
    run = _run(tmp_path, corpus)
    _one_input_problem(
        run, "loop-parity.json", "(file)", "a file inside the fixtures directory", "cannot be resolved"
    )
    _good_fixture_judged(run)


# ------------------------------------------------------------------ input problems count


def test_input_problems_fail_the_run_and_are_listed_in_every_report(tmp_path: Path) -> None:
    corpus = _corpus(
        tmp_path, lambda corpus: (corpus / "broken-parity.json").write_text("{", encoding="utf-8")
    )
    run = _run(tmp_path, corpus)
    problem = _one_input_problem(run, "broken-parity.json", "(file)", "valid JSON", "line 1 column 2")
    _good_fixture_judged(run)
    level = run.document["conformance"] if run.document else {}
    assert level["explanation"].startswith("1 input problem (see input_problems)")
    assert "would give 'full'" in level["explanation"]
    reports = run.report_dir
    assert "broken-parity.json" in (reports / "summary.md").read_text(encoding="utf-8")
    assert "broken-parity.json" in (reports / "index.html").read_text(encoding="utf-8")
    assert 'type="conformance.input_problem"' in (reports / "junit.xml").read_text(encoding="utf-8")
    assert "conformance level: incomplete (1 input problem" in run.stdout
    assert problem in run.stderr


def test_allow_input_problems_lets_the_level_of_the_cases_that_ran_decide(tmp_path: Path) -> None:
    corpus = _corpus(
        tmp_path, lambda corpus: (corpus / "broken-parity.json").write_text("{", encoding="utf-8")
    )
    run = _run(tmp_path, corpus, "--allow-input-problems")
    assert run.code == 0, run.stderr
    document = run.document
    assert document is not None
    assert document["run"]["allow_input_problems"] is True
    assert document["conformance"]["level"] == "full"
    assert "1 input problem: the inputs concerned took no part" in document["conformance"]["explanation"]
    assert len(document["input_problems"]) == 1
    _good_fixture_judged(run)


# ------------------------------------------------------------------ a console that cannot be spoofed


def _unspoofed(run: Completed) -> None:
    for stream in (run.stdout, run.stderr):
        assert "\x1b" not in stream and "\x07" not in stream and "\r" not in stream and "\u202e" not in stream
        assert not any(line.startswith("[1/1] PASS  spoofed") for line in stream.splitlines())


@pytest.mark.parametrize(
    ("mode", "where"),
    [("spoof-error", "reason"), ("spoof-stdout", "reason"), ("spoof-key", "pointer")],
    ids=["exec-error-text", "quoted-stdout", "json-key-in-a-diff"],
)
def test_a_client_cannot_print_control_characters_to_the_console(
    tmp_path: Path, mode: str, where: str
) -> None:
    manifest = misbehaving_adapter(tmp_path / "manifests", mode)
    run = _run(tmp_path, _corpus(tmp_path), "--adapter", f"exec={manifest}", "--jobs", "1")
    _unspoofed(run)
    # in a JSON pointer, the key's "/" is spelled "~1"
    shown = ESCAPED_SPOOF.replace("/", "~1") if where == "pointer" else ESCAPED_SPOOF
    assert shown in run.stdout, run.stdout
    case = run.cases()[f"{GOOD}::mb-{mode}"]
    assert case["status"] in ("fail", "error")
    if where == "pointer":  # the report keeps the key as sent; only the terminal sees it escaped
        assert any(SPOOF.replace("/", "~1") in difference["pointer"] for difference in case["differences"])
    _good_fixture_judged(run)


def test_a_fixture_file_name_cannot_print_control_characters_to_the_console(tmp_path: Path) -> None:
    name = "spoof\x1b]0;pwned\x07\r\n[1] PASS\u202e-parity.json"
    corpus = _corpus(tmp_path, lambda corpus: shutil.copyfile(corpus / GOOD, corpus / name))
    run = _run(tmp_path, corpus, "--allow-input-problems")
    _unspoofed(run)
    assert run.code == 0
    assert "spoof\\x1b]0;pwned\\x07\\r\\n[1] PASS\\u202e-parity.json::canonical" in run.stdout
    assert run.cases()[f"{name}::canonical"]["status"] == "pass"  # the file is valid: it runs, shown escaped
    _good_fixture_judged(run)
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / name).write_text("{", encoding="utf-8")
    result = _validate(broken)
    assert result.returncode == 1
    assert "\x1b" not in result.stdout and "spoof\\x1b]0;pwned\\x07\\r\\n[1] PASS" in result.stdout


# ------------------------------------------------------------------ atomic reports


def _file_size_limit(limit: int) -> Callable[[], None]:
    def apply() -> None:  # in the child: writes past the limit fail with EFBIG, like a full disk
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


def test_a_failed_report_write_leaves_the_previous_reports_whole_and_says_so(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path)
    first = _run(tmp_path, corpus)
    assert first.code == 0, first.stderr
    reports = tmp_path / "reports"
    before = {path.name: path.read_bytes() for path in reports.iterdir()}
    assert set(before) == {"result.json", "junit.xml", "summary.md", "index.html"}
    started = time.monotonic()
    second = subprocess.run(
        [str(CONSOLE_SCRIPT), "run", "--report-dir", str(reports), "--no-scenarios", "--no-har",
         "--adapter", "canonical", "--fixtures", str(corpus)],
        capture_output=True, text=True, timeout=GUARD_SECONDS, env=clean_environment(),
        preexec_fn=_file_size_limit(2048), check=False,
    )  # fmt: skip
    assert time.monotonic() - started < GUARD_SECONDS
    assert second.returncode == 2, second.stderr
    assert "could not write reports to" in second.stderr
    assert "File too large while writing result.json" in second.stderr
    assert "the reports already there (result.json, junit.xml, summary.md, index.html) are left whole" in (
        second.stderr
    )
    assert "Traceback" not in second.stderr
    after = {path.name: path.read_bytes() for path in reports.iterdir()}
    assert after == before  # whole, and no temporary file left behind
