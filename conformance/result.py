"""The result document of a run, its JSON Schema, and the run's conformance level.

One document per run, schema ``durable-workflow.v2.platform-conformance.result``
version 1. The runner fills the dataclasses below (or hands plain dicts to
:func:`build_document`); :meth:`ResultDocument.to_json` adds the two derived
parts, ``summary`` (counts) and ``conformance`` (the level), so they can never
disagree with the cases. Everything handed in must already be JSON-safe and
redacted: this module neither redacts nor escapes, the report writers escape.

Conformance level (:func:`conformance_level`), the decisions:

- **Who decides.** Every implementation claims one target (``official_sdk``,
  ``cli_json_client``, or whatever an exec adapter declares). Self-check
  adapters (``self_check: true``, e.g. ``canonical`` replaying the fixture
  itself) claim no conformance target: they are left out of the level as soon
  as one real client *ran* (had at least one case that was not skipped). When
  no real client ran, the self-checks decide, so a run with no client
  installed still gates the corpus and the harness itself.
- **A target passes** when every non-skipped case of every deciding adapter
  claiming it passed. ``error`` counts as not passing (a client that could not
  be exercised has not shown conformance). A target whose adapters had only
  skipped cases, or that were unavailable, is ``not_run`` and does not take
  part in the level; the explanation names it.
- **Required or provisional.** Each case belongs to a fixture category; the
  category table (:data:`CATEGORY_STABILITY`) says whether it is ``stable``
  (required) or ``provisional``. A category the table does not know counts as
  stable: an unknown category must not soften a verdict. A scenario case is
  required (:data:`SCENARIO_CATEGORY`, stable) like a fixture case: its rule
  rests on the server's behaviour or on HTTP semantics (walk every page, a
  4xx is final, an error surfaces as an error). A scenario whose file gives
  ``provisional: {reason}`` (its rule goes beyond what the server guarantees,
  such as honouring a ``Retry-After`` the server never sends) is filed under
  :data:`PROVISIONAL_SCENARIO_CATEGORY`, and its case carries that reason
  (``provisional_reason``) for every report. Documents written before this
  split filed every scenario under ``scenario_sequence`` with that category
  provisional; their own ``categories`` table keeps them reading as written.
  The explanation of a ``partial`` or ``nonconforming`` level names the
  required scenario cases that failed.
- **The level**, first rule that applies:
  1. nothing ran at all (every case skipped, or no case) -> ``nonconforming``;
  2. no deciding case failed -> ``full``;
  3. only cases of provisional categories failed -> ``provisional``;
  4. at least one target has no failure in a required category, and another
     has -> ``partial`` ("passes fully" is read on the required fixtures: a
     target whose only failures are provisional still passes what is
     required of it);
  5. otherwise (a required fixture failed for every deciding target) ->
     ``nonconforming``.
- **Replayed cases** (:mod:`conformance.replays`): when a real client's
  program says it replayed the canonical request instead of performing the
  operation, a level that would be ``full`` reads ``replayed``; any other
  level keeps its value, and the explanation names the replayed cases.
- **Known failures** (``--known-failures``, :mod:`conformance.known_failures`):
  a case whose ``known_failure.outcome`` is ``known`` (it failed exactly where
  the file says) counts as passing for the level, and the explanation says how
  many were excused. A known case failing elsewhere, or erroring, counts like
  any failure. With ``strict`` set in the document's ``known_failures``
  section, a listed case that now passes (``fixed``) makes the level
  ``nonconforming``: the file is out of date and the gate says so.
- **Input problems** (a fixture or scenario file that is invalid or
  contradicts itself, an unknown operation: ``input_problems``) mean the
  corpus did not run whole, so by default the run claims nothing
  (:func:`input_problem_rule`): a level of ``full``, ``partial`` or
  ``provisional`` becomes ``incomplete``, its explanation says how many
  inputs could not be used and what the cases that ran alone would give,
  and :func:`exit_code_for` gives 1. A level that already says
  ``nonconforming`` or ``incomplete`` stays, with the count noted. With
  ``run.allow_input_problems`` (``run --allow-input-problems``) the level
  speaks for the cases that ran, notes the count, and the exit code follows
  the level alone: the rule before this release, for a team that tracks its
  corpus's problems elsewhere.
- **Interrupted runs.** A case cut short by an interruption (Ctrl-C, SIGTERM)
  has the status ``interrupted``: it is no verdict on its client and takes
  no part in the level. An incomplete run (``run.complete`` false) has the
  level ``incomplete``: it claims nothing about any target; the explanation
  says how many cases finished and cut short, and what the finished cases
  alone would give. ``exit_code_for`` gives 0 for it (the ``run`` command
  exits 128 + the signal for an interrupted run anyway: 130, 143).

The harness exits 1 when the level is ``nonconforming``, or when inputs had
problems and the run did not allow them (:func:`exit_code_for`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Literal

from jsonschema import Draft202012Validator

from conformance import SUITE_VERSION, __version__, jsonpointer
from conformance.compatibility import compatibility
from conformance.errors import UsageError
from conformance.known_failures import EXCUSED, annotate_cases, known_outcome
from conformance.replays import REPLAYED, deciding_replays, level_with_replays
from conformance.schema_files import checked_validator, packaged_schema

SCHEMA_ID = "durable-workflow.v2.platform-conformance.result"
SCHEMA_VERSION = 1
SCHEMA_RESOURCE = "schemas/result-v1.schema.json"
SUITE_NAME = "dw-conformance"

#: The category of every control-plane request fixture.
DEFAULT_CATEGORY = "control_plane_request_response"
#: The category of a required scenario case (a paging walk, an error answer: docs/scenarios.md).
SCENARIO_CATEGORY = "scenario_sequence"
#: The category of a scenario whose file says why its rule does not gate (``provisional: {reason}``).
PROVISIONAL_SCENARIO_CATEGORY = "scenario_provisional"
#: Every category a scenario case is filed under (how merge and the reports tell scenarios from fixtures).
SCENARIO_CATEGORIES = (SCENARIO_CATEGORY, PROVISIONAL_SCENARIO_CATEGORY)
#: Fixture category -> "stable" (required) or "provisional". Unknown categories are stable.
CATEGORY_STABILITY: Mapping[str, str] = {
    DEFAULT_CATEGORY: "stable",
    SCENARIO_CATEGORY: "stable",
    PROVISIONAL_SCENARIO_CATEGORY: "provisional",
}

CASE_STATUSES = ("pass", "fail", "error", "skipped")
#: The status of a case cut short by an interruption (counted only when some case has it).
INTERRUPTED = "interrupted"
LEVELS = ("full", "replayed", "partial", "provisional", "nonconforming", "incomplete")
Level = Literal["full", "replayed", "partial", "provisional", "nonconforming", "incomplete"]
TargetStatus = Literal["pass", "fail", "not_run"]


def _jsonable(value: Any) -> Any:
    """``value.to_json()`` for objects that have it (Difference, ClientOutcome...), else ``value``."""
    to_json = getattr(value, "to_json", None)
    return to_json() if callable(to_json) else value


def _jsonable_list(values: Iterable[Any]) -> list[Any]:
    return [_jsonable(value) for value in values]


@dataclass
class RunInfo:
    """How the run was made. Times are ISO 8601 UTC strings."""

    started_at: str
    finished_at: str
    duration_seconds: float
    mode: str = "stub"  # "stub" | "live"
    upstream: str | None = None
    server_profile: str = "v2"
    namespace: str = "default"
    fixtures_dirs: list[str] = field(default_factory=list)
    selection: str | None = None
    jobs: int = 1
    complete: bool = True
    interrupted: bool = False
    policy: str | None = None
    #: ``--overlay`` directories; the key is written only when some were given.
    overlay_dirs: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        document: dict[str, Any] = {
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "duration_seconds": self.duration_seconds,
            "mode": self.mode,
            "upstream": self.upstream,
            "server_profile": self.server_profile,
            "namespace": self.namespace,
            "fixtures_dirs": list(self.fixtures_dirs),
            "selection": self.selection,
            "jobs": self.jobs,
            "complete": self.complete,
            "interrupted": self.interrupted,
            "policy": self.policy,
        }
        if self.overlay_dirs:
            document["overlay_dirs"] = list(self.overlay_dirs)
        return document


@dataclass
class ImplementationInfo:
    """One adapter of the run and the client behind it."""

    adapter: str
    projection: str
    target: str
    identity: Mapping[str, str]
    self_check: bool = False
    available: bool = True
    reason: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "adapter": self.adapter,
            "projection": self.projection,
            "target": self.target,
            "self_check": self.self_check,
            "identity": dict(_jsonable(self.identity)),
            "available": self.available,
            "reason": self.reason,
        }


@dataclass
class CaseResult:
    """One fixture run by one adapter: what the executor fills while the case runs.

    ``differences`` and ``diagnostic_diff`` take :class:`conformance.findings.Difference`
    objects or their JSON form; ``client`` takes a ``ClientOutcome`` or its JSON form,
    ``response`` a ``ResponseVerdict`` or its JSON form. The status is set only
    from :func:`conformance.case_status.decide_status`; :func:`conformance.sealing.seal`
    turns the result into its redacted, run-independent JSON entry.
    """

    fixture: str
    operation: str
    adapter: str
    status: str
    projection: str = ""
    target: str = ""
    fixture_path: str = ""
    category: str = DEFAULT_CATEGORY
    reason: str = ""
    differences: Sequence[Any] = ()
    diagnostic_diff: Sequence[Any] = ()
    not_asserted: Sequence[str] = ()
    expected: Any = None
    request: Any = None
    ancillary: Sequence[Mapping[str, Any]] = ()
    client: Any = None
    response_diagnostics: Sequence[str] = ()
    response: Any = None
    #: A scenario case's verdict (``ScenarioVerdict`` or its JSON); the key is written only for them.
    scenario: Any = None
    #: Why a case of a provisional category does not gate (the scenario file's reason); written when set.
    provisional_reason: str = ""
    rendered: str = ""
    har: str | None = None
    duration_seconds: float = 0.0
    id: str = ""

    def to_json(self) -> dict[str, Any]:
        document = {
            "id": self.id or f"{self.fixture}::{self.adapter}",
            "fixture": self.fixture,
            "fixture_path": self.fixture_path,
            "operation": self.operation,
            "category": self.category,
            "adapter": self.adapter,
            "projection": self.projection,
            "target": self.target,
            "status": self.status,
            "reason": self.reason,
            "differences": _jsonable_list(self.differences),
            "diagnostic_diff": _jsonable_list(self.diagnostic_diff),
            "not_asserted": list(self.not_asserted),
            "expected": _jsonable(self.expected),
            "request": _jsonable(self.request),
            "ancillary": [dict(item) for item in self.ancillary],
            "client": _jsonable(self.client),
            "response_diagnostics": list(self.response_diagnostics),
            "response": _jsonable(self.response),
            "rendered": self.rendered,
            "har": self.har,
            "duration_seconds": self.duration_seconds,
        }
        if self.scenario is not None:
            document["scenario"] = _jsonable(self.scenario)
        if self.provisional_reason:
            document["provisional_reason"] = self.provisional_reason
        if isinstance(document["client"], Mapping) and document["client"].get(REPLAYED) is True:
            document[REPLAYED] = True  # the program said so (conformance.replays); written only when true
        return document


@dataclass
class ParityResult:
    """Client-versus-client findings for one fixture.

    In each finding, ``expected`` is the value sent by the first adapter of
    ``adapters`` and ``actual`` the value sent by the second.
    """

    fixture: str
    operation: str
    adapters: Sequence[str]
    findings: Sequence[Any] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "fixture": self.fixture,
            "operation": self.operation,
            "adapters": list(self.adapters),
            "findings": _jsonable_list(self.findings),
        }


def group_parity(items: Iterable[Any]) -> list[dict[str, Any]]:
    """Parity entries in the document's shape, one per fixture and pair of clients.

    Accepts entries already in that shape (``ParityResult`` or its JSON) and
    the flat findings of :mod:`conformance.parity` (``ParityFinding`` or its
    JSON: ``fixture``, ``left``/``right`` clients, ``left_value``/``right_value``),
    which are grouped by fixture and client pair in order of first appearance;
    a finding's ``expected`` is the left client's value, ``actual`` the right's.
    """
    entries: list[dict[str, Any]] = []
    groups: dict[tuple[str, str, str], dict[str, Any]] = {}
    for item in items:
        data = dict(_jsonable(item))
        if "findings" in data:
            entries.append(data)
            continue
        left, right = dict(data.get("left") or {}), dict(data.get("right") or {})
        key = (str(data.get("fixture", "")), str(left.get("client", "")), str(right.get("client", "")))
        entry = groups.get(key)
        if entry is None:
            entry = {
                "fixture": key[0],
                "operation": str(data.get("operation", "")),
                "adapters": [key[1], key[2]],
                "projections": [str(left.get("projection", "")), str(right.get("projection", ""))],
                "findings": [],
            }
            groups[key] = entry
            entries.append(entry)
        finding = {
            "pointer": data.get("pointer", ""),
            "kind": data.get("kind", ""),
            "expected": data.get("left_value"),
            "actual": data.get("right_value"),
            "severity": data.get("severity", "failure"),
        }
        if data.get("message"):
            finding["message"] = data["message"]
        entry["findings"].append(finding)
    return entries


@dataclass(frozen=True)
class Conformance:
    level: str
    targets: Mapping[str, str]
    explanation: str

    def to_json(self) -> dict[str, Any]:
        return {"level": self.level, "targets": dict(self.targets), "explanation": self.explanation}


def _is_self_check(implementation: Mapping[str, Any]) -> bool:
    return bool(implementation.get("self_check", False))


#: How a provisional level's explanation starts, and how it started before scenarios existed.
_PROVISIONAL_WORDING = "Only cases of provisional categories (such as scenarios) failed"
_EARLIER_PROVISIONAL_WORDING = "Only fixtures of provisional categories failed"
#: How a ``full`` level's explanation starts when some cases were skipped: "every case passed" would
#: claim the skipped ones too. Documents written before said "Every case passed for" (still valid).
_FULL_WITH_SKIPS = "Every case that ran passed for"
_SKIPS_NOTE = re.compile(r"; \d+ cases? skipped \(not exercised: see the reports for why\)")


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def conformance_level(
    cases: Sequence[Mapping[str, Any]],
    implementations: Sequence[Mapping[str, Any]],
    categories: Mapping[str, str] = CATEGORY_STABILITY,
    *,
    complete: bool = True,
    strict_known_failures: bool = False,
) -> Conformance:
    """The run's conformance level from its cases (JSON form); rules in the module docstring."""
    cut_short = [str(case.get("id", "")) for case in cases if case.get("status") == INTERRUPTED]
    cases = [case for case in cases if case.get("status") != INTERRUPTED]
    if not complete:
        finished = _with_replays(
            _level_with_known_failures(cases, implementations, categories, strict_known_failures),
            cases,
            implementations,
        )
        cut = (
            f"; {_plural(len(cut_short), 'case')} cut short ({', '.join(cut_short[:5])}"
            f"{' ...' if len(cut_short) > 5 else ''})"
            if cut_short
            else ""
        )
        return Conformance(
            "incomplete",
            finished.targets,
            f"The run is incomplete (interrupted or stopped early): {_plural(len(cases), 'case')} "
            f"finished{cut}. Nothing is claimed about any client; the finished cases alone would give "
            f"{finished.level!r}: {finished.explanation}",
        )
    return _with_replays(
        _level_with_known_failures(cases, implementations, categories, strict_known_failures),
        cases,
        implementations,
    )


