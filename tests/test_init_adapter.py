"""``dw-conformance init-adapter``: the starter adapters, written and then run for real.

The runs over the 60-file upstream corpus rely on the harness judging a
fixture that lacks the adapter's projection key against its canonical
request (exec adapters are not skipped on such fixtures, and the exec request
carries ``canonical_request``). ``test_starter_passes_the_upstream_corpus_unmodified``
asserts exactly that behaviour; ``test_starter_passes_a_corpus_with_its_projection``
holds on any harness version, on a copy of the corpus where each fixture gets
the starter's projection key with the canonical body and query pinned.
"""

from __future__ import annotations

import ast
import copy
import json
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from conformance.adapters.exec_protocol import load_manifest
from conformance.canonical_request import canonical_request
from conformance.expectations import pinned_body
from conformance.fixture import load_fixture, shipped_corpus_dir
from conformance.result import validate_result
from support.harness_run import Completed, run_command
from support.real_clients import upstream_corpus

CONSOLE_SCRIPT = Path(sys.executable).parent / "dw-conformance"
RUNTIMES = {"node": "node", "python": "python3", "go": "go"}


def init_adapter(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(CONSOLE_SCRIPT), "init-adapter", *args], capture_output=True, text=True, timeout=60, check=False
    )


def starter(language: str, directory: Path) -> Path:
    if shutil.which(RUNTIMES[language]) is None:
        pytest.skip(f"{RUNTIMES[language]} is not installed (the {language} starter needs it)")
    completed = init_adapter("--language", language, "--out", str(directory))
    assert completed.returncode == 0, completed.stderr
    return directory / "adapter.yaml"


def run_starter(manifest: Path, fixtures: Path, report_dir: Path, *extra: str) -> Completed:
    return run_command(
        report_dir,
        "--adapter",
        f"exec={manifest}",
        "--fixtures",
        str(fixtures),
        "--no-har",
        *extra,
        timeout=900,
    )


def assert_every_case_passes(completed: Completed, expected_cases: int) -> None:
    cases = completed.cases()
    assert len(cases) == expected_cases
    statuses = {case_id: case["status"] for case_id, case in cases.items()}
    assert set(statuses.values()) == {"pass"}, {k: v for k, v in statuses.items() if v != "pass"}
    assert all(case["expected"] is not None for case in cases.values())  # judged, not skipped
    assert completed.code == 0
    assert completed.left_behind == []


def assert_replayed_everywhere(completed: Completed, expected_cases: int) -> None:
    """An unmodified starter's run: every case marked replayed in every report, and never ``full``."""
    document = completed.document
    assert document is not None
    assert validate_result(document) == []
    assert all(
        case.get("replayed") is True and case["client"]["replayed"] is True for case in document["cases"]
    )
    assert document["summary"]["replayed"] == expected_cases
    assert document["conformance"]["level"] == "replayed", document["conformance"]
    assert (
        f"{expected_cases} cases replayed the fixture's canonical request"
        in document["conformance"]["explanation"]
    )
    console = completed.stdout
    assert (
        console.count("(replayed: the program sent the canonical request, not the client)") == expected_cases
    )
    assert console.count("PASS(r)") == expected_cases
    assert f"({expected_cases} replayed)" in console and "conformance level: replayed (" in console
    summary = (completed.report_dir / "summary.md").read_text(encoding="utf-8")
    assert "🔁 **replayed**" in summary and f"🔁 **Replayed: {expected_cases}**" in summary
    assert summary.count("🔁 replayed") == expected_cases
    junit = ET.parse(completed.report_dir / "junit.xml").getroot()
    marked = [
        case
        for case in junit.iter("testcase")
        if any(p.get("name") == "replayed" and p.get("value") == "true" for p in case.iter("property"))
    ]
    assert len(marked) == expected_cases == len(list(junit.iter("testcase")))
    html = (completed.report_dir / "index.html").read_text(encoding="utf-8")
    assert html.count('data-replayed="true"') == expected_cases
    assert 'id="level">replayed<' in html


@pytest.mark.parametrize("language", ["node", "python", "go"])
def test_starter_passes_the_upstream_corpus_unmodified(language: str, tmp_path: Path) -> None:
    """Depends on the harness judging fixtures without the projection key against their canonical request."""
    corpus = upstream_corpus()
    manifest = starter(language, tmp_path / "adapter")
    completed = run_starter(manifest, corpus, tmp_path / "reports")
    assert_every_case_passes(completed, 60)
    assert_replayed_everywhere(completed, 60)
    bodies = [case for case in completed.cases().values() if (case["expected"] or {}).get("body")]
    assert len(bodies) >= 36  # the bodies were judged, not only the method and path


