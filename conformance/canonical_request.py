"""The request a fixture itself describes, as one concrete HTTP request.

:func:`canonical_request` answers "what exactly would a perfect client send
for this fixture?" with plain data the ``canonical`` adapter can put on the
wire unchanged, and that tests and tools can use as the fixture's reference.

Design decisions:

- **Method and path** come from ``request`` as written: the path stays
  percent-encoded exactly as the fixture spells it and does not carry the
  server's API prefix (the sender adds it).
- **Query and body are the ones the verdict pins**, not a second opinion: they
  are read from the ``canonical`` projection's
  :class:`~conformance.expectations.Expectation` (the one builder's): the
  query is its ``query`` (``request.query``, else the ``cli`` projection's
  typed ``expected_query``, else another projection's), each typed value
  rendered in its first accepted wire form (``25`` -> ``"25"``, ``true`` ->
  ``"true"``); the body is its ``body``
  (``request.body``, else ``cli.expected_body``, else the SDK's full
  ``request_body``, else its ``expected_body`` with the ``payload_envelope``'s
  decoded value placed at its dotted field). Envelopes written in the fixture
  are decoded: the canonical request is plain JSON.
- A fixture whose pieces contradict each other, or hold an envelope that does
  not decode, raises :class:`~conformance.problems.InputError` (file and
  pointer named) from the expectations module; nothing else is raised.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode

from conformance.expectations import CANONICAL, Expectation, JudgeSettings, build_expectation
from conformance.fixture import Fixture

__all__ = ["CanonicalRequest", "canonical_request"]


@dataclass(frozen=True)
class CanonicalRequest:
    """One concrete request: what the fixture pins, ready to send."""

    method: str
    #: Percent-encoded, without the API prefix (``/workflows/wf-1/signal/go``).
    path: str
    #: Name -> wire values, in the fixture's order (a list means the name repeats).
    query: dict[str, list[str]] = field(default_factory=dict)
    #: Plain JSON (envelopes decoded); meaningful only when ``has_body``.
    body: Any = None
    has_body: bool = False
    #: Where the body came from (``request.body``, ``cli.expected_body``...); "" without a body.
    body_source: str = ""
    #: Where the query came from; "" without a query.
    query_source: str = ""

    @property
    def query_string(self) -> str:
        """The query in wire form (form encoding; ``""`` when there is none)."""
        pairs = [(name, value) for name, values in self.query.items() for value in values]
        return urlencode(pairs, quote_via=quote)

    def target(self, api_prefix: str = "/api") -> str:
        """The request target: prefix, encoded path and query (``/api/schedules/x/history?limit=100``)."""
        prefix = api_prefix.rstrip("/")
        query = self.query_string
        return f"{prefix}{self.path}" + (f"?{query}" if query else "")

    def body_bytes(self) -> bytes | None:
        """The body as compact UTF-8 JSON, ``None`` without a body."""
        if not self.has_body:
            return None
        text = json.dumps(self.body, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
        return text.encode("utf-8")

    def to_json(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "path": self.path,
            "query": {name: list(values) for name, values in self.query.items()},
            "body": self.body,
            "has_body": self.has_body,
            "body_source": self.body_source,
            "query_source": self.query_source,
        }


#: Query and body do not depend on the run's settings; these stand in when no expectation is given.
_NEUTRAL_SETTINGS = JudgeSettings(namespace="default", token="")


def canonical_request(fixture: Fixture, expectation: Expectation | None = None) -> CanonicalRequest:
    """The fixture's canonical request, read from the ``canonical`` expectation (built when not given)."""
    if expectation is None:
        expectation = build_expectation(fixture, CANONICAL, _NEUTRAL_SETTINGS)
    query: dict[str, list[str]] = {}
    query_source = ""
    declared = expectation.query
    if declared is not None:
        query_source = declared.source
        for name, values in declared.params.items():
            query[name] = [value.accepted[0] for value in values]
    body = expectation.body
    return CanonicalRequest(
        method=expectation.method,
        path=expectation.path,
        query=query,
        body=body.value if body is not None else None,
        has_body=body is not None,
        body_source=body.source if body is not None else "",
        query_source=query_source,
    )
