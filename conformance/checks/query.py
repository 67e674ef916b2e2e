"""The query: a declared query is exact; typed values match their wire spellings."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from conformance import jsonpointer
from conformance.checks.base import Subject
from conformance.expectation_parts import Expectation, ExpectationSource, QueryExpectation, QueryPart
from conformance.expectation_rules import query_expectation
from conformance.findings import Difference
from conformance.mutant_edits import Edit, changed_value
from conformance.normalize import NormalizedRequest

if TYPE_CHECKING:
    from conformance.mutation import MutantDeriver

__all__ = ["QueryCheck", "compare_query"]


def _one(values: list[str]) -> Any:
    return values[0] if len(values) == 1 else values


def compare_query(query: QueryExpectation | None, request: NormalizedRequest) -> list[Difference]:
    """Missing, changed and unexpected parameters (``/query/<name>``); diagnostics when none is declared."""
    differences: list[Difference] = []
    if query is None:
        for name, values in request.query.items():
            differences.append(
                Difference(
                    jsonpointer.join("/query", name),
                    "unexpected",
                    None,
                    _one(values),
                    "diagnostic",
                    "the fixture declares no query",
                )
            )
        return differences
    for name, wanted in query.params.items():
        where = jsonpointer.join("/query", name)
        declared = wanted[0].declared if len(wanted) == 1 else [value.declared for value in wanted]
        sent = request.query.get(name)
        if sent is None:
            differences.append(
                Difference(where, "missing", declared, None, "failure", f"from {query.source}")
            )
            continue
        if len(sent) != len(wanted) or not all(w.matches(s) for w, s in zip(wanted, sent, strict=True)):
            accepted = ", ".join(value.describe() for value in wanted)
            differences.append(
                Difference(
                    where, "changed", declared, _one(sent), "failure", f"accepted wire form(s): {accepted}"
                )
            )
    for name, values in request.query.items():
        if name not in query.params:
            differences.append(
                Difference(
                    jsonpointer.join("/query", name),
                    "unexpected",
                    None,
                    _one(values),
                    "failure",
                    f"not in {query.source}",
                )
            )
    return differences


class QueryCheck:
    """The query multi-map against ``request.query`` / ``expected_query``."""

    name: ClassVar[str] = "query"
    subject: ClassVar[Subject] = "request"
    mutation_kinds: ClassVar[tuple[str, ...]] = ("query_value", "query_removed")
    listing_rank: ClassVar[int] = 20

    def expect(self, source: ExpectationSource) -> QueryPart:
        return QueryPart(query_expectation(source.fixture, source.projection_key))

    def compare(self, expectation: Expectation, request: NormalizedRequest) -> list[Difference]:
        return compare_query(expectation.query, request)

    def mutants(self, deriver: MutantDeriver) -> None:
        query = deriver.base.query
        if query is None:
            reason = f"the fixture declares no query for {deriver.projection_key}"
            deriver.not_applicable("query_value", reason)
            deriver.not_applicable("query_removed", reason)
            return
        if not query.params:
            deriver.not_applicable("query_value", "the declared query is empty")
        for name, values in query.params.items():
            target = jsonpointer.join("/query", name)
            declared = values[0].declared if len(values) == 1 else [value.declared for value in values]
            new = (
                [changed_value(declared[0]), *declared[1:]]
                if isinstance(declared, list)
                else changed_value(declared)
            )
            data, sites = deriver.edit_query(name, Edit("replace", new))
            deriver.add("query_value", target, f"{declared!r} -> {new!r}", data, sites)
            data, sites = deriver.edit_query(name, Edit("remove"))
            deriver.add("query_removed", target, f"{name} no longer expected", data, sites)
