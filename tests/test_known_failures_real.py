"""Known failures with the real ``dw`` on the 60-file upstream corpus (the issue's "done when").

The real ``dw`` has one real bug on that corpus (``workflow-repair-parity.json``:
PHP sends ``[]`` where the fixture says ``{}``; see ``docs/real-client-verdicts.md``).
Listing it makes the gate pass; anything newly broken still fails it. Skips,
saying why, where ``../shared`` or PHP is missing.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from support.harness_run import Completed, run_command
from support.real_clients import upstream_corpus

KNOWN = (
    "known_failures:\n"
    "  - case: workflow-repair-parity.json::cli\n"
    "    reason: PHP encodes the empty repair options as a JSON list\n"
    "    pointers: [/body]\n"
)


def _run(tmp_path: Path, name: str, corpus: Path, dw: Path, *extra: str) -> Completed:
    known = tmp_path / "known.yaml"
    known.write_text(KNOWN, encoding="utf-8")
    return run_command(
        tmp_path / name,
        "--fixtures",
        str(corpus),
        "--adapter",
        "canonical",
        "--adapter",
        f"cli={dw}",
        "--jobs",
        "2",
        "--known-failures",
        str(known),
        *extra,
        timeout=600,
    )


def test_the_listed_real_bug_passes_the_gate_and_a_new_break_fails_it(
    tmp_path: Path, real_dw_path: Path
) -> None:
    corpus = upstream_corpus()
    listed = _run(tmp_path, "listed", corpus, real_dw_path)
    assert listed.code == 0, listed.stdout[-3000:] + listed.stderr
    document = listed.document
    assert document is not None
    case = listed.cases()["workflow-repair-parity.json::cli"]
    assert case["status"] == "fail" and case["known_failure"]["outcome"] == "known"
    assert document["summary"]["known_failures"] == 1
    assert document["conformance"]["level"] == "full"
    summary = (listed.report_dir / "summary.md").read_text(encoding="utf-8")
    assert "### Known failures" in summary
    assert "workflow-repair-parity.json** \u00d7 cli: known failure (<code>/body</code>)" in summary
    assert (
        "| workflow-repair-parity.json | <code>workflow.repair</code> | ✅ pass | 🔶 known failure |"
        in summary
    )
    assert "KNOWN workflow-repair-parity.json::cli" in listed.stdout

    broken = tmp_path / "corpus"
    shutil.copytree(corpus, broken)
    fixture = broken / "workflow-cancel-parity.json"
    data = json.loads(fixture.read_text(encoding="utf-8"))
    data["cli"]["expected_body"]["reason"] = "a value the CLI does not send"
    fixture.write_text(json.dumps(data, indent=2), encoding="utf-8")
    newly = _run(tmp_path, "broken", broken, real_dw_path)
    assert newly.code == 1, newly.stdout[-3000:]
    cases = newly.cases()
    assert cases["workflow-repair-parity.json::cli"]["known_failure"]["outcome"] == "known"
    assert cases["workflow-cancel-parity.json::cli"]["status"] == "fail"
    assert "known_failure" not in cases["workflow-cancel-parity.json::cli"]
    assert newly.document is not None and newly.document["conformance"]["level"] == "nonconforming"
    summary = (newly.report_dir / "summary.md").read_text(encoding="utf-8")
    assert (
        "### Gating failures" in summary
        and "workflow-cancel-parity.json" in summary.split("### Gating failures")[1].split("###")[0]
    )


def test_strict_known_failures_fails_when_the_listed_case_passes(tmp_path: Path, real_dw_path: Path) -> None:
    """A fixture that expects what the real dw sends: the listed failure is now fixed."""
    corpus = upstream_corpus()
    fixed = tmp_path / "corpus"
    fixed.mkdir()
    data = json.loads((corpus / "workflow-repair-parity.json").read_text(encoding="utf-8"))
    data["cli"]["expected_body"] = []  # what the real dw sends: the listed failure is "fixed"
    (fixed / "workflow-repair-parity.json").write_text(json.dumps(data), encoding="utf-8")
    lenient = _run(tmp_path, "lenient", fixed, real_dw_path, "-k", "repair")
    assert lenient.code == 0, lenient.stdout[-2000:]
    assert lenient.cases()["workflow-repair-parity.json::cli"]["known_failure"]["outcome"] == "fixed"
    assert "FIXED  workflow-repair-parity.json::cli" in lenient.stdout
    strict = _run(tmp_path, "strict", fixed, real_dw_path, "-k", "repair", "--strict-known-failures")
    assert strict.code == 1, strict.stdout[-2000:]
    assert strict.document is not None
    assert "--strict-known-failures" in strict.document["conformance"]["explanation"]


def test_a_bad_known_failures_file_is_a_usage_error(tmp_path: Path) -> None:
    bad = tmp_path / "known.yaml"
    bad.write_text("known_failures:\n  - case: nope\n", encoding="utf-8")
    done = run_command(tmp_path / "reports", "--adapter", "canonical", "--known-failures", str(bad))
    assert done.code == 2
    assert f"{bad}: /known_failures/0/case: expected a case id" in done.stderr
