"""Headers: ``x-namespace``, the bearer token (never shown) and the plane's version header."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, ClassVar

from conformance import jsonpointer
from conformance.checks.base import Subject
from conformance.expectation_parts import (
    Expectation,
    ExpectationSource,
    HeaderExpectation,
    HeadersPart,
    MethodPathPart,
)
from conformance.expectation_rules import header_expectations, major_version
from conformance.findings import Difference
from conformance.mutant_edits import SUFFIX, Mutant
from conformance.normalize import NormalizedRequest

if TYPE_CHECKING:
    from conformance.mutation import MutantDeriver

__all__ = ["HeadersCheck", "compare_header"]

_REDACTED = "[REDACTED]"


def _one(values: list[str]) -> str | list[str]:
    return values[0] if len(values) == 1 else values


def _describe_credential(raw: str, expected_scheme: str) -> str:
    scheme, space, _credential = raw.partition(" ")
    if not space:
        return f"{_REDACTED} (no auth scheme)"
    if scheme.lower() == expected_scheme.lower():
        return f"{scheme} {_REDACTED} (a different token)"
    return f"{scheme} {_REDACTED}"


def _same_credential(raw: str, scheme: str, credential: str) -> bool:
    """``Bearer t`` matches ``bearer t``: an HTTP auth scheme is case-insensitive, the credential is not."""
    sent_scheme, space, sent_credential = raw.partition(" ")
    return bool(space) and sent_scheme.lower() == scheme.lower() and sent_credential == credential


def compare_header(header: HeaderExpectation, request: NormalizedRequest) -> list[Difference]:
    """The differences of one asserted header (``exact``, ``secret`` or ``same_major``)."""
    where = jsonpointer.join("/headers", header.name)
    if header.match == "secret":
        raw_values = request.credential(header.name)
        if not raw_values:
            return [Difference(where, "missing", header.shown, None, "failure", "not sent")]
        scheme, _, credential = header.value.partition(" ")
        if len(raw_values) == 1 and _same_credential(raw_values[0], scheme, credential):
            return []
        shown = [_describe_credential(raw, scheme) for raw in raw_values]
        return [Difference(where, "changed", header.shown, _one(shown), "failure", "the credential differs")]
    values = request.header_values(header.name)
    if not values:
        return [Difference(where, "missing", header.shown, None, "failure", "not sent")]
    if len(values) > 1:
        return [Difference(where, "changed", header.shown, values, "failure", "sent more than once")]
    value = values[0]
    if header.match == "exact":
        if value != header.value:
            return [Difference(where, "changed", header.shown, value, "failure")]
        return []
    # same_major
    if value.strip() == header.value:
        return []
    want_major, got_major = major_version(header.value), major_version(value)
    if got_major is None or got_major != want_major:
        return [
            Difference(
                where, "changed", header.shown, value, "failure", f"expected major version {want_major}"
            )
        ]
    return [
        Difference(
            where,
            "changed",
            header.shown,
            value,
            "diagnostic",
            f"same major version {want_major}, another minor (clients negotiate minor versions)",
        )
    ]


class HeadersCheck:
    """The headers that carry identity and protocol versions (others are not asserted)."""

    name: ClassVar[str] = "headers"
    subject: ClassVar[Subject] = "request"
    mutation_kinds: ClassVar[tuple[str, ...]] = ("namespace", "token")
    listing_rank: ClassVar[int] = 40

    def expect(self, source: ExpectationSource) -> HeadersPart:
        return header_expectations(source.settings, source.part(MethodPathPart).plane)

    def compare(self, expectation: Expectation, request: NormalizedRequest) -> list[Difference]:
        differences: list[Difference] = []
        for header in expectation.headers:
            differences.extend(compare_header(header, request))
        return differences

    def mutants(self, deriver: MutantDeriver) -> None:
        settings = deriver.settings
        namespace = settings.namespace + SUFFIX
        deriver.result.mutants.append(
            Mutant(
                "namespace",
                "/headers/x-namespace",
                f"namespace {settings.namespace!r} -> {namespace!r}",
                None,
                replace(settings, namespace=namespace),
            )
        )
        if not settings.token:
            deriver.not_applicable("token", "the run has no token")
            return
        deriver.result.mutants.append(
            Mutant(
                "token",
                "/headers/authorization",
                "another bearer token",
                None,
                replace(settings, token=settings.token + SUFFIX),
            )
        )
