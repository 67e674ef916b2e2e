"""The request sequence of a scenario case: the operation requests a client sent, in order.

Built from the case's captured exchanges. Ancillary requests (the handshake,
the profile's canned routes) and requests for other paths are left out: the
sequence is what the scenario's answers were played against, so request
``i`` of the sequence is the one that got answer ``i`` (or the bound).
Pointers of the judge address this sequence: ``/requests/2/query/after_sequence``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from conformance.capture import CapturedExchange
from conformance.proxy.dressing import parse_body
from conformance.proxy.paths import split_target, strip_prefix
from conformance.proxy.script import HELD_TO_THE_END, HOLD_RAN_OUT, retry_after_seconds
from conformance.proxy.stub import is_operation_request

if TYPE_CHECKING:
    from conformance.fixture import Fixture
    from conformance.proxy.profile import ServerProfile

__all__ = ["SentRequest", "operation_sequence", "retry_after_seconds"]


@dataclass(frozen=True)
class SentRequest:
    """One operation request of the sequence and what it was answered."""

    index: int
    method: str
    path: str
    query: dict[str, list[str]]
    body: Any
    started_at: float
    status: int | None
    #: "answer <n>" or "bound" (the stub's route), or "" when the stub did not script it.
    answer: str
    error: str | None
    retry_after: str | None
    #: Seconds between the end of the previous answer and this request (None for the first).
    delay_seconds: float | None
    completed_at: float | None

    @property
    def failed(self) -> bool:
        """True when the answer was an error status or never arrived whole."""
        return self.error is not None or self.status is None or self.status >= 400

    @property
    def bound(self) -> bool:
        return self.answer == "bound"

    @property
    def held(self) -> bool:
        """True when the scenario held this request unanswered (a server that never answers)."""
        return self.error is not None and self.error.startswith(HELD_TO_THE_END)

    @property
    def hold_ran_out(self) -> bool:
        """True when the client was still waiting at the end of the hold: its own timeout never fired."""
        return self.held and HOLD_RAN_OUT in (self.error or "")

    def outcome_label(self) -> str:
        """``"429"``, ``"200"``, ``"unanswered"`` (held), or ``"dropped"`` (not arrived whole)."""
        if self.held:
            return "unanswered"
        if self.error is not None or self.status is None:
            return "dropped"
        return str(self.status)

    def param(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[0] if values else None

    def to_json(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "method": self.method,
            "path": self.path,
            "query": {name: list(values) for name, values in self.query.items()},
            "status": self.status,
            "answer": self.answer,
            "error": self.error,
            "retry_after": self.retry_after,
            "delay_seconds": None if self.delay_seconds is None else round(self.delay_seconds, 3),
        }


def _header(headers: list[tuple[str, str]], name: str) -> str | None:
    wanted = name.lower()
    return next((value for key, value in headers if key.lower() == wanted), None)


def operation_sequence(
    exchanges: list[CapturedExchange],
    fixture: Fixture,
    *,
    api_prefix: str = "/api",
    profile: ServerProfile | None = None,
) -> list[SentRequest]:
    """The fixture's operation requests among ``exchanges``, in arrival order."""
    sequence: list[SentRequest] = []
    previous_end: float | None = None
    for exchange in exchanges:
        stripped = strip_prefix(split_target(exchange.path)[0], api_prefix)
        if stripped is None:
            continue
        if profile is not None and profile.ancillary_route(exchange.method.upper(), stripped) is not None:
            continue
        if not is_operation_request(fixture, exchange.method, stripped):
            continue
        delay = None if previous_end is None else max(0.0, exchange.started_at - previous_end)
        sequence.append(
            SentRequest(
                index=len(sequence),
                method=exchange.method,
                path=exchange.path,
                query=parse_qs(exchange.query_string, keep_blank_values=True),
                body=parse_body(exchange.request_body),
                started_at=exchange.started_at,
                status=exchange.response_status,
                answer=(exchange.route or "") if exchange.answered_by == "scenario" else "",
                error=exchange.error,
                retry_after=_header(exchange.response_headers, "retry-after"),
                delay_seconds=delay,
                completed_at=exchange.response_completed_at,
            )
        )
        previous_end = exchange.response_completed_at or exchange.started_at
    return sequence
