"""The response half of a case (issue 13): what a client did with the server's answer.

Unit tests pin the comparison rules; the end-to-end tests run the real
harness (a subprocess, the real proxy and stub) with client doubles that get
the request right and the answer wrong, and with the real ``dw`` behind a
wrapper that corrupts only what it prints.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from conformance.problems import InputError
from conformance.response.cli_schemas import load_cli_output_schemas
from conformance.response.parity import compare_outputs
from conformance.response.surfaced import compare_surfaced
from support.harness_run import ROOT, Completed, run_command
from support.real_clients import shared_upstream

CLIENT = ROOT / "tests" / "support" / "canonical_exec_client.py"
DEFECT_WRAPPER = ROOT / "tests" / "support" / "dw_output_defect.py"


# ----------------------------------------------------------------------------------- surfaced values
def test_shared_values_are_compared_type_exactly_and_reshaping_is_allowed() -> None:
    answer = {"workflow_id": "wf-1", "run_count": 2, "runs": [{"run_id": "a"}, {"run_id": "b"}]}
    output = {
        "$type": "Runs",
        "workflow_id": "wf-1",
        "run_count": 2.0,
        "extra": None,
        "runs": [{"run_id": "a"}],
    }
    result = compare_surfaced(output, answer)
    assert [(d.pointer, d.kind) for d in result.differences] == [
        ("/output/run_count", "type_changed"),
        ("/output/runs", "changed"),
    ]
    assert result.compared == 3  # workflow_id, run_count, runs/0/run_id


def test_the_output_is_anchored_on_the_member_it_shares_most_with() -> None:
    answer = {"task": {"task_id": "t-1", "attempt": 2}, "protocol_version": "1.0"}
    result = compare_surfaced({"task_id": "t-1", "attempt": 3}, answer)
    assert result.anchor == "/task"
    assert [(d.pointer, d.expected, d.actual) for d in result.differences] == [("/output/attempt", 2, 3)]


def test_nothing_shared_is_nothing_compared() -> None:
    assert compare_surfaced(None, {"a": 1}).compared == 0
    assert compare_surfaced({"b": 1}, {"a": 1}).compared == 0


def test_envelopes_are_compared_by_value() -> None:
    from conformance.avro_codec import make_envelope

    result = compare_surfaced({"result": {"ok": 1}}, {"result": make_envelope({"ok": 1})})
    assert result.differences == [] and result.compared == 1


# ------------------------------------------------------------------------------ output parity
def test_facts_both_clients_surface_must_agree() -> None:
    semantic = {"workflow_id": "wf-1", "outcome": "completed", "only_sdk": 1}
    outputs = {
        "cli": {"workflow_id": "wf-1", "result": {"outcome": "completed"}},
        "python-sdk": {"workflow_id": "wf-1", "outcome": "failed", "only_sdk": 1},
    }
    (finding,) = compare_outputs(semantic, outputs)
    assert (finding.pointer, finding.left_value, finding.right_value) == (
        "/output/outcome",
        "completed",
        "failed",
    )


# ------------------------------------------------------------------------------------ CLI schemas
def cli_manifest() -> Path:
    upstream = shared_upstream()
    if upstream is None:
        pytest.skip("../shared/upstream is absent: the CLI's output schemas come from its snapshot")
    return upstream / "cli" / "schemas" / "output" / "manifest.json"


def test_the_cli_manifest_loads_every_command_schema() -> None:
    schemas = load_cli_output_schemas(cli_manifest())
    assert len(schemas.validators) >= 60
    assert schemas.schema_for("workflow:list") == "schemas/output/workflow-list.schema.json"
    assert schemas.check("no:such-command", {}) is None
    problems = schemas.check("workflow:repair", {"workflow_id": 7})
    assert problems and all(problem.pointer.startswith("/output") for problem in problems)


def test_a_schema_that_does_not_match_its_digest_is_refused(tmp_path: Path) -> None:
    source = cli_manifest()
    copy_root = tmp_path / "cli"
    (copy_root / "schemas" / "output").mkdir(parents=True)
    for path in source.parent.glob("*.json"):
        (copy_root / "schemas" / "output" / path.name).write_bytes(path.read_bytes())
    tampered = copy_root / "schemas" / "output" / "workflow-list.schema.json"
    tampered.write_text(
        tampered.read_text(encoding="utf-8").replace('"object"', '"array"', 1), encoding="utf-8"
    )
    with pytest.raises(InputError) as raised:
        load_cli_output_schemas(copy_root / "schemas" / "output" / "manifest.json")
    pointers = [problem.pointer for problem in raised.value.problems]
    assert "/commands/workflow:list/sha256" in pointers


def test_a_manifest_of_another_kind_is_refused(tmp_path: Path) -> None:
    manifest = tmp_path / "manifest.json"
    manifest.write_text(json.dumps({"schema": "something.else", "commands": {}}), encoding="utf-8")
    with pytest.raises(InputError) as raised:
        load_cli_output_schemas(manifest)
    assert raised.value.problems[0].pointer == "/schema"


# ------------------------------------------------------------------------ end to end, with doubles
def exec_manifest(tmp_path: Path) -> Path:
    path = tmp_path / "client" / "adapter.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        "adapter_protocol: 1\nname: double\nprojection: sdk_double\ntarget: official_sdk\n"
        f"command: [{json.dumps(sys.executable)}, {json.dumps(str(CLIENT))}]\n"
        "client:\n  name: double\n  version: '1'\n",
        encoding="utf-8",
    )
    return path


def run_double(tmp_path: Path, select: str, defect: str, *extra: str) -> Completed:
    """The exec double on the shipped fixtures ``select`` names, with one injected ``defect``."""
    manifest = exec_manifest(tmp_path)
    return run_command(
        tmp_path / "reports",
        "--adapter",
        f"exec={manifest}",
        "-k",
        select,
        *extra,
        CANONICAL_CLIENT_DEFECT=defect,
    )


def test_a_client_that_returns_a_value_the_answer_did_not_hold_fails_on_the_response_side(
    tmp_path: Path,
) -> None:
    done = run_double(tmp_path, "schedule-history", "wrong-output")
    assert done.code == 1, done.stdout + done.stderr
    (case,) = done.cases().values()
    assert case["status"] == "fail" and case["differences"] == []  # the request was right
    response = case["response"]
    assert response["status"] == "fail"
    # the value differs from the answer's, and it is a value nobody gave the client: both at one pointer
    assert {(d["pointer"], d["kind"]) for d in response["differences"]} == {
        (response["differences"][0]["pointer"], "changed"),
        (response["differences"][0]["pointer"], "unexpected"),
    }
    difference = response["differences"][0]
    assert difference["pointer"].startswith("/output/")
    assert difference["actual"].endswith("-not-what-the-server-said")

    assert difference["pointer"] in done.stdout  # on the console, under the case line
    summary = (done.report_dir / "summary.md").read_text(encoding="utf-8")
    assert "response side: fail" in summary


def test_a_refusal_of_the_fixtures_answer_is_the_clients_failure_with_its_own_words(tmp_path: Path) -> None:
    done = run_double(tmp_path, "schedule-history", "refuse")
    (case,) = done.cases().values()
    assert case["status"] == "fail"
    assert case["response"]["status"] == "fail"
    assert case["response"]["answer_source"] == "fixture response_body"
    assert case["response"]["refusal"] == "AnswerRejected: the answer lacks a field I need"
    assert "AnswerRejected: the answer lacks a field I need" in done.stdout


def test_a_refusal_of_the_stubs_invented_answer_is_a_harness_error(tmp_path: Path) -> None:
    # workflow-cancel has no response_body: the stub answers with the profile's default reply
    done = run_double(tmp_path, "workflow-cancel", "refuse")
    (case,) = done.cases().values()
    assert case["status"] == "error"
    assert case["response"]["status"] == "error"
    assert case["reason"].startswith("harness error: the client refused profile default reply")


def test_the_real_dw_printing_a_wrong_field_fails_on_the_response_side(
    tmp_path: Path, real_dw_path: Path
) -> None:
    wrapper = tmp_path / "dw-with-defect"
    wrapper.write_text(
        f"#!/bin/sh\nexec {json.dumps(sys.executable)} {json.dumps(str(DEFECT_WRAPPER))} "
        f'{json.dumps(str(real_dw_path))} "$@"\n',
        encoding="utf-8",
    )
    wrapper.chmod(0o755)
    corpus = cli_manifest().parents[2] / "tests" / "fixtures" / "control-plane"
    done = run_command(
        tmp_path / "reports",
        "--adapter",
        f"cli={wrapper}",
        "--fixtures",
        str(corpus),
        "--cli-output-schemas",
        str(cli_manifest()),
        "-k",
        "schedule-describe",
    )
    (case,) = done.cases().values()
    assert case["differences"] == []  # the real client's request is untouched
    response = case["response"]
    assert case["status"] == "fail" and response["status"] == "fail"
    kinds = {difference["kind"] for difference in response["differences"]}
    assert "schema_violation" in kinds and "type_changed" in kinds
    assert any("schemas/output/" in difference["message"] for difference in response["differences"])
    pointer = response["differences"][0]["pointer"]
    assert pointer.startswith("/output/") and pointer in done.stdout


def test_the_real_dw_output_matches_its_published_schemas(tmp_path: Path, real_dw_path: Path) -> None:
    corpus = cli_manifest().parents[2] / "tests" / "fixtures" / "control-plane"
    done = run_command(
        tmp_path / "reports",
        "--adapter",
        f"cli={real_dw_path}",
        "--fixtures",
        str(corpus),
        "--cli-output-schemas",
        str(cli_manifest()),
        "-k",
        "schedule-,namespace-,worker-",
    )
    cases = done.cases()
    assert len(cases) >= 15
    for case in cases.values():
        assert case["response"]["status"] == "pass", case["rendered"]
        assert any(
            line.startswith("--json output against schemas/output/") for line in case["response"]["asserted"]
        )


def test_a_policy_declares_a_deliberate_response_side_difference(tmp_path: Path) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text(
        "- operation: workflow-task.history\n"
        "  projection: sdk_double\n"
        "  pointers: /output/next_history_page_token\n"
        "  reason: the double decorates the page token on purpose\n",
        encoding="utf-8",
    )
    done = run_double(tmp_path, "workflow-task-history", "wrong-output", "--policy", str(policy))
    assert done.code == 0, done.stdout + done.stderr
    (case,) = done.cases().values()
    assert case["status"] == "pass" and case["response"]["status"] == "pass"
    diagnostics = case["response"]["diagnostic_diff"]
    assert diagnostics and {d["pointer"] for d in diagnostics} == {"/output/next_history_page_token"}
    assert all("policy: the double decorates the page token on purpose" in d["message"] for d in diagnostics)


def test_every_case_carries_a_response_verdict_even_a_skipped_one(tmp_path: Path) -> None:
    import shutil

    from conformance.fixture import shipped_corpus_dir

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in ("storage-test-parity.json", "schedule-history-parity.json"):
        shutil.copy2(shipped_corpus_dir() / name, corpus / name)
    data = json.loads((corpus / "storage-test-parity.json").read_text(encoding="utf-8"))
    del data["cli"]  # the cli adapter cannot express this fixture any more: skipped
    (corpus / "storage-test-parity.json").write_text(json.dumps(data), encoding="utf-8")
    fake_dw = ROOT / "tests" / "support" / "fake_dw.py"
    done = run_command(tmp_path / "reports", "--adapter", f"cli={fake_dw}", "--fixtures", str(corpus))
    cases = done.cases()
    skipped = cases["storage-test-parity.json::cli"]
    assert skipped["status"] == "skipped" and skipped["response"]["status"] == "not_reached"
    judged = cases["schedule-history-parity.json::cli"]
    assert judged["response"]["status"] == "pass", judged["rendered"]


# ------------------------------------------------------------------------------ the self-test
def test_the_selftest_catches_every_response_mutant_of_the_real_dw(
    tmp_path: Path, real_dw_path: Path
) -> None:
    from conformance.cli import main

    corpus = cli_manifest().parents[2] / "tests" / "fixtures" / "control-plane"
    out = tmp_path / "selftest.json"
    args = ["selftest", "--jobs", "2", "--json", str(out), "--adapter", f"cli={real_dw_path}"]
    args += [
        "--fixtures",
        str(corpus),
        "--cli-output-schemas",
        str(cli_manifest()),
        "-k",
        "schedule-,namespace-",
    ]
    assert main(args) == 0
    response = json.loads(out.read_text(encoding="utf-8"))["response"]
    counts = response["counts"]
    assert set(counts) == {"response_value", "response_type", "fact_value", "schema_type", "schema_required"}
    assert all(row["caught"] == row["total"] > 0 for row in counts.values()), counts
    assert response["false_alarms"] == [] and response["missed"] == []


def test_a_response_judge_blind_to_surfaced_values_makes_the_selftest_fail(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from conformance.checks import surfaced_values
    from conformance.cli import main
    from conformance.response.surfaced import SurfacedComparison

    def blind(output: object, answer: object, *, base: str = "/output") -> SurfacedComparison:
        result = compare_surfaced(output, answer, base=base)
        result.differences = []
        return result

    monkeypatch.setattr(surfaced_values, "compare_surfaced", blind)
    out = tmp_path / "selftest.json"
    code = main(
        ["selftest", "--json", str(out), "--adapter", "canonical", "-k", "schedule-history,storage-test"]
    )
    document = json.loads(out.read_text(encoding="utf-8"))
    assert code == 1 and document["passed"] is False
    assert document["response"]["missed"] and document["counts"]["total"]["missed"] == 0


def test_a_value_nobody_gave_the_client_fails_even_under_a_key_the_answer_lacks(tmp_path: Path) -> None:
    """Reshaping may add keys, never values: an invented field is caught, with its pointer."""
    from conformance.capture import CapturedExchange
    from conformance.checks.invented_values import invented_values

    exchange = CapturedExchange(
        case_id="x",
        sequence=1,
        method="GET",
        url="http://127.0.0.1/api/namespaces/billing",
        path="/api/namespaces/billing",
        query_string="",
        request_headers=[("x-namespace", "default")],
        request_body=b"",
    )
    answer = {"name": "billing", "retention_days": 90, "protocol_version": "1.0"}
    output = {"name": "billing", "retention": 90, "created_at": None, "invented_field": 12345, "flag": True}
    found = invented_values(output, answer, exchange, "default")
    assert [(d.pointer, d.actual) for d in found] == [("/output/invented_field", 12345)]
    output["protocol_version"] = "1.0-WRONG"
    assert "/output/protocol_version" in [
        d.pointer for d in invented_values(output, answer, exchange, "default")
    ]
