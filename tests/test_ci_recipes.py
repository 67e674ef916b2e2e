"""The CI recipes of docs/ci.md and docs/recipes/ work as written, on the real repositories.

The YAML blocks of docs/ci.md are parsed and their steps run with bash, as
GitHub runs them (``bash -eo pipefail``):

- Hermetic tests (no ``../shared`` needed): the recipes' shape (isolation,
  one spelling of the variables, pinning, ``--known-failures`` and
  ``--annotations github``), then the shipped corpus, a fake ``dw`` where the
  build leaves ``$DW_BIN``, the SDK of this environment; they pin the exit
  codes (1 for a drifting client, 2 for a missing binary).
- Snapshot tests: the recipes inside writable copies of the CLI and SDK
  snapshots in ``../shared/upstream``, with the real clients. The harness's
  install step is replaced by an environment built the same way from this
  checkout (``real_clients.harness_environment``); the CLI's ``Build dw``
  step (``scripts/build.sh phar``: composer and a box download, neither
  reachable here) by the same checkout on Debian's PHP; the SDK's install
  step runs as written inside a cached venv of its own.
  What each job gates on comes from one place: the recipes' known-failures
  files in docs/recipes/ (without its file a job is red for exactly the cases
  it lists; with it, green, and they are known failures in every report).
  They skip where ``../shared`` or PHP is missing (and fail in CI when
  ``../shared`` is there but a client cannot be set up).
"""

from __future__ import annotations

import configparser
import html
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
import yaml

from conformance.annotations import github_annotations
from conformance.fixture import shipped_corpus_dir
from conformance.gating import RunGates, case_gate
from conformance.known_failures import PLACEHOLDER_PREFIX, load_known_failures
from conformance.policy import load_policy
from conformance.reporting.common import TIMES
from conformance.scenarios.policy import load_scenario_policy
from support import real_clients

ROOT = Path(__file__).resolve().parent.parent
CI_DOC = ROOT / "docs" / "ci.md"
RECIPES = ROOT / "docs" / "recipes"
STARTER_POLICY = RECIPES / "sdk-python-policy.yaml"
#: The one place saying what each repository's job gates on today (the lead adjusts these files).
KNOWN_FAILURES = {
    "cli": RECIPES / "cli-known-failures.yaml",
    "sdk": RECIPES / "sdk-python-known-failures.yaml",
}
TOX_SNIPPET = RECIPES / "tox-conformance.ini"
FAKE_DW = ROOT / "tests" / "support" / "fake_dw.py"
#: Where the recipes expect the policy and the known-failures file, relative to the repository root.
POLICY_IN_REPOSITORY = ".github/conformance-policy.yaml"
KNOWN_IN_REPOSITORY = ".github/conformance-known-failures.yaml"
INSTALL_STEP = "Conformance: install the harness"
SHA_PIN = re.compile(r"uses:\s*(?P<action>[\w.-]+/[\w.-]+)@(?P<sha>\S+)\s+#\s*(?P<release>\S+)")
#: The SDK's deliberate extras on task polls (the starter policy declares exactly these).
POLL_EXTRAS = {"/body/poll_request_id", "/body/timeout_seconds"}
POLL_FIXTURES = ("query-task-poll-parity.json", "workflow-task-poll-parity.json")
NO_KNOWN_FAILURES = "known_failures: []\n"


# ------------------------------------------------------------------ reading the recipes
def _blocks() -> dict[str, str]:
    text = CI_DOC.read_text(encoding="utf-8")
    blocks = re.findall(r"```yaml\n(.*?)```", text, flags=re.S)
    shard = re.search(r"<!-- shard-matrix-recipe -->\n```yml\n(.*?)```", text, flags=re.S)
    assert shard is not None
    return {**dict(zip(("cli", "sdk"), blocks, strict=True)), "shard": shard.group(1)}


