"""Packaging: the sdist, the wheel and the editable install behave the same.

The tests build a real sdist and a wheel from it (``python -m build``,
isolated, so it fetches the build backend) from a copy of the working tree,
and install each into a fresh virtual environment, whose runtime
dependencies pip resolves from the package index or its local cache. Without
either, those tests are skipped with the reason pip gave; any other failure
fails them. Both artifacts must hold the shipped corpus and scenarios as
plain files, and the installed harness must play the scenarios.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tarfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
CORPUS = REPO_ROOT / "fixtures" / "control-plane"
SCENARIOS = REPO_ROOT / "fixtures" / "scenarios"
FAKE_DW = REPO_ROOT / "tests" / "support" / "fake_dw.py"

#: Output of pip or build meaning "no index and no cache to get packages from".
_OFFLINE_MARKERS = (
    "Could not find a version that satisfies",
    "No matching distribution found",
    "Failed to establish a new connection",
    "Temporary failure in name resolution",
    "Network is unreachable",
    "Name or service not known",
    "ConnectionError",
    "ReadTimeoutError",
)

_NOT_SOURCE = shutil.ignore_patterns(
    ".git",
    ".venv",
    ".tox",
    "build",
    "dist",
    "reports",
    "__pycache__",
    ".mypy_cache",
    ".ruff_cache",
    ".pytest_cache",
    ".hypothesis",
    "*.egg-info",
)


@dataclass(frozen=True)
class WheelEnv:
    wheel: Path
    python: Path
    console_script: Path
    scratch: Path


def _run(command: list[str], cwd: Path, timeout: float = 900) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTHON")}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return subprocess.run(
        command, cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env, check=False
    )


def _require(result: subprocess.CompletedProcess[str], what: str) -> None:
    if result.returncode == 0:
        return
    output = result.stdout + result.stderr
    tail = "\n".join(output.strip().splitlines()[-15:])
    if any(marker in output for marker in _OFFLINE_MARKERS):
        pytest.skip(
            f"{what} needs a package index or a pip cache holding the dependencies; pip said:\n{tail}"
        )
    pytest.fail(f"{what} failed (exit {result.returncode}):\n{tail}")


@dataclass(frozen=True)
class Built:
    sdist: Path
    wheel: Path
    scratch: Path


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """The sdist, and the wheel built from it (what ``python -m build`` does without options)."""
    scratch = tmp_path_factory.mktemp("packaging")
    source = scratch / "source"
    shutil.copytree(REPO_ROOT, source, symlinks=True, ignore=_NOT_SOURCE)
    dist = scratch / "dist"
    _require(_run([sys.executable, "-m", "build", "--outdir", str(dist), str(source)], scratch), "build")
    (sdist,) = dist.glob("dw_conformance-*.tar.gz")
    (wheel,) = dist.glob("dw_conformance-*.whl")
    return Built(sdist, wheel, scratch)


def _install(built: Built, artifact: Path, name: str) -> WheelEnv:
    venv = built.scratch / name
    _require(_run([sys.executable, "-m", "venv", str(venv)], built.scratch), "python -m venv")
    python = venv / "bin" / "python"
    _require(
        _run([str(python), "-m", "pip", "install", "--quiet", str(artifact)], built.scratch),
        f"pip install of {artifact.name}",
    )
    return WheelEnv(artifact, python, venv / "bin" / "dw-conformance", built.scratch)


@pytest.fixture(scope="module")
def wheel_env(built: Built) -> WheelEnv:
    return _install(built, built.wheel, "venv")


@pytest.fixture(scope="module")
def sdist_env(built: Built) -> WheelEnv:
    return _install(built, built.sdist, "venv-sdist")


def test_the_sdist_holds_the_corpus_and_scenarios_as_files(built: Built) -> None:
    with tarfile.open(built.sdist) as archive:
        members = {
            member.name.split("/", 1)[1]: member for member in archive.getmembers() if "/" in member.name
        }
        assert not [name for name, member in members.items() if member.issym() or member.islnk()]
        for folder in (CORPUS, SCENARIOS):
            for path in sorted(folder.iterdir()):
                if path.suffix in (".json", ".yaml"):
                    member = members[path.relative_to(REPO_ROOT).as_posix()]
                    extracted = archive.extractfile(member)
                    assert extracted is not None and extracted.read() == path.read_bytes(), path.name


@pytest.mark.parametrize("kind", ["wheel", "sdist"])
def test_the_installed_harness_plays_the_shipped_scenarios(
    kind: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    env: WheelEnv = request.getfixturevalue(f"{kind}_env")
    reports = tmp_path / "reports"
    done = _run(
        [
            str(env.console_script),
            "run",
            "--adapter",
            f"cli={FAKE_DW}",
            "--no-har",
            "--jobs",
            "2",
            "--report-dir",
            str(reports),
        ],
        tmp_path,
    )
    assert done.returncode in (0, 1), done.stdout[-2000:] + done.stderr
    document = json.loads((reports / "result.json").read_text(encoding="utf-8"))
    shipped = sorted(path.name for path in SCENARIOS.glob("*.scenario.yaml"))
    played = sorted(case["fixture"] for case in document["cases"] if "scenario" in case)
    absent = sorted(item["scenario"] for item in document["scenarios"]["not_applicable"])
    assert played and sorted(played + absent) == shipped
    for case in document["cases"]:  # read from the installed package, not from this checkout
        assert case["fixture_path"].startswith(str(env.python.parent.parent)), case["fixture_path"]


def test_an_installation_without_its_shipped_data_stops_with_a_clear_error(tmp_path: Path) -> None:
    from conformance.shipped import ShippedDataMissing, shipped_dir

    (tmp_path / "pkg" / "scenarios" / "shipped").mkdir(parents=True)  # what a copy without the files leaves
    with pytest.raises(ShippedDataMissing) as raised:
        shipped_dir(
            "scenarios/shipped",
            "fixtures/scenarios",
            "*.scenario.yaml",
            "scenarios",
            package_root=tmp_path / "pkg",
            checkout_root=tmp_path,
        )
    message = str(raised.value)
    assert "the scenarios shipped with dw-conformance are missing" in message
    assert str(tmp_path / "pkg" / "scenarios" / "shipped") in message and "found none" in message


def test_the_wheel_installs_no_top_level_adapters_module(wheel_env: WheelEnv) -> None:
    with zipfile.ZipFile(wheel_env.wheel) as archive:
        names = archive.namelist()
        top_level = next(name for name in names if name.endswith(".dist-info/top_level.txt"))
        assert archive.read(top_level).decode().split() == ["conformance"]
    roots = {name.split("/", 1)[0] for name in names}
    assert {root for root in roots if not root.endswith(".dist-info")} == {"conformance"}
    assert "conformance/adapters/base.py" in names
    assert not any(name.startswith("adapters/") for name in names)


def test_the_wheel_ships_schema_tables_and_the_corpus(wheel_env: WheelEnv) -> None:
    with zipfile.ZipFile(wheel_env.wheel) as archive:
        names = set(archive.namelist())
        assert {"conformance/schemas/fixture-v1.schema.json", "conformance/data/operations.yaml"} <= names
        assert "conformance/py.typed" in names
        # the checks and scenarios packages, the walk table and the shipped scenarios (read at run time)
        assert {"conformance/checks/__init__.py", "conformance/scenarios/judge.py"} <= names
        assert "conformance/adapters/walks.yaml" in names
        scenarios = REPO_ROOT / "fixtures" / "scenarios"
        files = sorted(scenarios.glob("*.scenario.yaml")) + sorted(scenarios.glob("slow/*.scenario.yaml"))
        for path in files:
            shipped = path.relative_to(scenarios).as_posix()
            assert archive.read(f"conformance/scenarios/shipped/{shipped}") == path.read_bytes()
        for path in CORPUS.glob("*.json"):
            assert archive.read(f"conformance/corpus/{path.name}") == path.read_bytes()


def test_the_installed_wheel_imports_conformance_adapters_only(wheel_env: WheelEnv) -> None:
    imported = _run(
        [
            str(wheel_env.python),
            "-c",
            "import conformance, conformance.adapters.base; print(conformance.__file__)",
        ],
        wheel_env.scratch,
    )
    assert imported.returncode == 0, imported.stderr
    assert str(wheel_env.scratch / "venv") in imported.stdout
    top_level = _run([str(wheel_env.python), "-c", "import adapters"], wheel_env.scratch)
    assert top_level.returncode != 0
    assert "No module named 'adapters'" in top_level.stderr


def test_the_installed_console_script_validates_the_corpus_inside_the_wheel(wheel_env: WheelEnv) -> None:
    where = _run(
        [
            str(wheel_env.python),
            "-c",
            "from conformance.fixture import shipped_corpus_dir; print(shipped_corpus_dir())",
        ],
        wheel_env.scratch,
    )
    assert where.returncode == 0, where.stderr
    assert where.stdout.strip().startswith(str(wheel_env.scratch / "venv"))
    result = _run([str(wheel_env.console_script), "validate"], wheel_env.scratch)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip().splitlines()[-1] == "9 fixture file(s) valid"


@pytest.fixture(scope="module")
def editable_env(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """A fresh venv with an editable install of a copy of the tree: (python, console script, source)."""
    scratch = tmp_path_factory.mktemp("editable")
    source = scratch / "source"
    shutil.copytree(REPO_ROOT, source, symlinks=True, ignore=_NOT_SOURCE)
    venv = scratch / "venv"
    _require(_run([sys.executable, "-m", "venv", str(venv)], scratch), "python -m venv")
    python = venv / "bin" / "python"
    _require(
        _run([str(python), "-m", "pip", "install", "--quiet", "-e", str(source)], scratch),
        "pip install -e of the source tree",
    )
    return python, venv / "bin" / "dw-conformance", source


def test_the_editable_install_behaves_the_same(editable_env: tuple[Path, Path, Path], tmp_path: Path) -> None:
    python, script, source = editable_env
    result = _run([str(script), "validate"], tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip().splitlines()[-1] == "9 fixture file(s) valid"
    imported = _run(
        [str(python), "-c", "import conformance.adapters as a; print(a.__file__)"],
        tmp_path,
    )
    assert imported.returncode == 0, imported.stderr
    assert Path(imported.stdout.strip()).resolve() == (source / "adapters" / "__init__.py").resolve()
    top_level = _run([str(python), "-c", "import adapters"], tmp_path)
    assert "No module named 'adapters'" in top_level.stderr
