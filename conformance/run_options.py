"""The options of a run, declared once for every front end.

``run``, ``selftest`` and ``fuzz`` add them to their argparse parsers
(:func:`add_to_parser`), the pytest plugin adds them with a ``--conformance-``
prefix (:func:`add_to_pytest`: ``--overlay`` becomes
``--conformance-overlay``), and both turn the parsed values into
:class:`~conformance.planning.RunSettings` with :func:`settings_from`. A new
run option is one entry of :data:`RUN_OPTIONS`.

Two options stay out of pytest, which has its own: ``-k`` (pytest's ``-k``
selects conformance cases by their node ids) and ``--jobs`` (pytest-xdist's
``-n`` runs cases in parallel, each worker with its own proxy). The scenario
options (``--scenarios``, ``--no-scenarios``) are for ``run``, ``selftest`` (which
mutates the sequence checks' expectations) and the pytest plugin: fuzz plays no
scenarios.
"""

from __future__ import annotations

import argparse
import math
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from conformance.planning import DEFAULT_NAMESPACE, DEFAULT_TIMEOUT, DEFAULT_TOKEN, RunSettings
from conformance.proxy.recorder import DEFAULT_MAX_BODY_BYTES

__all__ = [
    "PYTEST_PREFIX",
    "RUN_OPTIONS",
    "RunOption",
    "add_to_parser",
    "add_to_pytest",
    "positive_float",
    "positive_int",
    "settings_from",
]

#: The prefix of every run option in the pytest plugin.
PYTEST_PREFIX = "conformance-"


def positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def positive_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):  # "nan" would never time out: a hanging client would hang the run
        raise argparse.ArgumentTypeError("must be a finite number of seconds")
    if value <= 0:
        raise argparse.ArgumentTypeError("must be greater than 0")
    return value


@dataclass(frozen=True)
class RunOption:
    """One option: its long name (``--<name>``), where its value goes, and argparse's keywords."""

    name: str
    dest: str
    help: str
    keywords: Mapping[str, Any] = field(default_factory=dict)
    short: str | None = None
    #: False for the options pytest has its own of (``-k``, ``--jobs``).
    in_pytest: bool = True
    #: An option about the scenarios: ``fuzz``, which plays none, leaves it out.
    scenario: bool = False

    @property
    def is_flag(self) -> bool:
        """An option that takes no value (``--no-scenarios``)."""
        return self.keywords.get("action") in ("store_true", "store_false", "store_const", "count")