def _jobs() -> dict[str, dict[str, Any]]:
    blocks = _blocks()
    return {name: yaml.safe_load(blocks[name])["jobs"]["conformance"] for name in ("cli", "sdk")}


def _step(job: dict[str, Any], name: str) -> dict[str, Any]:
    steps: list[dict[str, Any]] = job["steps"]
    for step in steps:
        if step.get("name") == name:
            return step
    raise AssertionError(f"docs/ci.md has no step {name!r}")


def _pins(text: str) -> dict[str, tuple[str, str]]:
    """``action -> (sha, release comment)`` for every ``uses:`` line of a workflow text."""
    return {found["action"]: (found["sha"], found["release"]) for found in SHA_PIN.finditer(text)}


def _listed(repository: str) -> set[str]:
    """The case ids the recipe's known-failures file lists: what the job gates on without the file."""
    return {entry.case for entry in load_known_failures(KNOWN_FAILURES[repository]).entries}


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
        timeout=900,
        check=False,
    )


def _environment(
    job: dict[str, Any], tmp_path: Path, *, harness: Path, bin_dir: Path | None = None, **extra: str
) -> dict[str, str]:
    """The job's environment: its ``env``, ``$DW_CONFORMANCE_VENV`` at ``harness``, ``bin_dir`` on PATH."""
    env = {
        key: value for key, value in os.environ.items() if not key.startswith(("DW_", "DURABLE_WORKFLOW_"))
    }
    env.update({key: str(value) for key, value in job.get("env", {}).items()})
    env["DW_CONFORMANCE_VENV"] = str(harness)
    env["PATH"] = f"{bin_dir or Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env.pop("VIRTUAL_ENV", None)
    env["GITHUB_STEP_SUMMARY"] = str(tmp_path / "step-summary.md")
    env.update(extra)
    return env


#: The environment these tests run in: a harness install for the hermetic runs (``$DW_CONFORMANCE_VENV``).
THIS_HARNESS = Path(sys.executable).parent.parent


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


# ------------------------------------------------------------------ what every report says gates
def _section(text: str, start: str, end: str) -> str:
    return text.split(start, 1)[1].split(end, 1)[0] if start in text else ""


def _annotation_titles(stdout: str, kind: str) -> set[str]:
    titles = set()
    for line in stdout.splitlines():
        if line.startswith(f"::{kind} "):
            found = re.search(r"title=([^,:]+)::", line)
            assert found is not None, line
            titles.add(found.group(1).replace("%3A", ":").replace("%2C", ","))
    return titles


def gating_in_every_report(repo: Path, stdout: str) -> dict[str, set[str]]:
    """The case ids each report presents as gating (setting the exit code), report by report."""
    reports = repo / "reports"
    console = _section(stdout, "gating failures (", "\n\n")
    markdown = _section((reports / "summary.md").read_text(encoding="utf-8"), "### Gating failures", "\n###")
    junit = ET.parse(reports / "junit.xml").getroot()
    page = (reports / "index.html").read_text(encoding="utf-8")
    html_list = _section(page, 'id="not-passing">', "</ul>")
    return {
        "console": set(re.findall(r"^  (?:FAIL|ERROR|FIXED)\s+(\S+::\S+)$", console, flags=re.M)),
        "summary.md": {
            f"{fixture}::{adapter}"
            for fixture, adapter in re.findall(rf"^- ❌ \*\*(\S+)\*\* {TIMES} (\S+?):", markdown, flags=re.M)
        },
        "junit.xml": {
            f"{case.get('name')}::{case.get('classname')}"
            for case in junit.iter("testcase")
            if case.find("failure") is not None or case.find("error") is not None
        },
        "index.html": {
            f"{html.unescape(fixture)}::{html.unescape(adapter)}"
            for fixture, adapter in re.findall(rf">([^<>]+) {TIMES} ([^<>]+)</a>", html_list)
        },
        "annotations": _annotation_titles(stdout, "error"),
    }