def projected_corpus(source: Path, target: Path, key: str) -> Path:
    """Copies of the fixtures of ``source``, each with ``key`` pinning its canonical body and query."""
    target.mkdir(parents=True)
    for path in sorted(source.glob("*.json")):
        fixture = load_fixture(path)
        request = canonical_request(fixture)
        projection: dict[str, object] = {}
        body = pinned_body(fixture)
        if body is not None and not fixture.has_request_body:
            projection["expected_body"] = copy.deepcopy(body.value)
            projection["body_match"] = body.mode
        if request.query:
            projection["expected_query"] = {
                name: values[0] if len(values) == 1 else values for name, values in request.query.items()
            }
        data = copy.deepcopy(fixture.data)
        data[key] = projection
        (target / path.name).write_text(json.dumps(data, indent=2), encoding="utf-8")
    return target


@pytest.mark.parametrize("language", ["node", "python"])
def test_starter_passes_a_corpus_with_its_projection(language: str, tmp_path: Path) -> None:
    manifest = starter(language, tmp_path / "adapter")
    key = load_manifest(manifest).projection
    corpus = projected_corpus(shipped_corpus_dir(), tmp_path / "corpus", key)
    completed = run_starter(manifest, corpus, tmp_path / "reports")
    assert_every_case_passes(completed, len(list(corpus.glob("*.json"))))
    assert_replayed_everywhere(completed, len(list(corpus.glob("*.json"))))


def test_replaced_operation_is_what_gets_judged(tmp_path: Path) -> None:
    """A registered operation runs instead of the replay; REPLAY_UNLISTED=False skips the others."""
    manifest = starter("python", tmp_path / "adapter")
    program = manifest.parent / "adapter.py"
    text = program.read_text(encoding="utf-8")
    text = text.replace("REPLAY_UNLISTED = True", "REPLAY_UNLISTED = False")
    text = text.replace(
        '    # "workflow.signal": _example_signal,',
        '    "workflow.signal": lambda ctx: {"sent": "nothing"},  # a client that forgets to send',
    )
    program.write_text(text, encoding="utf-8")
    completed = run_starter(manifest, shipped_corpus_dir(), tmp_path / "reports", "-k", "signal,start")
    cases = completed.cases()
    signal = cases["workflow-signal-parity.json::my-python-client"]
    assert signal["status"] == "fail"
    assert [d["kind"] for d in signal["differences"]] == ["operation_count"]
    assert signal["client"]["output"] == {"sent": "nothing"}
    assert "replayed" not in signal and "replayed" not in signal["client"]  # the client's own answer
    start = cases["workflow-start-parity.json::my-python-client"]
    assert start["status"] == "skipped"
    assert start["reason"] == "workflow.start is not implemented by this client yet"


def test_written_files_and_manifest(tmp_path: Path) -> None:
    completed = init_adapter("--language", "go", "--out", str(tmp_path / "go"), "--name", "acme-go")
    assert completed.returncode == 0, completed.stderr
    assert sorted(path.name for path in (tmp_path / "go").iterdir()) == [
        "README.md",
        "adapter.yaml",
        "go.mod",
        "main.go",
    ]
    manifest = load_manifest(tmp_path / "go" / "adapter.yaml")
    assert (manifest.name, manifest.projection, manifest.command) == ("acme-go", "sdk_go", ("go", "run", "."))
    assert manifest.client.name == "acme-go"
    assert "acme-go" in (tmp_path / "go" / "README.md").read_text(encoding="utf-8")
    python = init_adapter("--language", "python", "--out", str(tmp_path / "py"))
    assert python.returncode == 0, python.stderr
    assert load_manifest(tmp_path / "py").projection == "sdk_py"
    assert (tmp_path / "py" / "adapter.py").stat().st_mode & 0o111


def test_python_starter_uses_only_the_standard_library(tmp_path: Path) -> None:
    completed = init_adapter("--language", "python", "--out", str(tmp_path / "py"))
    assert completed.returncode == 0, completed.stderr
    tree = ast.parse((tmp_path / "py" / "adapter.py").read_text(encoding="utf-8"))
    imported: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            imported.add(node.module.split(".")[0])
    imported -= {"__future__", "my_client"}  # my_client: the commented example of the seam, never imported
    assert imported and imported <= set(sys.stdlib_module_names), imported - set(sys.stdlib_module_names)


def test_refuses_a_non_empty_directory_and_reference_projections(tmp_path: Path) -> None:
    occupied = tmp_path / "occupied"
    occupied.mkdir()
    (occupied / "mine.txt").write_text("keep me", encoding="utf-8")
    refused = init_adapter("--language", "node", "--out", str(occupied))
    assert refused.returncode == 2
    assert "not empty" in refused.stderr and str(occupied) in refused.stderr
    assert [path.name for path in occupied.iterdir()] == ["mine.txt"]

    empty = tmp_path / "empty"
    empty.mkdir()
    assert init_adapter("--language", "node", "--out", str(empty)).returncode == 0

    for key in ("sdk_python", "cli"):
        reference = init_adapter("--language", "python", "--out", str(tmp_path / key), "--projection", key)
        assert reference.returncode == 2 and "reference client" in reference.stderr
        assert not (tmp_path / key).exists()
    bad_name = init_adapter("--language", "node", "--out", str(tmp_path / "n"), "--name", "Bad Name")
    assert bad_name.returncode == 2 and "--name" in bad_name.stderr
