"""The CI recipes of docs/ci.md and docs/recipes/ work as written, on the real repositories.

The YAML blocks of docs/ci.md are parsed and their steps run with bash, as
GitHub runs them (``bash -eo pipefail``):

- Hermetic tests (no ``../shared`` needed): the shipped corpus, a fake ``dw``
  where the build leaves ``$DW_BIN``, the SDK installed in this environment;
  they pin the exit codes (1 for a drifting client, 2 for a missing binary).
- Snapshot tests: the recipes inside writable copies of the CLI and SDK
  snapshots in ``../shared/upstream``, with the real clients. The CLI's
  ``Build dw`` step (``scripts/build.sh phar``: composer and a box download,
  neither reachable here) is the one step replaced, by the same checkout on
  Debian's PHP; the SDK's install step runs as written inside a cached venv,
  with the harness installed from this checkout instead of the git URL.
  They skip where ``../shared`` or PHP is missing (and fail in CI when
  ``../shared`` is there but a client cannot be set up).
"""

from __future__ import annotations

import configparser
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from conformance.fixture import shipped_corpus_dir
from conformance.policy import load_policy
from support import real_clients

ROOT = Path(__file__).resolve().parent.parent
CI_DOC = ROOT / "docs" / "ci.md"
STARTER_POLICY = ROOT / "docs" / "recipes" / "sdk-python-policy.yaml"
TOX_SNIPPET = ROOT / "docs" / "recipes" / "tox-conformance.ini"
FAKE_DW = ROOT / "tests" / "support" / "fake_dw.py"
#: Where the SDK recipe expects its policy, relative to the repository root.
POLICY_IN_REPOSITORY = ".github/conformance-policy.yaml"
SHA_PIN = re.compile(r"uses:\s*(?P<action>[\w.-]+/[\w.-]+)@(?P<sha>\S+)\s+#\s*(?P<release>\S+)")
#: The SDK's deliberate extras on task polls (the starter policy declares exactly these).
POLL_EXTRAS = {"/body/poll_request_id", "/body/timeout_seconds"}
POLL_FIXTURES = ("query-task-poll-parity.json", "workflow-task-poll-parity.json")


# ------------------------------------------------------------------ reading the recipes
def _blocks() -> dict[str, str]:
    blocks = re.findall(r"```yaml\n(.*?)```", CI_DOC.read_text(encoding="utf-8"), flags=re.S)
    return dict(zip(("cli", "sdk"), blocks, strict=True))


def _jobs() -> dict[str, dict[str, Any]]:
    jobs: dict[str, dict[str, Any]] = {}
    for name, block in _blocks().items():
        jobs[name] = yaml.safe_load(block)["jobs"]["conformance"]
    return jobs


def _step(job: dict[str, Any], name: str) -> dict[str, Any]:
    steps: list[dict[str, Any]] = job["steps"]
    for step in steps:
        if step.get("name") == name:
            return step
    raise AssertionError(f"docs/ci.md has no step {name!r}")


def _pins(text: str) -> dict[str, tuple[str, str]]:
    """``action -> (sha, release comment)`` for every ``uses:`` line of a workflow text."""
    return {found["action"]: (found["sha"], found["release"]) for found in SHA_PIN.finditer(text)}