def known_in_every_report(repo: Path, stdout: str) -> dict[str, set[str]]:
    """The case ids each report presents as known failures."""
    reports = repo / "reports"
    junit = ET.parse(reports / "junit.xml").getroot()
    page = (reports / "index.html").read_text(encoding="utf-8")
    markdown = _section((reports / "summary.md").read_text(encoding="utf-8"), "### Known failures", "\n###")
    return {
        "console": set(re.findall(r"^  KNOWN\s+(\S+::\S+)\n    does not gate: known failure", stdout, re.M)),
        "summary.md": {
            f"{fixture}::{adapter}"
            for fixture, adapter in re.findall(
                rf"^- 🔶 \*\*(\S+)\*\* {TIMES} (\S+?): known failure", markdown, re.M
            )
        },
        "junit.xml": {
            f"{case.get('name')}::{case.get('classname')}"
            for case in junit.iter("testcase")
            if (skipped := case.find("skipped")) is not None
            and (skipped.get("message") or "").startswith("known failure:")
        },
        "index.html": {
            f"{html.unescape(fixture)}::{html.unescape(adapter)}"
            for fixture, adapter in re.findall(
                rf">([^<>]+) {TIMES} ([^<>]+)</a> ", _section(page, 'id="known-failures">', "</ul>")
            )
        },
        "annotations": _annotation_titles(stdout, "notice"),
    }


def _every(found: dict[str, set[str]], expected: set[str]) -> None:
    assert found == {report: expected for report in found}, found


# ------------------------------------------------------------------ hermetic: the recipes' shape
@pytest.mark.parametrize("repository", ["cli", "sdk"])
def test_the_harness_gets_an_environment_of_its_own(repository: str) -> None:
    job = _jobs()[repository]
    assert job["env"]["DW_CONFORMANCE"].startswith(
        "dw-conformance @ git+https://github.com/durable-workflow/dw-conformance@"
    )
    install = _step(job, INSTALL_STEP)["run"].strip().splitlines()
    assert install == [
        'python -m venv "$DW_CONFORMANCE_VENV"',
        '"$DW_CONFORMANCE_VENV/bin/python" -m pip install "$DW_CONFORMANCE"',
        '"$DW_CONFORMANCE_VENV/bin/python" -m pip check',
    ]
    for name in ("Conformance: validate the corpus", "Conformance: run"):
        assert _step(job, name)["run"].lstrip().startswith('"$DW_CONFORMANCE_VENV/bin/dw-conformance" ')
    upload = next(step for step in job["steps"] if step.get("uses", "").startswith("actions/upload-artifact"))
    assert upload["if"] == "always()" and upload["with"]["path"] == "reports/"


def test_the_sdk_runs_under_its_own_interpreter_on_a_checked_stack() -> None:
    job = _jobs()["sdk"]
    names = [step.get("name") for step in job["steps"]]
    # the SDK's environment is checked before the harness comes in (in an environment of its own)
    assert names.index("Install the checked-out SDK") < names.index(
        "Conformance: check the SDK's environment"
    )
    assert names.index("Conformance: check the SDK's environment") < names.index(INSTALL_STEP)
    assert _step(job, "Conformance: check the SDK's environment")["run"].strip() == "python -m pip check"
    run = " ".join(_step(job, "Conformance: run")["run"].split())
    assert '--adapter "python-sdk=$(command -v python)"' in run


@pytest.mark.parametrize("repository", ["cli", "sdk"])
def test_the_main_recipes_adopt_known_failures_and_annotate(repository: str) -> None:
    run = " ".join(_step(_jobs()[repository], "Conformance: run")["run"].split())
    assert f"--known-failures {KNOWN_IN_REPOSITORY}" in run
    assert "--annotations github" in run
    known = load_known_failures(KNOWN_FAILURES[repository])
    for entry in known.entries:  # a shipped file is reviewed: no placeholder reasons
        assert not entry.reason.lower().startswith(PLACEHOLDER_PREFIX), entry


