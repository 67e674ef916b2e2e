"""Sequence check: what a client surfaced on an error, and no language leak in machine-readable output.

The client's error surface (the adapter's ``error_surface``) is recorded with
its summary in one shape for every client
(:mod:`conformance.scenarios.error_surface`). A PHP class name, a file path or
a stack trace in machine-readable output is an ``error_leak`` failure at
``/error_surface/...``; one the server's own answer holds too is a diagnostic
(the client passed it on). No mutants: the rule has no expectation to change.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from conformance import jsonpointer
from conformance.adapters.base import ClientOutcome
from conformance.checks.base import Subject
from conformance.checks.subjects import SequenceJudgement, SequenceMutant, SequenceSubject
from conformance.findings import Difference
from conformance.scenarios import error_surface

if TYPE_CHECKING:
    from conformance.scenarios.model import Scenario

__all__ = ["ERROR_FACTS_ALONE", "ErrorLeaksCheck"]

#: An error scenario checks what the client did and leaks; its error facts are compared across clients.
ERROR_FACTS_ALONE = (
    "error facts of one client alone (status, code, errors: compared between clients, see parity)"
)


def _error_surface(
    outcome: ClientOutcome, server_body: Any
) -> tuple[dict[str, Any] | None, dict[str, Any] | None, list[Difference]]:
    """The surface, its summary and one difference per leak (a leak echoed from the answer: diagnostic)."""
    surface = outcome.error_surface
    if surface is None:
        return None, None, []
    differences: list[Difference] = []
    for leak in error_surface.leaks(surface, server_body=server_body):
        echoed = (
            " (the server's answer holds it too: the client passed it on)" if leak.echoed_from_server else ""
        )
        differences.append(
            Difference(
                jsonpointer.join("/error_surface", *jsonpointer.parse(leak.pointer)),
                "error_leak",
                None,
                leak.found,
                "diagnostic" if leak.echoed_from_server else "failure",
                f"{leak.message}{echoed}",
            )
        )
    return surface, error_surface.summarize(surface).to_json(), differences


class ErrorLeaksCheck:
    """The error surface recorded; a language leak in machine-readable output fails."""

    name: ClassVar[str] = "error_leaks"
    subject: ClassVar[Subject] = "sequence"
    mutation_kinds: ClassVar[tuple[str, ...]] = ()
    listing_rank: ClassVar[int] = 100

    def judge(self, subject: SequenceSubject, judgement: SequenceJudgement) -> None:
        surface, summary, differences = _error_surface(subject.outcome, subject.last_body)
        judgement.error_surface, judgement.error_summary = surface, summary
        judgement.differences.extend(differences)

    def not_asserted(self, scenario: Scenario, projection_key: str) -> list[str]:
        return [] if scenario.walk else [ERROR_FACTS_ALONE]

    def mutants(self, subject: SequenceSubject) -> list[SequenceMutant]:
        return []
