"""What the outcome, sequence and parity checks judge, and what they write their findings into.

Typed records only, no logic: the judges (:mod:`conformance.response.verdict`,
:mod:`conformance.scenarios.judge`, :mod:`conformance.run_document`) build a
subject from a captured case, hand it to every check of its kind in registry
order, and read the judgement the checks filled in.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from conformance.findings import Difference

if TYPE_CHECKING:
    from conformance.adapters.base import ClientOutcome
    from conformance.capture import CapturedExchange
    from conformance.expectation_parts import Expectation
    from conformance.fixture import Fixture
    from conformance.normalize import NormalizedRequest
    from conformance.policy import Policy
    from conformance.response.cli_schemas import CliOutputSchemas
    from conformance.response.facts_map import OperationFacts
    from conformance.scenarios.judge import ScenarioVerdict
    from conformance.scenarios.model import Scenario
    from conformance.scenarios.policy import ScenarioPolicy
    from conformance.scenarios.sequence import SentRequest

__all__ = [
    "OutcomeJudgement",
    "OutcomeMutant",
    "OutcomePair",
    "OutcomeSubject",
    "RequestPair",
    "SequenceJudgement",
    "SequenceMutant",
    "SequencePair",
    "SequenceSubject",
]


# --------------------------------------------------------------------------- outcome


@dataclass(frozen=True)
class OutcomeSubject:
    """A client's surfaced outcome of one case: what the outcome checks need, the expectations included.

    The self-test's outcome mutants are subjects with a mutated ``fixture``
    (its ``response_body``) or ``cli_schemas``.
    """

    fixture: Fixture
    projection_key: str
    outcome: ClientOutcome
    #: The captured operation exchange (None when none was captured).
    operation: CapturedExchange | None
    live: bool = False
    cli_command: str | None = None
    cli_schemas: CliOutputSchemas | None = None
    policy: Policy | None = None
    namespace: str = ""
    facts: OperationFacts | None = None


@dataclass
class OutcomeJudgement:
    """What the outcome checks found for one accepted answer, in registry order.

    ``served`` is the answer the client was given and ``expected`` the answer
    its surfaced values are held to (the fixture's ``response_body`` over the
    served one). The surfaced-values check records which output pointers it
    compared (``pairs``, ``moved``, ``anchor``) and the facts check the paths
    it read (``read_paths``), so that a later check can name what nothing
    compared.
    """

    served: Any
    expected: Any
    differences: list[Difference] = field(default_factory=list)
    asserted: list[str] = field(default_factory=list)
    not_asserted: list[str] = field(default_factory=list)
    #: True once a check compared something and it held (the verdict can pass on it).
    evidence: bool = False
    anchor: str = ""
    pairs: list[tuple[str, str]] = field(default_factory=list)
    moved: list[str] = field(default_factory=list)
    read_paths: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class OutcomeMutant:
    """One outcome mutant: the subject with one expectation changed, and where the verdict must fail."""

    kind: str
    #: Where in the client's output the mutated verdict must fail (``/output/outcome``).
    target: str
    description: str
    subject: OutcomeSubject


# --------------------------------------------------------------------------- sequence


@dataclass(frozen=True)
class SequenceSubject:
    """One client's sequence of exchanges for one scenario, and how the client ended."""

    scenario: Scenario
    exchanges: Sequence[CapturedExchange]
    outcome: ClientOutcome
    #: The operation requests, in order (:func:`conformance.scenarios.sequence.operation_sequence`).
    requests: Sequence[SentRequest]
    #: The body of the last operation answer (JSON when it parses, else text; None without one).
    last_body: Any = None
    adapter: str = ""
    #: Names the client in the error-kinds map and the policy's declared retries ("": neither applies).
    projection_key: str = ""
    policy: ScenarioPolicy | None = None


@dataclass
class SequenceJudgement:
    """What the sequence checks found, in registry order, and the facts they recorded."""

    differences: list[Difference] = field(default_factory=list)
    #: The items the client surfaced for a walk (None when not a walk or none could be read).
    items: list[Any] | None = None
    #: What the client surfaced on an error, and its summary in one shape for every client.
    error_surface: dict[str, Any] | None = None
    error_summary: dict[str, Any] | None = None
    #: "Not asserted" lines of the case (what a check could not judge for this client).
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class SequenceMutant:
    """One sequence mutant: the scenario with one expectation changed, and where the verdict must fail."""

    kind: str
    #: Where in the sequence the mutated verdict must fail (``/requests/2/query/page_token``, ``/outcome``).
    target: str
    description: str
    scenario: Scenario


# --------------------------------------------------------------------------- pairs (parity)


@dataclass(frozen=True)
class RequestPair:
    """The requests the clients sent for one fixture (label -> the expectation judged, the request)."""

    fixture: Fixture
    requests: Mapping[str, tuple[Expectation, NormalizedRequest]]
    policy: Policy | None = None


@dataclass(frozen=True)
class OutcomePair:
    """What the clients surfaced for one fixture (label -> output), for its ``semantic_body`` facts."""

    semantic_body: Mapping[str, Any]
    outputs: Mapping[str, Any]


@dataclass(frozen=True)
class SequencePair:
    """The clients' verdicts of one scenario."""

    scenario: Scenario
    verdicts: Sequence[ScenarioVerdict]
    policy: ScenarioPolicy | None = None
