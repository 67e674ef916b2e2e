"""Loading a run's inputs and planning its cases, before any client runs.

:func:`load_run` reads everything a run needs (server profile, policy,
operation tables, the CLI's output schemas, fixtures and overlays), starts
nothing, and plans the cases: one :class:`CasePlan` per fixture and available
adapter, each carrying the :class:`~conformance.expectations.Expectation` its
client is judged against. The expectation is built here, once, by
:func:`conformance.expectations.build_expectation`; the judge, parity, the
self-test and fuzz all read that same object.

Decisions written down here:

- A fixture file that is invalid (schema, or a semantic rule such as an
  envelope that does not decode to its stated value) is an input problem: it
  is listed with file, pointer, expected and found, no case runs for it, no
  client is blamed, and every other fixture runs. Loading applies the rules
  (:func:`conformance.fixture_discovery.discover`); a fixture whose
  expectation still cannot be built for one of the run's projections is
  dropped here the same way.
- An adapter named explicitly with ``--adapter`` that is not available is a
  configuration error (exit 2); with no ``--adapter``, every available
  adapter runs and the unavailable ones are listed once.
- Two fixture files of one name (from two directories) are a configuration
  error: case ids (``<fixture file>::<adapter>``) must be unique.
- A client's own surfaced-facts map (an exec manifest's ``surfaced_facts``,
  :class:`~conformance.response.facts_map.ClientFacts`) is merged over the
  run's map for that client alone (:meth:`RunInputs.facts_for`). Each of its
  problems is an input problem (file and pointer): a broken entry, an
  operation the run does not know (no fixture, operation table or map entry
  names it), a fact nobody names (no fixture of the operation holds it in
  ``semantic_body``, the run's map does not list it). That client's cases of
  the operation do not run; every other case does.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conformance import jsonpointer
from conformance.adapters.base import Adapter, AdapterError
from conformance.adapters.registry import BUILTIN, available_names, create
from conformance.errors import UsageError
from conformance.expectations import Expectation, JudgeSettings, build_expectation
from conformance.fixture import Fixture, shipped_corpus_dir
from conformance.fixture_discovery import discover
from conformance.known_operations import unknown_operation_problems
from conformance.operations import OperationTables, load_tables
from conformance.overlay import apply_overlays, load_overlays
from conformance.policy import Policy, load_policy
from conformance.problems import InputError, Problem
from conformance.proxy.profile import ServerProfile, load_profile
from conformance.proxy.recorder import DEFAULT_MAX_BODY_BYTES
from conformance.response.cli_schemas import CliOutputSchemas, load_cli_output_schemas
from conformance.response.facts_map import ClientFacts, FactsMap, load_facts_map
from conformance.result import ImplementationInfo
from conformance.scenarios.load import load_scenarios, shipped_scenarios_dir
from conformance.scenarios.model import Scenario
from conformance.scenarios.policy import ScenarioPolicy, load_scenario_policy
from conformance.selection import Selection

__all__ = [
    "DEFAULT_ADAPTERS",
    "DEFAULT_NAMESPACE",
    "DEFAULT_TIMEOUT",
    "DEFAULT_TOKEN",
    "AdapterSlot",
    "CasePlan",
    "ConfigurationError",
    "RunInputs",
    "RunSettings",
    "load_run",
    "plan_case",
    "require_cases",
]

DEFAULT_NAMESPACE = "default"
#: A recognisable default token; it is redacted from every output like any other.
DEFAULT_TOKEN = "dw-conformance-local-token"
DEFAULT_TIMEOUT = 60.0
#: Adapters a default run tries (``exec`` needs a manifest, so it only runs when named).
DEFAULT_ADAPTERS = ("canonical", "python-sdk", "cli")
SELF_CHECK_TARGETS = frozenset({"canonical_replay"})


class ConfigurationError(UsageError):
    """The run cannot start: unknown adapter, unreadable directory, bad profile... (exit 2)."""


@dataclass
class RunSettings:
    fixtures_dirs: list[Path] = field(default_factory=list)
    adapter_specs: list[str] = field(default_factory=list)
    dw_path: str | None = None
    upstream: str | None = None
    profile_path: Path | None = None
    policy_path: Path | None = None
    operations_path: Path | None = None
    #: A YAML file extending the surfaced-facts map (``--surfaced-facts``, :mod:`conformance.response.facts`).
    surfaced_facts_path: Path | None = None
    namespace: str = DEFAULT_NAMESPACE
    token: str = DEFAULT_TOKEN
    report_dir: Path = Path("reports")
    jobs: int = max(1, os.cpu_count() or 1)
    timeout: float = DEFAULT_TIMEOUT
    select: str | None = None
    verify_upstream_tls: bool = True
    write_har: bool = True
    #: Request bodies larger than this are refused by the proxy (413) and not kept.
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    #: Keep each case's captured exchanges, verdict and client outcome after the case (the self-test
    #: re-judges them). ``run`` turns it off: the result entry, the HAR file, and for parity the
    #: normalized request, its expectation and a scenario's verdict are all it needs, and thousands of
    #: cases would otherwise hold every body and every client output in memory until the end.
    keep_evidence: bool = True
    #: Directories of projection overlays (``--overlay``; see :mod:`conformance.overlay`).
    overlay_dirs: list[Path] = field(default_factory=list)
    #: The CLI's output-schema manifest (``--cli-output-schemas``, :mod:`conformance.response.cli_schemas`).
    cli_output_schemas: Path | None = None
    #: Scenario directories besides the shipped one (``--scenarios``; :mod:`conformance.scenarios`).
    scenario_dirs: list[Path] = field(default_factory=list)
    #: Run the scenarios (``--no-scenarios`` turns them off; a live run never plays them).
    run_scenarios: bool = True

    def effective_scenario_dirs(self) -> list[Path]:
        """The shipped scenarios, then the user's, when scenarios run (stub mode only)."""
        if not self.run_scenarios or self.upstream is not None:
            return []
        return [shipped_scenarios_dir(), *self.scenario_dirs]

    def effective_fixture_dirs(self) -> list[Path]:
        return self.fixtures_dirs or [shipped_corpus_dir()]


