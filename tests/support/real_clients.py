"""The real clients for tests: a runnable ``dw`` and the Python SDK under its own interpreters.

The real clients come from the read-only snapshots in ``../shared/upstream``
(beside the repository root; ``$DW_CONFORMANCE_SHARED_UPSTREAM`` overrides the
place). Nothing here copies them into the project: a test builds what it needs
at run time, from the snapshot, into a scratch or cache directory.

Decisions:

- **Skip or fail.** On a developer's machine a missing piece (no ``../shared``,
  no PHP, no Symfony package, no index reachable for pip) *skips* the test and
  says exactly what is missing. In CI (``$CI`` is ``true``/``1``) with
  ``../shared`` present the same failure *fails* the test: CI installs every
  piece itself (``.ci/run``), so a skip there would only hide a broken set-up.
  Without ``../shared`` even CI skips (the snapshots are not part of the
  repository).
- **The real ``dw``** runs from a writable copy of ``cli/`` on Debian's PHP
  and Symfony packages (``composer`` is not reachable here, so the PHAR build
  of ``scripts/build.sh`` cannot run). The copy gets its own small
  ``vendor/autoload.php``: it loads Debian's Symfony autoloaders and maps
  ``DurableWorkflow\\Cli\\`` to ``src/`` (PSR-4).
- **The SDK interpreters** are virtual environments built once and cached in
  a stable directory (``$DW_CONFORMANCE_TEST_CACHE``, else
  ``$XDG_CACHE_HOME/dw-conformance-tests``, else
  ``~/.cache/dw-conformance-tests``), one per flavour and version: ``pypi``
  is keyed by the newest release the index offers (asked once per build),
  ``head`` by the checkout's version and a digest of its sources. A file lock
  serialises builders (``pytest -n`` workers, parallel sessions); a venv
  counts as built only once its ``ready.json`` marker exists.
- The SDK interpreter needs only ``durable_workflow`` (the harness runs
  ``conformance/adapters/sdk_python_call.py`` there as a standalone script).
"""

from __future__ import annotations

import fcntl
import functools
import hashlib
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Literal, NoReturn

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
SHARED_UPSTREAM_VARIABLE = "DW_CONFORMANCE_SHARED_UPSTREAM"
CACHE_VARIABLE = "DW_CONFORMANCE_TEST_CACHE"
SDK_DISTRIBUTION = "durable-workflow"
#: Debian's Symfony autoloaders the CLI needs, and the package that ships each.
SYMFONY_AUTOLOADERS: dict[str, str] = {
    "Component/Console": "php-symfony-console",
    "Component/HttpClient": "php-symfony-http-client",
    "Component/Process": "php-symfony-process",
    "Component/String": "php-symfony-string",
    "Contracts/Deprecation": "php-symfony-deprecation-contracts",
    "Contracts/HttpClient": "php-symfony-http-client-contracts",
    "Contracts/Service": "php-symfony-service-contracts",
}
SYMFONY_ROOT = Path("/usr/share/php/Symfony")
#: PHP extensions the CLI's HTTP client and string handling need, and their Debian packages.
PHP_EXTENSIONS: dict[str, str] = {"curl": "php-curl", "mbstring": "php-mbstring"}
PIP_TIMEOUT_SECONDS = 600.0
#: ``dw --version``: "dw 2.0.0-rc.35" and, from a source checkout, "(commit unknown, built source checkout)".
DW_VERSION_PATTERN = re.compile(r"^dw (?P<version>\d+\.\d+\.\d+\S*)( \(.*\))?$")

SdkFlavour = Literal["pypi", "head"]


# ------------------------------------------------------------------ policy
def in_ci() -> bool:
    """Whether this run is a CI run (``$CI`` set to ``true`` or ``1``, as GitHub and .ci/run do)."""
    return os.environ.get("CI", "").strip().lower() in {"true", "1", "yes"}


def unavailable(reason: str) -> NoReturn:
    """Skip with ``reason``; in CI with the snapshots present, fail instead (see the module docstring)."""
    if in_ci() and shared_upstream() is not None:
        pytest.fail(f"real-client set-up failed in CI (../shared is present): {reason}", pytrace=False)
    pytest.skip(reason)


