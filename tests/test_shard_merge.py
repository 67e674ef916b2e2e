"""``--shard I/N`` and ``dw-conformance merge``: the shards of a run give the unsharded run's document.

Real subprocesses throughout: the canonical replay, the real Python SDK and
the test suite's fake ``dw`` with an injected defect (so the level, the
failures and the parity findings are not trivial), on the shipped corpus.
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
from hypothesis import given
from hypothesis import strategies as st

from conformance.fixture import shipped_corpus_dir
from conformance.sharding import Shard, parse_shard, shard_fixtures
from support.harness_run import CONSOLE_SCRIPT, FAKE_DW, ROOT, Completed, clean_environment, run_command

ADAPTERS = ("--adapter", "canonical", "--adapter", "python-sdk", "--adapter", f"cli={FAKE_DW}")
DEFECT = {"FAKE_DW_DEFECT": "double-for-long"}


def comparable(document: dict[str, Any]) -> dict[str, Any]:
    """Everything but ``run`` and the per-case timings (which no two runs share)."""
    document = json.loads(json.dumps(document))
    document.pop("run")
    for case in document["cases"]:
        case["duration_seconds"] = 0
        if case["client"] is not None:
            case["client"]["duration_seconds"] = 0
        if "scenario" in case:  # measured delays are durations too (see test_determinism)
            for request in case["scenario"]["requests"]:
                request["delay_seconds"] = 0
            case["scenario"]["retry"]["delays_seconds"] = []
    return document


def summary_without_run_line(path: Path) -> str:
    return "\n".join(
        line for line in path.read_text(encoding="utf-8").splitlines() if not line.startswith("Run: ")
    )


def merge(report_dir: Path, *results: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(CONSOLE_SCRIPT), "merge", *map(str, results), "--report-dir", str(report_dir)],
        capture_output=True,
        text=True,
        check=False,
        env=clean_environment(),
        timeout=120,
    )


# ------------------------------------------------------------------ the split
def test_parse_shard() -> None:
    assert parse_shard("2/4") == Shard(2, 4) and str(Shard(2, 4)) == "2/4"
    for bad in ("0/2", "3/2", "1/0", "a/b", "1", "1/2/3"):
        with pytest.raises(Exception, match="expected"):
            parse_shard(bad)


@given(st.sets(st.from_regex(r"[a-z]{1,8}\.json", fullmatch=True), max_size=40), st.integers(1, 7))
def test_shards_are_disjoint_cover_everything_and_are_balanced(names: set[str], count: int) -> None:
    shares = [shard_fixtures(names, Shard(index, count)) for index in range(1, count + 1)]
    assert sorted(name for share in shares for name in share) == sorted(names)
    sizes = [len(share) for share in shares]
    assert max(sizes) - min(sizes) <= 1
    # deterministic whatever order the names come in
    assert shares == [
        shard_fixtures(sorted(names, reverse=True), Shard(i, count)) for i in range(1, count + 1)
    ]


# ------------------------------------------------------------------ shards and merge, end to end
@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Completed]:
    base = tmp_path_factory.mktemp("shards")
    # with the scenarios, as a default run has them: a scenario's cases travel together like a fixture's
    done = {"full": run_command(base / "full", *ADAPTERS, "--jobs", "2", scenarios=True, **DEFECT)}
    for shard in ("1/2", "2/2"):
        done[shard] = run_command(
            base / shard.replace("/", "-"),
            *ADAPTERS,
            "--jobs",
            "2",
            "--shard",
            shard,
            scenarios=True,
            **DEFECT,
        )
    return done


def test_two_shards_merged_equal_the_unsharded_run(runs: dict[str, Completed], tmp_path: Path) -> None:
    full = runs["full"].document
    assert full is not None and full["conformance"]["level"] == "partial"
    one, two = runs["1/2"].document, runs["2/2"].document
    assert one is not None and two is not None
    assert one["run"]["shard"]["fixtures"] and two["run"]["shard"]["fixtures"]
    assert not set(one["run"]["shard"]["fixtures"]) & set(two["run"]["shard"]["fixtures"])
    scenario_cases = [case for case in full["cases"] if "scenario" in case]
    assert len(full["cases"]) - len(scenario_cases) == 27  # 9 fixtures x 3 adapters
    assert len(scenario_cases) == 12 * 2  # the applicable scenarios x the two real clients
    assert len(one["cases"]) + len(two["cases"]) == len(full["cases"])
    subjects = len(one["run"]["shard"]["fixtures"])
    line = f"shard 1/2: {subjects} fixture(s) and scenario(s), {len(one['cases'])} case(s)"
    assert line in runs["1/2"].stdout

    merged_dir = tmp_path / "merged"
    done = merge(merged_dir, runs["2/2"].report_dir / "result.json", runs["1/2"].report_dir / "result.json")
    assert done.returncode == 0, done.stderr
    merged = json.loads((merged_dir / "result.json").read_text(encoding="utf-8"))
    assert comparable(merged) == comparable(full)  # cases, parity, summary, level, everything but run
    assert [entry["fixture"] for entry in merged["parity"]] == [entry["fixture"] for entry in full["parity"]]
    assert merged["run"]["complete"] is True and "shard" not in merged["run"]
    assert [item["shard"] for item in merged["run"]["merged_from"]] == ["2/2", "1/2"]
    assert summary_without_run_line(merged_dir / "summary.md") == summary_without_run_line(
        runs["full"].report_dir / "summary.md"
    )
    for case in merged["cases"]:
        if case["har"]:
            assert (merged_dir / case["har"]).is_file(), case["har"]
    assert "conformance level: partial" in done.stdout


def test_merge_refuses_overlapping_and_missing_shards(runs: dict[str, Completed], tmp_path: Path) -> None:
    one = runs["1/2"].report_dir / "result.json"
    copy = tmp_path / "again" / "result.json"
    copy.parent.mkdir()
    shutil.copyfile(one, copy)
    overlapping = merge(tmp_path / "m1", one, copy)
    assert overlapping.returncode == 2
    assert f"{one} and {copy} overlap: both are shard 1/2" in overlapping.stderr
    missing = merge(tmp_path / "m2", one)
    assert missing.returncode == 2 and "shard(s) 2/2 missing" in missing.stderr
    with_full = merge(tmp_path / "m3", one, runs["full"].report_dir / "result.json")
    assert with_full.returncode == 2 and "is not a shard result" in with_full.stderr


def test_merge_refuses_results_of_different_corpora(runs: dict[str, Completed], tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(shipped_corpus_dir(), corpus)
    fixture = corpus / "workflow-cancel-parity.json"
    data = json.loads(fixture.read_text(encoding="utf-8"))
    data["description"] = "the same operation, described differently"
    fixture.write_text(json.dumps(data), encoding="utf-8")
    other = run_command(tmp_path / "other", *ADAPTERS, "--fixtures", str(corpus), "--shard", "2/2", **DEFECT)
    assert other.document is not None
    done = merge(
        tmp_path / "merged", runs["1/2"].report_dir / "result.json", other.report_dir / "result.json"
    )
    assert done.returncode == 2
    assert (
        "are results of different corpora" in done.stderr
        and "merge only the shards of one run" in done.stderr
    )
    assert not (tmp_path / "merged" / "result.json").exists()


def test_merge_refuses_a_file_that_is_not_a_result(tmp_path: Path) -> None:
    bad = tmp_path / "result.json"
    bad.write_text("{not json", encoding="utf-8")
    done = merge(tmp_path / "out", bad)
    assert done.returncode == 2 and f"{bad}: expected JSON" in done.stderr


# ------------------------------------------------------------------ the documented recipe
def _recipe() -> dict[str, Any]:
    text = (ROOT / "docs" / "ci.md").read_text(encoding="utf-8")
    block = re.search(r"<!-- shard-matrix-recipe -->\n```yml\n(.*?)```", text, flags=re.S)
    assert block is not None, "docs/ci.md lost its shard-matrix recipe"
    workflow: dict[str, Any] = yaml.safe_load(block.group(1))
    return workflow


def _step(job: dict[str, Any], name: str) -> str:
    return str(next(step["run"] for step in job["steps"] if step.get("name") == name))


def _bash(script: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-eo", "pipefail", "-c", script],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_the_documented_matrix_recipe_runs_and_merges_to_the_unsharded_result(tmp_path: Path) -> None:
    workflow = _recipe()
    shard_job, merge_job = workflow["jobs"]["conformance-shard"], workflow["jobs"]["conformance"]
    assert merge_job["needs"] == "conformance-shard"
    for job in (shard_job, merge_job):  # every action pinned by a full commit SHA
        for step in job["steps"]:
            if "uses" in step:
                assert re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", step["uses"]), step["uses"]
    matrix = shard_job["strategy"]["matrix"]["shard"]
    assert _step(shard_job, "Build dw") == "scripts/build.sh phar"
    # a checkout of the CLI repository: its corpus, and build/dw.phar where the build leaves it
    checkout = tmp_path / "cli"
    shutil.copytree(shipped_corpus_dir(), checkout / "tests" / "fixtures" / "control-plane")
    (checkout / "build").mkdir()
    phar = checkout / "build" / "dw.phar"
    phar.write_text(f'#!/bin/sh\nexec {sys.executable} {FAKE_DW} "$@"\n', encoding="utf-8")
    phar.chmod(0o755)
    env = clean_environment(**DEFECT)
    env.update({key: str(value) for key, value in workflow["env"].items()})
    # the harness's environment of the recipe's install step: the one these tests run in
    env["DW_CONFORMANCE_VENV"] = str(CONSOLE_SCRIPT.parent.parent)
    env["PATH"] = f"{CONSOLE_SCRIPT.parent}{os.pathsep}{env.get('PATH', '')}"
    shards = tmp_path / "merge-job" / "shards"
    for value in matrix:
        script = _step(shard_job, "Conformance shard")
        script = script.replace("${{ matrix.shard }}", str(value)).replace(
            "${{ strategy.job-total }}", str(len(matrix))
        )
        workdir = tmp_path / f"runner-{value}"
        shutil.copytree(checkout, workdir)
        done = _bash(script, workdir, env)
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr  # exit 1 of a shard lets the job pass
        artifact = next(s for s in shard_job["steps"] if "upload-artifact" in str(s.get("uses")))
        name = artifact["with"]["name"].replace("${{ matrix.shard }}", str(value))
        shutil.copytree(workdir / artifact["with"]["path"], shards / name)  # as download-artifact lays it out
    merged = _bash(_step(merge_job, "Merge the shards"), shards.parent, env)
    assert merged.returncode == 1, merged.stdout[-2000:] + merged.stderr  # the CLI's defect fails the gate
    # --annotations github: the shards ran with --fixtures relative to the repository root, so the merged
    # cases keep repository-relative paths GitHub can attach, though the merge job has no checkout
    assert "::error file=tests/fixtures/control-plane/" in merged.stdout
    document = json.loads((shards.parent / "reports" / "result.json").read_text(encoding="utf-8"))
    assert len(document["run"]["merged_from"]) == len(matrix)

    unsharded = run_command(
        tmp_path / "unsharded",
        "--adapter",
        f"cli={phar}",
        "--fixtures",
        str(checkout / "tests" / "fixtures" / "control-plane"),
        scenarios=True,  # the recipe's shards run the shipped scenarios too
        **DEFECT,
    )
    assert unsharded.document is not None
    expected = comparable(unsharded.document)
    actual = comparable(document)
    for case in expected["cases"] + actual["cases"]:  # each runner has its own checkout path
        case["fixture_path"] = Path(case["fixture_path"]).name
    for impl in expected["implementations"] + actual["implementations"]:
        impl["identity"]["installed"] = Path(impl["identity"]["installed"].split(" at ")[-1]).name
    assert actual == expected