def _with_replays(
    level: Conformance, cases: Sequence[Mapping[str, Any]], implementations: Sequence[Mapping[str, Any]]
) -> Conformance:
    """A run whose real clients replayed cases never reads ``full`` (rules: :mod:`conformance.replays`)."""
    name, explanation = level_with_replays(
        level.level, level.explanation, deciding_replays(cases, implementations)
    )
    return Conformance(name, level.targets, explanation)


def _level_with_known_failures(
    cases: Sequence[Mapping[str, Any]],
    implementations: Sequence[Mapping[str, Any]],
    categories: Mapping[str, str],
    strict_known_failures: bool,
) -> Conformance:
    excused = [case for case in cases if known_outcome(case) == EXCUSED]
    fixed = [str(case.get("id", "")) for case in cases if known_outcome(case) == "fixed"]
    if excused:  # a known failure, failing as described, counts as passing
        cases = [{**case, "status": "pass"} if known_outcome(case) == EXCUSED else case for case in cases]
    level = _level_of(cases, implementations, categories)
    notes = []
    if excused:
        notes.append(f"{_plural(len(excused), 'known failure')} excused by the known-failures file")
    if fixed:
        notes.append(f"{_plural(len(fixed), 'listed known failure')} now passing ({', '.join(fixed[:5])})")
    if fixed and strict_known_failures:
        return Conformance(
            "nonconforming",
            level.targets,
            f"{_plural(len(fixed), 'case')} listed as known failures now "
            f"{'passes' if len(fixed) == 1 else 'pass'} and --strict-known-failures is set: "
            f"remove {'it' if len(fixed) == 1 else 'them'} from the known-failures file "
            f"({', '.join(fixed[:5])}). Otherwise: {level.explanation}",
        )
    for opening in ("Every case passed for ", f"{_FULL_WITH_SKIPS} "):
        if excused and level.explanation.startswith(opening):
            level = Conformance(
                level.level,
                level.targets,
                "Every case that ran passed, or failed only where the known-failures file says, for "
                + level.explanation.removeprefix(opening),
            )
            break
    if notes:
        return Conformance(
            level.level, level.targets, level.explanation.rstrip(".") + "; " + "; ".join(notes) + "."
        )
    return level


