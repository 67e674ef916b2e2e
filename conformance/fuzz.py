"""Generated fixture variants through every client: the engine behind ``dw-conformance fuzz``.

For each seed fixture, hypothesis draws self-consistent variants
(:mod:`conformance.strategies`, :mod:`conformance.variants`); every available
adapter runs each variant through the one recording proxy of the
:class:`~conformance.runner.Session` (in-memory fixtures, built into
:class:`~conformance.runner.CasePlan` objects), and the verdict of each must
be pass. In differential mode the normalized requests of every pair of
adapters must also agree (:func:`conformance.parity.compare_requests`, failure
findings counted), whatever the fixture expects.

Design decisions:

* **Variants come from the fixture itself** (:mod:`conformance.variant_derivation`):
  a value that a client input and an expectation both hold is changed
  everywhere at once. A drawn variant that cannot be made consistent (a path
  segment cannot be ``.``, an integer place cannot hold a string...) is *not
  generated*, and counted per reason.
* **The canonical replay vets every variant first.** Each variant is replayed
  by the ``canonical`` adapter (the session's, or a private one when
  ``--adapter canonical`` was not given) before any client runs it. A variant
  the replay does not pass (its own pieces disagree, or the replay cannot
  carry it) is dropped and counted, never judged: a finding is always a
  client's difference from a fixture that agrees with itself.
* **A failure is shrunk, saved, then remembered.** When a variant fails,
  hypothesis shrinks it to a minimal example, which is saved as a fixture
  that runs as it is: ``<report dir>/fuzz/<operation slug>-<hash>/`` holds
  ``<operation slug>-parity.json`` (the name ``validate`` demands, so one
  directory per finding) and a ``README.md`` saying how it was found (the
  hypothesis seed, the minimal change from the seed fixture, what each
  client sent). ``dw-conformance run --fixtures <that directory>`` replays
  it. Its
  *signature* (adapter, difference kind and the first two tokens of each
  failing pointer, so ``/body/memo/<any key>`` is one place) then counts as
  known, and the search goes on with the next hypothesis seed until the
  example budget is spent: one client bug must not stop the exploration of
  everything else, and each distinct failure is reported once. A variant
  counts as failing only when it shows something not yet known.
* **Budgets.** ``max_examples`` is per seed fixture and counts generated
  examples (shrinking runs are counted apart). ``time_budget`` covers the
  whole run and is shared fairly: each seed gets what is left divided by the
  seeds still to go; once its share is spent no new example is run, but a
  shrink already started finishes (stopping it would make hypothesis report
  a flaky test instead of the minimal example).
* **Deterministic.** Every hypothesis run is seeded (``--seed``, else a random
  seed that the report prints, so any run can be repeated); the example
  database is off and hypothesis' own caches go to a temporary directory for
  the run, so nothing is written into the working directory.
* **The canonical adapter takes part** in differential mode: it is the
  fixture's own request, so a real client that differs from it differs from
  what the fixture means. A finding attributed to ``canonical`` alone is a
  harness bug.
* **Errors are failures.** A case that ends in ``error`` (time-out, adapter
  failure) on a valid variant is a finding too; a ``skipped`` case is not
  (an adapter whose projection the variant dropped, or the canonical replay
  facing bytes). An error the runner calls a *harness error* (``reason``
  starting ``harness error``: the client refused the stub's own reply) is the
  harness's, not the client's: it is counted per seed
  (``harness could not serve``) and never reported as a finding.
"""

from __future__ import annotations

import json
import random
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, Phase, Verbosity, given
from hypothesis import seed as hypothesis_seed
from hypothesis import settings as hypothesis_settings
from hypothesis.configuration import set_hypothesis_home_dir, storage_directory

from conformance import jsonpointer
from conformance.canonical_check import canonical_slot, replay
from conformance.expectations import CANONICAL, JudgeSettings, build_expectation, values_equal
from conformance.fixture import Fixture
from conformance.operations import fixture_file_name, operation_slug
from conformance.parity import compare_requests
from conformance.problems import InputError
from conformance.runner import AdapterSlot, CaseRun, Session, run_plans
from conformance.strategies import variant_values
from conformance.textsafe import json_safe
from conformance.variants import (
    FieldMap,
    Inconsistent,
    SeedPlan,
    Variant,
    build_variant,
    load_field_map,
    plan_seed,
    variant_document,
)

