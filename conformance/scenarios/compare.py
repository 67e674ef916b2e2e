"""Scenario parity: two clients that played the same scenario, compared.

``compare_scenario_outcomes(scenario, verdicts, policy=None)`` compares every
pair of verdicts that ran (``pass`` or ``fail``; skipped and errored ones
take no part) on:

- ``requests``: the paging parameters each request carried (for a walk,
  the names its expected requests list), and how many requests;
- ``retry``: attempts, which answers were retried, whether Retry-After
  was honoured;
- ``outcome``: one client completed, the other failed;
- ``items``: the collapsed result of a walk, item by item, on the fields
  both clients surfaced (the CLI's ``--all`` envelope items against the SDK
  iterator's items);
- ``error_surface``: what both surfaced on an error, through
  :func:`conformance.scenarios.error_surface.compare_error_surfaces`, with
  pointers into each verdict's ``error_summary``. The machine facts
  (category, HTTP status, error code, validation ``errors``, Retry-After)
  must agree; the message text is shown as a diagnostic only, since each
  client may word its messages in its own way.

Each disagreement is a :class:`ScenarioFinding` (a failure unless the
scenario policy declares it deliberate) with a pointer such as
``/requests/2/query/after_sequence`` or ``/items/4/payload`` and a message
naming both clients.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import TYPE_CHECKING, Any

from conformance import jsonpointer
from conformance.findings import Difference
from conformance.scenarios import error_surface
from conformance.scenarios.model import Scenario
from conformance.textsafe import json_safe

if TYPE_CHECKING:
    from conformance.scenarios.judge import ScenarioVerdict
    from conformance.scenarios.policy import ScenarioPolicy

__all__ = ["ScenarioFinding", "compare_scenario_outcomes"]


@dataclass(frozen=True)
class ScenarioFinding:
    """One disagreement between two clients on one scenario."""

    scenario: str
    left: str
    right: str
    aspect: str
    difference: Difference

    @property
    def is_failure(self) -> bool:
        return self.difference.is_failure

    def to_json(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario,
            "clients": [self.left, self.right],
            "aspect": self.aspect,
            **self.difference.to_json(),
        }


def _paging_names(scenario: Scenario, left: ScenarioVerdict, right: ScenarioVerdict) -> list[str]:
    if scenario.expect.requests is not None:
        return list(dict.fromkeys(name for wanted in scenario.expect.requests for name, _ in wanted.query))
    names = [name for request in (*left.requests, *right.requests) for name in request.query]
    return list(dict.fromkeys(names))


def _request_differences(
    scenario: Scenario, left: ScenarioVerdict, right: ScenarioVerdict
) -> list[Difference]:
    names = _paging_names(scenario, left, right)
    differences: list[Difference] = []
    for one, other in zip(left.requests, right.requests, strict=False):
        for name in names:
            a, b = one.param(name), other.param(name)
            if a != b:
                differences.append(
                    Difference(
                        jsonpointer.join(f"/requests/{one.index}/query", name),
                        "paging_parameter",
                        a,
                        b,
                        "failure",
                        f"request {one.index + 1}: {left.adapter} sent {name}={a}, "
                        f"{right.adapter} sent {name}={b}",
                    )
                )
    if len(left.requests) != len(right.requests):
        differences.append(
            Difference(
                "/requests",
                "attempts",
                len(left.requests),
                len(right.requests),
                "failure",
                f"{left.adapter} sent {len(left.requests)} operation requests, "
                f"{right.adapter} sent {len(right.requests)}",
            )
        )
    return differences


def _retry_differences(left: ScenarioVerdict, right: ScenarioVerdict) -> list[Difference]:
    differences: list[Difference] = []
    a, b = left.retry, right.retry
    if a.retried != b.retried:
        differences.append(
            Difference(
                "/retry/retried",
                "attempts",
                list(a.retried),
                list(b.retried),
                "failure",
                f"{left.adapter} retried after {list(a.retried) or 'nothing'}, "
                f"{right.adapter} after {list(b.retried) or 'nothing'}",
            )
        )
    if (
        a.honoured_retry_after is not None
        and b.honoured_retry_after is not None
        and (a.honoured_retry_after != b.honoured_retry_after)
    ):
        differences.append(
            Difference(
                "/retry/honoured_retry_after",
                "retry_after",
                a.honoured_retry_after,
                b.honoured_retry_after,
                "failure",
                f"{left.adapter} {'honoured' if a.honoured_retry_after else 'ignored'} Retry-After, "
                f"{right.adapter} {'honoured' if b.honoured_retry_after else 'ignored'} it",
            )
        )
    return differences


def _outcome_differences(left: ScenarioVerdict, right: ScenarioVerdict) -> list[Difference]:
    if left.outcome_status == right.outcome_status:
        return []
    return [
        Difference(
            "/outcome",
            "outcome",
            left.outcome_status,
            right.outcome_status,
            "failure",
            f"{left.adapter} ended {left.outcome_status}, {right.adapter} ended {right.outcome_status}",
        )
    ]


def _item_differences(left: ScenarioVerdict, right: ScenarioVerdict) -> list[Difference]:
    if left.items is None or right.items is None:
        return []
    differences: list[Difference] = []
    if len(left.items) != len(right.items):
        differences.append(
            Difference(
                "/items",
                "collapsed_result",
                len(left.items),
                len(right.items),
                "failure",
                f"{left.adapter} surfaced {len(left.items)} items, {right.adapter} {len(right.items)}",
            )
        )
    for index, (a, b) in enumerate(zip(left.items, right.items, strict=False)):
        if isinstance(a, dict) and isinstance(b, dict):
            for key in [key for key in a if key in b]:
                if json_safe(a[key]) != json_safe(b[key]) or type(a[key]) is not type(b[key]):
                    differences.append(
                        Difference(
                            jsonpointer.join(f"/items/{index}", key),
                            "collapsed_result",
                            json_safe(a[key]),
                            json_safe(b[key]),
                            "failure",
                            f"item {index + 1}: {left.adapter} surfaced {key}={json_safe(a[key])!r}, "
                            f"{right.adapter} {key}={json_safe(b[key])!r}",
                        )
                    )
        elif json_safe(a) != json_safe(b):
            differences.append(
                Difference(
                    f"/items/{index}",
                    "collapsed_result",
                    json_safe(a),
                    json_safe(b),
                    "failure",
                    f"item {index + 1}: {left.adapter} and {right.adapter} surfaced different values",
                )
            )
    return differences


def _surface_differences(left: ScenarioVerdict, right: ScenarioVerdict) -> list[Difference]:
    if left.error_surface is None or right.error_surface is None:
        return []
    return [
        Difference(
            jsonpointer.join("/error_summary", *jsonpointer.parse(found.pointer)),
            "error_surface",
            json_safe(found.left),
            json_safe(found.right),
            "diagnostic" if found.pointer == "/message" else "failure",
            f"{left.adapter} vs {right.adapter}: {found.message}",
        )
        for found in error_surface.compare_error_surfaces(left.error_surface, right.error_surface)
    ]


def compare_scenario_outcomes(
    scenario: Scenario,
    verdicts: Sequence[ScenarioVerdict],
    policy: ScenarioPolicy | None = None,
) -> list[ScenarioFinding]:
    """Every disagreement between two clients that ran ``scenario`` (pairs in the order given)."""
    ran = [verdict for verdict in verdicts if verdict.status in ("pass", "fail")]
    findings: list[ScenarioFinding] = []
    for left, right in combinations(ran, 2):
        aspects: list[tuple[str, list[Difference]]] = [
            ("requests", _request_differences(scenario, left, right)),
            ("retry", _retry_differences(left, right)),
            ("outcome", _outcome_differences(left, right)),
            ("items", _item_differences(left, right)),
            ("error_surface", _surface_differences(left, right)),
        ]
        for aspect, differences in aspects:
            if policy is not None:
                differences = policy.apply(scenario.name, [left.adapter, right.adapter], differences)
            findings.extend(
                ScenarioFinding(scenario.name, left.adapter, right.adapter, aspect, difference)
                for difference in differences
            )
    return findings
