"""The interface of a check: one aspect of the operation request, end to end.

A check owns three things for its aspect, and nothing else has to change when one
is added (see "Adding a check" in ``docs/architecture.md``):

* :meth:`Check.expect`: its part of the :class:`~conformance.expectations.Expectation`,
  built from the fixture (the one builder,
  :func:`conformance.expectations.build_expectation`, asks every registered check);
* :meth:`Check.compare`: its differences of a
  :class:`~conformance.normalize.NormalizedRequest` against that part
  (:func:`conformance.diff.compare` asks every registered check);
* :meth:`Check.mutants`: the mutants the self-test derives for it
  (:func:`conformance.mutation.derive_mutants` asks every registered check), with
  the kinds named in :attr:`Check.mutation_kinds`.

Checks are compared in registry order (:data:`conformance.checks.CHECKS`).
``listing_rank`` only orders how parts, asserted / not-asserted lines and
mutation kinds are *listed*; it exists so the four built-in checks keep the
result document byte-stable (the body is listed before the headers but compared
after them). A new check leaves it at :data:`DEFAULT_LISTING_RANK`, i.e. it is
listed after the built-in ones, in registry order.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, Protocol

if TYPE_CHECKING:
    from conformance.expectation_parts import Expectation, ExpectationPart, ExpectationSource
    from conformance.findings import Difference
    from conformance.mutation import MutantDeriver
    from conformance.normalize import NormalizedRequest

__all__ = ["DEFAULT_LISTING_RANK", "Check"]

#: The listing rank of a check that does not say otherwise (after the four built-in ones).
DEFAULT_LISTING_RANK = 100


class Check(Protocol):
    """One aspect of the request (method and path, query, headers, body...)."""

    #: Short name (``"query"``), used in messages.
    name: ClassVar[str]
    #: The mutation kinds :meth:`mutants` produces (the self-test's report rows), in order.
    mutation_kinds: ClassVar[tuple[str, ...]]
    #: How the check's part is listed (see the module docstring); leave at the default.
    listing_rank: ClassVar[int]

    def expect(self, source: ExpectationSource) -> ExpectationPart:
        """This check's part of the expectation of ``source.projection_key`` (may raise InputError)."""
        ...

    def compare(self, expectation: Expectation, request: NormalizedRequest) -> list[Difference]:
        """Every difference of ``request`` against this check's part of ``expectation``."""
        ...

    def mutants(self, deriver: MutantDeriver) -> None:
        """Add this check's mutants (and not-applicable records) to ``deriver``."""
        ...