__all__ = [
    "ExampleCheck",
    "Finding",
    "FuzzReport",
    "FuzzSettings",
    "Fuzzer",
    "SeedResult",
    "load_field_map",
    "render_report",
]


@dataclass
class FuzzSettings:
    #: Generated examples per seed fixture.
    max_examples: int = 100
    #: Seconds for the whole run (``None``: no limit).
    time_budget: float | None = None
    #: Hypothesis seed (``None``: a random one, printed in the report).
    seed: int | None = None
    differential: bool = False
    report_dir: Path = Path("reports")
    #: Distinct findings per seed fixture before its search stops.
    max_findings: int = 8
    jobs: int = 2


@dataclass
class ExampleCheck:
    """What one variant did with every adapter."""

    #: One line per failure ("python-sdk: /path_segments/1 changed: ...").
    lines: list[str] = field(default_factory=list)
    signature: frozenset[str] = frozenset()
    #: adapter label -> status
    statuses: dict[str, str] = field(default_factory=dict)
    #: Why the canonical replay rejected the variant ("" when it passed): then no client judged it.
    rejected: str = ""
    #: adapter label -> reason, for cases the harness itself could not serve (not findings)
    harness: dict[str, str] = field(default_factory=dict)


@dataclass
class Finding:
    seed_fixture: str
    operation: str
    signature: list[str]
    lines: list[str]
    values: dict[str, Any]
    dropped: dict[str, str]
    path: Path | None
    replayable: bool
    flaky: bool = False
    #: field -> (seed value, new value), for the fields the minimal variant changed
    changes: dict[str, tuple[Any, Any]] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "seed_fixture": self.seed_fixture,
            "operation": self.operation,
            "signature": list(self.signature),
            "failures": list(self.lines),
            "values": json_safe(self.values),
            "dropped_projections": dict(self.dropped),
            "changes": {
                name: {"seed": json_safe(before), "variant": json_safe(after)}
                for name, (before, after) in self.changes.items()
            },
            "fixture_file": str(self.path) if self.path is not None else None,
            "replayable": self.replayable,
            "flaky": self.flaky,
        }


@dataclass
class SeedResult:
    fixture: str
    operation: str
    examples: int = 0
    shrink_runs: int = 0
    findings: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    #: "projection: reason" -> variants it was dropped from
    dropped: Counter[str] = field(default_factory=Counter)
    #: "adapter status" -> count, over generated examples
    statuses: Counter[str] = field(default_factory=Counter)
    varied: list[str] = field(default_factory=list)
    out_of_time: bool = False
    #: Seed values no variant changes, because that could not be made consistent (one line each).
    refused: list[str] = field(default_factory=list)
    #: reason -> drawn variants not generated (they could not be made consistent)
    not_generated: Counter[str] = field(default_factory=Counter)
    #: reason -> variants the canonical replay rejected (dropped, never judged)
    rejected: Counter[str] = field(default_factory=Counter)
    #: "adapter: reason" -> cases the harness could not serve (a harness error, not a finding)
    harness_errors: Counter[str] = field(default_factory=Counter)

    def to_json(self) -> dict[str, Any]:
        return {
            "fixture": self.fixture,
            "operation": self.operation,
            "examples": self.examples,
            "shrink_runs": self.shrink_runs,
            "varied_fields": list(self.varied),
            "notes": list(self.notes),
            "dropped_projections": dict(self.dropped),
            "case_statuses": dict(self.statuses),
            "out_of_time": self.out_of_time,
            "values_not_varied": list(self.refused),
            "variants_not_generated": dict(self.not_generated),
            "variants_rejected_by_canonical": dict(self.rejected),
            "harness_errors": dict(self.harness_errors),
            "findings": [finding.to_json() for finding in self.findings],
        }


@dataclass
class FuzzReport:
    seed: int
    differential: bool
    adapters: list[str]
    results: list[SeedResult] = field(default_factory=list)
    duration_seconds: float = 0.0

    @property
    def findings(self) -> list[Finding]:
        return [finding for result in self.results for finding in result.findings]

    @property
    def passed(self) -> bool:
        return not self.findings

    @property
    def operations(self) -> tuple[int, int]:
        """(operations with at least one judged variant, operations fuzzed)."""
        judged = {result.operation for result in self.results if result.examples > 0}
        return len(judged), len({result.operation for result in self.results})

    def to_json(self) -> dict[str, Any]:
        with_variants, operations = self.operations
        return {
            "passed": self.passed,
            "operations": operations,
            "operations_with_variants": with_variants,
            "values_not_varied": sum(len(r.refused) for r in self.results),
            "variants_not_generated": sum(sum(r.not_generated.values()) for r in self.results),
            "variants_rejected_by_canonical": sum(sum(r.rejected.values()) for r in self.results),
            "harness_errors": sum(sum(r.harness_errors.values()) for r in self.results),
            "seed": self.seed,
            "differential": self.differential,
            "adapters": list(self.adapters),
            "duration_seconds": round(self.duration_seconds, 3),
            "results": [result.to_json() for result in self.results],
        }


