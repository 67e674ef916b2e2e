"""Sequence check: a walk reads every page with the right cursor, once, and stops after the last one.

``expect.requests`` lists the paging parameters each request of the walk must
carry (a query name with a value must be sent with that value, one listed as
null must be absent; listed body keys must equal). A walk that stops early is
``missing_request``, a request after the last page ``extra_request``, a page
asked for again after it was answered whole ``repeated_page``; a wrong cursor
is ``paging_parameter`` at ``/requests/N/query/<name>`` (or ``/body/<name>``).

Mutants: ``paging_value`` (one expected parameter value changed; the verdict
must fail at its pointer), ``walk_shorter`` (the last expected request
dropped: the client's last request is then one too many) and ``walk_longer``
(one more request expected than the pages make: missing).
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any, ClassVar

from conformance import jsonpointer
from conformance.adapters.walks import walk_for
from conformance.checks.base import Subject
from conformance.checks.subjects import SequenceJudgement, SequenceMutant, SequenceSubject
from conformance.findings import Difference
from conformance.scenarios.model import ExpectedRequest, Scenario
from conformance.textsafe import json_safe

if TYPE_CHECKING:
    from conformance.scenarios.sequence import SentRequest

__all__ = ["ADAPTER_PAGED", "WALK_NOT_ASSERTED", "WalkCheck"]

#: What a scenario case does not judge (the fixture's own single-request case judges each request).
WALK_NOT_ASSERTED = "scenario requests beyond their paging parameters and attempts"
#: A walk the adapter drives page by page itself (the SDK has no iterator for it).
ADAPTER_PAGED = "the client's own paging loop (the adapter paged a one-page method; no iterator)"


def _describe(params: dict[str, Any]) -> str:
    if not params:
        return "no paging parameters"
    return ", ".join(f"{name}={'(absent)' if value is None else value}" for name, value in params.items())


def _expected_params(expected: ExpectedRequest) -> dict[str, Any]:
    values: dict[str, Any] = dict(expected.query)
    values.update({f"body.{name}": value for name, value in expected.body})
    return values


def _sent_params(request: SentRequest, expected: ExpectedRequest) -> dict[str, Any]:
    values: dict[str, Any] = {name: request.param(name) for name, _ in expected.query}
    body = request.body if isinstance(request.body, dict) else {}
    values.update({f"body.{name}": body.get(name) for name, _ in expected.body})
    return values


def _paging_differences(request: SentRequest, expected: ExpectedRequest) -> list[Difference]:
    differences: list[Difference] = []
    number = request.index + 1
    # what the server's pages said: the first page is asked for as the fixture does, each next one with the
    # token or sequence the previous answer gave
    after = (
        "the walk's first page is asked for"
        if request.index == 0
        else f"after the server's page answered to request {request.index}, the next page is asked for"
    )
    for name, wanted in expected.query:
        sent = request.param(name)
        if sent == wanted:
            continue
        pointer = jsonpointer.join(f"/requests/{request.index}/query", name)
        if wanted is None:
            message = f"request {number}: {after} without {name}; the client sent {name}={sent}"
        elif sent is None:
            message = f"request {number}: {after} with {name}={wanted}; the client sent no {name}"
        else:
            message = f"request {number}: {after} with {name}={wanted}; the client sent {name}={sent}"
        differences.append(Difference(pointer, "paging_parameter", wanted, sent, "failure", message))
    body = request.body if isinstance(request.body, dict) else {}
    for name, wanted in expected.body:
        sent_value = body.get(name)
        if name in body and sent_value == wanted and type(sent_value) is type(wanted):
            continue
        pointer = jsonpointer.join(f"/requests/{request.index}/body", name)
        shown = "nothing" if name not in body else f"{name}={json_safe(sent_value)!r}"
        message = f"request {number}: {after} with body {name}={wanted!r}; the client sent {shown}"
        differences.append(Difference(pointer, "paging_parameter", wanted, sent_value, "failure", message))
    return differences


def _walk_differences(sequence: list[SentRequest], expected: tuple[ExpectedRequest, ...]) -> list[Difference]:
    differences: list[Difference] = []
    for request, wanted in zip(sequence, expected, strict=False):
        differences.extend(_paging_differences(request, wanted))
    if len(sequence) < len(expected):
        missing = expected[len(sequence)]
        last = f"request {len(sequence)}" if sequence else "the start"
        differences.append(
            Difference(
                f"/requests/{len(sequence)}",
                "missing_request",
                _expected_params(missing),
                None,
                "failure",
                f"the client stopped the walk after {last}: the server's pages make {len(expected)} "
                f"requests; request {len(sequence) + 1} ({_describe(_expected_params(missing))}) "
                "was never sent",
            )
        )
    for request in sequence[len(expected) :]:
        if request.bound:
            continue  # reported once as the bound
        differences.append(
            Difference(
                f"/requests/{request.index}",
                "extra_request",
                None,
                _describe({name: request.param(name) for name in request.query}),
                "failure",
                f"request {request.index + 1}: the client asked for more after the last page (the "
                f"server's answer to request {len(expected)} said there was no next page)",
            )
        )
    if expected:
        template = ExpectedRequest(
            query=tuple(dict.fromkeys(name for wanted in expected for name, _ in wanted.query).items()),
            body=tuple(dict.fromkeys(name for wanted in expected for name, _ in wanted.body).items()),
        )
        differences.extend(_repeats(sequence, template))
    return differences


def _repeats(sequence: list[SentRequest], template: ExpectedRequest) -> list[Difference]:
    """A page asked for again after it was answered whole (a retry after a failed answer is not one)."""
    differences: list[Difference] = []
    answered: dict[tuple[Any, ...], int] = {}
    for request in sequence:
        params = _sent_params(request, template)
        signature = tuple(sorted((name, repr(value)) for name, value in params.items()))
        earlier = answered.get(signature)
        if earlier is not None and not request.bound:
            differences.append(
                Difference(
                    f"/requests/{request.index}",
                    "repeated_page",
                    None,
                    _describe(params),
                    "failure",
                    f"request {request.index + 1}: the client asks again for the page of request "
                    f"{earlier + 1} ({_describe(params)}), which the server had answered whole",
                )
            )
        if not request.failed and signature not in answered:
            answered[signature] = request.index
    return differences


def _with_requests(scenario: Scenario, requests: tuple[ExpectedRequest, ...]) -> Scenario:
    return dataclasses.replace(scenario, expect=dataclasses.replace(scenario.expect, requests=requests))


def _changed_param(value: Any) -> Any:
    if value is None:
        return "dw-mutant"
    if isinstance(value, bool):
        return not value
    if isinstance(value, int | float):
        return value + 1
    return f"{value}-dw-mutant"


class WalkCheck:
    """The walk: paging parameters, the number of requests, no page asked for twice."""

    name: ClassVar[str] = "walk"
    subject: ClassVar[Subject] = "sequence"
    mutation_kinds: ClassVar[tuple[str, ...]] = ("paging_value", "walk_shorter", "walk_longer")
    listing_rank: ClassVar[int] = 100

    def judge(self, subject: SequenceSubject, judgement: SequenceJudgement) -> None:
        expected = subject.scenario.expect.requests
        if expected is not None:
            judgement.differences.extend(_walk_differences(list(subject.requests), expected))

    def not_asserted(self, scenario: Scenario, projection_key: str) -> list[str]:
        notes = [WALK_NOT_ASSERTED]
        if not scenario.walk or scenario.fixture is None:
            return notes
        walk = walk_for(scenario.fixture.operation)
        sdk = walk.sdk_python if walk is not None else None
        if sdk is not None and sdk.pages is not None and projection_key == "sdk_python":
            notes.append(ADAPTER_PAGED)
        return notes

    def mutants(self, subject: SequenceSubject) -> list[SequenceMutant]:
        expected = subject.scenario.expect.requests
        if not expected or subject.outcome.status == "skipped":
            return []
        scenario, mutants = subject.scenario, []
        for index, wanted in enumerate(expected):
            if index >= len(subject.requests):
                break  # never sent: a changed expectation there is caught as the missing request already is
            for part in ("query", "body"):
                pinned: tuple[tuple[str, Any], ...] = getattr(wanted, part)
                for name, value in pinned:
                    edited = tuple((n, _changed_param(v) if n == name else v) for n, v in pinned)
                    changed = dataclasses.replace(wanted, **{part: edited})
                    spelled = f"{name}={value}" if part == "query" else f"body {name}={value!r}"
                    mutants.append(
                        SequenceMutant(
                            "paging_value",
                            jsonpointer.join(f"/requests/{index}/{part}", name),
                            f"request {index + 1}: {spelled} -> {_changed_param(value)!r}",
                            _with_requests(scenario, (*expected[:index], changed, *expected[index + 1 :])),
                        )
                    )
        if len(subject.requests) == len(expected):
            last = len(expected) - 1
            mutants.append(
                SequenceMutant(
                    "walk_shorter",
                    f"/requests/{last}",
                    f"the walk expected to end after {last} request(s), one page early",
                    _with_requests(scenario, expected[:-1]),
                )
            )
            mutants.append(
                SequenceMutant(
                    "walk_longer",
                    f"/requests/{len(expected)}",
                    f"the walk expected to make {len(expected) + 1} requests, one more than its pages",
                    _with_requests(scenario, (*expected, expected[-1])),
                )
            )
        return mutants
