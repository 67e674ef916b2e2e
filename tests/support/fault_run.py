"""Build a client with one planted fault, and run it through the harness and through its own tests.

- **SDK.** One cached *base* virtualenv (``sdk-faults-<digest>`` in the test
  cache) holds the SDK snapshot's dependencies, ``pytest`` and
  ``pytest-asyncio``. Each fault gets a scratch copy of the snapshot
  (``src/``, ``tests/``, ``pyproject.toml``) with the fault planted, and a
  small virtualenv of its own whose one ``.pth`` file puts the copy's
  ``src/`` first and then the base's site-packages: the harness runs that
  interpreter with ``-I`` (``.pth`` files still count), and the SDK's pytest
  runs in the copy with it.
- **CLI.** Each fault gets a scratch copy of the ``dw`` tree that
  :func:`support.real_clients.real_dw` built (Debian's PHP and Symfony),
  planted, with its own ``bin/dw`` wrapper; its ``vendor/autoload.php`` also
  maps the CLI's ``Tests\\`` namespace so Debian's ``phpunit`` runs the
  CLI's own command tests there.

A fault is *killed by the harness* when its subject's case (the fixture or
scenario it must fail) ends ``fail`` or ``error`` in ``result.json``; the
exit code is recorded beside it (a scenario gates like a fixture, so a
killed scenario fault exits 1 unless its scenario is ``provisional``). A
fault is *killed by the upstream tests* when the client's own test for that
subject fails with the fault and passes without it.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from support.harness_run import run_command
from support.planted_faults import Fault, plant
from support.real_clients import (
    _locked,
    _pip,
    cache_root,
    source_digest,
    unavailable,
    upstream_sdk,
    writable_copy,
)

__all__ = [
    "FaultVerdict",
    "harness_verdict",
    "phpunit_passes",
    "planted_cli",
    "planted_sdk",
    "sdk_fault_base",
]

UPSTREAM_TIMEOUT = 300.0
TESTS_AUTOLOAD = """
// Added by dw-conformance's planted-fault tests: the CLI's own tests (composer's autoload-dev).
spl_autoload_register(static function (string $class): void {
    if (strncmp($class, 'Tests\\\\', 6) !== 0) {
        return;
    }
    $file = dirname(__DIR__) . '/tests/' . str_replace('\\\\', '/', substr($class, 6)) . '.php';
    if (is_file($file)) {
        require $file;
    }
});
"""


@dataclass(frozen=True)
class FaultVerdict:
    """What the harness said about one fault's subject case."""

    status: str
    exit_code: int
    pointers: tuple[str, ...]
    #: The run's conformance level, and every difference's message (kept out of the kill table).
    level: str = ""
    messages: tuple[str, ...] = ()

    @property
    def killed(self) -> bool:
        return self.status in ("fail", "error")