RUN_OPTIONS: tuple[RunOption, ...] = (
    RunOption(
        "fixtures",
        "fixtures",
        "fixture directory (repeatable; default: the shipped corpus)",
        {"action": "append", "type": Path, "default": [], "metavar": "DIR"},
    ),
    RunOption(
        "adapter",
        "adapters",
        "adapter to run (repeatable; default: every available one). "
        "Built in: canonical, python-sdk, cli[=PATH], exec=MANIFEST",
        {"action": "append", "default": [], "metavar": "NAME[=ARG]"},
    ),
    RunOption("dw", "dw", "the dw executable for the cli adapter", {"metavar": "PATH"}),
    RunOption(
        "upstream", "upstream", "forward to a real server (live mode) instead of the stub", {"metavar": "URL"}
    ),
    RunOption(
        "insecure-upstream",
        "insecure_upstream",
        "do not verify the TLS certificate of an https --upstream",
        {"action": "store_true"},
    ),
    RunOption(
        "server-profile",
        "server_profile",
        "server profile YAML (default: v2)",
        {"type": Path, "metavar": "FILE"},
    ),
    RunOption(
        "operations", "operations", "YAML extending the operation tables", {"type": Path, "metavar": "FILE"}
    ),
    RunOption(
        "surfaced-facts",
        "surfaced_facts",
        "YAML extending the map of where each client surfaces each fact (docs/surfaced-facts.md)",
        {"type": Path, "metavar": "FILE"},
    ),
    RunOption(
        "namespace",
        "namespace",
        "namespace the clients use (default: default)",
        {"default": DEFAULT_NAMESPACE},
    ),
    RunOption(
        "token",
        "token",
        "bearer token the clients send (redacted from every output; default: $DW_CONFORMANCE_TOKEN or a "
        "local placeholder)",
        {"default": os.environ.get("DW_CONFORMANCE_TOKEN", DEFAULT_TOKEN)},
    ),
    RunOption(
        "jobs",
        "jobs",
        "cases run in parallel (default: number of cores)",
        {"type": positive_int, "default": max(1, os.cpu_count() or 1), "metavar": "N"},
        in_pytest=False,
    ),
    RunOption(
        "timeout",
        "timeout",
        f"time limit per case (default: {DEFAULT_TIMEOUT:g})",
        {"type": positive_float, "default": DEFAULT_TIMEOUT, "metavar": "SECONDS"},
    ),
    RunOption(
        "select",
        "select",
        "select cases with a pytest -k expression over file name, adapter, operation and case id "
        '(e.g. "signal or query", "not scenario")',
        {"metavar": "EXPRESSION"},
        short="-k",
        in_pytest=False,
    ),
    RunOption(
        "policy", "policy", "declared deliberate differences (YAML)", {"type": Path, "metavar": "FILE"}
    ),
    RunOption(
        "cli-output-schemas",
        "cli_output_schemas",
        "the dw CLI's output-schema manifest (schemas/output/manifest.json of a CLI checkout): "
        "the cli adapter's --json output is validated against the schema of each command",
        {"type": Path, "metavar": "MANIFEST"},
    ),
    RunOption(
        "overlay",
        "overlays",
        "directory of projection overlays: DIR/<fixture file> adds projections to that fixture (repeatable)",
        {"action": "append", "type": Path, "default": [], "metavar": "DIR"},
    ),
    RunOption(
        "scenarios",
        "scenarios",
        "directory of *.scenario.yaml files played besides the shipped scenarios (repeatable; "
        "see docs/scenarios.md)",
        {"action": "append", "type": Path, "default": [], "metavar": "DIR"},
        scenario=True,
    ),
    RunOption(
        "no-scenarios",
        "no_scenarios",
        "run the single-request cases only (no paging walks, error or retry scenarios)",
        {"action": "store_true"},
        scenario=True,
    ),
)


def add_to_parser(parser: argparse.ArgumentParser, *, scenarios: bool = True) -> None:
    """The run options on an argparse parser; without the scenario options when ``scenarios`` is False."""
    for option in RUN_OPTIONS:
        if option.scenario and not scenarios:
            continue
        flags = [option.short] if option.short else [f"--{option.name}"]
        parser.add_argument(*flags, dest=option.dest, help=option.help, **option.keywords)


class _PytestGroup(Protocol):
    def addoption(self, *opts: str, **attrs: Any) -> None: ...


def add_to_pytest(group: _PytestGroup) -> None:
    """The run options pytest does not have already, as ``--conformance-<name>``."""
    for option in RUN_OPTIONS:
        if option.in_pytest:
            group.addoption(
                f"--{PYTEST_PREFIX}{option.name}",
                dest=pytest_dest(option),
                help=option.help,
                **option.keywords,
            )


def pytest_dest(option: RunOption) -> str:
    return "conformance_" + option.dest


def settings_from(value: Callable[[str], Any], report_dir: Path, **overrides: Any) -> RunSettings:
    """:class:`RunSettings` from the parsed options; ``value(dest)`` reads one (None when absent)."""
    settings = RunSettings(
        fixtures_dirs=list(value("fixtures") or []),
        adapter_specs=list(value("adapters") or []),
        dw_path=value("dw"),
        upstream=value("upstream"),
        profile_path=value("server_profile"),
        policy_path=value("policy"),
        operations_path=value("operations"),
        surfaced_facts_path=value("surfaced_facts"),
        namespace=value("namespace") or DEFAULT_NAMESPACE,
        token=value("token") or DEFAULT_TOKEN,
        report_dir=report_dir,
        jobs=value("jobs") or 1,
        timeout=value("timeout") or DEFAULT_TIMEOUT,
        select=value("select"),
        verify_upstream_tls=not value("insecure_upstream"),
        overlay_dirs=list(value("overlays") or []),
        cli_output_schemas=value("cli_output_schemas"),
        scenario_dirs=list(value("scenarios") or []),
        run_scenarios=not value("no_scenarios"),
        max_body_bytes=value("max_body_bytes") or DEFAULT_MAX_BODY_BYTES,
    )
    for name, setting in overrides.items():
        setattr(settings, name, setting)
    return settings
