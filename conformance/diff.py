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
* A fixture that contradicts itself makes :func:`build_expectation` raise
  :class:`~conformance.problems.InputError`; :func:`judge` lets it propagate so
  the runner can report the case as an error naming the fixture pointer.

No output of this module contains a credential: header values come from the
normalized request (redacted) and the authorization check only says whether
the token matched.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Protocol

from conformance import jsonpointer
from conformance.capture import CapturedExchange
from conformance.expectations import (
    BodyExpectation,
    Expectation,
    HeaderExpectation,
    JudgeSettings,
    QueryExpectation,
    build_expectation,
    major_version,
)
from conformance.findings import Difference
from conformance.fixture import Fixture
from conformance.normalize import NormalizedRequest, normalize, split_path, strip_prefix
from conformance.textsafe import json_type

if TYPE_CHECKING:
    from conformance.policy import Policy

__all__ = ["CaseVerdict", "ProfileLike", "diff_values", "exchange_summary", "json_type", "judge"]

_REDACTED = "[REDACTED]"


class ProfileLike(Protocol):
    """The part of :class:`conformance.proxy.profile.ServerProfile` the judge uses."""

    @property
    def api_prefix(self) -> str: ...

    def ancillary_route(self, method: str, path: str) -> Any: ...


def _scalars_equal(expected: Any, actual: Any) -> bool:
    if isinstance(expected, float) and isinstance(actual, float):
        return expected == actual or (expected != expected and actual != actual)
    return bool(expected == actual)


def diff_values(
    expected: Any,
    actual: Any,
    pointer: str = "",
    *,
    mode: Literal["exact", "subset"] = "exact",
) -> list[Difference]:
    """Structural, type-exact differences of ``actual`` against ``expected``.

    Pointers are ``pointer`` plus RFC 6901 tokens. Under ``subset`` the
    top-level object keys of ``actual`` that ``expected`` does not list are
    diagnostics; everything else is a failure. Iterative (no recursion limit);
    the result is sorted by pointer (keys by name, list indexes numerically),
    so the same inputs always give the same list.
    """
    differences: list[Difference] = []
    # (expected, actual, pointer, depth); processed depth-first in document order
    stack: list[tuple[Any, Any, str, int]] = [(expected, actual, pointer, 0)]
    while stack:
        want, got, where, depth = stack.pop()
        kind_want, kind_got = json_type(want), json_type(got)
        if kind_want != kind_got:
            differences.append(
                Difference(
                    where, "type_changed", want, got, "failure", f"expected {kind_want}, found {kind_got}"
                )
            )
            continue
        if isinstance(want, dict):
            children: list[tuple[Any, Any, str, int]] = []
            for key, item in want.items():
                child = jsonpointer.join(where, key)
                if key not in got:
                    differences.append(Difference(child, "missing", item, None, "failure", "not sent"))
                else:
                    children.append((item, got[key], child, depth + 1))
            for key, item in got.items():
                if key in want:
                    continue
                subset_extra = mode == "subset" and depth == 0
                differences.append(
                    Difference(
                        jsonpointer.join(where, key),
                        "unexpected",
                        None,
                        item,
                        "diagnostic" if subset_extra else "failure",
                        "sent, not listed by a subset expectation" if subset_extra else "sent, not expected",
                    )
                )
            stack.extend(reversed(children))
        elif isinstance(want, list | tuple):
            got_list = list(got)
            shared = min(len(want), len(got_list))
            for index in range(len(got_list), len(want)):
                differences.append(
                    Difference(
                        jsonpointer.join(where, index), "missing", want[index], None, "failure", "not sent"
                    )
                )
            for index in range(len(want), len(got_list)):
                differences.append(
                    Difference(
                        jsonpointer.join(where, index),
                        "unexpected",
                        None,
                        got_list[index],
                        "failure",
                        "extra item",
                    )
                )
            stack.extend(
                reversed(
                    [(want[i], got_list[i], jsonpointer.join(where, i), depth + 1) for i in range(shared)]
                )
            )
        elif not _scalars_equal(want, got):
            differences.append(Difference(where, "changed", want, got, "failure"))
    differences.sort(key=lambda difference: _pointer_sort_key(difference.pointer))
    return differences