@dataclass
class AdapterSlot:
    """One adapter of the run, with what was learnt about it at start."""

    adapter: Adapter
    available: bool
    reason: str
    identity: dict[str, str]

    @property
    def label(self) -> str:
        return self.adapter.case_label()

    @property
    def self_check(self) -> bool:
        return self.adapter.claimed_target in SELF_CHECK_TARGETS

    def info(self) -> ImplementationInfo:
        """The adapter's entry in the result document's ``implementations``."""
        return ImplementationInfo(
            adapter=self.label,
            projection=self.adapter.projection_key,
            target=self.adapter.claimed_target,
            identity=self.identity,
            self_check=self.self_check,
            available=self.available,
            reason=self.reason,
        )


@dataclass(frozen=True)
class CasePlan:
    """One case to run: a fixture, an adapter, and the expectation its client is judged against.

    A single-request case made by :func:`plan_case` or :func:`load_run` always
    carries its expectation. A scenario case (``scenario`` set) has none: its
    scenario says what is judged. A plan made by hand without one gets it
    built by the executor before the client starts; a fixture that
    contradicts itself then ends the case as an ``error`` naming the problem,
    and the client never runs.
    """

    fixture: Fixture
    slot: AdapterSlot
    expectation: Expectation | None = None
    #: A scenario case: the fixture's operation played against the scenario's answers.
    scenario: Scenario | None = None

    @property
    def subject(self) -> str:
        """What the case is about: the scenario's name, else the fixture's (``-k``, shards, parity)."""
        return self.scenario.name if self.scenario is not None else self.fixture.name

    @property
    def case_id(self) -> str:
        return f"{self.subject}::{self.slot.label}"


def plan_case(fixture: Fixture, slot: AdapterSlot, settings: JudgeSettings) -> CasePlan:
    """A case of ``fixture`` for ``slot``, with its expectation; :class:`InputError` if it cannot be built."""
    return CasePlan(fixture, slot, build_expectation(fixture, slot.adapter.projection_key, settings))


@dataclass
class RunInputs:
    """Everything a run loaded, and its planned cases (in plan order: fixture name, then adapter)."""

    settings: RunSettings
    profile: ServerProfile
    policy: Policy | None
    tables: OperationTables
    cli_schemas: CliOutputSchemas | None
    fixtures: list[Fixture]
    input_problems: list[Problem]
    slots: list[AdapterSlot]
    plans: list[CasePlan]
    #: Every scenario loaded (applicable or not) and the ``scenario_differences`` of the policy file.
    scenarios: list[Scenario] = field(default_factory=list)
    scenario_policy: ScenarioPolicy | None = None
    #: Where each client surfaces each fact of ``semantic_body`` (:mod:`conformance.response.facts`).
    facts: FactsMap = field(default_factory=FactsMap)
    #: Adapter label -> the run's map with that client's own map merged over it (a manifest's map).
    client_facts: dict[str, FactsMap] = field(default_factory=dict)

    def facts_for(self, slot: AdapterSlot) -> FactsMap:
        """The map ``slot``'s client is judged by: the run's, with the client's own map over it."""
        return self.client_facts.get(slot.label, self.facts)

    @property
    def scenarios_not_applicable(self) -> list[Scenario]:
        """Scenarios whose fixture the corpus does not hold: listed, never run, no part in the level."""
        return [scenario for scenario in self.scenarios if not scenario.applicable]

    @property
    def judge_settings(self) -> JudgeSettings:
        return judge_settings(self.settings, self.profile)


