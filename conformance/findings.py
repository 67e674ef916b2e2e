"""Differences between what a client did and what it should have done.

A difference's ``kind`` is a short word the reports show as it is. The
request judge uses ``missing`` (expected, not sent), ``unexpected`` (sent,
not expected), ``changed`` (same type, other value), ``type_changed`` (other
JSON/Avro type: 42 vs "42"), ``envelope_invalid`` (a payload envelope that
does not decode), ``not_json`` (a body that should be JSON and is not) and
``operation_count`` (zero or several operation requests in one case); the
response side and the scenario judge add their own (see their modules). The
result schema does not enumerate kinds, so a new check can add one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from conformance.textsafe import json_safe


@dataclass(frozen=True)
class Difference:
    """One difference at one RFC 6901 pointer of the normalized request.

    Pointers address the normalized request document: ``/method``, ``/path``,
    ``/query/<name>``, ``/headers/<lower-case name>``, ``/body/...``.
    """

    pointer: str
    kind: str
    expected: Any
    actual: Any
    severity: str = "failure"
    message: str = ""

    @property
    def is_failure(self) -> bool:
        return self.severity == "failure"

    def as_diagnostic(self, why: str) -> Difference:
        message = f"{self.message} ({why})" if self.message else why
        return Difference(self.pointer, self.kind, self.expected, self.actual, "diagnostic", message)

    def to_json(self) -> dict[str, Any]:
        document: dict[str, Any] = {
            "pointer": self.pointer,
            "kind": self.kind,
            "expected": json_safe(self.expected),
            "actual": json_safe(self.actual),
            "severity": self.severity,
        }
        if self.message:
            document["message"] = self.message
        return document


#: Marker for "no value here" in ``expected`` / ``actual`` (missing / unexpected).
ABSENT: Any = None