def is_required(case: Mapping[str, Any], categories: Mapping[str, str] = CATEGORY_STABILITY) -> bool:
    """Whether the case's category is required (stable); an unknown category is required."""
    return categories.get(str(case.get("category", DEFAULT_CATEGORY)), "stable") != "provisional"


def deciding_adapters(
    cases: Sequence[Mapping[str, Any]], implementations: Sequence[Mapping[str, Any]]
) -> tuple[set[str], bool]:
    """The adapters whose cases decide the level, and whether they are self-checks only.

    Real clients that ran decide; when none ran, the self-check adapters that
    ran do (see "Who decides" in the module docstring).
    """
    self_check = {str(impl["adapter"]) for impl in implementations if _is_self_check(impl)}
    ran = {str(case["adapter"]) for case in cases if case.get("status") not in ("skipped", INTERRUPTED)}
    real_ran = ran - self_check
    deciding = real_ran or (ran & self_check)
    return deciding, not real_ran and bool(deciding)


def _level_of(
    cases: Sequence[Mapping[str, Any]],
    implementations: Sequence[Mapping[str, Any]],
    categories: Mapping[str, str],
) -> Conformance:
    self_check = {str(impl["adapter"]) for impl in implementations if _is_self_check(impl)}
    target_of = {str(impl["adapter"]): str(impl.get("target", "")) for impl in implementations}
    for case in cases:  # cases of adapters the implementations list forgot still count
        target_of.setdefault(str(case["adapter"]), str(case.get("target", "")))

    deciding, only_self_checks = deciding_adapters(cases, implementations)

    targets: dict[str, str] = {}
    for adapter, target in target_of.items():
        if adapter in self_check and not only_self_checks:
            continue
        targets.setdefault(target, "not_run")

    suffix = ""
    if not deciding:
        return Conformance("nonconforming", targets, "Nothing ran: every case was skipped." + suffix)

    failing: dict[str, list[Mapping[str, Any]]] = {}
    for case in cases:
        adapter = str(case["adapter"])
        if adapter not in deciding or case.get("status") == "skipped":
            continue
        target = target_of[adapter]
        failing.setdefault(target, [])
        targets[target] = "pass" if targets.get(target) in (None, "not_run", "pass") else targets[target]
        if case.get("status") != "pass":
            failing[target].append(case)
            targets[target] = "fail"

    def required(case: Mapping[str, Any]) -> bool:
        return is_required(case, categories)

    judged = sorted(failing)
    not_run = sorted(target for target, status in targets.items() if status == "not_run")
    tail = (f"; not run: {', '.join(not_run)}" if not_run else "") + suffix
    who = "self-check adapters only (no real client ran)" if only_self_checks else ", ".join(judged)
    failed_cases = [case for target in judged for case in failing[target]]
    if not failed_cases:
        skipped = sum(1 for case in cases if case["adapter"] in deciding and case.get("status") == "skipped")
        if skipped:
            return Conformance(
                "full",
                targets,
                f"{_FULL_WITH_SKIPS} {who}{tail}; {_plural(skipped, 'case')} skipped (not exercised: "
                "see the reports for why).",
            )
        return Conformance("full", targets, f"Every case passed for {who}{tail}.")
    required_failures = {target: sum(1 for case in failing[target] if required(case)) for target in judged}
    if not any(required_failures.values()):
        return Conformance(
            "provisional",
            targets,
            f"{_PROVISIONAL_WORDING} ({_plural(len(failed_cases), 'case')}) for {who}{tail}.",
        )
    clean = [target for target in judged if not required_failures[target]]
    broken = [target for target in judged if required_failures[target]]
    scenarios = _required_scenarios_failed([case for case in failed_cases if required(case)])
    if clean:
        return Conformance(
            "partial",
            targets,
            f"{', '.join(clean)} passed every required fixture; {', '.join(broken)} failed "
            f"{_plural(sum(required_failures.values()), 'required case')}{scenarios}{tail}.",
        )
    return Conformance(
        "nonconforming",
        targets,
        f"A required fixture failed for every target that ran ({who}): "
        f"{_plural(sum(required_failures.values()), 'required case')} did not pass{scenarios}{tail}.",
    )


