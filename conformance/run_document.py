"""The result document of finished cases: parity between clients, then the whole document.

Plain functions of what ran: :func:`parity_entries` compares the clients of
each fixture (:mod:`conformance.parity` on the requests they sent,
:mod:`conformance.response.parity` on what they surfaced) and
:func:`result_document` assembles ``result.json``'s content
(:func:`conformance.result.build_document` adds the summary and the level).
The ``run`` command, the pytest plugin, the self-test and fuzz all call
these; nothing here starts a client.

Decisions: cross-client parity compares real clients only (self-check
adapters such as ``canonical`` are left out); cases and parity entries are in
plan order whatever ``--jobs`` was; each side of a parity finding carries
its own case's placeholders, named after its client.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from conformance import SUITE_VERSION, __version__
from conformance.checks import parity_check
from conformance.checks.base import ParityCheck
from conformance.checks.subjects import OutcomePair, RequestPair, SequencePair
from conformance.executor import CaseRun
from conformance.expectations import Expectation
from conformance.findings import Difference
from conformance.fixture import Fixture
from conformance.normalize import NormalizedRequest
from conformance.parity import ParityFinding, as_differences
from conformance.planning import CasePlan, RunInputs
from conformance.policy import Policy
from conformance.redact import redact_value
from conformance.response.parity import OutputParityFinding
from conformance.result import ParityResult, RunInfo, build_document
from conformance.scenarios.compare import ScenarioFinding
from conformance.scenarios.judge import ScenarioVerdict
from conformance.scenarios.model import Scenario
from conformance.scenarios.policy import ScenarioPolicy
from conformance.stabilize import Stabilizer

__all__ = [
    "now",
    "ordered",
    "parity_entries",
    "result_document",
    "run_info",
    "scenario_parity_entries",
    "scenarios_section",
]


def now() -> str:
    """The current time as the document writes it (ISO 8601 UTC, milliseconds)."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def ordered(runs: Iterable[CaseRun], plans: Sequence[CasePlan]) -> list[CaseRun]:
    """``runs`` in plan order (cases not in ``plans`` last)."""
    order = {plan.case_id: index for index, plan in enumerate(plans)}
    return sorted(runs, key=lambda run: order.get(run.plan.case_id, len(order)))


@dataclasses.dataclass
class _FixtureSides:
    fixture: Fixture
    requests: dict[str, tuple[Expectation, NormalizedRequest]] = dataclasses.field(default_factory=dict)
    outputs: dict[str, Any] = dataclasses.field(default_factory=dict)
    stabilizers: dict[str, Stabilizer] = dataclasses.field(default_factory=dict)


def _sides(runs: Iterable[CaseRun]) -> dict[str, _FixtureSides]:
    sides: dict[str, _FixtureSides] = {}
    for run in runs:
        plan = run.plan
        if plan.slot.self_check or run.request is None or run.expectation is None:
            continue
        entry = sides.setdefault(str(plan.fixture.path), _FixtureSides(plan.fixture))
        entry.requests[plan.slot.label] = (run.expectation, run.request)
        response = run.result.get("response") or {}
        if response.get("status") in ("pass", "fail", "not_asserted"):
            entry.outputs[plan.slot.label] = (run.result.get("client") or {}).get("output")
        if run.stabilizer is not None:
            entry.stabilizers[plan.slot.label] = run.stabilizer
    return sides


