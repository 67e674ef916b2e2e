"""The real clients accept every answer of the stub on the upstream corpus.

The stub dresses each payload as the v2 server does (``response_contracts``
of the shipped profile). These tests run the 60-file corpus the client
repositories share through the real ``dw`` and the real Python SDK (the
newest PyPI release and the snapshot's HEAD) and assert that no client
refused an answer (``client.status == "client_error"``).

Parameter drift between a fixture and an SDK release (``client.status ==
"drift"``) is the fixture's business, not the stub's: it is allowed and
listed in the failure message of the other checks only.

A control run with the dressing switched off (``response_contracts: null``)
proves the check can fail: the real ``dw`` refuses worker and workflow
answers without their envelopes.

Everything is skipped with the reason when ``../shared`` or PHP is absent
(:mod:`support.real_clients`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from conformance.cli import main
from support.real_clients import upstream_corpus


def run_corpus(tmp_path: Path, adapter: str, *extra: str) -> dict[str, Any]:
    report_dir = tmp_path / "reports"
    main(
        [
            "run",
            "--adapter",
            adapter,
            "--fixtures",
            str(upstream_corpus()),
            "--report-dir",
            str(report_dir),
            "--timeout",
            "60",
            "--no-har",
            "--no-scenarios",  # scenario answers are errors on purpose; these tests are about stub answers
            *extra,
        ]
    )
    result = report_dir / "result.json"
    assert result.is_file(), f"dw-conformance run wrote no {result}"
    document: dict[str, Any] = json.loads(result.read_text(encoding="utf-8"))
    return document


def refusals(document: dict[str, Any]) -> list[str]:
    """One line per case whose client refused the stub's answer, with the client's own words."""
    lines = []
    for case in document["cases"]:
        client = case["client"]
        if client["status"] == "client_error":
            words = client.get("exception") or client.get("stdout") or client.get("stderr") or ""
            lines.append(f"{case['id']}: {' '.join(str(words).split())[:300]}")
    return lines


def operations_run(document: dict[str, Any]) -> int:
    return sum(1 for case in document["cases"] if case["client"]["status"] in {"completed", "drift"})


def corpus_size() -> int:
    return len(list(upstream_corpus().glob("*.json")))


def test_real_dw_accepts_every_stub_answer(real_dw_path: Path, tmp_path: Path) -> None:
    document = run_corpus(tmp_path, f"cli={real_dw_path}")
    assert len(document["cases"]) == corpus_size()
    assert refusals(document) == []
    assert operations_run(document) == corpus_size()


def test_real_dw_refuses_undressed_answers(real_dw_path: Path, tmp_path: Path) -> None:
    """The control: without the response contracts the same run has refusals (so the check can fail)."""
    profile = tmp_path / "undressed.yaml"
    profile.write_text("extends: v2\nname: undressed\nresponse_contracts: null\n", encoding="utf-8")
    document = run_corpus(
        tmp_path,
        f"cli={real_dw_path}",
        "-k",
        "worker-register-parity,workflow-describe-parity",
        "--server-profile",
        str(profile),
    )
    found = refusals(document)
    assert len(document["cases"]) == 2 and len(found) == 2, found
    assert any("protocol_version" in line for line in found)
    assert any("control-plane contract" in line for line in found)


@pytest.mark.parametrize("interpreter", ["sdk_pypi_python", "sdk_head_python"])
def test_real_sdk_accepts_every_stub_answer(
    interpreter: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    python: Path = request.getfixturevalue(interpreter)
    document = run_corpus(tmp_path, f"python-sdk={python}")
    assert len(document["cases"]) == corpus_size()
    assert refusals(document) == []
    drift = [case["id"] for case in document["cases"] if case["client"]["status"] == "drift"]
    assert operations_run(document) == corpus_size(), drift
