"""The real clients the suite builds (tests/support/real_clients.py) run, and the harness drives them.

Skips, with the reason, where ``../shared/upstream``, PHP or a package index
is missing; in CI with ``../shared`` present a broken set-up fails instead.
"""

from __future__ import annotations

import json
import re
import subprocess
import tomllib
from pathlib import Path
from typing import Any

import pytest
from packaging.requirements import Requirement
from packaging.version import Version

from support import real_clients
from support.harness_run import CONSOLE_SCRIPT, clean_environment

#: Three upstream fixtures: a control-plane start, a namespace storage test, a worker-plane poll.
SMOKE_FIXTURES = ("workflow-start-parity.json", "storage-test-parity.json", "query-task-poll-parity.json")
#: What the SDK adds to a query-task poll beyond the fixture's body (the SDK's own tests assert both).
SDK_POLL_EXTRAS = {"/body/poll_request_id", "/body/timeout_seconds"}


def test_shared_upstream_follows_the_environment_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(real_clients.SHARED_UPSTREAM_VARIABLE, str(tmp_path))
    assert real_clients.shared_upstream() == tmp_path.resolve()
    monkeypatch.setenv(real_clients.SHARED_UPSTREAM_VARIABLE, str(tmp_path / "absent"))
    assert real_clients.shared_upstream() is None


def test_a_missing_corpus_skips_with_its_path_outside_ci(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(real_clients.SHARED_UPSTREAM_VARIABLE, str(tmp_path))
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="control-plane"):
        real_clients.upstream_corpus()


def test_a_broken_set_up_fails_in_ci_when_the_snapshots_are_there(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(real_clients.SHARED_UPSTREAM_VARIABLE, str(tmp_path))
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="set-up failed in CI"):
        real_clients.upstream_corpus()


def test_the_autoloader_maps_the_cli_namespace_to_src(tmp_path: Path) -> None:
    text = real_clients._autoload_php(Path("/usr/share/php/Symfony"))
    for part in real_clients.SYMFONY_AUTOLOADERS:
        assert f"require_once '/usr/share/php/Symfony/{part}/autoload.php';" in text
    assert "'DurableWorkflow\\\\Cli\\\\'" in text
    assert "'/src/'" in text


def test_the_real_dw_reports_the_snapshot_version(real_dw_path: Path) -> None:
    printed = real_clients.dw_version(real_dw_path)
    found = real_clients.DW_VERSION_PATTERN.match(printed)
    assert found, printed
    build_info = (real_clients.upstream_cli() / "src" / "BuildInfo.php").read_text(encoding="utf-8")
    fallback = re.search(r"FALLBACK_VERSION = '([^']+)'", build_info)
    assert fallback is not None
    assert found.group("version") == fallback.group(1)


def test_the_pypi_interpreter_holds_the_newest_release(sdk_pypi_python: Path) -> None:
    installed = real_clients.sdk_version(sdk_pypi_python)
    assert Version(installed) >= Version("2.12.0")
    newest = real_clients.newest_pypi_release()
    if newest is not None:
        assert installed == newest
    assert sdk_pypi_python.is_relative_to(real_clients.cache_root())


def test_the_head_interpreter_holds_the_snapshot_checkout(sdk_head_python: Path) -> None:
    checkout = real_clients.upstream_sdk()
    assert Version(real_clients.sdk_version(sdk_head_python)) == Version(real_clients._head_version(checkout))
    ready = json.loads((sdk_head_python.parents[1] / "ready.json").read_text(encoding="utf-8"))
    assert ready["digest"] == real_clients.source_digest(checkout)


def _run(report: Path, adapters: list[str], fixtures: Path, *pattern: str) -> dict[str, Any]:
    command = [str(CONSOLE_SCRIPT), "run", "--fixtures", str(fixtures), "--report-dir", str(report)]
    command.append("--no-har")
    for adapter in adapters:
        command += ["--adapter", adapter]
    command += ["-k", ",".join(pattern), "--jobs", "2"]
    finished = subprocess.run(
        command, capture_output=True, text=True, timeout=300, env=clean_environment(), check=False
    )
    assert finished.returncode in (0, 1), finished.stderr
    document: dict[str, Any] = json.loads((report / "result.json").read_text(encoding="utf-8"))
    return document


def test_one_run_drives_the_real_dw_and_both_sdks(
    tmp_path: Path, real_dw_path: Path, sdk_pypi_python: Path, sdk_head_python: Path
) -> None:
    corpus = real_clients.upstream_corpus()
    pypi, head = "python-sdk@pypi", "python-sdk@head"
    adapters = [f"cli={real_dw_path}", f"{pypi}={sdk_pypi_python}", f"{head}={sdk_head_python}"]
    result = _run(tmp_path / "report", adapters, corpus, *SMOKE_FIXTURES)

    identities = {entry["adapter"]: entry["identity"] for entry in result["implementations"]}
    assert identities["cli"]["name"] == "dw"
    assert identities["cli"]["version"] == real_clients.dw_version(real_dw_path).split()[1]
    assert identities[pypi]["version"] == real_clients.sdk_version(sdk_pypi_python)
    assert identities[head]["version"] == real_clients.sdk_version(sdk_head_python)
    assert all(entry["available"] for entry in result["implementations"])

    statuses = {(case["fixture"], case["adapter"]): case["status"] for case in result["cases"]}
    expected = {(fixture, adapter): "pass" for fixture in SMOKE_FIXTURES for adapter in ("cli", pypi, head)}
    # The SDK's deliberate poll extras (no policy here): both SDK builds fail on exactly those two pointers.
    expected[("query-task-poll-parity.json", pypi)] = "fail"
    expected[("query-task-poll-parity.json", head)] = "fail"
    assert statuses == expected
    for case in result["cases"]:
        if case["status"] == "fail":
            pointers = {difference["pointer"] for difference in case["differences"]}
            assert pointers == SDK_POLL_EXTRAS, case["id"]


def test_the_sdk_extra_admits_the_newest_release() -> None:
    """``pip install -e '.[sdk]'`` gets the newest SDK: no upper bound below it (issue 12 item 6)."""
    newest = real_clients.newest_pypi_release()
    if newest is None:
        real_clients.unavailable("pip cannot ask the package index for durable-workflow's newest release")
    project = tomllib.loads((real_clients.REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    requirements = [Requirement(line) for line in project["project"]["optional-dependencies"]["sdk"]]
    sdk = next(each for each in requirements if each.name == real_clients.SDK_DISTRIBUTION)
    assert sdk.specifier.contains(newest, prereleases=True), (str(sdk), newest)
