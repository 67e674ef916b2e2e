"""Parity check over two request exchanges: the clients send the same operation request.

Every pair of clients of one fixture, compared on what they sent where both
fixtures' projections pin the same thing (:mod:`conformance.parity` holds the
comparison: a value one client's expectation pins and the other's does not is a
diagnostic, a shared pin both must meet is a failure). The policy lowers
declared deliberate differences to diagnostics.
"""

from __future__ import annotations

from typing import ClassVar

from conformance.checks.base import Subject
from conformance.checks.subjects import RequestPair
from conformance.parity import ParityFinding, compare_requests

__all__ = ["RequestParityCheck"]


class RequestParityCheck:
    """The clients' operation requests of one fixture against each other."""

    name: ClassVar[str] = "request_parity"
    subject: ClassVar[Subject] = "request"
    pairs: ClassVar[bool] = True
    mutation_kinds: ClassVar[tuple[str, ...]] = ()
    listing_rank: ClassVar[int] = 100

    def compare(self, pair: RequestPair) -> list[ParityFinding]:
        return compare_requests(pair.fixture, pair.requests, policy=pair.policy)
