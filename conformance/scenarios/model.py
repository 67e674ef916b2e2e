"""The scenario model: one fixture operation, a sequence of server answers, what the client must send.

A scenario file (``<name>.scenario.yaml``, format in ``docs/scenarios.md``,
JSON Schema ``schemas/scenario-v1.schema.json``) is parsed into a
:class:`Scenario` by :mod:`conformance.scenarios.load`. The proxy never sees
this model: :meth:`Scenario.script` turns the answers into the proxy's
:class:`~conformance.proxy.script.AnswerScript`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from conformance.proxy.script import AnswerScript, ScriptedAnswer

if TYPE_CHECKING:
    from conformance.fixture import Fixture

__all__ = [
    "SCENARIO_SCHEMA",
    "SCENARIO_SUFFIXES",
    "ExpectedItems",
    "ExpectedRequest",
    "Scenario",
    "ScenarioExpectation",
]

SCENARIO_SCHEMA = "durable-workflow.conformance.scenario"
#: File names a scenario directory is scanned for.
SCENARIO_SUFFIXES = (".scenario.yaml", ".scenario.yml")

Outcome = Literal["completed", "client_error", "any"]


@dataclass(frozen=True)
class ExpectedRequest:
    """The paging parameters one request of the sequence must carry.

    ``query``: name -> decimal/text value the query must hold, or None: the
    name must be absent. ``body``: top-level body keys and their JSON values
    (for walks that page in the body). Parameters not listed are not judged
    here (the single-request cases judge the whole request).
    """

    query: tuple[tuple[str, str | None], ...] = ()
    body: tuple[tuple[str, Any], ...] = ()

    def to_json(self) -> dict[str, Any]:
        document: dict[str, Any] = {}
        if self.query:
            document["query"] = dict(self.query)
        if self.body:
            document["body"] = dict(self.body)
        return document


@dataclass(frozen=True)
class ExpectedItems:
    """The collapsed result of a walk: the items at ``at`` of every page, concatenated.

    ``key`` names the item field that identifies an item (``sequence``); the
    items a client surfaced are compared by it, in order.
    """

    at: str
    key: str | None = None


@dataclass(frozen=True)
class ScenarioExpectation:
    """What a conforming client does with the sequence (every part optional)."""

    requests: tuple[ExpectedRequest, ...] | None = None
    attempts_min: int | None = None
    attempts_max: int | None = None
    outcome: Outcome = "any"
    #: "honour": a request after an answer with ``Retry-After`` must wait at least that long.
    retry_after: Literal["honour", "ignore"] = "honour"
    items: ExpectedItems | None = None

    def to_json(self) -> dict[str, Any]:
        document: dict[str, Any] = {"outcome": self.outcome, "retry_after": self.retry_after}
        if self.requests is not None:
            document["requests"] = [request.to_json() for request in self.requests]
        if self.attempts_min is not None or self.attempts_max is not None:
            document["attempts"] = {"min": self.attempts_min, "max": self.attempts_max}
        if self.items is not None:
            document["items"] = {"at": self.items.at, "key": self.items.key}
        return document


@dataclass(frozen=True)
class Scenario:
    """One parsed scenario file. ``fixture`` is None when the corpus run lacks the named fixture."""

    name: str
    path: Path
    fixture_name: str
    description: str
    walk: bool
    answers: tuple[ScriptedAnswer, ...]
    after_last: Literal["repeat_last", "stop"]
    max_requests: int
    expect: ScenarioExpectation
    fixture: Fixture | None = field(default=None, compare=False)
    #: Why the scenario's rule does not gate (its ``provisional.reason``); "" for a required scenario.
    provisional_reason: str = ""

    @property
    def required(self) -> bool:
        """True when the verdict counts in the conformance level like a fixture case.

        A scenario is required unless its file says ``provisional: {reason: ...}``:
        its rule rests on the server's behaviour or on HTTP semantics, unless the
        file gives the reason it goes beyond what the server guarantees.
        """
        return not self.provisional_reason

    @property
    def applicable(self) -> bool:
        """True when the run's corpus holds the fixture this scenario plays."""
        return self.fixture is not None

    @property
    def not_applicable_reason(self) -> str:
        return "" if self.applicable else f"the corpus of this run has no fixture {self.fixture_name}"

    def case_id(self, adapter_label: str) -> str:
        """``<scenario file name>::<adapter label>``, the case id of this scenario for one client."""
        return f"{self.name}::{adapter_label}"

    def script(self) -> AnswerScript:
        """The answers as the proxy plays them."""
        return AnswerScript(self.answers, self.after_last, self.max_requests, self.name)

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "fixture": self.fixture_name,
            "description": self.description,
            "drive": "walk" if self.walk else "call",
            "answers": [_answer_json(answer) for answer in self.answers],
            "then": self.after_last,
            "max_requests": self.max_requests,
            "expect": self.expect.to_json(),
            **({"provisional": {"reason": self.provisional_reason}} if self.provisional_reason else {}),
        }


def _answer_json(answer: ScriptedAnswer) -> dict[str, Any]:
    if answer.hold_seconds is not None:
        return {"hold": answer.hold_seconds}
    document: dict[str, Any] = {}
    if answer.from_fixture:
        document["fixture"] = True
    if answer.status_given or not answer.from_fixture:
        document["status"] = answer.status
    if answer.has_json_body:
        document["body"] = answer.json_body
    if answer.text is not None:
        document["text"] = answer.text
    if answer.headers:
        document["headers"] = dict(answer.headers)
    if not answer.dress:
        document["dress"] = False
    if not answer.protocol_headers:
        document["protocol_headers"] = False
    if answer.drop:
        document["drop"] = answer.drop
    return document
