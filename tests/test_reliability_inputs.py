"""Bad input: one clear message each (file, JSON pointer, expected, found); the rest runs where it can.

A corpus made of the shipped fixtures plus one file per kind of bad input is
run once (``dw-conformance run`` as a subprocess, canonical replay). Every
bad file is listed under ``input_problems`` and printed once on stderr; the
valid fixtures all run and pass, and the run exits 1 (level ``incomplete``:
part of the corpus could not be used). ``tests/test_adversarial_inputs.py``
has one test per hostile input. Inputs that make the run impossible (server
profile, policy, report directory) stop it with exit code 2 and one message.

Ports: the proxy picks free loopback ports itself and retries with fresh ones
when one is taken meanwhile, so there is no port option for a user to get
wrong; a taken port must not break a run, and a proxy that cannot bind at all
is one clear configuration error.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
from pathlib import Path
from typing import Any

import pytest

from conformance.cli import main
from conformance.fixture import MAX_FIXTURE_BYTES, MAX_JSON_DEPTH, shipped_corpus_dir
from conformance.proxy import engine
from support.harness_run import Completed, misbehaving_adapter, run_command

SHIPPED = sorted(path.name for path in shipped_corpus_dir().glob("*.json"))
CANCEL = json.loads((shipped_corpus_dir() / "workflow-cancel-parity.json").read_text(encoding="utf-8"))
BAD_NAME = b"bad-name-\xff-parity.json"

#: file name -> (pointer, fragment of "expected", fragment of "found") of its one problem
BAD_FILES: dict[str, tuple[str, str, str]] = {
    "not-json-parity.json": ("(file)", "valid JSON", "Expecting value at line 1 column 1"),
    "deep-10000-parity.json": ("(file)", "nested less deeply than the parser's limit", "too deep"),
    "deep-200-parity.json": (
        "/request/body/reason" + "/0" * (MAX_JSON_DEPTH - 3),
        f"JSON nested at most {MAX_JSON_DEPTH} levels deep",
        "deeper nesting",
    ),
    "huge-50mb-parity.json": ("(file)", f"a file of at most {MAX_FIXTURE_BYTES} bytes", "52428800 bytes"),
    "duplicate-keys-parity.json": ("/request/method", "each key once per object", "key 'method' repeated"),
    "latin1-parity.json": ("(file)", "UTF-8 text", "byte 0xe9 at offset"),
    "empty-parity.json": ("(file)", "a JSON document", "an empty file"),
    "operation-traversal-parity.json": ("/operation", "a string matching", "'../../etc/passwd'"),
    "symlink-out-parity.json": ("(file)", "a file inside the fixtures directory", "a symlink to "),
    "symlink-loop-parity.json": ("(file)", "a file inside the fixtures directory", "cannot be resolved"),
    "directory-parity.json": ("(file)", "a file", "a directory"),
    "bad-name-\\xff-parity.json": ("(file)", "a file name in UTF-8", "bytes that are not UTF-8"),
}
#: odd but valid names: they run, and their files stay inside the report directory
ODD_NAMES = ("....json", "..\\..\\evil-parity.json", "-rf-parity.json")


def _write_bad_corpus(corpus: Path, outside: Path) -> None:
    shutil.copytree(shipped_corpus_dir(), corpus)
    (corpus / "not-json-parity.json").write_text("this is not JSON", encoding="utf-8")
    (corpus / "deep-10000-parity.json").write_text("[" * 10_000 + "]" * 10_000, encoding="utf-8")
    deep = json.dumps({**CANCEL, "request": {**CANCEL["request"], "body": {"reason": "@"}}})
    (corpus / "deep-200-parity.json").write_text(deep.replace('"@"', "[" * 200 + "]" * 200), encoding="utf-8")
    with (corpus / "huge-50mb-parity.json").open("wb") as handle:
        handle.truncate(50 * 1024 * 1024)  # sparse: the loader must refuse it by its size alone
    text = json.dumps(CANCEL).replace('"method": "POST"', '"method": "POST", "method": "PUT"')
    (corpus / "duplicate-keys-parity.json").write_text(text, encoding="utf-8")
    latin1 = json.dumps(CANCEL).replace("customer", "caf\u00e9").encode("latin-1")
    (corpus / "latin1-parity.json").write_bytes(latin1)
    (corpus / "empty-parity.json").write_text("", encoding="utf-8")
    escaping = {**CANCEL, "operation": "../../etc/passwd"}
    (corpus / "operation-traversal-parity.json").write_text(json.dumps(escaping), encoding="utf-8")
    outside.write_text(json.dumps(CANCEL), encoding="utf-8")  # a valid fixture, but outside the directory
    (corpus / "symlink-out-parity.json").symlink_to(outside)
    (corpus / "symlink-loop-parity.json").symlink_to("symlink-loop-parity.json")
    (corpus / "directory-parity.json").mkdir()
    with open(os.path.join(os.fsencode(corpus), BAD_NAME), "wb") as handle:
        handle.write(json.dumps(CANCEL).encode())
    for name in ODD_NAMES:
        (corpus / name).write_text(json.dumps(CANCEL), encoding="utf-8")


def _files_outside(root: Path, report_dir: Path) -> set[str]:
    return {
        str(path.relative_to(root))
        for path in root.rglob("*")
        if report_dir not in path.parents and path != report_dir
    }


@pytest.fixture(scope="module")
def bad_corpus_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Completed, set[str], set[str]]:
    root = tmp_path_factory.mktemp("bad-input")
    _write_bad_corpus(root / "corpus", root / "outside-parity.json")
    report_dir = root / "reports"
    before = _files_outside(root, report_dir)
    run = run_command(report_dir, "--adapter", "canonical", "--fixtures", str(root / "corpus"), "--jobs", "2")
    return run, before, _files_outside(root, report_dir)


def _problems(run: Completed) -> list[str]:
    document = run.document
    assert document is not None, run.stderr
    problems: list[str] = document["input_problems"]
    return problems


def test_the_valid_fixtures_all_run_and_pass(bad_corpus_run: tuple[Completed, set[str], set[str]]) -> None:
    run, _, _ = bad_corpus_run
    assert run.code == 1, run.stderr  # the input problems make the run incomplete, and fail it
    assert run.document is not None and run.document["conformance"]["level"] == "incomplete"
    statuses = {case_id: case["status"] for case_id, case in run.cases().items()}
    assert statuses == {f"{name}::canonical": "pass" for name in [*SHIPPED, *ODD_NAMES]}
    assert "Traceback" not in run.stderr
    assert run.left_behind == []


def test_every_bad_file_is_one_problem_and_nothing_else_is(
    bad_corpus_run: tuple[Completed, set[str], set[str]],
) -> None:
    run, _, _ = bad_corpus_run
    problems = _problems(run)
    assert len(problems) == len(BAD_FILES), problems
    printed = [line for line in run.stderr.splitlines() if line.startswith("skipping input: ")]
    assert len(printed) == len(BAD_FILES)


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_a_bad_file_names_the_file_the_pointer_and_what_was_expected(
    bad_corpus_run: tuple[Completed, set[str], set[str]], name: str
) -> None:
    run, _, _ = bad_corpus_run
    pointer, expected, found = BAD_FILES[name]
    (problem,) = [line for line in _problems(run) if f"/corpus/{name}: " in line]
    assert f"{name}: {pointer}: expected " in problem
    prefix, _, found_text = problem.partition("; found ")
    assert expected in prefix and found in found_text, problem
    assert f"skipping input: {problem}" in run.stderr


def test_odd_names_write_no_file_outside_the_report_directory_and_no_hidden_file(
    bad_corpus_run: tuple[Completed, set[str], set[str]],
) -> None:
    run, before, after = bad_corpus_run
    assert after == before
    har_dir = (run.report_dir / "har").resolve()
    hars = [run.report_dir / case["har"] for case in run.cases().values()]
    assert len({path.name for path in hars}) == len(hars)  # one HAR per case
    for path in hars:
        assert path.resolve().parent == har_dir and path.is_file()
        assert not path.name.startswith(".")


# ---------------------------------------------------------------- inputs that stop the run


def _run_main(tmp_path: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(["run", "--adapter", "canonical", "-k", "schedule", *args])
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return code, err


@pytest.mark.parametrize(
    ("kind", "text", "message"),
    [
        (
            "server-profile",
            "extends: v2\nheaders:\n  control_plane:\n    X-Durable-Workflow-Control-Plane-Version: 2\n",
            ": /headers/control_plane/X-Durable-Workflow-Control-Plane-Version: expected a string",
        ),
        ("server-profile", "handshake: [\n", ": (file): expected valid YAML; found "),
        ("server-profile", "\udcff", ": (file): expected UTF-8 text; found byte 0xff at offset 0"),
        (
            "policy",
            "deliberate_differences:\n  - operation: 5\n",
            ": /deliberate_differences/0/operation: expected",
        ),
        ("policy", "deliberate_differences: {\n", ": (file): expected valid YAML"),
    ],
)
def test_an_invalid_profile_or_policy_stops_the_run_with_the_file_and_pointer(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], kind: str, text: str, message: str
) -> None:
    path = tmp_path / f"{kind}.yaml"
    path.write_bytes(text.encode("utf-8", errors="surrogateescape"))
    report_dir = tmp_path / "reports"
    code, err = _run_main(tmp_path, capsys, f"--{kind}", str(path), "--report-dir", str(report_dir))
    assert code == 2
    assert err.startswith(f"dw-conformance run: {path}{message}"), err
    assert not (report_dir / "result.json").exists()


def test_a_report_directory_under_a_regular_file_stops_the_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    regular = tmp_path / "a-file"
    regular.write_text("", encoding="utf-8")
    code, err = _run_main(tmp_path, capsys, "--report-dir", str(regular / "reports"))
    assert code == 2
    expected = (
        f"dw-conformance run: {regular / 'reports'}: expected a writable report directory; found it cannot"
    )
    assert err.startswith(expected) and "Not a directory" in err


def test_a_report_directory_that_is_a_file_stops_the_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    regular = tmp_path / "reports"
    regular.write_text("keep me", encoding="utf-8")
    code, err = _run_main(tmp_path, capsys, "--report-dir", str(regular))
    assert code == 2
    assert err == f"dw-conformance run: {regular}: expected a writable report directory; found a file\n"
    assert regular.read_text(encoding="utf-8") == "keep me"


@pytest.fixture
def read_only_directory(tmp_path: Path) -> Any:
    """A read-only tmpfs (root ignores file modes, not a read-only mount); skipped where mount is refused."""
    target = tmp_path / "read-only"
    target.mkdir()
    if shutil.which("mount") is None:
        pytest.skip("no mount command: cannot make a read-only tmpfs")
    command = ["mount", "-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", str(target)]
    mounted = subprocess.run(command, capture_output=True, text=True, check=False)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a read-only tmpfs here: {mounted.stderr.strip()}")
    try:
        yield target
    finally:
        subprocess.run(["umount", str(target)], check=False)


def test_a_read_only_report_directory_stops_the_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], read_only_directory: Path
) -> None:
    code, err = _run_main(tmp_path, capsys, "--report-dir", str(read_only_directory))
    assert code == 2
    assert err.startswith(f"dw-conformance run: {read_only_directory}: expected a writable report directory")
    assert "Read-only file system" in err


def test_a_taken_port_does_not_break_the_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", 0))
        blocker.listen()
        taken = blocker.getsockname()[1]
        real = engine.free_ports
        offers: list[list[int]] = []

        def first_offer_is_taken(count: int, host: str = "127.0.0.1") -> list[int]:
            ports = real(count, host)
            offers.append([taken, *ports[1:]] if not offers else ports)
            return offers[-1]

        monkeypatch.setattr(engine, "free_ports", first_offer_is_taken)
        code, _ = _run_main(tmp_path, capsys, "--report-dir", str(tmp_path / "reports"), "--jobs", "2")
    assert code == 0
    assert len(offers) == 2 and taken in offers[0]
    document = json.loads((tmp_path / "reports" / "result.json").read_text(encoding="utf-8"))
    assert [case["status"] for case in document["cases"]] == ["pass"]


def test_a_proxy_that_cannot_bind_any_port_is_one_configuration_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", 0))
        blocker.listen()
        taken = blocker.getsockname()[1]
        monkeypatch.setattr(engine, "free_ports", lambda count, host="127.0.0.1": [taken] * count)
        code, err = _run_main(tmp_path, capsys, "--report-dir", str(tmp_path / "reports"), "--jobs", "1")
    assert code == 2
    assert err == (
        "dw-conformance run: the recording proxy could not start: "
        f"could not bind 1 listener(s) on 127.0.0.1 after {engine.BIND_ATTEMPTS} attempts\n"
    )


def test_an_invalid_exec_manifest_stops_the_run_with_the_pointer(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    manifest = misbehaving_adapter(tmp_path, "good")
    manifest.write_text(manifest.read_text(encoding="utf-8").replace("command: [", "command: [7, "), "utf-8")
    report_dir = str(tmp_path / "r")
    code, err = _run_main(tmp_path, capsys, "--adapter", f"exec={manifest}", "--report-dir", report_dir)
    assert code == 2
    assert f"{manifest}: /command/0: expected a non-empty string; found int 7" in err