def test_every_variable_has_one_spelling_and_the_pinning_advice_works_today() -> None:
    blocks = _blocks()
    workflows = {name: yaml.safe_load(text) for name, text in blocks.items()}
    defined: dict[str, set[str]] = {}
    for name, workflow in workflows.items():
        env = dict(workflow.get("env") or {})
        for job in workflow["jobs"].values():
            env.update(job.get("env") or {})
        for key, value in env.items():
            defined.setdefault(key, set()).add(str(value))
        used = set(re.findall(r"\$\{?([A-Z][A-Z0-9_]+)", blocks[name]))
        assert used - set(env) <= {"GITHUB_STEP_SUMMARY"}, (name, used - set(env))
    assert {key for key in defined if key.startswith("DW_")} == {
        "DW_CONFORMANCE",
        "DW_CONFORMANCE_VENV",
        "DW_BIN",
    }
    for key, values in defined.items():
        assert len(values) == 1, (key, values)  # the same value wherever it is defined
    text = CI_DOC.read_text(encoding="utf-8")
    assert "git ls-remote https://github.com/durable-workflow/dw-conformance refs/heads/main" in text
    for block in blocks.values():
        assert "# Pin: replace main by a full commit SHA" in block
    tox = configparser.ConfigParser(interpolation=None)
    tox.read(TOX_SNIPPET, encoding="utf-8")
    assert tox["testenv:conformance"]["deps"].strip() == next(iter(defined["DW_CONFORMANCE"]))


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


def test_the_starter_policy_declares_the_sdks_own_retries_and_nothing_for_other_clients() -> None:
    """The SDK's TransportRetryPolicy: 429 and 5xx, 3 attempts in all (its test_retry_policy.py)."""
    (declared,) = load_scenario_policy(STARTER_POLICY).retries
    assert (declared.projection, declared.retries, declared.max_attempts) == ("sdk_python", ("429", "5xx"), 3)
    assert "dropped" not in declared.retries  # SDK 2.12.0 retries a dropped connection, HEAD does not


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


def _write_known_failures(repo: Path, text: str) -> None:
    path = repo / KNOWN_IN_REPOSITORY
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _fake_cli_checkout(tmp_path: Path, job: dict[str, Any], *, with_dw: bool) -> Path:
    repo = tmp_path / "repo"
    shutil.copytree(shipped_corpus_dir(), repo / "tests" / "fixtures" / "control-plane")
    _write_output_manifest(repo)
    _write_known_failures(repo, NO_KNOWN_FAILURES)
    if with_dw:
        binary = repo / job["env"]["DW_BIN"]
        binary.parent.mkdir(parents=True)
        shutil.copy2(FAKE_DW, binary)
    return repo


def test_cli_recipe_passes_with_a_conforming_dw(tmp_path: Path) -> None:
    job = _jobs()["cli"]
    repo = _fake_cli_checkout(tmp_path, job, with_dw=True)
    env = _environment(job, tmp_path, harness=THIS_HARNESS)
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
    assert "::error" not in run.stdout
    summary = _run_step(_step(job, "Conformance: step summary"), repo, env)
    assert summary.returncode == 0
    assert "**Gate: exit 0.**" in (tmp_path / "step-summary.md").read_text(encoding="utf-8")


def test_cli_recipe_fails_the_job_when_dw_drifts(tmp_path: Path) -> None:
    job = _jobs()["cli"]
    repo = _fake_cli_checkout(tmp_path, job, with_dw=True)
    env = _environment(job, tmp_path, harness=THIS_HARNESS, FAKE_DW_DEFECT="double-for-long")
    run = _run_step(_step(job, "Conformance: run"), repo, env)
    assert run.returncode == 1, run.stdout + run.stderr
    # the annotations name the fixture file relative to the repository root, where GitHub can attach them
    assert "::error file=tests/fixtures/control-plane/" in run.stdout
    summary = _run_step(_step(job, "Conformance: step summary"), repo, env)
    assert summary.returncode == 0
    text = (tmp_path / "step-summary.md").read_text(encoding="utf-8")
    assert "nonconforming" in text and "**Gate: exit 1.**" in text