def judge_settings(settings: RunSettings, profile: ServerProfile) -> JudgeSettings:
    return JudgeSettings(namespace=settings.namespace, token=settings.token, api_prefix=profile.api_prefix)


def load_run(settings: RunSettings, *, notify: Callable[[str], None] | None = None) -> RunInputs:
    """Load every input and plan the cases; :class:`ConfigurationError` on fatal problems."""
    say = notify or (lambda message: None)
    try:
        profile = load_profile(settings.profile_path)
        policy = load_policy(settings.policy_path) if settings.policy_path else None
        scenario_policy = load_scenario_policy(settings.policy_path) if settings.policy_path else None
        tables = load_tables(settings.operations_path)
        facts = load_facts_map(settings.surfaced_facts_path)
        cli_schemas = (
            load_cli_output_schemas(settings.cli_output_schemas)
            if settings.cli_output_schemas is not None
            else None
        )
    except InputError as error:
        raise ConfigurationError(str(error)) from error
    # The adapters are probed (``dw --version``, an interpreter's SDK version: child processes) while the
    # fixtures load: neither needs the other, and the probes mostly wait. Errors keep their order: a
    # fixtures problem is raised first, as when the two ran one after the other.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="dw-adapter-probe") as probes:
        probed = probes.submit(build_adapters, settings)
        fixtures, problems = _load_fixtures(settings)
        slots = probed.result()
    unknown = unknown_operation_problems(fixtures, tables, profile)
    if unknown:  # an input problem, never a quiet skip
        refused = {problem.file for problem in unknown}
        fixtures = [fixture for fixture in fixtures if str(fixture.path) not in refused]
        problems.extend(unknown)
    declared = _client_maps(slots, facts, fixtures, tables, profile)
    problems.extend(problem for client in declared.values() for problem in client.problems)
    selection = Selection.parse(settings.select)
    plans: list[CasePlan] = []
    expectations = judge_settings(settings, profile)
    for fixture in list(fixtures):
        chosen = [
            slot
            for slot in slots
            if slot.available
            and not (slot.label in declared and declared[slot.label].refuses(fixture.operation))
            and _selected(selection, fixture.name, fixture, f"{fixture.name}::{slot.label}")
        ]
        try:
            plans.extend(plan_case(fixture, slot, expectations) for slot in chosen)
        except InputError as error:  # the fixture contradicts itself for one projection: none of its cases
            plans = [plan for plan in plans if plan.fixture is not fixture]
            fixtures.remove(fixture)
            problems.extend(error.problems)
    scenarios, scenario_problems = load_scenarios(
        settings.effective_scenario_dirs(), {fixture.name: fixture for fixture in fixtures}
    )
    problems.extend(scenario_problems)
    plans.extend(_scenario_plans(scenarios, slots, selection))
    for problem in problems:
        say(f"skipping input: {problem.render()}")
    return RunInputs(
        settings,
        profile,
        policy,
        tables,
        cli_schemas,
        fixtures,
        problems,
        slots,
        plans,
        scenarios=scenarios,
        scenario_policy=scenario_policy,
        facts=facts,
        client_facts={label: facts.merged(client.facts) for label, client in declared.items()},
    )


def _client_maps(
    slots: list[AdapterSlot],
    facts: FactsMap,
    fixtures: list[Fixture],
    tables: OperationTables,
    profile: ServerProfile,
) -> dict[str, ClientFacts]:
    """Each available client's own map (by adapter label), checked against what the run knows."""
    declared = {
        slot.label: client
        for slot in slots
        if slot.available and (client := slot.adapter.surfaced_facts()) is not None
    }
    if not declared:
        return {}
    operations = {
        *facts.operations,
        *tables.cli_commands,
        *tables.sdk_methods,
        *profile.operation_defaults,
        *(fixture.operation for fixture in fixtures),
    }
    bodies: dict[str, list[Any]] = {}
    for fixture in fixtures:
        if "semantic_body" in fixture.data:
            bodies.setdefault(fixture.operation, []).append(fixture.data["semantic_body"])

    def knows_fact(operation: str, fact: str) -> bool:
        return fact in facts.for_operation(operation).facts or any(
            _holds(body, fact) for body in bodies.get(operation, [])
        )

    return {label: client.checked(operations, knows_fact) for label, client in declared.items()}