# ------------------------------------------------------------------ snapshots
def shared_upstream() -> Path | None:
    """The upstream snapshots (``../shared/upstream`` or ``$DW_CONFORMANCE_SHARED_UPSTREAM``), or None."""
    configured = os.environ.get(SHARED_UPSTREAM_VARIABLE)
    folder = Path(configured).expanduser() if configured else REPO_ROOT.parent / "shared" / "upstream"
    return folder.resolve() if folder.is_dir() else None


def _upstream_part(*parts: str) -> Path:
    upstream = shared_upstream()
    if upstream is None:
        pytest.skip(
            f"no upstream snapshots: {REPO_ROOT.parent / 'shared' / 'upstream'} is absent "
            f"and ${SHARED_UPSTREAM_VARIABLE} is not set"
        )
    path = upstream.joinpath(*parts)
    if not path.exists():
        unavailable(f"the upstream snapshot has no {path}")
    return path


def upstream_corpus() -> Path:
    """The 60-file corpus the client repositories share (skips when absent)."""
    return _upstream_part("cli", "tests", "fixtures", "control-plane")


def upstream_cli() -> Path:
    """The CLI source checkout (skips when absent)."""
    return _upstream_part("cli")


def upstream_sdk() -> Path:
    """The Python SDK source checkout (skips when absent)."""
    return _upstream_part("sdk-python")


def writable_copy(source: Path, target: Path, *ignore: str) -> Path:
    """Copy ``source`` to ``target`` (skipping the ``ignore`` glob patterns) with every folder writable.

    The snapshots are read-only (``dr-xr-xr-x``) and ``copytree`` keeps
    modes, so without this a non-root user could not add a file to the copy.
    """
    shutil.copytree(source, target, ignore=shutil.ignore_patterns(*ignore) if ignore else None)
    for folder in (target, *(path for path in target.rglob("*") if path.is_dir() and not path.is_symlink())):
        folder.chmod(folder.stat().st_mode | 0o700)
    return target


# ------------------------------------------------------------------ the real dw
def _php_string(text: str) -> str:
    """A single-quoted PHP string literal (no interpolation)."""
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _autoload_php(symfony_root: Path) -> str:
    loaders = "\n".join(
        f"require_once {_php_string(str(symfony_root / part / 'autoload.php'))};"
        for part in SYMFONY_AUTOLOADERS
    )
    return (
        "<?php\n"
        "// Written by dw-conformance's tests: Debian's Symfony packages instead of composer's vendor tree.\n"
        f"{loaders}\n"
        "spl_autoload_register(static function (string $class): void {\n"
        "    $prefix = 'DurableWorkflow\\\\Cli\\\\';\n"
        "    if (strncmp($class, $prefix, strlen($prefix)) !== 0) {\n"
        "        return;\n"
        "    }\n"
        "    $relative = str_replace('\\\\', '/', substr($class, strlen($prefix)));\n"
        "    $file = dirname(__DIR__) . '/src/' . $relative . '.php';\n"
        "    if (is_file($file)) {\n"
        "        require $file;\n"
        "    }\n"
        "});\n"
    )


def _missing_php_pieces(php: str) -> list[str]:
    missing = [
        f"{package} ({SYMFONY_ROOT / part / 'autoload.php'} is absent)"
        for part, package in SYMFONY_AUTOLOADERS.items()
        if not (SYMFONY_ROOT / part / "autoload.php").is_file()
    ]
    modules = subprocess.run([php, "-m"], capture_output=True, text=True, timeout=60, check=False)
    loaded = {line.strip().lower() for line in modules.stdout.splitlines()}
    missing += [
        f"{package} (PHP extension {extension} is not loaded)"
        for extension, package in PHP_EXTENSIONS.items()
        if extension not in loaded
    ]
    return missing