def test_cli_recipe_is_red_when_the_binary_is_missing(tmp_path: Path) -> None:
    job = _jobs()["cli"]
    repo = _fake_cli_checkout(tmp_path, job, with_dw=False)
    run = _run_step(_step(job, "Conformance: run"), repo, _environment(job, tmp_path, harness=THIS_HARNESS))
    assert run.returncode == 2
    assert "cli" in run.stderr


def test_a_placeholder_reason_is_warned_about(tmp_path: Path) -> None:
    job = _jobs()["cli"]
    repo = _fake_cli_checkout(tmp_path, job, with_dw=True)
    _write_known_failures(
        repo,
        "known_failures:\n  - case: workflow-start-parity.json::cli\n    reason: TODO say why\n",
    )
    run = _run_step(_step(job, "Conformance: run"), repo, _environment(job, tmp_path, harness=THIS_HARNESS))
    assert run.returncode == 0, run.stdout + run.stderr
    where = f"{KNOWN_IN_REPOSITORY}: /known_failures/0/reason: expected why workflow-start-parity.json::cli"
    assert f"dw-conformance: warning: {where}" in run.stderr
    assert f"::warning file={KNOWN_IN_REPOSITORY},title=placeholder reason::" in run.stdout


def test_sdk_recipe_passes_on_the_shipped_corpus_with_the_installed_sdk(tmp_path: Path) -> None:
    pytest.importorskip("durable_workflow")
    job = _jobs()["sdk"]
    repo = tmp_path / "repo"
    shutil.copytree(shipped_corpus_dir(), repo / "tests" / "fixtures" / "control-plane")
    (repo / POLICY_IN_REPOSITORY).parent.mkdir(parents=True)
    shutil.copy2(STARTER_POLICY, repo / POLICY_IN_REPOSITORY)
    shutil.copy2(KNOWN_FAILURES["sdk"], repo / KNOWN_IN_REPOSITORY)
    env = _environment(job, tmp_path, harness=THIS_HARNESS)
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
    warned = {f"{scenario}::{adapter}" for scenario, adapter in failing}
    assert _annotation_titles(run.stdout, "warning") == warned
    assert "::error" not in run.stdout
    roles = {entry["role"]: entry for entry in document["run"]["environments"]}
    assert set(roles) == {"harness", "python-sdk"} and roles["python-sdk"]["shared_with_harness"] is False
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


@pytest.fixture(scope="module")
def recipe_harness() -> Path:
    """``$DW_CONFORMANCE_VENV`` as the recipes' install step makes it, with the harness of this checkout."""
    install = _step(_jobs()["cli"], INSTALL_STEP)["run"]
    assert 'python -m venv "$DW_CONFORMANCE_VENV"' in install
    venv = real_clients.harness_environment(real_clients.cache_root())
    checked = subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "check"], capture_output=True, text=True, check=False
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr  # the step's pip check
    return venv


