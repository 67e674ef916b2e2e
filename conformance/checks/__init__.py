"""THE registry of checks, :data:`CHECKS`: every rule the harness judges, one module each.

A check (:mod:`conformance.checks.base`) judges one of three kinds of subject:
a request exchange, a client's surfaced outcome, or a sequence of exchanges;
a parity check judges two clients' subjects of one kind. It owns its part of
the expectation, its comparison, its "not asserted" words and its self-test
mutants. To add one, write one module and append an instance to
:data:`CHECKS` ("Adding a check" in ``docs/architecture.md``). Nothing else
lists checks: the expectation builder, the three judges, the parity of the
run document, the mutant derivations and the self-test's report rows all read
this list through the functions below.
"""

from __future__ import annotations

from typing import Any, cast

from conformance.checks.attempts import AttemptsCheck
from conformance.checks.base import (
    DEFAULT_LISTING_RANK,
    Check,
    OutcomeCheck,
    ParityCheck,
    RequestCheck,
    SequenceCheck,
    Subject,
)
from conformance.checks.body import BodyCheck
from conformance.checks.cli_output_schema import CliOutputSchemaCheck
from conformance.checks.collapsed_items import CollapsedItemsCheck
from conformance.checks.declared_retries import DeclaredRetriesCheck
from conformance.checks.error_kind import ErrorKindCheck
from conformance.checks.error_leaks import ErrorLeaksCheck
from conformance.checks.headers import HeadersCheck
from conformance.checks.invented_values import InventedValuesCheck
from conformance.checks.method_path import MethodPathCheck
from conformance.checks.outcome_parity import OutcomeParityCheck
from conformance.checks.query import QueryCheck
from conformance.checks.request_parity import RequestParityCheck
from conformance.checks.retry_after import RetryAfterCheck
from conformance.checks.scenario_outcome import ScenarioOutcomeCheck
from conformance.checks.sequence_end import SequenceEndCheck
from conformance.checks.sequence_parity import SequenceParityCheck
from conformance.checks.surfaced_facts import SurfacedFactsCheck
from conformance.checks.surfaced_values import SurfacedValuesCheck
from conformance.checks.unmapped_values import UnmappedValuesCheck
from conformance.checks.walk import WalkCheck

__all__ = [
    "CHECKS",
    "DEFAULT_LISTING_RANK",
    "Check",
    "listed",
    "mutation_kinds",
    "outcome_checks",
    "parity_check",
    "request_checks",
    "sequence_checks",
]

#: THE registry. Within each kind of subject, compare order: a check's differences follow those of the
#: checks of its kind before it.
CHECKS: list[Check] = [
    # a request exchange
    MethodPathCheck(),
    QueryCheck(),
    HeadersCheck(),
    BodyCheck(),
    # a client's surfaced outcome
    SurfacedValuesCheck(),
    SurfacedFactsCheck(),
    UnmappedValuesCheck(),
    InventedValuesCheck(),
    CliOutputSchemaCheck(),
    # a sequence of exchanges
    WalkCheck(),
    AttemptsCheck(),
    RetryAfterCheck(),
    SequenceEndCheck(),
    ScenarioOutcomeCheck(),
    CollapsedItemsCheck(),
    ErrorLeaksCheck(),
    ErrorKindCheck(),
    DeclaredRetriesCheck(),
    # two clients' subjects of one kind (parity)
    RequestParityCheck(),
    OutcomeParityCheck(),
    SequenceParityCheck(),
]


def _single(subject: Subject) -> list[Any]:
    return [check for check in CHECKS if check.subject == subject and not getattr(check, "pairs", False)]


def request_checks() -> list[RequestCheck]:
    """The request checks, in compare order."""
    return _single("request")


def outcome_checks() -> list[OutcomeCheck]:
    """The outcome checks, in compare order."""
    return _single("outcome")


def sequence_checks() -> list[SequenceCheck]:
    """The sequence checks, in compare order."""
    return _single("sequence")


def parity_check(subject: Subject) -> ParityCheck[Any, Any]:
    """The parity check of ``subject``'s kind (exactly one is registered per kind)."""
    found = [check for check in CHECKS if check.subject == subject and getattr(check, "pairs", False)]
    if len(found) != 1:
        raise LookupError(f"{len(found)} parity checks registered for {subject!r} subjects; expected 1")
    return cast("ParityCheck[Any, Any]", found[0])


def listed(subject: Subject = "request") -> list[Any]:
    """The single-client checks of ``subject``'s kind in listing order (``listing_rank``, then registry)."""
    checks = _single(subject)
    order = {id(check): index for index, check in enumerate(checks)}
    return sorted(
        checks, key=lambda check: (getattr(check, "listing_rank", DEFAULT_LISTING_RANK), order[id(check)])
    )


def mutation_kinds(subject: Subject = "request") -> tuple[str, ...]:
    """Every mutation kind of the checks of ``subject``'s kind, in listing order."""
    return tuple(kind for check in listed(subject) for kind in check.mutation_kinds)
