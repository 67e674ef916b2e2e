"""Client-vs-client comparison for one fixture: :func:`compare_requests`.

Each pair of clients that ran the fixture is compared on what their
operation requests *mean*: method, percent-decoded path segments, query
multi-map and decoded body (envelopes already replaced by their values, so an
SDK envelope equal to the CLI's plain JSON is no difference). Headers are not
compared: they are per-client by design (the CLI also sends a protocol
version header, the SDK does not) and each verdict checks the ones that matter.

A difference is a parity finding even when each client matches its own
projection: the projections themselves may have drifted apart.

Which differences are *deliberate* (diagnostic) and which are failures is
decided from what each side's projection pins for the differing part (for the
body: the top-level key under which the difference sits; for the query: the
parameter name). A projection pins a key to

* a **value** when its body expectation lists the key,
* **absence** when its body expectation is exact and does not list it,
* **nothing** when its expectation is a subset that does not list it, or when
  it has no body expectation at all.

A difference is documented as deliberate, hence a diagnostic, when the two
projections pin the key differently and not both to values: one
``expected_body`` omits a field the other includes, or an exact CLI body
leaves out a key the SDK's subset expectation leaves open (the SDK's
generated ``request_id``). Everything else is a failure: both sides pin the
same thing (the clients broke the shared contract), both pin different
values (the projections drifted apart), or neither pins the key (nothing
documents the difference). Method and path are pinned by ``request`` for
everyone, so any difference there is a failure. A boolean query value spelled
``1`` by one client and ``true`` by the other, both accepted by the fixture,
is a diagnostic.

An optional :class:`~conformance.policy.Policy` demotes a failure when it
declares the pointer deliberate for either side's projection.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from itertools import combinations
from typing import TYPE_CHECKING, Any

from conformance import jsonpointer
from conformance.checks.values import diff_values
from conformance.expectation_parts import Expectation
from conformance.expectation_rules import values_equal
from conformance.findings import Difference
from conformance.fixture import Fixture
from conformance.normalize import NormalizedRequest
from conformance.textsafe import json_safe

if TYPE_CHECKING:
    from conformance.policy import Policy

__all__ = ["ParityFinding", "as_differences", "compare_requests"]

_FREE = ("nothing",)
_ABSENT = ("absence",)


@dataclass(frozen=True)
class ParityFinding:
    """One difference between two clients' operation requests for one fixture."""

    fixture_name: str
    operation: str
    left: str
    right: str
    left_projection: str
    right_projection: str
    pointer: str
    kind: str
    left_value: Any
    right_value: Any
    severity: str
    message: str = ""

    @property
    def is_failure(self) -> bool:
        return self.severity == "failure"

    def to_json(self) -> dict[str, Any]:
        return {
            "fixture": self.fixture_name,
            "operation": self.operation,
            "left": {"client": self.left, "projection": self.left_projection},
            "right": {"client": self.right, "projection": self.right_projection},
            "pointer": self.pointer,
            "kind": self.kind,
            "left_value": json_safe(self.left_value),
            "right_value": json_safe(self.right_value),
            "severity": self.severity,
            "message": self.message,
        }


class _Pins:
    """What each side's projection pins, read from the expectations the run built (no second builder)."""

    def __init__(self, expectations: Mapping[str, Expectation]) -> None:
        self._expectations = expectations

    def body_pin(self, projection: str, key: str | None) -> tuple[Any, ...]:
        expectation = self._expectations[projection].body
        if expectation is None:
            return _FREE
        if key is None:  # the body as a whole
            return ("value", expectation.value) if expectation.mode == "exact" else _FREE
        if expectation.includes(key):
            return ("value", expectation.value[key])
        return _ABSENT if expectation.mode == "exact" else _FREE

    def query_pin(self, projection: str, name: str) -> tuple[Any, ...]:
        expectation = self._expectations[projection].query
        if expectation is None:
            return _FREE
        if name in expectation.params:
            return ("value", expectation.params[name])
        return _ABSENT


def _same_pin(left: tuple[Any, ...], right: tuple[Any, ...]) -> bool:
    if left[0] != right[0]:
        return False
    if left[0] != "value":
        return True
    return values_equal(_pin_json(left[1]), _pin_json(right[1]))


def _pin_json(value: Any) -> Any:
    if isinstance(value, tuple):  # query values: compare the accepted wire spellings
        return [list(item.accepted) for item in value]
    return value


def _describe_pin(projection: str, pin: tuple[Any, ...]) -> str:
    if pin[0] == "value":
        shown = json.dumps(json_safe(_pin_json(pin[1])), ensure_ascii=False, separators=(",", ":"))
        return f"{projection} expects {shown if len(shown) <= 60 else shown[:57] + '...'}"
    if pin == _ABSENT:
        return f"{projection} expects it absent"
    return f"{projection} leaves it open"


def _classify(
    left_proj: str, right_proj: str, left_pin: tuple[Any, ...], right_pin: tuple[Any, ...]
) -> tuple[str, str]:
    """``(severity, message)`` for a difference given both sides' pins."""
    described = f"{_describe_pin(left_proj, left_pin)}; {_describe_pin(right_proj, right_pin)}"
    if _same_pin(left_pin, right_pin):
        if left_pin == _FREE:
            return "failure", f"not documented by the fixture ({described})"
        return "failure", f"the clients differ where both projections agree ({described})"
    if left_pin[0] == "value" and right_pin[0] == "value":
        return "failure", f"the projections disagree ({described})"
    return "diagnostic", f"documented by the fixture ({described})"