def test_cli_recipe_on_the_cli_snapshot(tmp_path: Path, recipe_harness: Path) -> None:
    """Red for exactly the cases the recipe's known-failures file lists; green with it, in every report."""
    job = _jobs()["cli"]
    listed = _listed("cli")
    assert "workflow-repair-parity.json::cli" in listed
    wrapper = real_clients.real_dw(tmp_path / "build")
    repo = tmp_path / "build" / "dw-cli"  # the writable checkout real_dw runs from
    # Replaces only `scripts/build.sh phar`: the same checkout, started by php, where the PHAR would be.
    binary = repo / job["env"]["DW_BIN"]
    binary.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(wrapper, binary)
    env = _environment(job, tmp_path, harness=recipe_harness)

    # 1. Nothing listed: red, for exactly the listed cases, in every report.
    _write_known_failures(repo, NO_KNOWN_FAILURES)
    assert _run_step(_step(job, "Conformance: validate the corpus"), repo, env).returncode == 0
    run = _run_step(_step(job, "Conformance: run"), repo, env)
    assert run.returncode == 1, run.stdout[-3000:] + run.stderr
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
    _every(gating_in_every_report(repo, run.stdout), listed)
    failing = {case["id"] for case in document["cases"] if case["status"] in ("fail", "error")}
    assert _annotation_titles(run.stdout, "warning") == failing - listed  # the rest: visibly not gating
    assert "::error file=tests/fixtures/control-plane/workflow-repair-parity.json," in run.stdout
    assert _run_step(_step(job, "Conformance: step summary"), repo, env).returncode == 0
    step_summary = (tmp_path / "step-summary.md").read_text(encoding="utf-8")
    assert "**Gate: exit 1.** 1 failure sets the exit code" in step_summary or len(listed) != 1

    # 2. Adoption: known-failures --from writes the listed cases (and any other failure), with TODO reasons.
    written = tmp_path / "from-run.yaml"
    adopt = _bash(
        f'"$DW_CONFORMANCE_VENV/bin/dw-conformance" known-failures --from reports/result.json -o {written}',
        repo,
        env,
    )
    assert adopt.returncode == 0, adopt.stderr
    entries = load_known_failures(written).entries
    assert listed <= {entry.case for entry in entries}
    assert all(entry.reason.lower().startswith(PLACEHOLDER_PREFIX) for entry in entries)
    assert "TODO reason" in adopt.stderr

    # 3. The recipe's file committed: green, and the known failures visible everywhere.
    shutil.copy2(KNOWN_FAILURES["cli"], repo / KNOWN_IN_REPOSITORY)
    run = _run_step(_step(job, "Conformance: run"), repo, env)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr
    assert "dw-conformance: warning" not in run.stderr  # the shipped reasons are written
    _every(gating_in_every_report(repo, run.stdout), set())
    _every(known_in_every_report(repo, run.stdout), listed)
    page = (repo / "reports" / "index.html").read_text(encoding="utf-8")
    assert "Gate: exit 0." in page
    assert _run_step(_step(job, "Conformance: step summary"), repo, env).returncode == 0


@pytest.fixture(scope="module")
def sdk_environment() -> Path:
    """The SDK's own environment, set up by the SDK recipe's install step (``pip install -e .``)."""
    install = _step(_jobs()["sdk"], "Install the checked-out SDK")["run"].strip()
    assert install == real_clients.SDK_CHECKOUT_INSTALL
    return real_clients.checkout_sdk_environment(real_clients.cache_root())


def _sdk_checkout(tmp_path: Path, policy: str | None, known: str = NO_KNOWN_FAILURES) -> Path:
    """A writable copy of the SDK snapshot, ``policy`` and ``known`` (texts) where the recipe reads them."""
    snapshot = real_clients.upstream_sdk()
    repo = real_clients.writable_copy(snapshot, tmp_path / "sdk-python", "build", "*.egg-info")
    if policy is not None:
        (repo / POLICY_IN_REPOSITORY).write_text(policy, encoding="utf-8")
    _write_known_failures(repo, known)
    return repo


def _sdk_corpus_fixtures(repo: Path) -> list[str]:
    return sorted(path.name for path in (repo / "tests" / "fixtures" / "control-plane").glob("*.json"))


