"""Misbehaving clients: each one is a reported case, the run goes on, nothing survives the run.

One ``dw-conformance run`` (a real subprocess) runs the cancel fixture with
the canonical replay, a fake ``dw`` that hangs, and one ``exec`` client per
misbehaviour of ``support/misbehaving_client.py``, two cases at a time, with
a 3 s time limit and a 100 kB request body cap. Each test below checks one
behaviour in that run's reports; the clients that behave (``canonical``,
``mb-good``) run among the others and must pass, which shows the proxy kept
serving. Every process the run started carries a marker in its environment;
none may be alive once the command returned.

A second, smaller run checks the fake ``dw`` crashing, sending nothing and
sending a body that is not JSON.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from support.harness_run import FAKE_DW, Completed, misbehaving_adapter, run_command

MODES = (
    "good",
    "hang",
    "crash",
    "nothing",
    "garbage-bytes",
    "truncated-body",
    "invalid-json",
    "huge-body",
    "many-connections",
    "linger",
    "flood-output",
)
TIMEOUT = "3"
BODY_CAP = "100000"


@pytest.fixture(scope="module")
def misbehaving_run(tmp_path_factory: pytest.TempPathFactory) -> Completed:
    base = tmp_path_factory.mktemp("misbehaving")
    adapters: list[str] = ["--adapter", "canonical", "--adapter", f"cli={FAKE_DW}"]
    for mode in MODES:
        adapters += ["--adapter", f"exec={misbehaving_adapter(base / 'manifests', mode)}"]
    return run_command(
        base / "reports",
        *adapters,
        "-k", "workflow-cancel",
        "--jobs", "2",
        "--timeout", TIMEOUT,
        "--max-body-bytes", BODY_CAP,
        FAKE_DW_DEFECT="hang",
    )


def case(run: Completed, adapter: str) -> dict[str, Any]:
    return run.cases()[f"workflow-cancel-parity.json::{adapter}"]


def har(run: Completed, entry: dict[str, Any]) -> list[dict[str, Any]]:
    document = json.loads((run.report_dir / entry["har"]).read_text(encoding="utf-8"))
    entries: list[dict[str, Any]] = document["log"]["entries"]
    return entries


def test_the_run_reports_every_case_and_completes(misbehaving_run: Completed) -> None:
    document = misbehaving_run.document
    assert document is not None, misbehaving_run.stderr
    assert document["run"]["complete"] is True and document["run"]["interrupted"] is False
    assert len(document["cases"]) == len(MODES) + 2
    assert misbehaving_run.code == 1  # clients claiming official_sdk failed: nonconforming
    assert "Traceback" not in misbehaving_run.stderr


def test_no_process_of_the_run_survives_it(misbehaving_run: Completed) -> None:
    assert misbehaving_run.left_behind == []


def test_the_clients_that_behave_pass_among_the_others(misbehaving_run: Completed) -> None:
    assert case(misbehaving_run, "canonical")["status"] == "pass"
    assert case(misbehaving_run, "mb-good")["status"] == "pass"


def test_a_hanging_exec_client_is_an_error_with_its_partial_output(misbehaving_run: Completed) -> None:
    hung = case(misbehaving_run, "mb-hang")
    assert hung["status"] == "error"
    assert hung["client"]["status"] == "timeout"
    assert f"did not finish within {TIMEOUT} s" in hung["reason"]
    assert "partial stdout before hanging" in hung["client"]["stdout"]
    assert "partial stderr before hanging" in hung["client"]["stderr"]


def test_a_hanging_dw_is_an_error_with_its_partial_output(misbehaving_run: Completed) -> None:
    hung = case(misbehaving_run, "cli")
    assert hung["status"] == "error"
    assert f"dw did not finish within {TIMEOUT} s" in hung["reason"]
    assert "waiting for the server..." in hung["client"]["stdout"]


def test_a_crashing_client_is_an_error_naming_the_exit_and_the_exception(misbehaving_run: Completed) -> None:
    crashed = case(misbehaving_run, "mb-crash")
    assert crashed["status"] == "error"
    assert "not one JSON document" in crashed["reason"]
    assert "exit code 1" in crashed["reason"]
    assert "RuntimeError: the misbehaving client crashed on purpose" in crashed["reason"]
    assert crashed["client"]["exit_code"] == 1


def test_a_client_that_sends_nothing_fails_on_the_operation_count(misbehaving_run: Completed) -> None:
    silent = case(misbehaving_run, "mb-nothing")
    assert silent["status"] == "fail"
    assert [(d["pointer"], d["kind"]) for d in silent["differences"]] == [("", "operation_count")]
    assert silent["har"] is None  # nothing was recorded


def test_bytes_that_are_not_http_are_a_reported_failure(misbehaving_run: Completed) -> None:
    garbage = case(misbehaving_run, "mb-garbage-bytes")
    assert garbage["status"] == "fail"
    assert [d["kind"] for d in garbage["differences"]] == ["operation_count"]
    assert garbage["client"]["output"]["answer"].startswith("HTTP/1.1 400")  # the proxy answered and went on


def test_a_truncated_body_is_recorded_with_the_error(misbehaving_run: Completed) -> None:
    truncated = case(misbehaving_run, "mb-truncated-body")
    assert truncated["status"] == "fail"
    (entry,) = har(misbehaving_run, truncated)
    assert entry["request"]["method"] == "POST"
    assert entry["_error"]


def test_a_body_that_is_not_json_fails_at_the_body(misbehaving_run: Completed) -> None:
    invalid = case(misbehaving_run, "mb-invalid-json")
    assert invalid["status"] == "fail"
    assert ("/body", "not_json") in [(d["pointer"], d["kind"]) for d in invalid["differences"]]


def test_a_body_over_the_cap_is_refused_with_413_and_not_kept(misbehaving_run: Completed) -> None:
    huge = case(misbehaving_run, "mb-huge-body")
    assert huge["status"] == "fail"
    operation = [entry for entry in har(misbehaving_run, huge) if entry["request"]["method"] == "POST"]
    assert [entry["response"]["status"] for entry in operation] == [413]
    assert operation[0]["_body_truncated"] is True
    assert operation[0]["request"]["postData"]["text"] == ""
    # the client saw the 413, or a broken pipe when the proxy closed while it was still sending
    assert huge["client"]["output"]["status"] in (413, "BrokenPipeError: [Errno 32] Broken pipe")


def test_a_client_with_many_connections_is_judged_on_its_request(misbehaving_run: Completed) -> None:
    assert case(misbehaving_run, "mb-many-connections")["status"] == "pass"


def test_a_connection_kept_open_after_the_client_exits_ends_with_the_case(misbehaving_run: Completed) -> None:
    lingering = case(misbehaving_run, "mb-linger")
    assert lingering["status"] == "pass"
    for other_id, other in misbehaving_run.cases().items():
        if other["har"] and not other_id.endswith("::mb-linger"):
            urls = [entry["request"]["url"] for entry in har(misbehaving_run, other)]
            assert not any("from=lingering" in url for url in urls), other_id


def test_a_client_flooding_its_output_is_cut_and_judged(misbehaving_run: Completed) -> None:
    flood = case(misbehaving_run, "mb-flood-output")
    assert flood["status"] == "error"  # stdout is not one JSON document
    assert "[output cut at 4194304 bytes; " in flood["client"]["stdout"]
    assert len(flood["client"]["stderr"]) < 4_300_000
    assert flood["request"] is not None and flood["differences"] == []  # its request was right


# ---------------------------------------------------------------- the fake dw, run-level


@pytest.mark.parametrize(
    ("defect", "status", "finding", "note"),
    [
        ("crash", "fail", ("", "operation_count"), "the client exited with status 1"),
        ("no-request", "fail", ("", "operation_count"), None),
        ("garbage-json", "fail", ("/body", "not_json"), None),
    ],
)
def test_a_misbehaving_dw_is_a_reported_case_and_the_run_goes_on(
    tmp_path: Path, defect: str, status: str, finding: tuple[str, str], note: str | None
) -> None:
    run = run_command(
        tmp_path / "reports",
        "--adapter", "canonical", "--adapter", f"cli={FAKE_DW}",
        "-k", "workflow-cancel,workflow-start",
        "--timeout", "30",
        FAKE_DW_DEFECT=defect,
    )
    assert run.code == 1, run.stderr
    cases = run.cases()
    names = ("workflow-cancel-parity.json", "workflow-start-parity.json")
    assert [cases[f"{name}::canonical"]["status"] for name in names] == ["pass", "pass"]
    for name in names:
        dw = cases[f"{name}::cli"]
        assert dw["status"] == status
        assert finding in [(d["pointer"], d["kind"]) for d in dw["differences"]]
        if note:
            assert note in dw["response_diagnostics"]
    if defect == "crash":
        stderr = cases["workflow-cancel-parity.json::cli"]["client"]["stderr"]
        assert "RuntimeError: fake dw crashed on purpose" in stderr
    assert run.left_behind == []