def real_dw(tmp_root: Path) -> Path:
    """A runnable ``dw`` built from the CLI snapshot on Debian's PHP under ``tmp_root``; its wrapper path.

    Skips (fails in CI) with the precise missing piece: the snapshot, ``php``,
    a Symfony package or a PHP extension, or a ``dw --version`` that does not
    print ``dw <version>``.
    """
    source = upstream_cli()
    php = shutil.which("php")
    if php is None:
        unavailable(
            "php is not on PATH (install Debian's php-cli php-symfony-console php-symfony-http-client "
            "php-symfony-process php-curl php-mbstring)"
        )
    missing = _missing_php_pieces(php)
    if missing:
        unavailable("the real dw needs Debian packages that are missing: " + "; ".join(missing))
    tmp_root.mkdir(parents=True, exist_ok=True)
    checkout = tmp_root / "dw-cli"
    if checkout.exists():
        shutil.rmtree(checkout)
    writable_copy(source, checkout, ".git", "vendor")
    (checkout / "vendor").mkdir()
    (checkout / "vendor" / "autoload.php").write_text(_autoload_php(SYMFONY_ROOT), encoding="utf-8")
    wrapper = tmp_root / "dw"
    command = f"exec {shlex.quote(php)} {shlex.quote(str(checkout / 'bin' / 'dw'))}"
    wrapper.write_text(f'#!/bin/sh\n{command} "$@"\n', encoding="utf-8")
    wrapper.chmod(0o755)
    version = dw_version(wrapper)
    if not DW_VERSION_PATTERN.match(version):
        unavailable(f"the real dw built in {checkout} does not report its version: {version!r}")
    return wrapper


def dw_version(dw: Path) -> str:
    """What ``dw --version`` prints (stdout, stripped; stderr's last line when it fails)."""
    result = subprocess.run([str(dw), "--version"], capture_output=True, text=True, timeout=60, check=False)
    if result.returncode != 0:
        last = (result.stderr.strip().splitlines() or ["no output"])[-1]
        return f"exit {result.returncode}: {last}"
    return result.stdout.strip()


# ------------------------------------------------------------------ the SDK interpreters
def cache_root() -> Path:
    """The stable directory that keeps the SDK virtualenvs between test sessions."""
    configured = os.environ.get(CACHE_VARIABLE)
    if configured:
        return Path(configured).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return base / "dw-conformance-tests"


def _pip(*arguments: str) -> subprocess.CompletedProcess[str]:
    environment = dict(os.environ, PIP_DISABLE_PIP_VERSION_CHECK="1", PIP_NO_INPUT="1")
    return subprocess.run(
        [sys.executable, "-m", "pip", *arguments],
        capture_output=True,
        text=True,
        timeout=PIP_TIMEOUT_SECONDS,
        env=environment,
        check=False,
    )


@functools.cache
def newest_pypi_release() -> str | None:
    """The newest ``durable-workflow`` release the configured index offers (None: it cannot be asked)."""
    result = _pip("index", "versions", SDK_DISTRIBUTION)
    found = re.search(rf"^{re.escape(SDK_DISTRIBUTION)} \(([^)]+)\)", result.stdout, flags=re.M)
    return found.group(1) if result.returncode == 0 and found else None