def test_sdk_recipe_on_the_sdk_snapshot(tmp_path: Path, sdk_environment: Path, recipe_harness: Path) -> None:
    """Green with the starter policy: pip check clean, the polls policy exceptions, the 429 a warning.

    ``query-task-complete-parity.json::python-sdk`` passes only with the
    harness reading ``sdk_python.request_body`` as the SDK's whole body (its
    ``*_envelope`` keys are sent beside the plain field), issue 12 item 1.
    """
    job = _jobs()["sdk"]
    listed = _listed("sdk")
    known_text = KNOWN_FAILURES["sdk"].read_text(encoding="utf-8")
    repo = _sdk_checkout(tmp_path, STARTER_POLICY.read_text(encoding="utf-8"), known_text)
    env = _environment(job, tmp_path, harness=recipe_harness, bin_dir=sdk_environment.parent)

    checked = _run_step(_step(job, "Conformance: check the SDK's environment"), repo, env)
    assert checked.returncode == 0, checked.stdout + checked.stderr  # pip check is clean for the SDK
    assert _run_step(_step(job, "Conformance: validate the corpus"), repo, env).returncode == 0
    run = _run_step(_step(job, "Conformance: run"), repo, env)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr
    document = _result(repo)
    sdk = next(entry for entry in document["implementations"] if entry["adapter"] == "python-sdk")
    assert sdk["identity"]["version"] == real_clients.sdk_version(sdk_environment)
    assert "editable" in sdk["identity"]["installed"]
    environments = {entry["role"]: entry for entry in document["run"]["environments"]}
    assert environments["python-sdk"]["python"] == str(sdk_environment)
    assert environments["harness"]["python"].startswith(str(recipe_harness))
    assert [(e["pip_check"], e["shared_with_harness"]) for e in environments.values()] == [
        ("clean", False),
        ("clean", False),
    ]
    fixtures = _sdk_corpus_fixtures(repo)
    assert len(fixtures) == 60
    expected = {(fixture, adapter): "pass" for fixture in fixtures for adapter in ("python-sdk", "canonical")}
    assert _statuses(document) == expected
    for fixture in POLL_FIXTURES:
        case = _case(document, fixture, "python-sdk")
        declared = {d["pointer"] for d in case["diagnostic_diff"] if "policy:" in d["message"]}
        assert declared == POLL_EXTRAS, fixture
    cells = REAL_SCENARIO_CELLS["sdk-head"]
    assert _scenario_statuses(document) == _expected_scenarios(document, "python-sdk", cells)
    assert document["conformance"]["level"] == "provisional"

    # what gates: nothing; the polls are policy exceptions, the 429 a warning, the walk a skip
    _every(gating_in_every_report(repo, run.stdout), set())
    failing = {case["id"] for case in document["cases"] if case["status"] in ("fail", "error")}
    assert "rate-limited-429.scenario.yaml::python-sdk" in failing
    assert _annotation_titles(run.stdout, "warning") == failing - listed
    polls = {f"{fixture}::python-sdk" for fixture in POLL_FIXTURES}
    assert _annotation_titles(run.stdout, "notice") == polls | (failing & listed)
    reports = repo / "reports"
    assert "declared policy exceptions (2;" in run.stdout
    markdown = (reports / "summary.md").read_text(encoding="utf-8")
    assert "### Declared policy exceptions" in markdown and "🟡 fail, not gating" in markdown
    assert "workflow-history-walk.scenario.yaml" in _section(markdown, "### Skipped", "\n###")
    junit = ET.parse(reports / "junit.xml").getroot()
    assert (junit.get("failures"), junit.get("errors")) == ("0", "0")
    waived = {
        f"{case.get('name')}::{case.get('classname')}"
        for case in junit.iter("testcase")
        if any(p.get("name") == "dw-conformance.policy" for p in case.iter("property"))
    }
    assert waived == polls
    page = (reports / "index.html").read_text(encoding="utf-8")
    assert 'id="policy-exceptions"' in page and 'data-gate="not_gating"' in page
    assert "official_sdk: fail (not gating)" in page
    # the same annotations whoever asks: the document alone gives them
    assert github_annotations(document, root=repo) == [
        line for line in run.stdout.splitlines() if line.startswith("::")
    ]
    run_gates = RunGates.of(document)
    assert all(case_gate(case, run_gates).kind != "gating" for case in document["cases"])


