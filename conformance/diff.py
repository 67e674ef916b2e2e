"""The verdict of one case: :func:`judge` compares captured traffic with an :class:`Expectation`.

Design decisions:

* **Which request is the operation.** Every captured exchange whose path,
  without the API prefix, matches a canned route of the server profile
  (``profile.ancillary_route``) is *ancillary* (the handshake and its kind):
  listed in the verdict, never judged, never failing a case. Every other
  exchange is an operation candidate. Exactly one is expected; zero or more
  than one is an ``operation_count`` failure whose ``actual`` lists what was
  seen (method, path, status). With several candidates the first one whose
  method and path match the fixture (else the first one) is still judged, so
  the report also shows how it compares.
* **API prefix.** ``profile.api_prefix`` when the profile has one (it
  describes the server the requests went to), else ``settings.api_prefix``.
* **Values.** :func:`diff_values` is deep and type-exact: ``42`` is not
  ``"42"`` nor ``42.0`` (``type_changed``), ``True`` is not ``1``. Objects are
  compared key by key, lists index by index (no re-alignment: a list's order is
  part of its meaning). Under ``subset`` only the expectation's *top-level*
  keys are checked; a listed key's value is compared exactly, and a top-level
  key the expectation does not list is an ``unexpected`` *diagnostic*. Under
  ``exact`` such a key is a failure.
* **Envelopes.** The body is compared after decoding. An envelope requirement
  (the SDK's ``payload_envelope``) fails with ``envelope_invalid`` when the
  field was sent as plain JSON or with another codec. Below a pointer where an
  envelope did not decode, value differences are not reported again: the
  ``envelope_invalid`` finding says everything.
* **Parts the fixture does not assert** produce no failure: a normalization
  finding about a body the fixture does not assert (not JSON, bad envelope)
  and query parameters sent where the fixture declares no query become
  diagnostics; the verdict lists those parts in ``not_asserted``.
* **Policy.** A :class:`~conformance.policy.Policy` turns declared deliberate
  differences into diagnostics after everything else.
* **Which checks.** :func:`compare` runs the normalization findings, then
  every registered check (:data:`conformance.checks.CHECKS`) in registry
  order; each check owns its comparison (``conformance/checks/*.py``).
* **The judge is a function of the built expectation**: :func:`judge_request`
  (expectation, captured exchanges, profile, settings, policy). A fixture that
  contradicts itself never gets this far in a run: ``discover`` lists it under
  the input problems (:mod:`conformance.fixture_rules`), and the run plans
  each case with its expectation (:mod:`conformance.planning`).

No output of this module contains a credential: header values come from the
normalized request (redacted) and the authorization check only says whether
the token matched.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Protocol

from conformance.capture import CapturedExchange
from conformance.checks import request_checks
from conformance.checks.values import diff_values
from conformance.expectations import Expectation, JudgeSettings
from conformance.findings import Difference
from conformance.normalize import NormalizedRequest, normalize, split_path, strip_prefix
from conformance.textsafe import json_type

if TYPE_CHECKING:
    from conformance.policy import Policy

__all__ = [
    "CaseVerdict",
    "ProfileLike",
    "compare",
    "diff_values",
    "exchange_summary",
    "json_type",
    "judge_request",
]


class ProfileLike(Protocol):
    """The part of :class:`conformance.proxy.profile.ServerProfile` the judge uses."""

    @property
    def api_prefix(self) -> str: ...

    def ancillary_route(self, method: str, path: str) -> Any: ...


def _is_under(pointer: str, base: str) -> bool:
    return pointer == base or pointer.startswith(base + "/")


# --------------------------------------------------------------------------- exchanges


def exchange_summary(exchange: CapturedExchange) -> dict[str, Any]:
    """A credential-free description of one exchange for verdicts and reports."""
    return {
        "sequence": exchange.sequence,
        "method": exchange.method,
        "path": exchange.path,
        "query_string": exchange.query_string,
        "status": exchange.response_status,
        "answered_by": exchange.answered_by,
        "route": exchange.route,
        "summary": exchange.summary(),
    }


def _api_prefix(profile: Any, settings: JudgeSettings) -> str:
    prefix = getattr(profile, "api_prefix", None)
    return prefix if isinstance(prefix, str) else settings.api_prefix


def split_exchanges(
    exchanges: Sequence[CapturedExchange], profile: Any, api_prefix: str
) -> tuple[list[CapturedExchange], list[CapturedExchange]]:
    """``(ancillary, operation candidates)``, each in arrival order."""
    ancillary: list[CapturedExchange] = []
    candidates: list[CapturedExchange] = []
    for exchange in exchanges:
        path, matched = strip_prefix(exchange.path or "/", api_prefix)
        route = (
            profile.ancillary_route(exchange.method.upper(), path)
            if matched and profile is not None
            else None
        )
        (ancillary if route is not None else candidates).append(exchange)
    return ancillary, candidates


def _choose(
    candidates: list[CapturedExchange], expectation: Expectation, api_prefix: str
) -> CapturedExchange:
    for exchange in candidates:
        path, _matched = strip_prefix(exchange.path or "/", api_prefix)
        if (
            exchange.method.upper() == expectation.method
            and tuple(split_path(path)) == expectation.path_segments
        ):
            return exchange
    return candidates[0]


# --------------------------------------------------------------------------- comparisons


def compare(expectation: Expectation, request: NormalizedRequest) -> list[Difference]:
    """Every difference of one normalized request against one expectation (no policy applied).

    The normalization findings first, then every registered check
    (:data:`conformance.checks.CHECKS`) in registry order.
    """
    differences: list[Difference] = []
    body_asserted = expectation.body is not None
    invalid_envelopes: list[str] = []
    for finding in request.findings:
        if finding.kind in ("not_json", "envelope_invalid") and not body_asserted:
            differences.append(finding.as_diagnostic("the fixture does not assert the body"))
        else:
            differences.append(finding)
        if finding.kind == "envelope_invalid":
            invalid_envelopes.append(finding.pointer)
    for check in request_checks():
        for difference in check.compare(expectation, request):
            if any(_is_under(difference.pointer, base) for base in invalid_envelopes):
                continue  # below an envelope that did not decode: the envelope_invalid finding says it
            differences.append(difference)
    return differences


# --------------------------------------------------------------------------- verdict


@dataclass
class CaseVerdict:
    """The request-side verdict of one case (one fixture, one client)."""

    fixture_name: str
    operation: str
    projection_key: str
    status: Literal["pass", "fail"]
    failures: list[Difference]
    diagnostics: list[Difference]
    not_asserted: list[str]
    request: NormalizedRequest | None
    ancillary: list[CapturedExchange]
    operation_candidates: list[CapturedExchange]
    expectation: Expectation
    asserted: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return self.status == "pass"

    def to_json(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "fixture": self.fixture_name,
            "operation": self.operation,
            "projection": self.projection_key,
            "failures": [difference.to_json() for difference in self.failures],
            "diagnostics": [difference.to_json() for difference in self.diagnostics],
            "asserted": list(self.asserted),
            "not_asserted": list(self.not_asserted),
            "expected": self.expectation.to_json(),
            "request": self.request.to_json() if self.request is not None else None,
            "ancillary": [exchange_summary(exchange) for exchange in self.ancillary],
            "operation_candidates": [exchange_summary(exchange) for exchange in self.operation_candidates],
        }


def _count_failure(expectation: Expectation, candidates: list[CapturedExchange]) -> Difference:
    seen = [exchange.summary() for exchange in candidates]
    if not candidates:
        message = (
            "no operation request was captured (ancillary requests such as the handshake are not counted)"
        )
    else:
        message = f"{len(candidates)} operation requests were captured; exactly one is expected"
    return Difference(
        "",
        "operation_count",
        f"one {expectation.method} {expectation.path} request",
        seen,
        "failure",
        message,
    )


def judge_request(
    expectation: Expectation,
    exchanges: Sequence[CapturedExchange],
    profile: ProfileLike | Any,
    settings: JudgeSettings,
    *,
    policy: Policy | None,
) -> CaseVerdict:
    """The request verdict of one case: its captured exchanges against a built expectation.

    ``settings`` gives the API prefix when the profile has none; the policy is
    applied to the expectation's operation and projection.
    """
    api_prefix = _api_prefix(profile, settings)
    ancillary, candidates = split_exchanges(exchanges, profile, api_prefix)
    differences: list[Difference] = []
    request: NormalizedRequest | None = None
    if len(candidates) != 1:
        differences.append(_count_failure(expectation, candidates))
    if candidates:
        request = normalize(_choose(candidates, expectation, api_prefix), api_prefix=api_prefix)
        differences.extend(compare(expectation, request))
    if policy is not None:
        differences = policy.apply(expectation.operation, expectation.projection_key, differences)
    failures = [difference for difference in differences if difference.is_failure]
    diagnostics = [difference for difference in differences if not difference.is_failure]
    return CaseVerdict(
        fixture_name=expectation.fixture_name,
        operation=expectation.operation,
        projection_key=expectation.projection_key,
        status="fail" if failures else "pass",
        failures=failures,
        diagnostics=diagnostics,
        not_asserted=list(expectation.not_asserted),
        request=request,
        ancillary=ancillary,
        operation_candidates=candidates,
        expectation=expectation,
        asserted=expectation.asserted,
    )
