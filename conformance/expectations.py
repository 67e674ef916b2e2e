"""What one client must send for one fixture: :class:`Expectation`, built per projection.

:func:`build_expectation` is THE builder: the run builds one expectation per
fixture and projection when it plans the cases, and the judge
(:func:`conformance.diff.judge_request`), parity
(:func:`conformance.parity.compare_requests`), the self-test's mutants and the
canonical replay (:func:`conformance.canonical_request.canonical_request`) all
read that same object. It asks every registered check
(:data:`conformance.checks.CHECKS`) for its part.

The builder stands outside the checks: a check declares its part with the
types of :mod:`conformance.expectation_parts` and builds it with the rules of
:mod:`conformance.expectation_rules` (whose docstring holds the design
decisions: which query, body and headers a projection is held to); neither of
them imports a check or this module. Their names are re-exported here for the
callers of the expectation.
"""

from __future__ import annotations

from conformance.checks import listed, request_checks
from conformance.expectation_parts import (
    CANONICAL,
    BodyExpectation,
    BodyPart,
    EnvelopeRequirement,
    Expectation,
    ExpectationPart,
    ExpectationSource,
    HeaderExpectation,
    HeadersPart,
    JudgeSettings,
    MethodPathPart,
    QueryExpectation,
    QueryPart,
    QueryValue,
)
from conformance.expectation_rules import (
    REFERENCE_PROJECTIONS,
    body_expectation,
    body_shared_with,
    header_expectations,
    major_version,
    method_path_part,
    pinned_body,
    plane_of,
    query_expectation,
    values_equal,
)
from conformance.fixture import ENVELOPE_SUFFIX, Fixture

__all__ = [
    "CANONICAL",
    "ENVELOPE_SUFFIX",
    "REFERENCE_PROJECTIONS",
    "BodyExpectation",
    "BodyPart",
    "EnvelopeRequirement",
    "Expectation",
    "ExpectationPart",
    "ExpectationSource",
    "HeaderExpectation",
    "HeadersPart",
    "JudgeSettings",
    "MethodPathPart",
    "QueryExpectation",
    "QueryPart",
    "QueryValue",
    "body_expectation",
    "body_shared_with",
    "build_expectation",
    "header_expectations",
    "major_version",
    "method_path_part",
    "pinned_body",
    "plane_of",
    "query_expectation",
    "values_equal",
]


def build_expectation(fixture: Fixture, projection_key: str, settings: JudgeSettings) -> Expectation:
    """THE builder: the expectation for one projection (``canonical`` for the harness's replay).

    Every registered request check (:data:`conformance.checks.CHECKS`, in registry
    order) builds its part from the fixture; the parts are kept in listing
    order (:func:`conformance.checks.listed`). Raises :class:`InputError`
    (file and pointer named) when the fixture contradicts itself or holds an
    expected-side envelope that does not decode.
    """
    source = ExpectationSource(fixture, projection_key, settings)
    built: dict[int, ExpectationPart] = {}
    for check in request_checks():
        part = check.expect(source)
        source.parts.append(part)
        built[id(check)] = part
    return Expectation(
        fixture_name=fixture.name,
        operation=fixture.operation,
        projection_key=projection_key,
        parts=tuple(built[id(check)] for check in listed()),
    )