#: Required scenario cases named in a level's explanation (the reports list every one).
_SCENARIOS_NAMED = 8


def _required_scenarios_failed(failed: Sequence[Mapping[str, Any]]) -> str:
    """``" (required scenarios failed: a::cli, ...)"``, or "" when no required scenario case failed."""
    ids = [str(case.get("id", "")) for case in failed if case.get("category") == SCENARIO_CATEGORY]
    if not ids:
        return ""
    more = f" and {len(ids) - _SCENARIOS_NAMED} more" if len(ids) > _SCENARIOS_NAMED else ""
    word = "scenario" if len(ids) == 1 else "scenarios"
    return f" (required {word} failed: {', '.join(ids[:_SCENARIOS_NAMED])}{more})"


def summarize(cases: Sequence[Mapping[str, Any]], *, known_failures: bool = False) -> dict[str, Any]:
    """Counts of case statuses, overall and per adapter.

    ``known_failures`` and ``fixed`` count the listed cases that failed as
    described and that now pass; they are part of ``fail`` and ``pass``, and
    are there only when the run had a known-failures file (``known_failures``).
    """
    summary: dict[str, Any] = {"total": len(cases), **{status: 0 for status in CASE_STATUSES}}
    interrupted = any(case.get("status") == INTERRUPTED for case in cases)
    if interrupted:
        summary[INTERRUPTED] = 0
    if known_failures:
        summary["known_failures"] = sum(1 for case in cases if known_outcome(case) == EXCUSED)
        summary["fixed"] = sum(1 for case in cases if known_outcome(case) == "fixed")
    by_adapter: dict[str, dict[str, int]] = {}
    for case in cases:
        status = str(case["status"])
        summary[status] = summary.get(status, 0) + 1
        counts = by_adapter.setdefault(
            str(case["adapter"]), {s: 0 for s in (*CASE_STATUSES, *((INTERRUPTED,) if interrupted else ()))}
        )
        counts[status] = counts.get(status, 0) + 1
        if case.get(REPLAYED) is True:  # only where some case was replayed: older results keep their bytes
            summary[REPLAYED] = summary.get(REPLAYED, 0) + 1
            counts[REPLAYED] = counts.get(REPLAYED, 0) + 1
    summary["by_adapter"] = by_adapter
    return summary