def source_digest(checkout: Path) -> str:
    """A short digest of a source checkout's ``pyproject.toml`` and ``src/`` tree (contents and names)."""
    digest = hashlib.sha256()
    files = [checkout / "pyproject.toml", *sorted(p for p in (checkout / "src").rglob("*") if p.is_file())]
    for path in files:
        if any(part == "__pycache__" or part.endswith(".egg-info") for part in path.parts):
            continue
        digest.update(str(path.relative_to(checkout)).encode("utf-8") + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def _head_version(checkout: Path) -> str:
    text = (checkout / "pyproject.toml").read_text(encoding="utf-8")
    found = re.search(r'^version\s*=\s*"([^"]+)"', text, re.M)
    return found.group(1) if found else "unknown"


def _ready_venvs(root: Path, prefix: str) -> list[Path]:
    return sorted(
        (folder for folder in root.glob(f"{prefix}*") if (folder / "ready.json").is_file()),
        key=lambda folder: (folder / "ready.json").stat().st_mtime,
    )


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _venv_python(venv: Path) -> Path:
    return venv / "bin" / "python"


def _build_venv(venv: Path, requirement: str, key: dict[str, str], source: Path | None = None) -> None:
    """Build ``venv`` with ``requirement``; a ``source`` checkout is built from a scratch copy of itself.

    pip's setuptools build writes ``build/`` and ``*.egg-info`` into the tree it
    builds, and the snapshots are read-only reference: never build in them. The
    copy stays beside the venv (``<venv>.source``): the SDK's install record
    (PEP 610) names it, and the harness reports that as where it came from.
    """
    if venv.exists():
        shutil.rmtree(venv)
    if source is not None:
        copy = venv.parent / f"{venv.name}.source"
        if copy.exists():
            shutil.rmtree(copy)
        writable_copy(source, copy, ".git", "build", "*.egg-info", "__pycache__", "tests", "docs")
        requirement = str(copy)
    created = subprocess.run(
        [sys.executable, "-m", "venv", "--without-pip", str(venv)],
        capture_output=True, text=True, timeout=120, check=False,
    )
    if created.returncode != 0:
        unavailable(f"cannot create a virtualenv at {venv}: {created.stderr.strip()[-500:]}")
    installed = _pip("--python", str(_venv_python(venv)), "install", "-q", requirement)
    if installed.returncode != 0:
        shutil.rmtree(venv, ignore_errors=True)
        tail = "\n".join(installed.stderr.strip().splitlines()[-5:])
        unavailable(f"pip cannot install {requirement} into {venv}: {tail}")
    (venv / "ready.json").write_text(json.dumps(key, indent=2) + "\n", encoding="utf-8")


def sdk_interpreter(which: SdkFlavour, root: Path) -> Path:
    """The python of a cached venv under ``root``: the newest PyPI SDK (``pypi``) or the snapshot's HEAD.

    ``pypi`` asks the index for its newest release; when the index cannot be
    reached, the most recently built ``pypi`` venv is reused if one exists.
    """
    if which == "head":
        checkout = upstream_sdk()
        version = _head_version(checkout)
        key = {"which": which, "version": version, "source": str(checkout), "digest": source_digest(checkout)}
        name = f"sdk-head-{version}-{key['digest']}"
        requirement, source = str(checkout), checkout
    elif which == "pypi":
        newest = newest_pypi_release()
        if newest is None:
            cached = _ready_venvs(root, "sdk-pypi-")
            if cached:
                return _venv_python(cached[-1])
            unavailable(f"pip cannot ask the package index for {SDK_DISTRIBUTION}'s newest release")
        key = {"which": which, "version": newest}
        name = f"sdk-pypi-{newest}"
        requirement, source = f"{SDK_DISTRIBUTION}=={newest}", None
    else:  # pragma: no cover - guarded by the Literal type
        raise ValueError(f"which must be 'pypi' or 'head', not {which!r}")
    venv = root / name
    with _locked(root / f"{name}.lock"):
        if not (venv / "ready.json").is_file():
            _build_venv(venv, requirement, key, source)
    return _venv_python(venv)


#: The SDK repository's own install step (docs/ci.md's SDK recipe runs it in the checkout).
SDK_CHECKOUT_INSTALL = "python -m pip install -e ."


def harness_digest() -> str:
    """A short digest of this checkout's place and its ``pyproject.toml``.

    The dependencies decide a harness venv, and the place does too: the venv
    holds an *editable* install, so a venv made for another checkout (a second
    clone, a CI clone beside a developer's) would run that checkout's code.
    """
    digest = hashlib.sha256(str(REPO_ROOT).encode("utf-8") + b"\0")
    digest.update((REPO_ROOT / "pyproject.toml").read_bytes())
    return digest.hexdigest()[:16]


def _install_checkout_sdk(venv: Path, checkout: Path) -> None:
    bin_dir = str(_venv_python(venv).parent)
    environment = dict(os.environ, PATH=f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}")
    environment.update(PIP_DISABLE_PIP_VERSION_CHECK="1", PIP_NO_INPUT="1", VIRTUAL_ENV=str(venv))
    installed = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", SDK_CHECKOUT_INSTALL],
        cwd=checkout, env=environment, capture_output=True, text=True,
        timeout=PIP_TIMEOUT_SECONDS, check=False,
    )
    if installed.returncode != 0:
        tail = "\n".join(installed.stderr.strip().splitlines()[-5:])
        unavailable(f"{SDK_CHECKOUT_INSTALL!r} failed in {checkout}: {tail}")


