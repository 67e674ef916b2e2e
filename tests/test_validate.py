"""``dw-conformance validate``: passes on the shipped corpus, fails pointedly on broken fixtures."""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from conformance.avro_codec import encode_blob, make_envelope
from conformance.cli import main
from conformance.fixture import shipped_corpus_dir
from conformance.validate import (
    ValidationUsageError,
    envelope_problems,
    path_id_problems,
    validate_paths,
)

CORPUS = Path(__file__).resolve().parent.parent / "fixtures" / "control-plane"


def run_validate(*paths: Path | str, capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str], str]:
    """The sub-command through the command line's entry point (usage errors become exit 2 there)."""
    code = main(["validate", *map(str, paths)])
    captured = capsys.readouterr()
    return code, captured.out.splitlines(), captured.err


def _load(path: Path) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return document


def _save(path: Path, document: Any) -> None:
    path.write_text(json.dumps(document, indent=2), encoding="utf-8")


@pytest.fixture
def corpus_copy(tmp_path: Path) -> Path:
    target = tmp_path / "control-plane"
    shutil.copytree(CORPUS, target)
    return target


@pytest.fixture
def broken_corpus(corpus_copy: Path) -> Path:
    """The shipped corpus with one break per rule; workflow-task-history stays intact."""
    d = corpus_copy
    # envelope: decoded value disagrees with the blob
    start = _load(d / "workflow-start-parity.json")
    start["sdk_python"]["payload_envelope"]["decoded"][0]["order_id"] = 43
    _save(d / "workflow-start-parity.json", start)
    # envelope: blob that does not decode (wrong magic)
    update = _load(d / "workflow-update-parity.json")
    raw = bytearray(base64.b64decode(update["sdk_python"]["payload_envelope"]["blob"]))
    raw[0] = 0x00
    update["sdk_python"]["payload_envelope"]["blob"] = base64.b64encode(bytes(raw)).decode()
    _save(d / "workflow-update-parity.json", update)
    # envelope sibling: result_envelope does not match result
    query = _load(d / "workflow-query-parity.json")
    query["response_body"] = {"result": {"status": "shipped"}}
    query["response_body"]["result_envelope"] = make_envelope({"status": "open"})
    _save(d / "workflow-query-parity.json", query)
    # path ids: workflow id and namespace name disagree with semantic_body
    cancel = _load(d / "workflow-cancel-parity.json")
    cancel["semantic_body"]["workflow_id"] = "wf-other"
    _save(d / "workflow-cancel-parity.json", cancel)
    namespace = _load(d / "namespace-set-storage-driver-parity.json")
    namespace["request"]["path"] = "/namespaces/payments/external-storage"
    _save(d / "namespace-set-storage-driver-parity.json", namespace)
    # schema: no operation
    storage = _load(d / "storage-test-parity.json")
    del storage["operation"]
    _save(d / "storage-test-parity.json", storage)
    # file name: does not match the operation's slug
    (d / "schedule-history-parity.json").rename(d / "schedule-hist-parity.json")
    # one operation claimed twice
    shutil.copy(d / "workflow-signal-parity.json", d / "workflow-signal-copy-parity.json")
    # unreadable content
    (d / "broken-parity.json").write_text('{"schema": ', encoding="utf-8")
    (d / "latin1-parity.json").write_bytes(b'{"operation": "caf\xe9"}')
    return d