def _holds(document: Any, pointer: str) -> bool:
    try:
        jsonpointer.resolve(document, pointer)
    except jsonpointer.PointerError:
        return False
    return True


def _scenario_plans(
    scenarios: list[Scenario], slots: list[AdapterSlot], selection: Selection | None
) -> list[CasePlan]:
    """One case per applicable scenario and real client (self-checks replay a fixture: no scenario)."""
    plans: list[CasePlan] = []
    for scenario in sorted(scenarios, key=lambda item: item.name):
        fixture = scenario.fixture
        if fixture is None:
            continue
        for slot in slots:
            if not slot.available or slot.self_check:
                continue
            if _selected(selection, scenario.name, fixture, scenario.case_id(slot.label)):
                plans.append(CasePlan(fixture, slot, scenario=scenario))
    return plans


def require_cases(plans: Iterable[CasePlan], select: str | None) -> None:
    """:class:`ConfigurationError` when nothing was planned (no adapter matched, or ``-k`` chose nothing)."""
    if not any(True for _ in plans):
        raise ConfigurationError(
            "nothing to run: no available adapter matched any selected fixture"
            + (f" (-k {select!r})" if select else "")
        )


def _selected(selection: Selection | None, name: str, fixture: Fixture, case_id: str) -> bool:
    return selection is None or selection.selects(name, fixture.operation, case_id)


def _load_fixtures(settings: RunSettings) -> tuple[list[Fixture], list[Problem]]:
    for directory in settings.overlay_dirs:
        if not directory.is_dir():
            raise ConfigurationError(f"{directory}: expected a readable overlay directory; found none")
    for directory in settings.effective_fixture_dirs():
        if not directory.is_dir():
            raise ConfigurationError(f"{directory}: expected a readable fixtures directory; found none")
        if not os.access(directory, os.R_OK | os.X_OK):
            raise ConfigurationError(
                f"{directory}: expected a readable fixtures directory; permission denied"
            )
    found = discover(settings.effective_fixture_dirs())
    fixtures = _distinct_fixtures(found.fixtures)
    problems = list(found.problems)
    if settings.overlay_dirs:
        overlays, overlay_problems = load_overlays(settings.overlay_dirs)
        applied = apply_overlays(fixtures, overlays)
        fixtures = list(applied.fixtures)
        problems.extend([*overlay_problems, *applied.problems])
    return fixtures, problems


def build_adapters(settings: RunSettings) -> list[AdapterSlot]:
    """The run's adapters: the ones named (each must be available), else every available default one."""
    explicit = bool(settings.adapter_specs)
    specs = settings.adapter_specs or [
        name for name in available_names() if name in DEFAULT_ADAPTERS or name not in BUILTIN
    ]
    slots: list[AdapterSlot] = []
    labels: set[str] = set()
    for spec in specs:
        try:
            adapter = create(spec, dw_path=settings.dw_path)
            availability = adapter.check_available()
        except AdapterError as error:
            raise ConfigurationError(str(error)) from error
        label = adapter.case_label()
        if label in labels:
            raise ConfigurationError(
                f"adapter {label!r} is named twice: give each instance a label of its own "
                f"(--adapter {label}@NAME=...)"
            )
        labels.add(label)
        if not availability.available and explicit:
            raise ConfigurationError(f"adapter {label!r} is not available: {availability.reason}")
        identity = {"name": label, "version": "unknown", "installed": "unknown"}
        if availability.available:
            try:
                identity = adapter.identity().to_json()
            except Exception as error:  # identity is informative; never fatal
                identity["installed"] = f"identity unavailable: {error}"
        slots.append(AdapterSlot(adapter, availability.available, availability.reason, identity))
    return slots


def _distinct_fixtures(fixtures: Iterable[Fixture]) -> list[Fixture]:
    """The fixtures sorted by name, each file once; two files of one name are a configuration error.

    A case is identified by ``<fixture file name>::<adapter>`` (results, HAR
    files, ``-k``, pytest ids), so two files of the same name from different
    directories would share their case ids and one result would silently
    replace the other. The same file reached twice (a directory named twice)
    simply runs once.
    """
    by_name: dict[str, Fixture] = {}
    for fixture in sorted(fixtures, key=lambda item: (item.name, str(item.path))):
        seen = by_name.get(fixture.name)
        if seen is None:
            by_name[fixture.name] = fixture
        elif seen.path.resolve() != fixture.path.resolve():
            raise ConfigurationError(
                f"two fixture files are named {fixture.name} ({seen.path} and {fixture.path}); "
                "case ids (<fixture file>::<adapter>) must be unique: run the directories separately"
            )
    return list(by_name.values())
