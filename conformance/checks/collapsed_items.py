"""Sequence check: the collapsed result of a walk holds every page's items, in order.

``expect.items`` names where the items sit in each page (``at``) and the field
that identifies one (``key``); the items the client surfaced (the CLI's
envelope at ``at``, the SDK iterator's list) must be the pages' items,
concatenated, compared by ``key``. The surfaced items are recorded in the
verdict.

Mutants (``item_changed``): the identifying value of one item of one page
changed in the scenario's answers (what the client was served is untouched;
only the expectation moves); the verdict must fail at ``/items``.
"""

from __future__ import annotations

import copy
import dataclasses
from typing import Any, ClassVar

from conformance import jsonpointer
from conformance.adapters.base import ClientOutcome
from conformance.checks.base import Subject
from conformance.checks.subjects import SequenceJudgement, SequenceMutant, SequenceSubject
from conformance.findings import Difference
from conformance.scenarios.model import Scenario
from conformance.textsafe import json_safe

__all__ = ["CollapsedItemsCheck", "surfaced_items"]


def _page_lists(scenario: Scenario) -> list[tuple[int, list[Any]]]:
    """``(answer number, the list at expect.items.at)`` of every JSON answer that holds one."""
    spec = scenario.expect.items
    found: list[tuple[int, list[Any]]] = []
    if spec is None:
        return found
    for number, answer in enumerate(scenario.answers):
        if not answer.has_json_body:
            continue
        try:
            items = jsonpointer.resolve(answer.json_body, spec.at)
        except jsonpointer.PointerError:
            continue
        if isinstance(items, list):
            found.append((number, items))
    return found


def _page_items(scenario: Scenario, pages: int) -> list[Any] | None:
    """The items of the first ``pages`` JSON answers at ``expect.items.at``, joined."""
    if scenario.expect.items is None:
        return None
    return [item for number, items in _page_lists(scenario) if number < pages for item in items]


def surfaced_items(output: Any, at: str) -> list[Any] | None:
    """The items a client surfaced: a list as it is (SDK iterator), else the list at ``at`` (CLI envelope)."""
    if isinstance(output, list):
        return output
    if isinstance(output, dict):
        try:
            found = jsonpointer.resolve(output, at)
        except jsonpointer.PointerError:
            return None
        return found if isinstance(found, list) else None
    return None


def _item_key(item: Any, key: str | None) -> Any:
    if key is None:
        return item
    return item.get(key) if isinstance(item, dict) else None


def _items_differences(
    scenario: Scenario, outcome: ClientOutcome
) -> tuple[list[Any] | None, list[Difference]]:
    spec = scenario.expect.items
    if spec is None:
        return None, []
    pages = len(scenario.expect.requests) if scenario.expect.requests is not None else len(scenario.answers)
    expected = _page_items(scenario, pages) or []
    surfaced = surfaced_items(outcome.output, spec.at)
    if surfaced is None:
        if outcome.status != "completed":
            return None, []  # the outcome check says why
        return None, [
            Difference(
                "/items",
                "collapsed_result",
                len(expected),
                None,
                "failure",
                "the server's pages held items, and the client completed the walk but surfaced no "
                f"list of items (looked at {spec.at or 'the output'})",
            )
        ]
    wanted = [_item_key(item, spec.key) for item in expected]
    got = [_item_key(item, spec.key) for item in surfaced]
    if wanted == got:
        return surfaced, []
    label = spec.key or "item"
    return surfaced, [
        Difference(
            "/items",
            "collapsed_result",
            json_safe(wanted),
            json_safe(got),
            "failure",
            f"the server's pages held {label}s {json_safe(wanted)}; the client's collapsed result "
            f"holds {json_safe(got)}",
        )
    ]


def _item_mutant(scenario: Scenario) -> SequenceMutant | None:
    """The first item of the first page that has one, its key changed."""
    spec = scenario.expect.items
    if spec is None:
        return None
    for number, found in _page_lists(scenario):
        if not found:
            continue
        answer = scenario.answers[number]
        body = copy.deepcopy(answer.json_body)
        items = jsonpointer.resolve(body, spec.at)
        first = items[0]
        if spec.key is not None and isinstance(first, dict) and spec.key in first:
            was = first[spec.key]
            first[spec.key] = f"{was}-dw-mutant"
            what = f"{spec.key} {was!r}"
        else:
            was = first
            items[0] = {"dw-mutant": json_safe(was)}
            what = "the first item"
        answers = list(scenario.answers)
        answers[number] = dataclasses.replace(answer, json_body=body)
        return SequenceMutant(
            "item_changed",
            "/items",
            f"answer {number + 1}: {what} changed in the page",
            dataclasses.replace(scenario, answers=tuple(answers)),
        )
    return None


class CollapsedItemsCheck:
    """The walk's collapsed result against the items of the pages."""

    name: ClassVar[str] = "collapsed_items"
    subject: ClassVar[Subject] = "sequence"
    mutation_kinds: ClassVar[tuple[str, ...]] = ("item_changed",)
    listing_rank: ClassVar[int] = 100

    def judge(self, subject: SequenceSubject, judgement: SequenceJudgement) -> None:
        items, differences = _items_differences(subject.scenario, subject.outcome)
        judgement.items = items
        judgement.differences.extend(differences)

    def not_asserted(self, scenario: Scenario, projection_key: str) -> list[str]:
        return []

    def mutants(self, subject: SequenceSubject) -> list[SequenceMutant]:
        if subject.outcome.status != "completed":
            return []
        mutant = _item_mutant(subject.scenario)
        return [mutant] if mutant is not None else []
