"""Method and path: always from the fixture's ``request``, paths compared percent-decoded."""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, ClassVar

from conformance.checks.base import Subject
from conformance.expectation_parts import Expectation, ExpectationSource, MethodPathPart
from conformance.expectation_rules import method_path_part
from conformance.findings import Difference
from conformance.mutant_edits import SUFFIX
from conformance.normalize import NormalizedRequest

if TYPE_CHECKING:
    from conformance.mutation import MutantDeriver

__all__ = ["MethodPathCheck", "compare_method_path"]

_OTHER_METHOD = {"GET": "POST", "POST": "PUT", "PUT": "POST", "PATCH": "PUT", "DELETE": "GET"}


def compare_method_path(expectation: Expectation, request: NormalizedRequest) -> list[Difference]:
    """``/method``, then ``/path`` (segment count) or ``/path_segments/<i>`` (percent-decoded)."""
    differences: list[Difference] = []
    if request.method != expectation.method:
        differences.append(Difference("/method", "changed", expectation.method, request.method, "failure"))
    if not request.prefix_matched:
        return differences  # the normalization finding at /path says it
    expected = list(expectation.path_segments)
    actual = request.path_segments
    if len(expected) != len(actual):
        differences.append(
            Difference(
                "/path",
                "changed",
                "/" + "/".join(expected),
                request.path,
                "failure",
                f"expected {len(expected)} path segment(s), found {len(actual)}",
            )
        )
        return differences
    differences.extend(
        Difference(f"/path_segments/{index}", "changed", want, got, "failure", "compared percent-decoded")
        for index, (want, got) in enumerate(zip(expected, actual, strict=True))
        if want != got
    )
    return differences


class MethodPathCheck:
    """The request's method and path segments."""

    name: ClassVar[str] = "method_path"
    subject: ClassVar[Subject] = "request"
    mutation_kinds: ClassVar[tuple[str, ...]] = ("method", "path_segment")
    listing_rank: ClassVar[int] = 10

    def expect(self, source: ExpectationSource) -> MethodPathPart:
        return method_path_part(source.fixture)

    def compare(self, expectation: Expectation, request: NormalizedRequest) -> list[Difference]:
        return compare_method_path(expectation, request)

    def mutants(self, deriver: MutantDeriver) -> None:
        method = deriver.base.method
        other = _OTHER_METHOD.get(method, "POST" if method != "POST" else "GET")
        data = copy.deepcopy(deriver.fixture.data)
        data["request"]["method"] = other
        deriver.add("method", "/method", f"{method} -> {other}", data, ["/request/method"])

        path = deriver.fixture.path_template
        trimmed = path[1:] if path.startswith("/") else path
        if not trimmed:
            deriver.not_applicable("path_segment", "the path has no segment")
            return
        parts = trimmed.split("/")
        for index, part in enumerate(parts):
            changed = [*parts[:index], part + SUFFIX, *parts[index + 1 :]]
            data = copy.deepcopy(deriver.fixture.data)
            data["request"]["path"] = "/" + "/".join(changed)
            deriver.add(
                "path_segment",
                f"/path_segments/{index}",
                f"segment {index}: {part!r} -> {part + SUFFIX!r}",
                data,
                ["/request/path"],
            )