def _pointer_sort_key(pointer: str) -> list[tuple[int, int, str]]:
    key: list[tuple[int, int, str]] = []
    for token in jsonpointer.parse(pointer) if pointer else []:
        key.append((0, int(token), "") if token.isascii() and token.isdigit() else (1, 0, token))
    return key


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


def _one(values: list[str]) -> Any:
    return values[0] if len(values) == 1 else values


def _compare_path(expectation: Expectation, request: NormalizedRequest) -> list[Difference]:
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


def _compare_query(query: QueryExpectation | None, request: NormalizedRequest) -> list[Difference]:
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


def _compare_header(header: HeaderExpectation, request: NormalizedRequest) -> list[Difference]:
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


def _compare_body(body: BodyExpectation | None, request: NormalizedRequest) -> list[Difference]:
    if body is None:
        return []
    if not request.body_present:
        return [
            Difference(
                "/body",
                "not_json",
                body.value,
                None,
                "failure",
                f"empty body; {body.source} expects a JSON body",
            )
        ]
    if not request.body_is_json:
        return []  # the normalization finding says it
    differences = diff_values(body.value, request.body, "/body", mode=body.mode)
    records = {str(record["pointer"]): record for record in request.envelopes}
    for requirement in body.envelopes:
        record = records.get(requirement.pointer)
        if record is not None:
            if record.get("decoded") and record.get("codec") != requirement.codec:
                differences.append(
                    Difference(
                        requirement.pointer,
                        "envelope_invalid",
                        f"a {requirement.codec!r} envelope",
                        {"codec": record.get("codec")},
                        "failure",
                        f"sent with another codec ({requirement.source})",
                    )
                )
            continue
        try:
            plain = jsonpointer.resolve({"body": request.body}, requirement.pointer)
        except jsonpointer.PointerError:
            continue  # absent: the body diff reports it as missing
        differences.append(
            Difference(
                requirement.pointer,
                "envelope_invalid",
                f"a {requirement.codec!r} payload envelope",
                plain,
                "failure",
                f"sent as plain JSON, not as a {requirement.codec} envelope ({requirement.source})",
            )
        )
    return differences


def compare(expectation: Expectation, request: NormalizedRequest) -> list[Difference]:
    """Every difference of one normalized request against one expectation (no policy applied)."""
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
    differences.extend(_compare_path(expectation, request))
    differences.extend(_compare_query(expectation.query, request))
    for header in expectation.headers:
        differences.extend(_compare_header(header, request))
    for difference in _compare_body(expectation.body, request):
        if any(_is_under(difference.pointer, base) for base in invalid_envelopes):
            continue
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


def _asserted(expectation: Expectation) -> list[str]:
    parts = ["method", "path"]
    if expectation.query is not None:
        parts.append(f"query ({expectation.query.source}, exact)")
    if expectation.body is not None:
        parts.append(f"body ({expectation.body.source}, {expectation.body.mode})")
        parts.extend(f"envelope at {req.pointer} ({req.codec})" for req in expectation.body.envelopes)
    parts.extend(f"header {header.name}" for header in expectation.headers)
    return parts


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


def judge(
    fixture: Fixture,
    projection_key: str,
    exchanges: Sequence[CapturedExchange],
    profile: ProfileLike | Any,
    settings: JudgeSettings,
    policy: Policy | None = None,
) -> CaseVerdict:
    """The verdict of one case from its captured exchanges (see the module docstring)."""
    expectation = build_expectation(fixture, projection_key, settings)
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
        differences = policy.apply(fixture.operation, projection_key, differences)
    failures = [difference for difference in differences if difference.is_failure]
    diagnostics = [difference for difference in differences if not difference.is_failure]
    return CaseVerdict(
        fixture_name=fixture.name,
        operation=fixture.operation,
        projection_key=projection_key,
        status="fail" if failures else "pass",
        failures=failures,
        diagnostics=diagnostics,
        not_asserted=list(expectation.not_asserted),
        request=request,
        ancillary=ancillary,
        operation_candidates=candidates,
        expectation=expectation,
        asserted=_asserted(expectation),
    )