def parity_entries(runs: Sequence[CaseRun], policy: Policy | None, token: str) -> list[dict[str, Any]]:
    """Client-vs-client findings per fixture and pair of real clients, redacted."""
    results: list[dict[str, Any]] = []
    sides = _sides(runs)
    requests_parity: ParityCheck[RequestPair, ParityFinding] = parity_check("request")
    for key in sorted(sides, key=lambda k: (sides[k].fixture.name, k)):
        entry = sides[key]
        requests = dict(sorted(entry.requests.items()))
        if len(requests) < 2:
            continue
        fixture = entry.fixture
        findings = [
            _stable_finding(item, entry.stabilizers.get(item.left), entry.stabilizers.get(item.right))
            for item in [
                *requests_parity.compare(RequestPair(fixture, requests, policy)),
                *_output_parity(fixture, requests, entry.outputs),
            ]
        ]
        labels = list(requests)
        for index, left in enumerate(labels):
            for right in labels[index + 1 :]:
                pair = [item for item in findings if item.left == left and item.right == right]
                results.append(
                    ParityResult(
                        fixture=fixture.name,
                        operation=fixture.operation,
                        adapters=[left, right],
                        findings=as_differences(pair),
                    ).to_json()
                )
    return _redacted(results, runs, token)


def _redacted(entries: list[dict[str, Any]], runs: Sequence[CaseRun], token: str) -> list[dict[str, Any]]:
    """Parity entries with the token and every credential any client of the run sent hidden."""
    secrets = {secret for run in runs for secret in run.secrets}
    redacted: list[dict[str, Any]] = redact_value(entries, [token, *sorted(secrets)])
    return redacted


def scenario_parity_entries(
    runs: Sequence[CaseRun], policy: ScenarioPolicy | None, token: str
) -> list[dict[str, Any]]:
    """Client-vs-client findings per scenario and pair of clients that both ran it (pass or fail)."""
    by_scenario: dict[str, list[tuple[CaseRun, Scenario, ScenarioVerdict]]] = {}
    for run in runs:
        scenario, verdict = run.plan.scenario, run.scenario_verdict
        if scenario is None or verdict is None or run.plan.slot.self_check or run.status == "interrupted":
            continue
        if verdict.status in ("pass", "fail"):
            by_scenario.setdefault(scenario.name, []).append((run, scenario, verdict))
    results: list[dict[str, Any]] = []
    for name in sorted(by_scenario):
        played = sorted(by_scenario[name], key=lambda item: item[0].plan.slot.label)
        if len(played) < 2:
            continue
        scenario = played[0][1]
        ran = [run for run, _scenario, _verdict in played]
        verdicts = [verdict for _run, _scenario, verdict in played]
        sequences: ParityCheck[SequencePair, ScenarioFinding] = parity_check("sequence")
        findings = sequences.compare(SequencePair(scenario, verdicts, policy))
        stabilizers = {run.plan.slot.label: run.stabilizer for run in ran}
        for index, left in enumerate(ran):
            for right in ran[index + 1 :]:
                pair = (left.plan.slot.label, right.plan.slot.label)
                differences = [
                    _stable_difference(item, stabilizers.get(pair[0]), stabilizers.get(pair[1]))
                    for item in findings
                    if (item.left, item.right) == pair
                ]
                results.append(
                    ParityResult(
                        fixture=name,
                        operation=scenario.fixture.operation if scenario.fixture else "",
                        adapters=list(pair),
                        findings=differences,
                    ).to_json()
                )
    return _redacted(results, runs, token)


def _stable_difference(
    finding: ScenarioFinding, left: Stabilizer | None, right: Stabilizer | None
) -> Difference:
    """A scenario finding as a parity difference: each side's placeholders, the aspect in the message."""
    difference = finding.difference
    return Difference(
        difference.pointer,
        difference.kind,
        left.value(difference.expected, qualified=True) if left else difference.expected,
        right.value(difference.actual, qualified=True) if right else difference.actual,
        difference.severity,
        _stable_text(
            f"{finding.left} vs {finding.right} ({finding.aspect}): {difference.message}", left, right
        ),
    )


def _stable_text(text: str, left: Stabilizer | None, right: Stabilizer | None) -> str:
    """``text`` with both sides' run-dependent values (ports, scratch dirs, random ids) as placeholders."""
    for side in (left, right):
        if side is not None:
            text = side.text(text, qualified=True)
    return text.rstrip(": ")