def test_the_shipped_corpus_passes(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_validate(capsys=capsys)
    assert code == 0, out
    assert out == ["9 fixture file(s) valid"]
    assert err == ""


def test_the_default_path_is_the_shipped_corpus() -> None:
    assert validate_paths([shipped_corpus_dir()]).files
    assert {path.name for path in validate_paths([shipped_corpus_dir()]).files} == {
        path.name for path in CORPUS.glob("*.json")
    }


def test_every_rule_reports_its_problem_while_the_other_files_are_still_checked(
    broken_corpus: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_validate(broken_corpus, capsys=capsys)
    text = "\n".join(out)
    assert code == 1
    assert "Traceback" not in text + err
    expected: list[tuple[str, str, str]] = [
        # envelope decoded mismatch, at the decoded value, with the inner pointer
        (
            "workflow-start-parity.json",
            "/sdk_python/payload_envelope/decoded",
            'expected the value the blob decodes to: [{"order_id": 42, "priority": "gold"}]; '
            'found [{"order_id": 43, "priority": "gold"}] (first difference at /0/order_id)',
        ),
        # undecodable blob at its own pointer
        (
            "workflow-update-parity.json",
            "/sdk_python/payload_envelope/blob",
            "expected a blob that decodes as a durable_workflow.protocol.Value; found bad_magic:",
        ),
        # sibling envelope mismatch
        (
            "workflow-query-parity.json",
            "/response_body/result",
            "expected the value result_envelope's blob decodes to:",
        ),
        # path ids
        (
            "workflow-cancel-parity.json",
            "/request/path",
            "expected 'wf-other' (semantic_body.workflow_id) after 'workflows/'; found 'wf-polyglot-231'",
        ),
        (
            "namespace-set-storage-driver-parity.json",
            "/request/path",
            "expected 'billing' (semantic_body.namespace) after 'namespaces/'; found 'payments'",
        ),
        # schema
        (
            "storage-test-parity.json",
            "/operation",
            "expected the required key 'operation'; found it is missing",
        ),
        # file name
        (
            "schedule-hist-parity.json",
            "/operation",
            "expected a file named 'schedule-history-parity.json' for operation 'schedule.history'; "
            "found 'schedule-hist-parity.json'",
        ),
        # one operation, two files (both are named)
        (
            "workflow-signal-parity.json",
            "/operation",
            "expected the only file of its directory for operation 'workflow.signal'; "
            "found workflow-signal-copy-parity.json claim(s) it too",
        ),
        (
            "workflow-signal-copy-parity.json",
            "/operation",
            "expected the only file of its directory for operation 'workflow.signal'; "
            "found workflow-signal-parity.json claim(s) it too",
        ),
        (
            "workflow-signal-copy-parity.json",
            "/operation",
            "expected a file named 'workflow-signal-parity.json'",
        ),
        # unreadable files: one clear line each
        ("broken-parity.json", "(file)", "expected valid JSON; found Expecting value at line 1 column 12"),
        ("latin1-parity.json", "(file)", "expected UTF-8 text; found byte 0xe9"),
    ]
    for name, pointer, rest in expected:
        fragment = f"{broken_corpus / name}: {pointer}: {rest}"
        assert any(line.startswith(fragment) for line in out), f"missing: {fragment}\n{text}"
    assert not any("workflow-task-history-parity.json" in line for line in out)
    problem_lines = out[:-1]
    assert len(problem_lines) == 12
    assert out[-1] == "12 problem(s) in 11 of 12 fixture file(s)"


def test_each_broken_file_alone_fails_and_its_neighbours_alone_pass(
    broken_corpus: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run_validate(broken_corpus / "workflow-cancel-parity.json", capsys=capsys)
    assert code == 1 and len(out) == 2
    code, out, _ = run_validate(broken_corpus / "workflow-task-history-parity.json", capsys=capsys)
    assert code == 0 and out == ["1 fixture file(s) valid"]


def test_a_directory_without_fixtures_gets_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run_validate(tmp_path, capsys=capsys)
    assert code == 1
    assert out == [
        f"{tmp_path}: (file): expected at least one *.json fixture; found none",
        "1 problem(s) in 1 of 0 fixture file(s)",
    ]


def test_a_missing_path_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_validate(CORPUS, tmp_path / "absent", capsys=capsys)
    assert code == 2
    assert out == []
    assert err.strip() == f"dw-conformance validate: {tmp_path / 'absent'}: no such file or directory"


def test_files_and_directories_mix_and_duplicates_count_once(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_validate(CORPUS, CORPUS / "workflow-start-parity.json", capsys=capsys)
    assert code == 0 and out == ["9 fixture file(s) valid"]


def test_two_corpora_side_by_side_do_not_clash(corpus_copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_validate(CORPUS, corpus_copy, capsys=capsys)
    assert code == 0 and out == ["18 fixture file(s) valid"]


def test_a_symlink_out_of_the_directory_is_a_problem(corpus_copy: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside.json"
    outside.write_text("{}")
    (corpus_copy / "sneaky-parity.json").symlink_to(outside)
    report = validate_paths([corpus_copy])
    assert [problem.found for problem in report.problems] == [f"a symlink to {outside}"]


def test_a_json_array_is_not_a_fixture(tmp_path: Path) -> None:
    (tmp_path / "list-parity.json").write_text("[1, 2]")
    (problem,) = validate_paths([tmp_path]).problems
    assert problem.expected == "a JSON object (a fixture)" and problem.found == "an array"


def test_blob_problems_are_reported_for_every_kind_of_breakage() -> None:
    good = encode_blob([1])
    document: dict[str, Any] = {
        "sdk_python": {"payload_envelope": {"field": "input", "codec": "avro", "blob": "!!", "decoded": [1]}},
        "sdk_rust": {
            "payload_envelope": {"field": "input", "codec": "avro", "blob": good + "AA==", "decoded": [1]}
        },
        "response_body": {
            "items": [{"codec": "avro", "blob": base64.b64encode(b"\xc3\x01" + bytes(9)).decode()}]
        },
    }
    reasons = {
        problem.pointer: problem.found.split(":")[0] for problem in envelope_problems(document, "f.json")
    }
    assert reasons == {
        "/sdk_python/payload_envelope/blob": "invalid_base64",
        "/sdk_rust/payload_envelope/blob": "trailing_bytes",
        "/response_body/items/0/blob": "unknown_fingerprint",
    }


def test_envelope_checks_keep_long_and_double_apart() -> None:
    document = {
        "sdk_python": {
            "payload_envelope": {"field": "x", "codec": "avro", "blob": encode_blob(1), "decoded": 1.0}
        }
    }
    (problem,) = envelope_problems(document, "f.json")
    assert problem.pointer == "/sdk_python/payload_envelope/decoded"


def test_request_body_envelope_siblings_must_agree() -> None:
    document = {"sdk_python": {"request_body": {"input": [2], "input_envelope": make_envelope([1])}}}
    (problem,) = envelope_problems(document, "f.json")
    assert problem.pointer == "/sdk_python/request_body/input"
    ok = {"sdk_python": {"request_body": {"input": [1], "input_envelope": make_envelope([1])}}}
    assert envelope_problems(ok, "f.json") == []


def test_other_codecs_and_envelopes_without_blob_are_left_alone() -> None:
    document = {
        "sdk_python": {
            "payload_envelope": {"field": "input", "codec": "json", "blob": "e30=", "decoded": {}}
        },
        "sdk_go": {"payload_envelope": {"field": "input", "codec": "avro", "decoded": [1]}},
    }
    assert envelope_problems(document, "f.json") == []


@pytest.mark.parametrize(
    ("path", "semantic", "problems"),
    [
        ("/workflows/wf%201/signal/a%2Fb", {"workflow_id": "wf 1", "signal_name": "a/b"}, 0),
        ("/workflows/wf-1/query/q", {"workflow_id": "wf-1", "query_name": "other"}, 1),
        ("/workflows/wf-1/update/u", {"workflow_id": "wf-2", "update_name": "v"}, 2),
        ("/workflows/wf-1/runs/r-1", {"workflow_id": "wf-1", "run_id": "r-2"}, 1),
        ("/worker/workflow-tasks/poll", {"task_id": "wt-1"}, 0),
        ("/task-queues/orders/build-ids/drain", {"task_queue": "orders", "build_id": "v1"}, 0),
        ("/task-queues/orders/build-ids/v2/drain", {"task_queue": "orders", "build_id": "v1"}, 1),
        ("/worker/workflow-tasks/wt-1/history", {"task_id": "wt-2"}, 1),
        ("/schedules/42/history", {"schedule_id": 42}, 0),
        ("/schedules/s/history", {"schedule_id": True}, 0),
        ("/namespaces/billing", {"namespace": "billing"}, 0),
        ("/namespaces/billing", {"namespace": "other"}, 1),
        ("/workflows", {"workflow_id": "wf-1"}, 0),
        ("/unknown-things/x", {"workflow_id": "wf-1"}, 0),
    ],
)
def test_path_id_rule(path: str, semantic: dict[str, Any], problems: int) -> None:
    document = {"request": {"method": "POST", "path": path}, "semantic_body": semantic}
    found = path_id_problems(document, "f.json")
    assert len(found) == problems, [problem.render() for problem in found]
    assert all(problem.pointer == "/request/path" for problem in found)


def test_usage_error_is_raised_by_the_library_too(tmp_path: Path) -> None:
    with pytest.raises(ValidationUsageError, match="no such file or directory"):
        validate_paths([tmp_path / "absent"])


def test_through_the_real_command_line(broken_corpus: Path) -> None:
    """``python -m conformance validate``: the console entry, in a subprocess."""
    good = subprocess.run(
        [sys.executable, "-m", "conformance", "validate"], capture_output=True, text=True, check=False
    )
    assert good.returncode == 0, good.stderr
    assert good.stdout.strip().endswith("9 fixture file(s) valid")
    bad = subprocess.run(
        [sys.executable, "-m", "conformance", "validate", str(broken_corpus)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert bad.returncode == 1
    assert "Traceback" not in bad.stderr + bad.stdout
    assert bad.stdout.strip().endswith("12 problem(s) in 11 of 12 fixture file(s)")
    missing = subprocess.run(
        [sys.executable, "-m", "conformance", "validate", str(broken_corpus / "nope")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert missing.returncode == 2
    assert "no such file or directory" in missing.stderr