@dataclass
class ResultDocument:
    """The whole result document; :meth:`to_json` derives ``summary`` and ``conformance``."""

    run: RunInfo | Mapping[str, Any]
    implementations: Sequence[ImplementationInfo | Mapping[str, Any]] = ()
    cases: Sequence[CaseResult | Mapping[str, Any]] = ()
    parity: Sequence[ParityResult | Mapping[str, Any]] = ()
    input_problems: Sequence[str] = ()
    suite: Mapping[str, str] | None = None
    fixture_category: str = DEFAULT_CATEGORY
    categories: Mapping[str, str] = field(default_factory=lambda: dict(CATEGORY_STABILITY))
    #: The ``known_failures`` section (a ``KnownFailures`` or its JSON), or None when no file was given.
    known_failures: Any = None
    #: The ``scenarios`` section (scenarios loaded, and those not applicable to the corpus), or None.
    scenarios: Mapping[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        implementations = [dict(_jsonable(item)) for item in self.implementations]
        cases = [dict(_jsonable(item)) for item in self.cases]
        for case in cases:
            case.setdefault("category", self.fixture_category)
        known = known_failures_section(cases, self.known_failures)
        run = dict(_jsonable(self.run))
        run.setdefault("policy", None)
        suite = dict(self.suite) if self.suite else {}
        suite.setdefault("name", SUITE_NAME)
        suite.setdefault("version", __version__)
        suite.setdefault("suite_version", SUITE_VERSION)
        level = conformance_level(
            cases,
            implementations,
            self.categories,
            complete=bool(run.get("complete", True)),
            strict_known_failures=bool(known and known.get("strict")),
        )
        document = {
            "schema": SCHEMA_ID,
            "version": SCHEMA_VERSION,
            "suite": suite,
            "fixture_category": self.fixture_category,
            "categories": dict(self.categories),
            "run": run,
            "implementations": implementations,
            "cases": cases,
            "parity": group_parity(self.parity),
            "input_problems": list(self.input_problems),
            "summary": summarize(cases, known_failures=known is not None),
            "conformance": input_problem_rule(
                level, len(self.input_problems), allowed=input_problems_allowed(run)
            ).to_json(),
        }
        if known is not None:
            document["known_failures"] = known
        if self.scenarios is not None:
            document["scenarios"] = dict(self.scenarios)
        matrix = compatibility(cases, implementations, self.categories)
        if matrix:
            document["compatibility"] = matrix
        return document


def input_problems_allowed(run: Mapping[str, Any]) -> bool:
    """Whether the run was told to let its input problems pass (``run --allow-input-problems``)."""
    return bool(run.get("allow_input_problems", False))


def input_problem_rule(level: Conformance, count: int, *, allowed: bool = False) -> Conformance:
    """The level once the run's input problems are counted (the rule in the module docstring)."""
    if count == 0 or allowed or level.level in ("nonconforming", "incomplete"):
        return _with_input_problems(level, count)
    return Conformance(
        "incomplete",
        level.targets,
        f"{_plural(count, 'input problem')} (see input_problems): part of the corpus could not be "
        "used, so nothing is claimed about any client (--allow-input-problems judges the cases that "
        f"ran alone). The cases that ran alone would give {level.level!r}: {level.explanation}",
    )


def _with_input_problems(level: Conformance, count: int) -> Conformance:
    """The level's explanation, saying how many inputs could not be used (they take no part in it)."""
    if count == 0:
        return level
    note = f" {_plural(count, 'input problem')}: the inputs concerned took no part (see input_problems)."
    return Conformance(level.level, level.targets, level.explanation.rstrip() + note)


def known_failures_section(cases: Sequence[dict[str, Any]], given: Any) -> dict[str, Any] | None:
    """Annotate ``cases`` (in place) from ``given`` and return the document's section (None: no file)."""
    if given is None:
        annotate_cases(cases, None)
        return None
    section = dict(_jsonable(given))
    section.pop("not_in_run", None)
    section = {
        "source": str(section.get("source", "")),
        "strict": bool(section.get("strict", False)),
        "entries": [dict(entry) for entry in section.get("entries") or []],
    }
    section["not_in_run"] = annotate_cases(cases, section)
    return section


def build_document(
    *,
    run: RunInfo | Mapping[str, Any],
    implementations: Sequence[ImplementationInfo | Mapping[str, Any]] = (),
    cases: Sequence[CaseResult | Mapping[str, Any]] = (),
    parity: Sequence[ParityResult | Mapping[str, Any]] = (),
    input_problems: Sequence[str] = (),
    suite: Mapping[str, str] | None = None,
    categories: Mapping[str, str] | None = None,
    known_failures: Any = None,
    scenarios: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The JSON form of a :class:`ResultDocument` built from parts (dataclasses or dicts)."""
    return ResultDocument(
        known_failures=known_failures,
        scenarios=scenarios,
        run=run,
        implementations=implementations,
        cases=cases,
        parity=parity,
        input_problems=input_problems,
        suite=suite,
        categories=dict(categories) if categories is not None else dict(CATEGORY_STABILITY),
    ).to_json()


def rebuild_document(document: Mapping[str, Any], **changes: Any) -> dict[str, Any]:
    """``document`` built again from its parts (derived parts recomputed), with ``changes`` applied.

    ``changes`` takes the keyword arguments of :func:`build_document`
    (``known_failures=...``, ``cases=...``, ``run=...``).
    """
    parts: dict[str, Any] = {
        "run": document["run"],
        "implementations": document.get("implementations") or [],
        "cases": document.get("cases") or [],
        "parity": document.get("parity") or [],
        "input_problems": document.get("input_problems") or [],
        "suite": document.get("suite"),
        "categories": document.get("categories"),
        "known_failures": document.get("known_failures"),
        "scenarios": document.get("scenarios"),
    }
    parts.update(changes)
    return build_document(**parts)


def exit_code_for(document: Mapping[str, Any]) -> int:
    """1 when the document's level is ``nonconforming``, or it has input problems it did not allow; else 0."""
    if document["conformance"]["level"] == "nonconforming":
        return 1
    if document.get("input_problems") and not input_problems_allowed(document["run"]):
        return 1
    return 0


def dumps(document: Mapping[str, Any]) -> str:
    """The canonical text of a document: sorted keys, 2-space indent, trailing newline."""
    return json.dumps(document, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


# ------------------------------------------------------------------ validation
def result_schema() -> dict[str, Any]:
    return packaged_schema(SCHEMA_RESOURCE)


@cache
def _validator() -> Draft202012Validator:
    return checked_validator(result_schema())


def _consistency_problems(document: Mapping[str, Any]) -> list[str]:
    """Rules a JSON Schema cannot say: unique ids, known adapters, derived parts up to date."""
    problems: list[str] = []
    cases = document["cases"]
    seen: set[str] = set()
    for index, case in enumerate(cases):
        if case["id"] in seen:
            problems.append(f"/cases/{index}/id: case id {case['id']!r} appears twice")
        seen.add(case["id"])
    adapters = {impl["adapter"] for impl in document["implementations"]}
    for index, case in enumerate(cases):
        if case["adapter"] not in adapters:
            problems.append(f"/cases/{index}/adapter: {case['adapter']!r} is not in /implementations")
        client = case.get("client") if isinstance(case.get("client"), Mapping) else {}
        if (case.get(REPLAYED) is True) != (client.get(REPLAYED) is True):  # conformance.replays
            problems.append(f"/cases/{index}/replayed: does not follow from /cases/{index}/client/replayed")
    known = document.get("known_failures")
    rederived = [dict(case) for case in cases]
    expected_known = known_failures_section(rederived, known) if known is not None else None
    if expected_known is None:
        annotate_cases(rederived, None)
    for index, (case, again) in enumerate(zip(cases, rederived, strict=True)):
        if case.get("known_failure") != again.get("known_failure"):
            problems.append(f"/cases/{index}/known_failure: does not follow from /known_failures")
    if (
        known is not None
        and expected_known is not None
        and known.get("not_in_run") != expected_known["not_in_run"]
    ):
        problems.append("/known_failures/not_in_run: does not match the cases")
    categories = document.get("categories", CATEGORY_STABILITY)
    # A document written before the compatibility section existed simply lacks it: absent is not wrong;
    # one written before provisional cases were left out of it counted every case.
    matrices = (
        compatibility(cases, document["implementations"], categories),
        compatibility(cases, document["implementations"]),
    )
    if "compatibility" in document and document["compatibility"] not in matrices:
        problems.append("/compatibility: does not follow from /cases and /implementations")
    if document["summary"] != summarize(cases, known_failures=known is not None):
        problems.append("/summary: does not match the counts of /cases")
    complete = bool(document["run"].get("complete", True))
    level = conformance_level(
        cases,
        document["implementations"],
        categories,
        complete=complete,
        strict_known_failures=bool(known and known.get("strict")),
    )
    count = len(document.get("input_problems") or [])
    noted = input_problem_rule(level, count, allowed=input_problems_allowed(document["run"]))
    # documents written before input problems made a run incomplete: the level with the count noted
    earlier = _with_input_problems(level, count)
    stated = dict(document["conformance"])
    # documents written before: without the input-problem note, or with the earlier provisional wording
    stated["explanation"] = str(stated.get("explanation", "")).replace(
        _EARLIER_PROVISIONAL_WORDING, _PROVISIONAL_WORDING, 1
    )
    if stated in (noted.to_json(), earlier.to_json(), level.to_json()) or _earlier_full_wording(
        stated, (noted, earlier, level)
    ):
        pass
    elif {**stated, "explanation": ""} in (
        {**level.to_json(), "explanation": ""},
        {**noted.to_json(), "explanation": ""},
    ):
        problems.append(
            f"/conformance/explanation: says {stated.get('explanation')!r}, expected {noted.explanation!r}"
        )
    else:
        problems.append(
            f"/conformance: says {document['conformance'].get('level')!r}, the cases give {level.level!r}"
        )
    return problems


def _earlier_full_wording(stated: Mapping[str, Any], expected: Sequence[Conformance]) -> bool:
    """Whether ``stated`` is one of ``expected`` as written before skipped cases were counted in it."""
    for level in expected:
        before = _SKIPS_NOTE.sub("", level.explanation)
        before = before.replace(_FULL_WITH_SKIPS, "Every case passed for", 1).replace(
            "Every case that ran passed, or failed only", "Every case passed, or failed only", 1
        )
        if before != level.explanation and dict(stated) == {**level.to_json(), "explanation": before}:
            return True
    return False


def validate_result(document: Any) -> list[str]:
    """Every problem of ``document`` as ``"<pointer>: <message>"``; empty when it is valid.

    Checks the JSON Schema first; when that passes, also the rules between
    parts (unique case ids, adapters declared, summary and level derived from
    the cases).
    """
    errors = sorted(
        _validator().iter_errors(document), key=lambda error: jsonpointer.from_tokens(error.absolute_path)
    )
    problems = [f"{jsonpointer.from_tokens(error.absolute_path) or '/'}: {error.message}" for error in errors]
    if problems:
        return problems
    return _consistency_problems(document)


class ResultFileError(UsageError):
    """A ``result.json`` that cannot be used: unreadable, not JSON, or not a result document."""


def load_result_file(path: Path) -> dict[str, Any]:
    """A saved result document, checked against the schema and its own derived parts.

    Every problem is a :class:`ResultFileError` naming the file and the JSON
    pointer, so ``merge`` and ``known-failures --from`` fail with one clear message.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ResultFileError(f"{path}: expected a readable result.json; found {error}") from error
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise ResultFileError(f"{path}: expected JSON; found {error}") from error
    if not isinstance(document, dict) or document.get("schema") != SCHEMA_ID:
        found = document.get("schema") if isinstance(document, dict) else type(document).__name__
        raise ResultFileError(f"{path}: /schema: expected {SCHEMA_ID!r}; found {found!r}")
    problems = validate_result(document)
    if problems:
        more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
        raise ResultFileError(f"{path}: not a valid result document: " + "; ".join(problems[:3]) + more)
    return document