def test_sdk_recipe_without_the_policy_fails_on_exactly_the_poll_extras(
    tmp_path: Path, sdk_environment: Path, recipe_harness: Path
) -> None:
    job = _jobs()["sdk"]
    repo = _sdk_checkout(tmp_path, "deliberate_differences: []\n")
    env = _environment(job, tmp_path, harness=recipe_harness, bin_dir=sdk_environment.parent)
    run = _run_step(_step(job, "Conformance: run"), repo, env)
    assert run.returncode == 1, run.stdout[-3000:] + run.stderr
    document = _result(repo)
    failed = {key for key, status in _statuses(document).items() if status != "pass"}
    assert failed == {(fixture, "python-sdk") for fixture in POLL_FIXTURES}
    for fixture in POLL_FIXTURES:
        assert _pointers(_case(document, fixture, "python-sdk")) == POLL_EXTRAS
    _every(gating_in_every_report(repo, run.stdout), {f"{fixture}::python-sdk" for fixture in POLL_FIXTURES})


def _tox_lines(section: configparser.SectionProxy, key: str, substitutions: dict[str, str]) -> list[str]:
    lines = []
    for line in section[key].splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        for placeholder, value in substitutions.items():
            line = line.replace(placeholder, value)
        assert "{" not in line, f"{TOX_SNIPPET.name}: a tox substitution this test does not know: {line}"
        lines.append(line)
    return lines


def test_tox_snippet_commands_on_the_sdk_snapshot(
    tmp_path: Path, sdk_environment: Path, recipe_harness: Path
) -> None:
    """The snippet's SDK environment is ``{env_dir}/sdk`` (the recipe's, cached); tox's the harness."""
    repo = _sdk_checkout(tmp_path, STARTER_POLICY.read_text(encoding="utf-8"))
    env_dir = tmp_path / "tox-env"
    env_dir.mkdir()
    (env_dir / "sdk").symlink_to(sdk_environment.parent.parent, target_is_directory=True)
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(TOX_SNIPPET, encoding="utf-8")
    section = parser["testenv:conformance"]
    assert section["skip_install"].strip() == "true"  # the tox environment holds the harness alone
    assert "dw-conformance" in section["deps"]
    substitutions = {
        "{env_dir}": shlex.quote(str(env_dir)),
        "{/}": "/",
        "{tox_root}": shlex.quote(str(repo)),
        "{posargs}": "-k poll",
    }
    sdk_python = f"{env_dir}/sdk/bin/python"
    pre = _tox_lines(section, "commands_pre", substitutions)
    assert pre == [
        f"python -m venv --clear {env_dir}/sdk",  # here the cached environment stands in for these two
        f"{sdk_python} -m pip install --quiet -e {repo}",
        f"{sdk_python} -m pip check",
    ]
    env = _environment({}, tmp_path, harness=recipe_harness, bin_dir=recipe_harness / "bin")
    for command in [pre[-1], *_tox_lines(section, "commands", substitutions)]:
        finished = _bash(command, repo, env)
        assert finished.returncode == 0, command + "\n" + finished.stdout[-3000:] + finished.stderr
    document = _result(repo)
    assert _statuses(document) == {
        (fixture, adapter): "pass" for fixture in POLL_FIXTURES for adapter in ("python-sdk", "canonical")
    }
    for fixture in POLL_FIXTURES:
        case = _case(document, fixture, "python-sdk")
        assert {d["pointer"] for d in case["diagnostic_diff"] if "policy:" in d["message"]} == POLL_EXTRAS
    environments = {entry["role"]: entry for entry in document["run"]["environments"]}
    assert environments["python-sdk"]["python"] == sdk_python
    assert environments["python-sdk"]["pip_check"] == "clean"
