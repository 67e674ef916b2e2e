"""The checks of the request judge, one module per aspect, and THE registry: :data:`CHECKS`.

A check (:class:`conformance.checks.base.Check`) owns its part of the
expectation, its comparison and its self-test mutants. To add one, write one
module and append an instance to :data:`CHECKS` ("Adding a check" in
``docs/architecture.md``). Nothing else lists checks: the expectation builder,
``diff.compare``, the mutant derivation and :func:`mutation_kinds` all iterate
this list.
"""

from __future__ import annotations

from conformance.checks.base import DEFAULT_LISTING_RANK, Check
from conformance.checks.body import BodyCheck
from conformance.checks.headers import HeadersCheck
from conformance.checks.method_path import MethodPathCheck
from conformance.checks.query import QueryCheck

__all__ = ["CHECKS", "DEFAULT_LISTING_RANK", "Check", "listed", "mutation_kinds"]

#: THE registry, in compare order (a check's differences follow those of the checks before it).
CHECKS: list[Check] = [MethodPathCheck(), QueryCheck(), HeadersCheck(), BodyCheck()]


def listed() -> list[Check]:
    """The registered checks in listing order (``listing_rank``, then registry order)."""
    order = {id(check): index for index, check in enumerate(CHECKS)}
    return sorted(
        CHECKS, key=lambda check: (getattr(check, "listing_rank", DEFAULT_LISTING_RANK), order[id(check)])
    )


def mutation_kinds() -> tuple[str, ...]:
    """Every mutation kind of the registered checks, in listing order."""
    return tuple(kind for check in listed() for kind in check.mutation_kinds)