def _body_key(pointer: str) -> str | None:
    tokens = jsonpointer.parse(pointer)
    return tokens[1] if len(tokens) > 1 else None


def _pair_findings(
    fixture: Fixture,
    pins: _Pins,
    left: tuple[str, str, NormalizedRequest],
    right: tuple[str, str, NormalizedRequest],
) -> list[ParityFinding]:
    left_label, left_proj, left_request = left
    right_label, right_proj, right_request = right

    def finding(pointer: str, kind: str, lv: Any, rv: Any, severity: str, message: str) -> ParityFinding:
        return ParityFinding(
            fixture.name,
            fixture.operation,
            left_label,
            right_label,
            left_proj,
            right_proj,
            pointer,
            kind,
            lv,
            rv,
            severity,
            message,
        )

    found: list[ParityFinding] = []
    if left_request.method != right_request.method:
        found.append(
            finding(
                "/method",
                "changed",
                left_request.method,
                right_request.method,
                "failure",
                "pinned by request",
            )
        )
    lseg, rseg = left_request.path_segments, right_request.path_segments
    both_prefixed = left_request.prefix_matched and right_request.prefix_matched
    if both_prefixed and len(lseg) == len(rseg):
        for index, (a, b) in enumerate(zip(lseg, rseg, strict=True)):
            if a != b:
                found.append(
                    finding(f"/path_segments/{index}", "changed", a, b, "failure", "pinned by request")
                )
    elif (lseg, left_request.prefix_matched) != (rseg, right_request.prefix_matched):
        lpath = left_request.path if left_request.prefix_matched else left_request.raw_path
        rpath = right_request.path if right_request.prefix_matched else right_request.raw_path
        found.append(finding("/path", "changed", lpath, rpath, "failure", "pinned by request"))

    for name in [*left_request.query, *[n for n in right_request.query if n not in left_request.query]]:
        lv, rv = left_request.query.get(name), right_request.query.get(name)
        if lv == rv:
            continue
        pointer = jsonpointer.join("/query", name)
        kind = "missing" if rv is None else "unexpected" if lv is None else "changed"
        left_pin, right_pin = pins.query_pin(left_proj, name), pins.query_pin(right_proj, name)
        severity, message = _classify(left_proj, right_proj, left_pin, right_pin)
        if (
            lv is not None
            and rv is not None
            and left_pin[0] == "value"
            and _same_pin(left_pin, right_pin)
            and len(lv) == len(rv) == len(left_pin[1])
            and all(v.matches(a) and v.matches(b) for v, a, b in zip(left_pin[1], lv, rv, strict=True))
        ):
            severity, message = (
                "diagnostic",
                "different spellings the fixture accepts for the same typed value",
            )
        found.append(finding(pointer, kind, lv, rv, severity, message))

    left_body = left_request.body if left_request.body_present else None
    right_body = right_request.body if right_request.body_present else None
    for difference in diff_values(left_body, right_body, "/body"):
        key = _body_key(difference.pointer)
        left_pin, right_pin = pins.body_pin(left_proj, key), pins.body_pin(right_proj, key)
        severity, message = _classify(left_proj, right_proj, left_pin, right_pin)
        # diff_values(left, right): "missing" = the left client sends it, the right one does not
        found.append(
            finding(
                difference.pointer, difference.kind, difference.expected, difference.actual, severity, message
            )
        )
    return found


def _apply_policy(findings: list[ParityFinding], policy: Policy | None) -> list[ParityFinding]:
    if policy is None:
        return findings
    result: list[ParityFinding] = []
    for item in findings:
        entry = None
        if item.is_failure:
            entry = policy.matching(item.operation, item.left_projection, item.pointer) or policy.matching(
                item.operation, item.right_projection, item.pointer
            )
        if entry is None:
            result.append(item)
            continue
        message = f"{item.message} (policy: {entry.reason})" if item.message else f"policy: {entry.reason}"
        result.append(
            ParityFinding(
                item.fixture_name,
                item.operation,
                item.left,
                item.right,
                item.left_projection,
                item.right_projection,
                item.pointer,
                item.kind,
                item.left_value,
                item.right_value,
                "diagnostic",
                message,
            )
        )
    return result


def compare_requests(
    fixture: Fixture,
    requests: Mapping[str, tuple[Expectation, NormalizedRequest]],
    *,
    policy: Policy | None = None,
) -> list[ParityFinding]:
    """Parity findings of every pair of clients (keys: adapter labels; values: the expectation the
    client was judged against, and its normalized request).

    What each side pins is read from its expectation (its ``projection_key``,
    ``query`` and ``body``), never rebuilt. Pairs follow the mapping's order. In
    each finding ``left_value`` is the left client's value and ``right_value``
    the right one's; ``missing`` means the right client does not send what the
    left one does, ``unexpected`` the reverse.
    """
    expectations = {expectation.projection_key: expectation for expectation, _request in requests.values()}
    pins = _Pins(expectations)
    entries = [
        (label, expectation.projection_key, request) for label, (expectation, request) in requests.items()
    ]
    findings: list[ParityFinding] = []
    for left, right in combinations(entries, 2):
        findings.extend(_pair_findings(fixture, pins, left, right))
    return _apply_policy(findings, policy)


def as_differences(findings: list[ParityFinding]) -> list[Difference]:
    """Parity findings in the :class:`Difference` shape (expected = left, actual = right)."""
    return [
        Difference(
            item.pointer,
            item.kind,
            item.left_value,
            item.right_value,
            item.severity,
            f"{item.left} vs {item.right}: {item.message}",
        )
        for item in findings
    ]