# ------------------------------------------------------------------ the SDK
def sdk_fault_base() -> Path:
    """The cached base venv for planted SDK faults: the snapshot's SDK, pytest, pytest-asyncio."""
    checkout = upstream_sdk()
    root = cache_root()
    venv = root / f"sdk-faults-{source_digest(checkout)}"
    with _locked(root / f"{venv.name}.lock"):
        if (venv / "ready.json").is_file():
            return venv
        if venv.exists():
            shutil.rmtree(venv)
        copy = root / f"{venv.name}.source"
        if copy.exists():
            shutil.rmtree(copy)
        writable_copy(checkout, copy, ".git", "build", "*.egg-info", "__pycache__", "docs")
        made = subprocess.run(
            [sys.executable, "-m", "venv", "--without-pip", str(venv)],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if made.returncode != 0:
            unavailable(f"cannot create a virtualenv at {venv}: {made.stderr.strip()[-300:]}")
        python = str(venv / "bin" / "python")
        installed = _pip("--python", python, "install", "-q", str(copy), "pytest", "pytest-asyncio")
        if installed.returncode != 0:
            shutil.rmtree(venv, ignore_errors=True)
            unavailable(f"pip cannot install the SDK's test dependencies: {installed.stderr.strip()[-500:]}")
        (venv / "ready.json").write_text(json.dumps({"source": str(checkout)}) + "\n", encoding="utf-8")
    return venv


def _site_packages(venv: Path) -> Path:
    found = sorted(venv.glob("lib/python*/site-packages"))
    if not found:
        raise AssertionError(f"{venv} has no site-packages")
    return found[0]


def planted_sdk(scratch: Path, base: Path, fault: Fault | None) -> tuple[Path, Path]:
    """(interpreter, checkout): a scratch SDK copy with ``fault`` planted (``None``: unmutated)."""
    name = fault.id if fault is not None else "unmutated"
    checkout = scratch / name / "sdk"
    source = upstream_sdk()
    checkout.mkdir(parents=True)
    for part in ("src", "tests"):
        writable_copy(source / part, checkout / part, "__pycache__", "*.egg-info")
    shutil.copy2(source / "pyproject.toml", checkout / "pyproject.toml")
    if fault is not None:
        plant(checkout, fault)
    venv = scratch / name / "venv"
    made = subprocess.run(
        [sys.executable, "-m", "venv", "--without-pip", str(venv)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert made.returncode == 0, made.stderr
    (_site_packages(venv) / "planted-fault.pth").write_text(
        f"{checkout / 'src'}\nimport site; site.addsitedir({str(_site_packages(base))!r})\n", encoding="utf-8"
    )
    return venv / "bin" / "python", checkout


def sdk_upstream_passes(python: Path, checkout: Path, test: tuple[str, str]) -> bool:
    """Whether the SDK's own test (file, ``-k`` expression) passes in ``checkout``."""
    result = subprocess.run(
        [str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider", test[0], "-k", test[1]],
        cwd=checkout,
        capture_output=True,
        text=True,
        timeout=UPSTREAM_TIMEOUT,
        check=False,
    )
    if result.returncode not in (0, 1):
        raise AssertionError(f"pytest could not run {test}: {result.stdout[-800:]}{result.stderr[-800:]}")
    return result.returncode == 0


# ------------------------------------------------------------------ the CLI
def planted_cli(scratch: Path, built: Path, fault: Fault | None) -> tuple[Path, Path]:
    """(dw wrapper, checkout): a copy of the built ``dw`` tree ``built`` with ``fault`` planted."""
    name = fault.id if fault is not None else "unmutated"
    checkout = writable_copy(built, scratch / name / "cli")
    with (checkout / "vendor" / "autoload.php").open("a", encoding="utf-8") as handle:
        handle.write(TESTS_AUTOLOAD)
    if fault is not None:
        plant(checkout, fault)
    php = shutil.which("php") or "php"
    wrapper = scratch / name / "dw"
    wrapper.write_text(f'#!/bin/sh\nexec {php} {checkout / "bin" / "dw"} "$@"\n', encoding="utf-8")
    wrapper.chmod(0o755)
    return wrapper, checkout


def phpunit_passes(checkout: Path, test: tuple[str, str]) -> bool:
    """Whether the CLI's own test (file, ``--filter``) passes under Debian's ``phpunit`` in ``checkout``."""
    phpunit = shutil.which("phpunit")
    if phpunit is None:
        unavailable("Debian's phpunit is not installed (apt-get install phpunit)")
    result = subprocess.run(
        [phpunit, "--filter", test[1], test[0]],
        cwd=checkout,
        capture_output=True,
        text=True,
        timeout=UPSTREAM_TIMEOUT,
        check=False,
    )
    if result.returncode not in (0, 1, 2) or "No tests executed" in result.stdout:
        raise AssertionError(f"phpunit could not run {test}: {result.stdout[-800:]}{result.stderr[-800:]}")
    return result.returncode == 0


# ------------------------------------------------------------------ the harness
def harness_verdict(
    report_dir: Path, corpus: Path, adapter: str, subject: str, policy: Path | None = None
) -> FaultVerdict:
    """Run the harness on ``subject`` alone with ``adapter``; the subject case's status and pointers.

    ``policy`` is passed with ``--policy``: the SDK's faults run under the SDK
    repository's recipe policy (``docs/recipes/sdk-python-policy.yaml``), as
    that repository's gate does, so the retry behaviour it declares is held.
    """
    scenario = subject.endswith(".scenario.yaml")
    selector = subject.removesuffix(".scenario.yaml").removesuffix(".json")
    extra = ("--policy", str(policy)) if policy is not None else ()
    completed = run_command(
        report_dir,
        "--fixtures",
        str(corpus),
        "--adapter",
        adapter,
        "-k",
        selector,
        *extra,
        scenarios=scenario,
    )
    document = completed.document
    assert document is not None, completed.stderr[-2000:]
    cases = [case for case in document["cases"] if case["fixture"] == subject]
    assert len(cases) == 1, f"{subject}: {len(cases)} cases in {report_dir} ({completed.stderr[-500:]})"
    case = cases[0]
    pointers = tuple(sorted({item["pointer"] for item in case["differences"]}))
    response = case.get("response") or {}
    pointers += tuple(sorted({item["pointer"] for item in response.get("differences", [])} - set(pointers)))
    messages = tuple(
        f"{item['pointer']}: {item.get('message', '')}"
        for item in [*case["differences"], *response.get("differences", [])]
    )
    return FaultVerdict(case["status"], completed.code, pointers, document["conformance"]["level"], messages)
