"""The drift-detection self-test: does the judge catch every mutant of every expectation?

A conformance harness is worth its false-negative rate. :func:`run_selftest`
measures it on any fixture directory with any adapters:

1. **Each client runs once per fixture**, from the *unmutated* fixture,
   through the recording proxy (:func:`conformance.runner.run_plans`, on a worker pool).
   The client's traffic does not depend on the expectation, and the
   ``canonical`` adapter replays whatever fixture it is handed, so a client
   must never see a mutant: only the judging does. The unmutated verdict is
   the *false-alarm* measurement: a correct client judged against a correct
   fixture must pass.
2. **Every mutant is judged against that captured traffic** with
   :meth:`Session.rejudge` (the mutant fixture, or the mutant judge settings
   for the namespace and token). Mutants come from
   :func:`conformance.mutation.derive_mutants`, per fixture and per adapter
   projection.

**The catch rule.** A mutant is *caught* when its verdict has a failure
that the unmutated verdict did not have, at the mutant's target pointer or
below it (``/body/input`` is caught by ``/body/input/1``). Failures are
compared by pointer, kind *and* the expected value they state, so that on a
case that already fails (a false alarm) a mutant at the same place still
counts when the judge reports the mutant's value. A mutant whose new
failures all lie elsewhere is *suspicious*: the judge objected, but not to
what changed, which is a judge bug hiding behind a lucky verdict; it is
listed and not counted as caught. A caught mutant with extra new failures
elsewhere keeps its catch and lists those as *collateral*. A mutant with no
new failure is *missed*.

**A client that already differs.** On a client's own corpus the real client
may fail the unmutated fixture: the CLI's ``workflow:repair`` sends ``[]``
where the fixture says ``{}``. When the ``canonical`` replay passes that
fixture (the session's canonical case, or a private replay when
``--adapter canonical`` was not given), the fixture and the judge agree with
themselves, so the failure is the client's: it is listed as a *client
difference* ("client already differs here"), not as a false alarm. A mutant
of that case that is not caught at its target, where the target lies at or
below (or above) a pointer the unmutated verdict already fails at, or whose
new failures all sit at such pointers, is outcome ``client_differs``: the
judge cannot show a change below a value the client already gets wrong, and
that is neither a miss nor a suspicious verdict. A *false alarm* is an
unmutated failure of a fixture the canonical replay itself fails (or of the
canonical case): the judge objects to the fixture's own request.

**The outcome and sequence halves** are measured the same way, through the
same registry (:mod:`conformance.selftest_sides`): the captured outcome of
each case is judged again against each outcome check's mutants (each value of
the fixture's ``response_body`` the client surfaced, changed and retyped; each
``semantic_body`` fact the client surfaces, changed; with
``--cli-output-schemas``, the command's output schema with a property retyped
or a missing property required), and each scenario case that ran to its end
against each sequence check's mutants of its scenario (a cursor of the walk,
the walk one page shorter or longer, the attempts bound, the expected outcome,
an item of a page). Each must fail at its pointer. An unmutated case whose
response side fails is a response false alarm; an unmutated scenario the
client fails is listed as the client's difference.

**Passing** means: at least one mutant ran, every mutant was caught (or sits
where the client already differs), the unmutated corpus gave no false alarm,
no case ended in error (a client that could not be exercised proves nothing),
the mutator had no problem, and every outcome and sequence mutant was caught with no
response false alarm. Client differences are listed, and do not
fail the self-test: it measures the judge, ``run`` judges the clients.
Cases an adapter skips (no projection) and mutants a fixture cannot express
are reported, not counted. A ``--policy`` file applies to mutants too: a
difference it declares deliberate is not a failure, so a mutant it covers is
reported as missed, which is the truth about that run's settings.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from conformance.canonical_check import canonical_slot, replay
from conformance.diff import CaseVerdict
from conformance.expectations import CANONICAL
from conformance.mutation import MUTATION_KINDS, Mutant, derive_mutants, is_under, mutant_expectation
from conformance.problems import InputError
from conformance.redact import redact_value
from conformance.runner import CaseRun, Session, run_plans
from conformance.selftest_sides import SideSelftest, outcome_kinds, sequence_kinds
from conformance.textsafe import json_safe

__all__ = ["KindCounts", "MutantResult", "SelftestReport", "render_report", "run_selftest"]


@dataclass(frozen=True)
class MutantResult:
    kind: str
    fixture: str
    adapter: str
    target: str
    description: str
    #: "caught", "missed", "suspicious" or "client_differs"
    outcome: str
    #: New failures of the mutant's verdict, as "pointer (kind)".
    failures: tuple[str, ...] = ()
    collateral: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "fixture": self.fixture,
            "adapter": self.adapter,
            "target": self.target,
            "description": self.description,
            "outcome": self.outcome,
            "failures": list(self.failures),
            "collateral": list(self.collateral),
        }


@dataclass
class KindCounts:
    run: int = 0
    caught: int = 0
    missed: int = 0
    suspicious: int = 0
    not_applicable: int = 0
    #: Not caught where the client already differs from the unmutated fixture.
    client_differs: int = 0

    def to_json(self) -> dict[str, int]:
        return {
            "run": self.run,
            "caught": self.caught,
            "missed": self.missed,
            "suspicious": self.suspicious,
            "client_differs": self.client_differs,
            "not_applicable": self.not_applicable,
        }


@dataclass
class SelftestReport:
    adapters: list[str] = field(default_factory=list)
    fixtures: list[str] = field(default_factory=list)
    results: list[MutantResult] = field(default_factory=list)
    #: (fixture, adapter, kind, reason, target)
    not_applicable: list[tuple[str, str, str, str, str]] = field(default_factory=list)
    #: Unmutated cases that failed where the fixture and judge agree with themselves, or the judge
    #: itself objects: (case id, failure pointers)
    false_alarms: list[tuple[str, list[str]]] = field(default_factory=list)
    #: Unmutated cases of real clients that fail a fixture the canonical replay passes:
    #: (case id, ["pointer kind: expected ..., sent ..."]) ("client already differs here")
    client_differences: list[tuple[str, list[str]]] = field(default_factory=list)
    #: Unmutated cases that ended in error, and mutator problems.
    errors: list[str] = field(default_factory=list)
    #: (case id, reason)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    cases: int = 0
    input_problems: list[str] = field(default_factory=list)
    #: The outcome checks' mutants (response_body values and types, semantic_body facts, CLI output schemas).
    response: SideSelftest = field(default_factory=lambda: SideSelftest("response"))
    #: The sequence checks' mutants (the scenarios' walks, attempts, outcomes, items).
    sequence: SideSelftest = field(default_factory=lambda: SideSelftest("sequence"))

    def counts(self) -> dict[str, KindCounts]:
        """Counts per mutation kind, in :data:`MUTATION_KINDS` order, plus ``total``."""
        table = {kind: KindCounts() for kind in MUTATION_KINDS}
        for result in self.results:
            row = table.setdefault(result.kind, KindCounts())
            row.run += 1
            setattr(row, result.outcome, getattr(row, result.outcome) + 1)
        for _fixture, _adapter, kind, _reason, _target in self.not_applicable:
            table.setdefault(kind, KindCounts()).not_applicable += 1
        total = KindCounts()
        for row in table.values():
            total.run += row.run
            total.caught += row.caught
            total.missed += row.missed
            total.suspicious += row.suspicious
            total.not_applicable += row.not_applicable
            total.client_differs += row.client_differs
        table["total"] = total
        return table

    @property
    def passed(self) -> bool:
        total = self.counts()["total"]
        return (
            total.run > 0
            and total.caught + total.client_differs == total.run
            and not self.false_alarms
            and not self.errors
            and self.response.passed
            and self.sequence.passed
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "passed": self.passed,
            "adapters": list(self.adapters),
            "fixtures": list(self.fixtures),
            "cases": self.cases,
            "counts": {kind: row.to_json() for kind, row in self.counts().items()},
            "false_alarms": [{"case": case, "failures": pointers} for case, pointers in self.false_alarms],
            "client_differences": [
                {"case": case, "differences": lines} for case, lines in self.client_differences
            ],
            "errors": list(self.errors),
            "skipped": [{"case": case, "reason": reason} for case, reason in self.skipped],
            "input_problems": list(self.input_problems),
            "not_applicable": [
                {"fixture": f, "adapter": a, "kind": k, "reason": r, "target": t}
                for f, a, k, r, t in self.not_applicable
            ],
            "mutants": [result.to_json() for result in self.results],
            "response": self.response.to_json(),
            "sequence": self.sequence.to_json(),
        }


def _failure_keys(verdict: CaseVerdict) -> set[tuple[str, str, str]]:
    """Failures as (pointer, kind, expected value): a mutant's failure at a place the unmutated
    verdict already objects to is still new when it states another expected value."""
    return {
        (item.pointer, item.kind, json.dumps(json_safe(item.expected), sort_keys=True, ensure_ascii=False))
        for item in verdict.failures
    }


def _mutant_verdict(session: Session, run: CaseRun, mutant: Mutant) -> CaseVerdict:
    """The case's captured traffic judged against the mutant's expectation (built by the one builder)."""
    plan = run.plan
    projection, settings = plan.slot.adapter.projection_key, session.judge_settings
    expectation = mutant_expectation(mutant, plan.fixture, projection, settings)
    return session.rejudge(run, expectation, mutant.settings or settings)


def _judge_mutant(
    session: Session,
    run: CaseRun,
    baseline: set[tuple[str, str, str]],
    mutant: Mutant,
    differing: frozenset[str] = frozenset(),
) -> MutantResult:
    """One mutant's outcome; ``differing``: pointers where the client already differs (a client
    difference case), empty otherwise."""
    plan = run.plan
    verdict = _mutant_verdict(session, run, mutant)
    new = sorted({(pointer, kind) for pointer, kind, _expected in _failure_keys(verdict) - baseline})
    at_target = [f"{pointer} ({kind})" for pointer, kind in new if is_under(pointer, mutant.target)]
    elsewhere = [f"{pointer} ({kind})" for pointer, kind in new if not is_under(pointer, mutant.target)]
    collateral = [
        f"{pointer} ({kind})"
        for pointer, kind in new
        if not is_under(pointer, mutant.target)
        and not any(is_under(pointer, consequence) for consequence in mutant.consequences)
    ]
    already = any(is_under(mutant.target, p) or is_under(p, mutant.target) for p in differing) or (
        bool(new) and all(pointer in differing for pointer, _kind in new)
    )
    if at_target:
        outcome = "caught"
    elif already:
        outcome = "client_differs"
    elif elsewhere:
        outcome = "suspicious"
    else:
        outcome = "missed"
    return MutantResult(
        kind=mutant.kind,
        fixture=plan.fixture.name,
        adapter=plan.slot.label,
        target=mutant.target,
        description=mutant.description,
        outcome=outcome,
        failures=tuple(at_target + elsewhere),
        collateral=tuple(collateral) if at_target else (),
    )


def _difference_lines(run: CaseRun) -> list[str]:
    lines = []
    for item in run.differences:
        expected = json.dumps(item.expected, ensure_ascii=False)
        actual = json.dumps(item.actual, ensure_ascii=False)
        lines.append(f"{item.pointer or '(request count)'} {item.kind}: expected {expected}, sent {actual}")
    return lines


def judge_case(
    session: Session, run: CaseRun, report: SelftestReport, *, canonical_passes: bool = False
) -> None:
    """Add one finished unmutated case, and the verdicts of all its mutants, to ``report``.

    ``canonical_passes``: the canonical replay passes this case's fixture, so an unmutated failure
    of a real client is the client's difference, not a false alarm (see the module docstring).
    """
    plan = run.plan
    case_id = plan.case_id
    if run.status == "skipped":
        report.skipped.append((case_id, run.reason))
        return
    if run.status == "error" or run.verdict is None:
        report.errors.append(f"{case_id}: the unmutated case ended in error: {run.reason}")
        return
    differing: frozenset[str] = frozenset()
    if run.status == "fail":
        if canonical_passes and plan.slot.adapter.projection_key != CANONICAL:
            report.client_differences.append((case_id, _difference_lines(run)))
            differing = frozenset(item.pointer for item in run.differences)
        else:
            pointers = [item.pointer for item in run.differences]
            report.false_alarms.append((case_id, pointers))
    try:
        mutants = derive_mutants(plan.fixture, plan.slot.adapter.projection_key, session.judge_settings)
    except InputError as error:
        report.errors.append(f"{case_id}: no expectation to mutate: {error}")
        return
    for problem in mutants.problems:
        report.errors.append(f"mutator: {problem}")
    for item in mutants.not_applicable:
        report.not_applicable.append(
            (plan.fixture.name, plan.slot.label, item.kind, item.reason, item.target)
        )
    baseline = _failure_keys(run.verdict)
    for mutant in mutants.mutants:
        try:
            report.results.append(_judge_mutant(session, run, baseline, mutant, differing))
        except InputError as error:
            report.errors.append(
                f"{case_id}: {mutant.kind} at {mutant.target}: the judge refused the mutant: {error}"
            )


def run_selftest(
    session: Session,
    *,
    jobs: int = 1,
    on_case: Callable[[CaseRun], None] | None = None,
) -> SelftestReport:
    """Run the self-test on a prepared and started :class:`Session` (its fixtures and adapters)."""
    report = SelftestReport(
        adapters=[slot.label for slot in session.slots if slot.available],
        fixtures=[fixture.name for fixture in session.fixtures],
        input_problems=[problem.render() for problem in session.input_problems],
    )
    plans = list(session.plans)
    runs = run_plans(session, plans, jobs=jobs, on_done=on_case)
    order = {plan.case_id: index for index, plan in enumerate(plans)}
    fixture_runs = [run for run in runs if run.plan.scenario is None]
    canonical = _canonical_verdicts(session, fixture_runs)
    for run in sorted(runs, key=lambda item: order.get(item.plan.case_id, len(order))):
        if run.plan.scenario is not None:
            # a sequence: the sequence checks' mutants of its scenario (a case that ran to its end)
            verdict = run.scenario_verdict
            if verdict is not None and verdict.status in ("pass", "fail") and run.outcome is not None:
                report.sequence.add_sequence_case(run.plan.case_id, session.sequence_subject(run))
            continue
        report.cases += 1
        judge_case(session, run, report, canonical_passes=canonical.get(str(run.plan.fixture.path), False))
        if run.verdict is not None and run.outcome is not None:
            report.response.add_outcome_case(run.plan.case_id, session.response_case(run, run.verdict))
    redacted: list[str] = redact_value(report.errors, [session.settings.token])
    report.errors = redacted
    return report


def _canonical_verdicts(session: Session, runs: list[CaseRun]) -> dict[str, bool]:
    """Fixture path -> whether the canonical replay passes it, for the fixtures a real client failed
    (from the session's canonical cases, else from a private replay)."""
    passes = {
        str(run.plan.fixture.path): run.status == "pass"
        for run in runs
        if run.plan.slot.adapter.projection_key == CANONICAL
    }
    slot = None
    for run in runs:
        key = str(run.plan.fixture.path)
        if run.status != "fail" or key in passes:
            continue
        slot = slot or canonical_slot(session)
        passes[key] = replay(session, run.plan.fixture, slot).status == "pass"
    return passes


# --------------------------------------------------------------------------- rendering


def _percent(part: int, whole: int) -> str:
    return "n/a" if whole == 0 else f"{100.0 * part / whole:.1f} %"


def _side_lines(side: SideSelftest, kinds: tuple[str, ...], empty: str) -> list[str]:
    """One half's table (outcome or sequence mutants per kind), then its misses and false alarms."""
    if not side.counts and not side.false_alarms:
        return [f"{side.side} side: no mutant ({empty})", ""]
    rows = [(f"{side.side} kind", "run", "caught", "missed")]
    for kind in kinds:
        caught, total = side.counts.get(kind, [0, 0])
        rows.append((kind, str(total), str(caught), str(total - caught)))
    widths = [max(len(row[index]) for row in rows) for index in range(4)]
    lines = [
        "  ".join([row[0].ljust(widths[0]), *(c.rjust(w) for c, w in zip(row[1:], widths[1:], strict=True))])
        for row in rows
    ]
    lines.extend(f"MISSED ({side.side}): {item}" for item in side.missed)
    lines.extend(f"FALSE ALARM ({side.side}): {item}" for item in side.false_alarms)
    lines.extend(f"client already differs here ({side.side}): {item}" for item in side.client_differences)
    lines.append("")
    return lines


def render_report(report: SelftestReport, *, verbose: bool = False) -> str:
    """The text the ``selftest`` command prints."""
    errors = sum(1 for error in report.errors if not error.startswith("mutator:"))
    lines = [
        f"mutation self-test: {len(report.fixtures)} fixture(s) x {len(report.adapters)} adapter(s) "
        f"({', '.join(report.adapters) or 'none'})",
        f"unmutated cases: {report.cases} run, {len(report.false_alarms)} false alarm(s), "
        f"{len(report.client_differences)} client difference(s), "
        f"{len(report.skipped)} skipped, {errors} error(s)",
        "",
    ]
    counts = report.counts()
    header = ("kind", "run", "caught", "missed", "suspicious", "differs", "n/a")
    rows = [header] + [
        (
            kind,
            str(row.run),
            str(row.caught),
            str(row.missed),
            str(row.suspicious),
            str(row.client_differs),
            str(row.not_applicable),
        )
        for kind, row in counts.items()
    ]
    widths = [max(len(row[index]) for row in rows) for index in range(len(header))]
    for number, row in enumerate(rows):
        if number == len(rows) - 1:
            lines.append("  ".join("-" * width for width in widths))
        cells = [row[0].ljust(widths[0])] + [
            cell.rjust(width) for cell, width in zip(row[1:], widths[1:], strict=True)
        ]
        lines.append("  ".join(cells))
    total = counts["total"]
    lines.append("")
    lines.extend(
        _side_lines(
            report.response,
            outcome_kinds(),
            "no client surfaced a value the fixture's response_body or semantic_body holds",
        )
    )
    lines.extend(_side_lines(report.sequence, sequence_kinds(), "no scenario case ran to its end"))
    for result in report.results:
        if result.outcome == "client_differs":
            lines.append(
                f"client already differs here: {result.kind} {result.fixture} [{result.adapter}] "
                f"{result.target}: {result.description}"
            )
        elif result.outcome != "caught":
            note = f" (failed instead at {', '.join(result.failures)})" if result.failures else ""
            lines.append(
                f"{result.outcome.upper()}: {result.kind} {result.fixture} [{result.adapter}] "
                f"{result.target}: {result.description}{note}"
            )
        elif result.collateral:
            lines.append(
                f"collateral: {result.kind} {result.fixture} [{result.adapter}] {result.target}: "
                f"also failed at {', '.join(result.collateral)}"
            )
    for case, differences in report.client_differences:
        for difference in differences or ["(no pointer)"]:
            lines.append(f"client already differs here: {case} fails unmutated at {difference}")
    for case, pointers in report.false_alarms:
        lines.append(f"FALSE ALARM: {case} fails unmutated at {', '.join(pointers) or '(no pointer)'}")
    for error in report.errors:
        lines.append(f"ERROR: {error}")
    if verbose:
        for case, reason in report.skipped:
            lines.append(f"skipped: {case}: {reason}")
        for fixture, adapter, kind, reason, target in report.not_applicable:
            where = f" {target}" if target else ""
            lines.append(f"n/a: {kind} {fixture} [{adapter}]{where}: {reason}")
    for side in (report.response, report.sequence):
        lines.append(
            f"{side.side} side: caught {side.caught} of {side.total} mutants "
            f"({_percent(side.caught, side.total)}), {len(side.false_alarms)} false alarm(s)"
        )
    lines.append(
        f"caught {total.caught} of {total.run} mutants ({_percent(total.caught, total.run)}), "
        + (f"{total.client_differs} where the client already differs, " if total.client_differs else "")
        + f"{len(report.false_alarms)} false alarm(s): {'PASS' if report.passed else 'FAIL'}"
    )
    return "\n".join(lines)