class _VariantFailed(AssertionError):
    """Raised inside the hypothesis test so that hypothesis shrinks the variant."""

    def __init__(self, variant: Variant, check: ExampleCheck) -> None:
        super().__init__("; ".join(check.lines))
        self.variant = variant
        self.check = check


@contextmanager
def _private_hypothesis_home() -> Iterator[None]:
    """Hypothesis caches data in ``./.hypothesis`` even without an example database; send it to a
    temporary directory for the run, so fuzzing writes nothing into the working directory."""
    previous = storage_directory(intent_to_write=False).home_directory
    with tempfile.TemporaryDirectory(prefix="dw-conformance-hypothesis-") as directory:
        set_hypothesis_home_dir(directory)
        try:
            yield
        finally:
            set_hypothesis_home_dir(previous)


def _general(pointer: str, declared_query: frozenset[str] = frozenset()) -> str:
    """A pointer as a signature: its first two tokens, so every key below ``/body/memo`` is one
    place; a query parameter the fixture does not declare is ``/query/*`` (its name is whatever
    a garbled request made of the generated values)."""
    tokens = jsonpointer.parse(pointer)[:2] if pointer else []
    if len(tokens) == 2 and tokens[0] == "query" and tokens[1] not in declared_query:
        return "/query/*"
    return jsonpointer.from_tokens(tokens)


def _declared_query(fixture: Fixture, settings: JudgeSettings) -> frozenset[str]:
    """The query parameter names any expectation of ``fixture`` pins (canonical and every projection)."""
    names: set[str] = set()
    for key in (CANONICAL, *fixture.projection_keys):
        try:
            query = build_expectation(fixture, key, settings).query
        except InputError:
            continue
        if query is not None:
            names.update(query.params)
    return frozenset(names)


def _same(left: Any, right: Any) -> bool:
    return values_equal(left, right)


def _shown(value: Any) -> str:
    text = json.dumps(json_safe(value), ensure_ascii=False)
    return text if len(text) <= 80 else text[:77] + "..."