def _output_parity(
    fixture: Fixture,
    requests: Mapping[str, tuple[Expectation, NormalizedRequest]],
    outputs: Mapping[str, Any],
) -> list[ParityFinding]:
    """What two clients surfaced for one ``semantic_body`` fact (:mod:`conformance.response.parity`)."""
    ordered_outputs = {label: outputs[label] for label in requests if label in outputs}
    outcomes_parity: ParityCheck[OutcomePair, OutputParityFinding] = parity_check("outcome")
    return [
        ParityFinding(
            fixture_name=fixture.name,
            operation=fixture.operation,
            left=item.left,
            right=item.right,
            left_projection=requests[item.left][0].projection_key,
            right_projection=requests[item.right][0].projection_key,
            pointer=item.pointer,
            kind=item.kind,
            left_value=item.left_value,
            right_value=item.right_value,
            severity="failure",
            message=item.message,
        )
        for item in outcomes_parity.compare(OutcomePair(fixture.semantic_body, ordered_outputs))
    ]


def _stable_finding(
    finding: ParityFinding, left: Stabilizer | None, right: Stabilizer | None
) -> ParityFinding:
    """A parity finding whose values carry each side's placeholders, named after the side's client."""
    left_value = left.value(finding.left_value, qualified=True) if left else finding.left_value
    right_value = right.value(finding.right_value, qualified=True) if right else finding.right_value
    return dataclasses.replace(finding, left_value=left_value, right_value=right_value)


def run_info(
    inputs: RunInputs, *, started_at: str, duration_seconds: float, complete: bool, interrupted: bool
) -> RunInfo:
    """How the run was made (the document's ``run`` section)."""
    settings = inputs.settings
    return RunInfo(
        started_at=started_at,
        finished_at=now(),
        duration_seconds=round(duration_seconds, 3),
        mode="live" if settings.upstream else "stub",
        upstream=settings.upstream,
        server_profile=inputs.profile.name,
        namespace=settings.namespace,
        fixtures_dirs=[str(directory) for directory in settings.effective_fixture_dirs()],
        selection=settings.select,
        jobs=settings.jobs,
        complete=complete and not interrupted,
        interrupted=interrupted,
        policy=str(settings.policy_path) if settings.policy_path is not None else None,
        overlay_dirs=[str(directory) for directory in settings.overlay_dirs],
    )


def result_document(inputs: RunInputs, runs: Sequence[CaseRun], run: RunInfo) -> dict[str, Any]:
    """The result document of ``runs`` (in plan order) with parity, problems, summary and level."""
    in_order = ordered(runs, inputs.plans)
    return build_document(
        suite={"name": "dw-conformance", "version": __version__, "suite_version": SUITE_VERSION},
        run=run,
        implementations=[slot.info() for slot in inputs.slots],
        cases=[case.result for case in in_order],
        parity=[
            *parity_entries(in_order, inputs.policy, inputs.settings.token),
            *scenario_parity_entries(in_order, inputs.scenario_policy, inputs.settings.token),
        ],
        input_problems=[problem.render() for problem in inputs.input_problems],
        scenarios=scenarios_section(inputs),
    )


def scenarios_section(inputs: RunInputs) -> dict[str, Any] | None:
    """The document's ``scenarios`` section: how many were loaded, and which could not apply (and why)."""
    if not inputs.scenarios:
        return None
    unusable = {Path(problem.file).name for problem in inputs.input_problems}

    def reason(scenario: Scenario) -> str:
        if scenario.fixture_name in unusable:  # in the corpus, but dropped as an input problem
            return f"its fixture {scenario.fixture_name} is an input problem (see input_problems)"
        return scenario.not_applicable_reason

    return {
        "loaded": len(inputs.scenarios),
        "not_applicable": [
            {
                "scenario": scenario.name,
                "fixture": scenario.fixture_name,
                "reason": reason(scenario),
            }
            for scenario in sorted(inputs.scenarios_not_applicable, key=lambda item: item.name)
        ],
    }
