"""The interface of a check: one rule of the contract, with three kinds of subject.

Every rule the harness judges is a check in the one registry
(:data:`conformance.checks.CHECKS`). A check says what it judges in
:attr:`Check.subject`:

* ``"request"``: **a request exchange**, the operation request a client sent
  (:class:`RequestCheck`). It owns its part of the
  :class:`~conformance.expectations.Expectation` (:meth:`RequestCheck.expect`;
  the builder, :func:`conformance.expectations.build_expectation`, asks every
  request check), its comparison of a
  :class:`~conformance.normalize.NormalizedRequest` (:meth:`RequestCheck.compare`,
  called by :func:`conformance.diff.compare`) and its self-test mutants
  (:meth:`RequestCheck.mutants`, called by :func:`conformance.mutation.derive_mutants`).
* ``"outcome"``: **a client's surfaced outcome**, what it did with the answer
  (:class:`OutcomeCheck`, subject :class:`~conformance.checks.subjects.OutcomeSubject`).
  :meth:`OutcomeCheck.judge` adds its differences, its asserted and its
  "not asserted" lines to the case's
  :class:`~conformance.checks.subjects.OutcomeJudgement`
  (:func:`conformance.response.verdict.judge_response` runs every outcome
  check in registry order); :meth:`OutcomeCheck.mutants` gives its self-test
  mutants.
* ``"sequence"``: **a sequence of exchanges**, a scenario's walk, retries and
  ending (:class:`SequenceCheck`, subject
  :class:`~conformance.checks.subjects.SequenceSubject`), judged the same way
  by :func:`conformance.scenarios.judge.judge_scenario`.

**Parity** between clients goes through the same seam: a
:class:`ParityCheck` is a check over two subjects of one kind (two clients'
requests, outcomes or sequences of the same fixture or scenario);
:mod:`conformance.run_document` asks the registry's parity check of each
kind.

A check's mutants are what proves it: the self-test
(:mod:`conformance.selftest`) changes what the check relies on, judges the same
captured case again and expects a new failure at the mutant's target. The
``mutation_kinds`` of every check are the rows of the self-test's report; a
check whose rule has nothing to mutate (its facts come from the captured
answers, not from an expectation) declares none.

``listing_rank`` only orders how request parts, asserted / not-asserted lines
and mutation kinds are *listed*; it exists so the four built-in request checks
keep the result document byte-stable (the body is listed before the headers but
compared after them). A new check leaves it at :data:`DEFAULT_LISTING_RANK`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, Literal, Protocol, TypeVar

if TYPE_CHECKING:
    from conformance.checks.subjects import (
        OutcomeJudgement,
        OutcomeMutant,
        OutcomeSubject,
        SequenceJudgement,
        SequenceMutant,
        SequenceSubject,
    )
    from conformance.expectation_parts import Expectation, ExpectationPart, ExpectationSource
    from conformance.findings import Difference
    from conformance.mutation import MutantDeriver
    from conformance.normalize import NormalizedRequest
    from conformance.scenarios.model import Scenario

__all__ = [
    "DEFAULT_LISTING_RANK",
    "Check",
    "OutcomeCheck",
    "ParityCheck",
    "RequestCheck",
    "SequenceCheck",
    "Subject",
]

#: The listing rank of a check that does not say otherwise (after the four built-in ones).
DEFAULT_LISTING_RANK = 100

#: What a check judges: a request exchange, a client's surfaced outcome, a sequence of exchanges.
Subject = Literal["request", "outcome", "sequence"]


class Check(Protocol):
    """What every check has: a name, its subject and its mutation kinds."""

    #: Short name (``"query"``, ``"surfaced_values"``, ``"walk"``), used in messages.
    name: ClassVar[str]
    #: What it judges.
    subject: ClassVar[Subject]
    #: The mutation kinds its ``mutants`` produce (the self-test's report rows), in order.
    mutation_kinds: ClassVar[tuple[str, ...]]
    #: How the check is listed (see the module docstring); leave at the default.
    listing_rank: ClassVar[int]


class RequestCheck(Check, Protocol):
    """One aspect of the operation request (method and path, query, headers, body...)."""

    def expect(self, source: ExpectationSource) -> ExpectationPart:
        """This check's part of the expectation of ``source.projection_key`` (may raise InputError)."""
        ...

    def compare(self, expectation: Expectation, request: NormalizedRequest) -> list[Difference]:
        """Every difference of ``request`` against this check's part of ``expectation``."""
        ...

    def mutants(self, deriver: MutantDeriver) -> None:
        """Add this check's mutants (and not-applicable records) to ``deriver``."""
        ...


class OutcomeCheck(Check, Protocol):
    """One rule of what a client did with the answer (surfaced values, facts, its output schema...)."""

    def judge(self, subject: OutcomeSubject, judgement: OutcomeJudgement) -> None:
        """Add this check's differences, asserted and not-asserted lines to ``judgement``."""
        ...

    def mutants(self, subject: OutcomeSubject, judgement: OutcomeJudgement) -> list[OutcomeMutant]:
        """This check's mutants of ``subject``, given its unmutated ``judgement``."""
        ...


class SequenceCheck(Check, Protocol):
    """One rule of a sequence of exchanges (the walk, the attempts, how the client ended...)."""

    def judge(self, subject: SequenceSubject, judgement: SequenceJudgement) -> None:
        """Add this check's differences (and recorded facts, notes) to ``judgement``."""
        ...

    def not_asserted(self, scenario: Scenario, projection_key: str) -> list[str]:
        """What this check leaves unjudged for ``scenario`` and this client, whatever the client did."""
        ...

    def mutants(self, subject: SequenceSubject) -> list[SequenceMutant]:
        """This check's mutants of the scenario's expectation, for the captured ``subject``."""
        ...


PairT_contra = TypeVar("PairT_contra", contravariant=True)
FindingT = TypeVar("FindingT")


class ParityCheck(Check, Protocol[PairT_contra, FindingT]):
    """The clients against each other, over two (or more) subjects of :attr:`subject`'s kind.

    Its input is the clients' subjects of one fixture or scenario
    (:mod:`conformance.checks.subjects`: ``RequestPair``, ``OutcomePair``,
    ``SequencePair``); it returns findings in the shape the result document
    keeps for that kind.
    """

    #: Always True: the registry tells parity checks from single-client checks by it.
    pairs: ClassVar[bool]

    def compare(self, pair: PairT_contra) -> list[FindingT]:
        """Every finding between the clients of ``pair``."""
        ...