class Fuzzer:
    """Fuzzes the fixtures of a prepared and started :class:`Session` (see the module docstring)."""

    def __init__(
        self,
        session: Session,
        settings: FuzzSettings,
        *,
        field_map: FieldMap | None = None,
        notify: Callable[[str], None] | None = None,
    ) -> None:
        self.session = session
        self.settings = settings
        self.field_map = field_map or load_field_map()
        self.notify = notify or (lambda message: None)
        self.seed = settings.seed if settings.seed is not None else random.SystemRandom().randrange(2**32)
        #: The canonical replay every variant must pass before a client is judged on it.
        self.gate: AdapterSlot = canonical_slot(session)

    # ------------------------------------------------------------ one variant
    def check(self, variant: Variant) -> ExampleCheck:
        """Replay ``variant`` with the canonical adapter; when it passes, run and judge every adapter."""
        session = self.session
        gate = replay(session, variant.fixture, self.gate)
        if gate.status != "pass":
            first = gate.reason or "; ".join(
                f"{item.pointer or '(request count)'} {item.kind}" for item in gate.differences[:2]
            )
            return ExampleCheck(statuses={self.gate.label: gate.status}, rejected=f"{gate.status}: {first}")
        plans = [
            session.plan(variant.fixture, slot)
            for slot in session.slots
            if slot.available and slot is not self.gate
        ]
        jobs = max(1, min(self.settings.jobs, len(plans)))
        # keep=False: the session's memory stays flat over thousands of variants
        runs = run_plans(session, plans, jobs=jobs, keep=False) if plans else []
        if any(slot is self.gate for slot in session.slots):
            runs.append(gate)
        check = ExampleCheck()
        signature: set[str] = set()
        declared = _declared_query(variant.fixture, session.judge_settings)
        for run in sorted(runs, key=lambda item: item.plan.slot.label):
            label = run.plan.slot.label
            check.statuses[label] = run.status
            reason = run.reason
            if run.status == "error" and reason.startswith("harness error"):
                check.harness[label] = reason
                continue
            if run.status == "error":
                status = run.outcome.status if run.outcome is not None else "error"
                check.lines.append(f"{label}: error ({status}): {run.reason}")
                signature.add(f"{label} error {status}")
            for item in run.differences if run.status == "fail" else []:
                message = f" ({item.message})" if item.message else ""
                check.lines.append(
                    f"{label}: {item.pointer or '(request count)'} {item.kind}: "
                    f"expected {_shown(item.expected)}, sent {_shown(item.actual)}{message}"
                )
                signature.add(f"{label} {_general(item.pointer, declared)} {item.kind}")
            if run.status == "fail":  # the client's own error, for the reader; not in the signature
                check.lines.extend(f"{label}: {note}" for note in run.result.get("response_diagnostics", []))
        if self.settings.differential:
            self._differential(variant.fixture, runs, check, signature, declared)
        check.signature = frozenset(signature)
        return check

    def _differential(
        self,
        fixture: Fixture,
        runs: list[CaseRun],
        check: ExampleCheck,
        signature: set[str],
        declared: frozenset[str],
    ) -> None:
        requests = {
            run.plan.slot.label: (run.expectation, run.request)
            for run in sorted(runs, key=lambda item: item.plan.slot.label)
            if run.request is not None and run.expectation is not None
        }
        if len(requests) < 2:
            return
        for finding in compare_requests(fixture, requests, policy=self.session.policy):
            if not finding.is_failure:
                continue
            pair = f"{finding.left}~{finding.right}"
            check.lines.append(
                f"differential {pair}: {finding.pointer} {finding.kind}: "
                f"{_shown(finding.left_value)} vs {_shown(finding.right_value)} ({finding.message})"
            )
            general = _general(finding.pointer, declared)
            signature.add(f"differential {pair} {general} {finding.kind}")

    # ------------------------------------------------------------ one seed fixture
    def fuzz_seed(self, fixture: Fixture, deadline: float | None) -> SeedResult:
        result = SeedResult(fixture.name, fixture.operation)
        plan = plan_seed(fixture, self.field_map)
        result.notes.extend(plan.notes)
        result.refused.extend(plan.refused)
        result.varied = [variable.spec.name for variable in plan.fields]
        if not plan.fields:
            return result
        strategy = variant_values(plan)
        known: set[str] = set()
        round_number = 0
        while (
            result.examples < self.settings.max_examples and len(result.findings) < self.settings.max_findings
        ):
            state: dict[str, Any] = {"failing": False, "generated": 0, "shrinks": 0, "last": None}

            probe = self._probe(plan, result, known, deadline, state)
            test = hypothesis_settings(
                max_examples=self.settings.max_examples - result.examples,
                deadline=None,
                database=None,
                derandomize=False,
                phases=(Phase.generate, Phase.shrink),
                suppress_health_check=list(HealthCheck),
                report_multiple_bugs=False,
                print_blob=False,
                verbosity=Verbosity.quiet,
            )(given(strategy)(probe))
            test = hypothesis_seed(self.seed + round_number)(test)
            round_number += 1
            failed: tuple[Variant, ExampleCheck, bool] | None = None
            try:
                test()
            except _VariantFailed as failure:
                failed = (failure.variant, failure.check, False)
            except Exception as error:  # hypothesis' Flaky and its relatives: keep the last failure seen
                if state["last"] is None:
                    raise
                self.notify(
                    f"{fixture.name}: hypothesis reported {type(error).__name__}; keeping the last failure"
                )
                variant, check = state["last"]
                failed = (variant, check, True)
            result.examples += state["generated"]
            result.shrink_runs += state["shrinks"]
            if failed is None:
                break
            variant, check, flaky = failed
            finding = self._save(plan, variant, check, flaky)
            result.findings.append(finding)
            known |= check.signature
            self.notify(
                f"{fixture.name}: finding saved to {finding.path}: {check.lines[0] if check.lines else ''}"
            )
            if result.out_of_time:
                break
        return result

    def _probe(
        self,
        plan: SeedPlan,
        result: SeedResult,
        known: set[str],
        deadline: float | None,
        state: dict[str, Any],
    ) -> Callable[[dict[str, Any]], None]:
        """The body of one hypothesis run: build and vet a variant, check it, raise on anything new."""

        def probe(values: dict[str, Any]) -> None:
            if not state["failing"] and deadline is not None and time.monotonic() > deadline:
                result.out_of_time = True
                return
            try:
                variant = build_variant(plan, values)
            except Inconsistent as inconsistency:
                if not state["failing"]:
                    result.not_generated[str(inconsistency)] += 1
                return
            check = self.check(variant)
            if check.rejected:
                if not state["failing"]:
                    result.rejected[check.rejected] += 1
                return
            if state["failing"]:
                state["shrinks"] += 1
            else:
                state["generated"] += 1
                for projection, why in variant.dropped.items():
                    result.dropped[f"{projection}: {why.split(': ', 1)[-1]}"] += 1
                for label, status in check.statuses.items():
                    result.statuses[f"{label} {status}"] += 1
                for label, reason in check.harness.items():
                    result.harness_errors[f"{label}: {reason[:160]}"] += 1
            if check.signature - known:
                state["failing"] = True
                state["last"] = (variant, check)
                raise _VariantFailed(variant, check)

        return probe

    def _save(self, plan: SeedPlan, variant: Variant, check: ExampleCheck, flaky: bool) -> Finding:
        seed = plan.fixture
        seeds = plan.seed_values()
        changes = {
            name: (seeds[name], value)
            for name, value in variant.values.items()
            if name in seeds and not _same(seeds[name], value)
        }
        description = (
            f"Minimal failing variant of {seed.name} found by dw-conformance fuzz (seed {self.seed}); "
            + (
                "changed: "
                + "; ".join(
                    f"{name} {_shown(before)} -> {_shown(after)}" for name, (before, after) in changes.items()
                )
                if changes
                else "no value changed: the seed fixture itself fails"
            )
            + ". "
            + " ".join(check.lines[:5])
        )
        document, replayable = variant_document(variant, description)
        slug = operation_slug(seed.operation)
        directory = (
            self.settings.report_dir
            / "fuzz"
            / f"{slug}-{variant.fixture.name[len(slug) + 1 : -len('-parity.json')]}"
        )
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / fixture_file_name(seed.operation)
        path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        finding = Finding(
            seed_fixture=seed.name,
            operation=seed.operation,
            signature=sorted(check.signature),
            lines=list(check.lines),
            values=dict(variant.values),
            dropped=dict(variant.dropped),
            path=path,
            replayable=replayable,
            flaky=flaky,
            changes=changes,
        )
        (directory / "README.md").write_text(self._readme(seed, finding), encoding="utf-8")
        return finding

    def _readme(self, seed: Fixture, finding: Finding) -> str:
        assert finding.path is not None
        adapters = sorted(
            {line.split(":", 1)[0] for line in finding.lines if not line.startswith("differential")}
        )
        lines = [
            f"# fuzz finding: {finding.operation}",
            "",
            f"`{finding.path.name}` is the minimal variant of `{seed.path}` that a client handled "
            "differently.",
            "",
            f"- Found by `dw-conformance fuzz --seed {self.seed}` (hypothesis seed {self.seed}), adapters "
            f"{', '.join(slot.label for slot in self.session.slots if slot.available)}.",
            "- The canonical replay passes this fixture: it agrees with itself, so what follows is "
            "the client's.",
        ]
        if finding.flaky:
            lines.append("- The failure did not repeat every time (hypothesis reported it flaky).")
        if not finding.replayable:
            lines.append(
                '- SDK arguments hold bytes, written `{"$bytes": base64}`: the file does not replay as-is.'
            )
        lines += ["", "## The minimal change from the seed fixture", ""]
        if finding.changes:
            lines += [
                f"- `{name}`: `{_shown(before)}` -> `{_shown(after)}`"
                for name, (before, after) in finding.changes.items()
            ]
        else:
            lines.append("- none: the seed fixture itself fails this way")
        for projection, why in sorted(finding.dropped.items()):
            lines.append(f"- projection `{projection}` left out: {why}")
        lines += ["", "## What the client sent", ""]
        lines += [f"- {line}" for line in finding.lines[:20]]
        lines += [
            "",
            "## Replay",
            "",
            "```sh",
            f"dw-conformance run --fixtures {finding.path.parent} "
            + " ".join(f"--adapter {label}" for label in dict.fromkeys(["canonical", *adapters])),
            "```",
            "",
            "(`--dw PATH` names the `dw` executable for the `cli` adapter.)",
            "",
            "Each finding has its own directory because `validate` wants one file per operation in a "
            "directory, named `<operation slug>-parity.json`.",
            "",
        ]
        return "\n".join(lines)

    # ------------------------------------------------------------ the run
    def seed_fixtures(self) -> list[Fixture]:
        """The session's selected fixtures, in plan order."""
        seen: dict[str, Fixture] = {}
        for plan in self.session.plans:
            seen.setdefault(str(plan.fixture.path), plan.fixture)
        return list(seen.values())

    def run(self, fixtures: list[Fixture] | None = None) -> FuzzReport:
        with _private_hypothesis_home():
            return self._run(fixtures)

    def _run(self, fixtures: list[Fixture] | None) -> FuzzReport:
        started = time.monotonic()
        chosen = fixtures if fixtures is not None else self.seed_fixtures()
        report = FuzzReport(
            self.seed,
            self.settings.differential,
            [slot.label for slot in self.session.slots if slot.available],
        )
        budget_end = None if self.settings.time_budget is None else started + self.settings.time_budget
        for index, fixture in enumerate(chosen):
            deadline = None
            if budget_end is not None:
                deadline = time.monotonic() + max(0.0, budget_end - time.monotonic()) / (len(chosen) - index)
            try:
                report.results.append(self.fuzz_seed(fixture, deadline))
            except InputError as error:
                result = SeedResult(fixture.name, fixture.operation)
                result.notes.append(f"not fuzzed: the seed fixture is not usable: {error}")
                report.results.append(result)
            self.notify(f"{fixture.name}: {report.results[-1].examples} examples")
        report.duration_seconds = time.monotonic() - started
        return report