def checkout_sdk_environment(root: Path) -> Path:
    """The python of a cached venv set up as docs/ci.md's SDK recipe sets up the SDK's own environment.

    Like the recipe: a writable copy of the SDK snapshot (kept beside the
    venv, the editable install points at it) gets ``python -m pip install -e .``
    run inside it, with the venv's python first on ``PATH``. Nothing of the
    harness is installed there: the recipe gives the harness an environment of
    its own (:func:`harness_environment`). Keyed by the SDK sources' digest.
    """
    source = upstream_sdk()
    key = {"which": "recipe-sdk", "sdk_digest": source_digest(source)}
    name = f"recipe-sdk-only-{key['sdk_digest']}"
    venv = root / name
    with _locked(root / f"{name}.lock"):
        if not (venv / "ready.json").is_file():
            checkout = root / f"{name}.checkout"
            for stale in (venv, checkout):
                if stale.exists():
                    shutil.rmtree(stale)
            _create_venv(venv)
            writable_copy(source, checkout, ".git", "build", "*.egg-info", "__pycache__")
            _install_checkout_sdk(venv, checkout)
            (venv / "ready.json").write_text(json.dumps(key, indent=2) + "\n", encoding="utf-8")
    return _venv_python(venv)


def harness_environment(root: Path) -> Path:
    """The root of a cached venv holding only the harness, as the recipes' install step makes it.

    The step runs ``python -m venv "$DW_CONFORMANCE_VENV"`` and pip-installs
    ``$DW_CONFORMANCE`` there; here the harness comes from this checkout
    (editable) instead of the git URL, and ``pip check`` must be clean, as the
    step requires. Keyed by this checkout's place and ``pyproject.toml`` (:func:`harness_digest`).
    """
    key = {"which": "recipe-harness", "harness": harness_digest()}
    name = f"recipe-harness-{key['harness']}"
    venv = root / name
    with _locked(root / f"{name}.lock"):
        if not (venv / "ready.json").is_file():
            if venv.exists():
                shutil.rmtree(venv)
            _create_venv(venv)
            harness = _pip("--python", str(_venv_python(venv)), "install", "-q", "-e", str(REPO_ROOT))
            if harness.returncode != 0:
                shutil.rmtree(venv, ignore_errors=True)
                tail = "\n".join(harness.stderr.strip().splitlines()[-5:])
                unavailable(f"pip cannot install the harness from {REPO_ROOT} into {venv}: {tail}")
            (venv / "ready.json").write_text(json.dumps(key, indent=2) + "\n", encoding="utf-8")
    return venv


def _create_venv(venv: Path) -> None:
    created = subprocess.run(
        [sys.executable, "-m", "venv", str(venv)],
        capture_output=True, text=True, timeout=300, check=False,
    )
    if created.returncode != 0:
        unavailable(f"cannot create a virtualenv at {venv}: {created.stderr.strip()[-500:]}")


def sdk_version(python: Path) -> str:
    """The ``durable-workflow`` version importable by ``python`` (fails the test when it cannot import it)."""
    result = subprocess.run(
        [str(python), "-I", "-c",
         "import durable_workflow, importlib.metadata as m; print(m.version('durable-workflow'))"],
        capture_output=True, text=True, timeout=60, check=False,
    )
    if result.returncode != 0:
        raise AssertionError(f"{python} cannot import durable_workflow: {result.stderr.strip()[-500:]}")
    return result.stdout.strip()