# ------------------------------------------------------------------ running steps
def _run_step(step: dict[str, Any], repo: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return _bash(step["run"], repo, env)


def _bash(script: str, repo: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def _environment(
    job: dict[str, Any], tmp_path: Path, bin_dir: Path | None = None, **extra: str
) -> dict[str, str]:
    env = {
        key: value for key, value in os.environ.items() if not key.startswith(("DW_", "DURABLE_WORKFLOW_"))
    }
    env.update({key: str(value) for key, value in job.get("env", {}).items()})
    env["PATH"] = f"{bin_dir or Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env.pop("VIRTUAL_ENV", None)
    env["GITHUB_STEP_SUMMARY"] = str(tmp_path / "step-summary.md")
    env.update(extra)
    return env


def _result(repo: Path) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((repo / "reports" / "result.json").read_text(encoding="utf-8"))
    return document


def _statuses(document: dict[str, Any]) -> dict[tuple[str, str], str]:
    """The single-request cases' statuses (the recipes also play the shipped scenarios, see below)."""
    cases = [case for case in document["cases"] if "scenario" not in case]
    return {(case["fixture"], case["adapter"]): case["status"] for case in cases}


def _scenario_statuses(document: dict[str, Any]) -> dict[tuple[str, str], str]:
    cases = [case for case in document["cases"] if "scenario" in case]
    return {(case["fixture"], case["adapter"]): case["status"] for case in cases}


#: The scenario cells of the real clients that do not pass (docs/real-client-verdicts.md).
REAL_SCENARIO_CELLS = {
    "cli": {"non-json-body.scenario.yaml": "fail"},
    "sdk-head": {
        "rate-limited-429.scenario.yaml": "fail",
        "unavailable-503.scenario.yaml": "fail",
        "workflow-history-walk.scenario.yaml": "skipped",
    },
}


def _expected_scenarios(
    document: dict[str, Any], adapter: str, cells: dict[str, str]
) -> dict[tuple[str, str], str]:
    names = {name for name, _adapter in _scenario_statuses(document)}
    assert len(names) >= 11, names  # the shipped scenarios ran (the run-history walk needs that fixture)
    return {(name, adapter): cells.get(name, "pass") for name in names}


def _pointers(case: dict[str, Any], key: str = "differences") -> set[str]:
    return {difference["pointer"] for difference in case[key]}


def _case(document: dict[str, Any], fixture: str, adapter: str) -> dict[str, Any]:
    return next(c for c in document["cases"] if (c["fixture"], c["adapter"]) == (fixture, adapter))


# ------------------------------------------------------------------ hermetic: the recipes' shape
@pytest.mark.parametrize("repository", ["cli", "sdk"])
def test_install_step_installs_this_distribution(repository: str) -> None:
    job = _jobs()[repository]
    assert job["env"]["DW_CONFORMANCE"].startswith("dw-conformance ")
    assert '"$DW_CONFORMANCE"' in _step(job, "Conformance: install the harness")["run"]
    upload = next(step for step in job["steps"] if step.get("uses", "").startswith("actions/upload-artifact"))
    assert upload["if"] == "always()" and upload["with"]["path"] == "reports/"


@pytest.mark.parametrize("repository", ["cli", "sdk"])
def test_every_action_is_pinned_by_a_full_commit_sha(repository: str) -> None:
    job = _jobs()[repository]
    used = [step["uses"] for step in job["steps"] if "uses" in step]
    pins = _pins(_blocks()[repository])
    assert used and len(pins) == len(used)
    for action, (sha, release) in pins.items():
        assert re.fullmatch(r"[0-9a-f]{40}", sha), (action, sha)
        assert re.fullmatch(r"v\d+", release), (action, release)


def test_the_starter_policy_declares_only_the_sdk_poll_fields() -> None:
    policy = load_policy(STARTER_POLICY)
    assert {entry.operation for entry in policy.entries} == {"workflow-task.poll", "query-task.poll"}
    for entry in policy.entries:
        assert entry.projection == "sdk_python"
        assert set(entry.pointers) == POLL_EXTRAS
        assert "poll_request_id" in entry.reason and "timeout_seconds" in entry.reason
    run = " ".join(_step(_jobs()["sdk"], "Conformance: run")["run"].split())
    assert f"--policy {POLICY_IN_REPOSITORY}" in run


# ------------------------------------------------------------------ hermetic: exit codes with a fake dw
def _write_output_manifest(repo: Path) -> None:
    """A small output-schema manifest in the format of the CLI's, for the fake checkout."""
    schemas = repo / "schemas" / "output"
    schemas.mkdir(parents=True)
    schema = {"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object"}
    (schemas / "object.schema.json").write_text(json.dumps(schema), encoding="utf-8")
    manifest = {
        "schema": "durable-workflow.cli.output-schema-manifest",
        "version": 3,
        "commands": {"schedule:history": {"output": "--json", "schema": "schemas/output/object.schema.json"}},
    }
    (schemas / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")


def _fake_cli_checkout(tmp_path: Path, job: dict[str, Any], *, with_dw: bool) -> Path:
    repo = tmp_path / "repo"
    shutil.copytree(shipped_corpus_dir(), repo / "tests" / "fixtures" / "control-plane")
    _write_output_manifest(repo)
    if with_dw:
        binary = repo / job["env"]["DW_BIN"]
        binary.parent.mkdir(parents=True)
        shutil.copy2(FAKE_DW, binary)
    return repo


def test_cli_recipe_passes_with_a_conforming_dw(tmp_path: Path) -> None:
    job = _jobs()["cli"]
    repo = _fake_cli_checkout(tmp_path, job, with_dw=True)
    env = _environment(job, tmp_path)
    assert _run_step(_step(job, "Conformance: validate the corpus"), repo, env).returncode == 0
    run = _run_step(_step(job, "Conformance: run"), repo, env)
    assert run.returncode == 0, run.stdout + run.stderr
    document = _result(repo)
    assert {case["adapter"] for case in document["cases"]} == {"cli"}
    assert set(_statuses(document).values()) == {"pass"}
    # the scenarios ran too: the fake walks and reports errors like dw (Retry-After: provisional at worst)
    assert _scenario_statuses(document)
    scenarios_pass = set(_scenario_statuses(document).values()) == {"pass"}
    assert document["conformance"]["level"] == ("full" if scenarios_pass else "provisional")
    summary = _run_step(_step(job, "Conformance: step summary"), repo, env)
    assert summary.returncode == 0
    assert "dw-conformance" in (tmp_path / "step-summary.md").read_text(encoding="utf-8")


def test_cli_recipe_fails_the_job_when_dw_drifts(tmp_path: Path) -> None:
    job = _jobs()["cli"]
    repo = _fake_cli_checkout(tmp_path, job, with_dw=True)
    env = _environment(job, tmp_path, FAKE_DW_DEFECT="double-for-long")
    run = _run_step(_step(job, "Conformance: run"), repo, env)
    assert run.returncode == 1, run.stdout + run.stderr
    summary = _run_step(_step(job, "Conformance: step summary"), repo, env)
    assert summary.returncode == 0
    assert "nonconforming" in (tmp_path / "step-summary.md").read_text(encoding="utf-8")


def test_cli_recipe_is_red_when_the_binary_is_missing(tmp_path: Path) -> None:
    job = _jobs()["cli"]
    repo = _fake_cli_checkout(tmp_path, job, with_dw=False)
    run = _run_step(_step(job, "Conformance: run"), repo, _environment(job, tmp_path))
    assert run.returncode == 2
    assert "cli" in run.stderr


def test_sdk_recipe_passes_on_the_shipped_corpus_with_the_installed_sdk(tmp_path: Path) -> None:
    pytest.importorskip("durable_workflow")
    job = _jobs()["sdk"]
    repo = tmp_path / "repo"
    shutil.copytree(shipped_corpus_dir(), repo / "tests" / "fixtures" / "control-plane")
    (repo / POLICY_IN_REPOSITORY).parent.mkdir(parents=True)
    shutil.copy2(STARTER_POLICY, repo / POLICY_IN_REPOSITORY)
    env = _environment(job, tmp_path)
    run = _run_step(_step(job, "Conformance: run"), repo, env)
    assert run.returncode == 0, run.stdout + run.stderr
    document = _result(repo)
    assert {case["adapter"] for case in document["cases"]} == {"python-sdk", "canonical"}
    assert set(_statuses(document).values()) == {"pass"}
    # SDK 2.12.0 retries a 429 and a 503 before their Retry-After: provisional scenario failures (the
    # server never sends the header), the gate stays green
    failing = {key for key, status in _scenario_statuses(document).items() if status != "pass"}
    assert failing == {
        ("rate-limited-429.scenario.yaml", "python-sdk"),
        ("unavailable-503.scenario.yaml", "python-sdk"),
    }
    assert document["conformance"]["level"] == "provisional"
    assert _run_step(_step(job, "Conformance: step summary"), repo, env).returncode == 0


# ------------------------------------------------------------------ the real repositories
@pytest.mark.parametrize(("repository", "folder"), [("cli", "cli"), ("sdk", "sdk-python")])
def test_action_pins_are_the_ones_the_repository_uses(repository: str, folder: str) -> None:
    workflows = real_clients.upstream_cli().parent / folder / ".github" / "workflows"
    theirs: dict[str, set[tuple[str, str]]] = {}
    for workflow in sorted(workflows.glob("*.yml")):
        for found in SHA_PIN.finditer(workflow.read_text(encoding="utf-8")):
            theirs.setdefault(found["action"], set()).add((found["sha"], found["release"]))
    for action, pin in _pins(_blocks()[repository]).items():
        assert action in theirs, f"{folder}'s workflows do not use {action}"
        assert pin in theirs[action], (action, pin, theirs[action])


def test_cli_build_step_is_the_repositorys_phar_build() -> None:
    job = _jobs()["cli"]
    checkout = real_clients.upstream_cli()
    build = _step(job, "Build dw")["run"].strip()
    assert build == "scripts/build.sh phar"
    script = (checkout / "scripts" / "build.sh").read_text(encoding="utf-8")
    assert re.search(r"^\s*phar\)\s*build_phar", script, flags=re.M)
    box = json.loads((checkout / "box.json.dist").read_text(encoding="utf-8"))
    assert box["output"] == job["env"]["DW_BIN"]
    composer = json.loads((checkout / "composer.json").read_text(encoding="utf-8"))
    assert "build" not in composer.get("scripts", {}), "the CLI now has a composer build script: use it?"


def test_cli_recipe_on_the_cli_snapshot(tmp_path: Path) -> None:
    """The CLI's gate on its own corpus is red on exactly its real bug: workflow:repair sends ``[]``."""
    job = _jobs()["cli"]
    wrapper = real_clients.real_dw(tmp_path / "build")
    repo = tmp_path / "build" / "dw-cli"  # the writable checkout real_dw runs from
    # Replaces only `scripts/build.sh phar`: the same checkout, started by php, where the PHAR would be.
    binary = repo / job["env"]["DW_BIN"]
    binary.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(wrapper, binary)
    env = _environment(job, tmp_path)

    assert _run_step(_step(job, "Conformance: validate the corpus"), repo, env).returncode == 0
    run = _run_step(_step(job, "Conformance: run"), repo, env)
    assert run.returncode == 1, run.stdout + run.stderr
    document = _result(repo)
    assert [entry["identity"]["version"] for entry in document["implementations"]] == ["2.0.0-rc.35"]
    fixtures = sorted(path.name for path in (repo / "tests" / "fixtures" / "control-plane").glob("*.json"))
    assert len(fixtures) == 60
    expected = {(fixture, "cli"): "pass" for fixture in fixtures}
    expected[("workflow-repair-parity.json", "cli")] = "fail"
    assert _statuses(document) == expected
    assert _scenario_statuses(document) == _expected_scenarios(document, "cli", REAL_SCENARIO_CELLS["cli"])
    repair = _case(document, "workflow-repair-parity.json", "cli")
    assert [(d["pointer"], d["expected"], d["actual"]) for d in repair["differences"]] == [("/body", {}, [])]
    assert re.search(r"FAIL\s+workflow-repair-parity\.json::cli", run.stdout)
    assert re.search(r"/body: .*\{\}.*\[\]", run.stdout), run.stdout
    assert document["conformance"]["level"] == "nonconforming"
    assert _run_step(_step(job, "Conformance: step summary"), repo, env).returncode == 0
    assert "workflow-repair-parity.json" in (tmp_path / "step-summary.md").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def sdk_recipe_python() -> Path:
    """A venv set up by the SDK recipe's install steps (``pip install -e .`` in the checkout, the harness)."""
    install = _step(_jobs()["sdk"], "Install the checked-out SDK")["run"].strip()
    assert install == real_clients.SDK_CHECKOUT_INSTALL
    return real_clients.harness_with_checkout_sdk(real_clients.cache_root())


def _sdk_checkout(tmp_path: Path, policy: str | None) -> Path:
    """A writable copy of the SDK snapshot, with ``policy`` (text) at the recipe's policy path."""
    snapshot = real_clients.upstream_sdk()
    repo = real_clients.writable_copy(snapshot, tmp_path / "sdk-python", "build", "*.egg-info")
    if policy is not None:
        (repo / POLICY_IN_REPOSITORY).write_text(policy, encoding="utf-8")
    return repo


def _sdk_corpus_fixtures(repo: Path) -> list[str]:
    return sorted(path.name for path in (repo / "tests" / "fixtures" / "control-plane").glob("*.json"))


def test_sdk_recipe_on_the_sdk_snapshot(tmp_path: Path, sdk_recipe_python: Path) -> None:
    """Green with the starter policy: both adapters pass all 60 fixtures, the polls with diagnostics.

    ``query-task-complete-parity.json::python-sdk`` passes only with the
    harness reading ``sdk_python.request_body`` as the SDK's whole body (its
    ``*_envelope`` keys are sent beside the plain field), issue 12 item 1.
    """
    job = _jobs()["sdk"]
    repo = _sdk_checkout(tmp_path, STARTER_POLICY.read_text(encoding="utf-8"))
    env = _environment(job, tmp_path, bin_dir=sdk_recipe_python.parent)

    assert _run_step(_step(job, "Conformance: validate the corpus"), repo, env).returncode == 0
    run = _run_step(_step(job, "Conformance: run"), repo, env)
    assert run.returncode == 0, run.stdout + run.stderr
    document = _result(repo)
    sdk = next(entry for entry in document["implementations"] if entry["adapter"] == "python-sdk")
    assert sdk["identity"]["version"] == real_clients.sdk_version(sdk_recipe_python)
    assert "editable" in sdk["identity"]["installed"]
    fixtures = _sdk_corpus_fixtures(repo)
    assert len(fixtures) == 60
    expected = {(fixture, adapter): "pass" for fixture in fixtures for adapter in ("python-sdk", "canonical")}
    assert _statuses(document) == expected
    for fixture in POLL_FIXTURES:
        case = _case(document, fixture, "python-sdk")
        declared = {d["pointer"] for d in case["diagnostic_diff"] if "policy:" in d["message"]}
        assert declared == POLL_EXTRAS, fixture
    # the SDK's scenario findings (Retry-After, HEAD's run-history walk) are provisional: the gate stays green
    cells = REAL_SCENARIO_CELLS["sdk-head"]
    assert _scenario_statuses(document) == _expected_scenarios(document, "python-sdk", cells)
    assert document["conformance"]["level"] == "provisional"


def test_sdk_recipe_without_the_policy_fails_on_exactly_the_poll_extras(
    tmp_path: Path, sdk_recipe_python: Path
) -> None:
    job = _jobs()["sdk"]
    repo = _sdk_checkout(tmp_path, "deliberate_differences: []\n")
    env = _environment(job, tmp_path, bin_dir=sdk_recipe_python.parent)
    run = _run_step(_step(job, "Conformance: run"), repo, env)
    assert run.returncode == 1, run.stdout + run.stderr
    document = _result(repo)
    failed = {key for key, status in _statuses(document).items() if status != "pass"}
    assert failed == {(fixture, "python-sdk") for fixture in POLL_FIXTURES}
    for fixture in POLL_FIXTURES:
        assert _pointers(_case(document, fixture, "python-sdk")) == POLL_EXTRAS


def _tox_commands(repo: Path, posargs: str) -> list[str]:
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(TOX_SNIPPET, encoding="utf-8")
    section = parser["testenv:conformance"]
    assert "dw-conformance" in section["deps"]
    lines = [line.strip() for line in section["commands"].splitlines() if line.strip()]
    substituted = []
    for line in lines:
        line = line.replace("{tox_root}", shlex.quote(str(repo))).replace("{posargs}", posargs)
        assert "{" not in line, f"{TOX_SNIPPET.name}: a tox substitution this test does not know: {line}"
        substituted.append(line)
    return substituted


def test_tox_snippet_commands_on_the_sdk_snapshot(tmp_path: Path, sdk_recipe_python: Path) -> None:
    repo = _sdk_checkout(tmp_path, STARTER_POLICY.read_text(encoding="utf-8"))
    env = _environment({}, tmp_path, bin_dir=sdk_recipe_python.parent)
    commands = _tox_commands(repo, "-k poll")
    assert [command.split()[:2] for command in commands] == [
        ["dw-conformance", "validate"], ["dw-conformance", "run"]
    ]
    for command in commands:
        finished = _bash(command, repo, env)
        assert finished.returncode == 0, command + "\n" + finished.stdout + finished.stderr
    document = _result(repo)
    assert _statuses(document) == {
        (fixture, adapter): "pass" for fixture in POLL_FIXTURES for adapter in ("python-sdk", "canonical")
    }
    for fixture in POLL_FIXTURES:
        case = _case(document, fixture, "python-sdk")
        assert {d["pointer"] for d in case["diagnostic_diff"] if "policy:" in d["message"]} == POLL_EXTRAS