def render_report(report: FuzzReport) -> str:
    lines = [
        f"fuzz: seed {report.seed}, adapters {', '.join(report.adapters) or 'none'}"
        + (", differential" if report.differential else ""),
        "",
    ]
    for result in report.results:
        extra = f", {result.shrink_runs} shrink runs" if result.shrink_runs else ""
        budget = " (time budget reached)" if result.out_of_time else ""
        lines.append(
            f"{result.fixture}: {result.examples} examples{extra}, {len(result.findings)} finding(s){budget}"
        )
        if result.varied:
            lines.append(f"  varied: {', '.join(result.varied)}")
        for note in result.notes:
            lines.append(f"  note: {note}")
        for line in result.refused:
            lines.append(f"  not varied: {line}")
        for reason, count in sorted(result.dropped.items()):
            lines.append(f"  dropped in {count} variant(s): {reason}")
        for reason, count in sorted(result.not_generated.items()):
            lines.append(f"  not generated ({count}): {reason}")
        for reason, count in sorted(result.rejected.items()):
            lines.append(f"  rejected by the canonical replay ({count}), not judged: {reason}")
        for reason, count in sorted(result.harness_errors.items()):
            lines.append(f"  harness could not serve ({count}), not a finding: {reason}")
        for finding in result.findings:
            flaky = " (flaky)" if finding.flaky else ""
            lines.append(f"  FINDING{flaky}: {finding.path}")
            if not finding.replayable:
                lines.append("    (holds bytes in SDK arguments: does not replay as-is)")
            lines.extend(f"    {line}" for line in finding.lines[:8])
    total = sum(result.examples for result in report.results)
    with_variants, operations = report.operations
    not_generated = sum(sum(result.not_generated.values()) for result in report.results)
    rejected = sum(sum(result.rejected.values()) for result in report.results)
    lines.append("")
    refused = sum(len(result.refused) for result in report.results)
    harness = sum(sum(result.harness_errors.values()) for result in report.results)
    lines.append(
        f"variants judged for {with_variants} of {operations} operation(s); "
        f"{refused} seed value(s) not varied and {not_generated} drawn variant(s) not generated "
        f"(could not be made consistent), {rejected} rejected by the canonical replay (never judged), "
        f"{harness} case(s) the harness could not serve (not findings)"
    )
    lines.append(
        f"{total} examples over {len(report.results)} seed fixture(s) in {report.duration_seconds:.1f} s: "
        f"{len(report.findings)} finding(s); rerun with --seed {report.seed}"
    )
    return "\n".join(lines)
