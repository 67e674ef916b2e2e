"""The GitHub Actions recipes of docs/ci.md work as written.

The steps named ``Conformance: ...`` are run verbatim with bash (as GitHub
runs them: ``bash -eo pipefail``) in a scratch checkout that looks like the
client repository: its fixtures in ``tests/fixtures/control-plane/`` and, for
the CLI repository, the fake ``dw`` where the build step leaves the binary.
The install step is not re-run (the harness is installed in this test's
environment); the test checks it installs this distribution.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from conformance.fixture import shipped_corpus_dir

ROOT = Path(__file__).resolve().parent.parent
CI_DOC = ROOT / "docs" / "ci.md"
FAKE_DW = ROOT / "tests" / "support" / "fake_dw.py"


def _jobs() -> dict[str, dict[str, Any]]:
    blocks = re.findall(r"```yaml\n(.*?)```", CI_DOC.read_text(encoding="utf-8"), flags=re.S)
    jobs: dict[str, dict[str, Any]] = {}
    for heading, block in zip(("cli", "sdk"), blocks, strict=True):
        workflow = yaml.safe_load(block)
        jobs[heading] = workflow["jobs"]["conformance"]
    return jobs


def _step(job: dict[str, Any], name: str) -> dict[str, Any]:
    for step in job["steps"]:
        if step.get("name") == name:
            return step
    raise AssertionError(f"docs/ci.md has no step {name!r}")


def _checkout(tmp_path: Path, *, with_dw: bool) -> Path:
    repo = tmp_path / "repo"
    shutil.copytree(shipped_corpus_dir(), repo / "tests" / "fixtures" / "control-plane")
    if with_dw:
        (repo / "build").mkdir()
        shutil.copy2(FAKE_DW, repo / "build" / "dw")
    return repo


def _run_step(step: dict[str, Any], repo: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def _environment(job: dict[str, Any], tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {
        key: value for key, value in os.environ.items() if not key.startswith(("DW_", "DURABLE_WORKFLOW_"))
    }
    env.update({key: str(value) for key, value in job.get("env", {}).items()})
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["GITHUB_STEP_SUMMARY"] = str(tmp_path / "step-summary.md")
    env.update(extra)
    return env


@pytest.mark.parametrize("repository", ["cli", "sdk"])
def test_install_step_installs_this_distribution(repository: str) -> None:
    job = _jobs()[repository]
    assert job["env"]["DW_CONFORMANCE"].startswith("dw-conformance ")
    assert '"$DW_CONFORMANCE"' in _step(job, "Conformance: install the harness")["run"]
    upload = next(step for step in job["steps"] if step.get("uses", "").startswith("actions/upload-artifact"))
    assert upload["if"] == "always()" and upload["with"]["path"] == "reports/"


def test_cli_recipe_passes_with_a_conforming_dw(tmp_path: Path) -> None:
    job = _jobs()["cli"]
    repo = _checkout(tmp_path, with_dw=True)
    env = _environment(job, tmp_path)
    run = _run_step(_step(job, "Conformance: run"), repo, env)
    assert run.returncode == 0, run.stdout + run.stderr
    document = json.loads((repo / "reports" / "result.json").read_text(encoding="utf-8"))
    assert document["conformance"]["level"] == "full"
    assert {case["adapter"] for case in document["cases"]} == {"cli"}
    assert all(case["status"] == "pass" for case in document["cases"])
    summary = _run_step(_step(job, "Conformance: step summary"), repo, env)
    assert summary.returncode == 0
    assert "dw-conformance" in (tmp_path / "step-summary.md").read_text(encoding="utf-8")


def test_cli_recipe_fails_the_job_when_dw_drifts(tmp_path: Path) -> None:
    job = _jobs()["cli"]
    repo = _checkout(tmp_path, with_dw=True)
    env = _environment(job, tmp_path, FAKE_DW_DEFECT="double-for-long")
    run = _run_step(_step(job, "Conformance: run"), repo, env)
    assert run.returncode == 1, run.stdout + run.stderr
    summary = _run_step(_step(job, "Conformance: step summary"), repo, env)
    assert summary.returncode == 0
    text = (tmp_path / "step-summary.md").read_text(encoding="utf-8")
    assert "nonconforming" in text


def test_cli_recipe_is_red_when_the_binary_is_missing(tmp_path: Path) -> None:
    job = _jobs()["cli"]
    repo = _checkout(tmp_path, with_dw=False)
    run = _run_step(_step(job, "Conformance: run"), repo, _environment(job, tmp_path))
    assert run.returncode == 2
    assert "cli" in run.stderr


def test_sdk_recipe_passes_with_the_installed_sdk(tmp_path: Path) -> None:
    pytest.importorskip("durable_workflow")
    job = _jobs()["sdk"]
    repo = _checkout(tmp_path, with_dw=False)
    env = _environment(job, tmp_path)
    run = _run_step(_step(job, "Conformance: run"), repo, env)
    assert run.returncode == 0, run.stdout + run.stderr
    document = json.loads((repo / "reports" / "result.json").read_text(encoding="utf-8"))
    assert {case["adapter"] for case in document["cases"]} == {"python-sdk", "canonical"}
    assert document["conformance"]["targets"]["official_sdk"] == "pass"
    assert _run_step(_step(job, "Conformance: step summary"), repo, env).returncode == 0
