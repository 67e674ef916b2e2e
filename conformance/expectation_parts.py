"""The typed expectation: each check's part, the :class:`Expectation` they make, what a part is built from.

A check (:mod:`conformance.checks`) declares its part of the expectation with
these types, and builds it from an :class:`ExpectationSource`;
:func:`conformance.expectations.build_expectation`, THE builder, assembles the
parts of every registered check into one :class:`Expectation`. This module
imports neither the checks nor the builder (the builder stands outside the
checks, and nothing imports back up). The rules that turn a fixture into the
four built-in parts are :mod:`conformance.expectation_rules`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, TypeVar

from conformance.fixture import Fixture, Projection
from conformance.textsafe import json_safe

__all__ = [
    "CANONICAL",
    "BodyExpectation",
    "BodyMode",
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
]

#: Projection key of the harness's own replay of the fixture (``canonical`` adapter).
CANONICAL = "canonical"
BodyMode = Literal["exact", "subset"]


@dataclass(frozen=True)
class JudgeSettings:
    """Run-wide settings the verdict depends on. The token never appears in a repr."""

    namespace: str
    token: str = field(repr=False)
    api_prefix: str = "/api"
    control_plane_version: str = "2"
    worker_protocol_version: str = "1.0"


@dataclass(frozen=True)
class QueryValue:
    """One expected query value: as declared in the fixture, and its accepted wire spellings."""

    declared: Any
    accepted: tuple[str, ...]

    def matches(self, wire: str) -> bool:
        return wire in self.accepted

    def describe(self) -> str:
        if len(self.accepted) == 1:
            return repr(self.accepted[0])
        return " or ".join(repr(item) for item in self.accepted)


@dataclass(frozen=True)
class QueryExpectation:
    """The query a client must send (exact: see :mod:`conformance.expectation_rules`)."""

    source: str
    params: dict[str, tuple[QueryValue, ...]]

    def to_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "params": {name: [value.declared for value in values] for name, values in self.params.items()},
        }


@dataclass(frozen=True)
class EnvelopeRequirement:
    """The body value at ``pointer`` must travel as an envelope of ``codec``."""

    pointer: str
    codec: str
    source: str

    def to_json(self) -> dict[str, str]:
        return {"pointer": self.pointer, "codec": self.codec, "source": self.source}


@dataclass(frozen=True)
class BodyExpectation:
    """The decoded body a client must send; ``subset`` checks only the listed top-level keys."""

    mode: BodyMode
    value: Any
    source: str
    envelopes: tuple[EnvelopeRequirement, ...] = ()

    def pins(self, key: str) -> bool:
        """Whether this expectation says anything about top-level ``key``."""
        return self.mode == "exact" or (isinstance(self.value, dict) and key in self.value)

    def includes(self, key: str) -> bool:
        return isinstance(self.value, dict) and key in self.value

    def to_json(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "source": self.source,
            "value": json_safe(self.value),
            "envelopes": [requirement.to_json() for requirement in self.envelopes],
        }


@dataclass(frozen=True)
class HeaderExpectation:
    """One asserted request header.

    ``match``: ``exact`` (value equal), ``secret`` (equal, never shown: ``shown``
    is the redacted form) or ``same_major`` (a ``MAJOR.MINOR`` version whose
    major equals the expected one; another minor is a diagnostic).
    """

    name: str
    value: str = field(repr=False)
    match: Literal["exact", "secret", "same_major"]
    shown: str

    def to_json(self) -> dict[str, str]:
        return {"name": self.name, "expected": self.shown, "match": self.match}


class ExpectationPart(Protocol):
    """What one check (:mod:`conformance.checks`) contributes to an :class:`Expectation`."""

    def to_json(self) -> dict[str, Any]:
        """Members of the expectation document (``{"query": ...}``), merged in listing order."""
        ...

    def asserted(self) -> list[str]:
        """What this part asserts, in words (the verdict's ``asserted``)."""
        ...

    def not_asserted(self) -> list[str]:
        """What this part could not assert, and why (the verdict's ``not_asserted``)."""
        ...

    def view(self) -> dict[str, Any]:
        """The part laid out on the normalized request's pointers (the self-test's mutant check)."""
        ...


PartT = TypeVar("PartT")


@dataclass(frozen=True)
class MethodPathPart:
    """Method and path (always from ``request``), and the plane the path names."""

    method: str
    path: str
    path_segments: tuple[str, ...]
    plane: Literal["control", "worker"]

    def to_json(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "path": self.path,
            "path_segments": list(self.path_segments),
            "plane": self.plane,
        }

    def asserted(self) -> list[str]:
        return ["method", "path"]

    def not_asserted(self) -> list[str]:
        return []

    def view(self) -> dict[str, Any]:
        return {"method": self.method, "path_segments": list(self.path_segments)}


@dataclass(frozen=True)
class QueryPart:
    """The query the projection must send; ``None``: not asserted."""

    query: QueryExpectation | None

    def to_json(self) -> dict[str, Any]:
        return {"query": self.query.to_json() if self.query is not None else None}

    def asserted(self) -> list[str]:
        return [f"query ({self.query.source}, exact)"] if self.query is not None else []

    def not_asserted(self) -> list[str]:
        return ["query (no request.query or expected_query)"] if self.query is None else []

    def view(self) -> dict[str, Any]:
        if self.query is None:
            return {}
        return {
            "query": {
                name: [value.declared for value in values] for name, values in self.query.params.items()
            }
        }


@dataclass(frozen=True)
class BodyPart:
    """The decoded body (and envelope requirements); ``None``: not asserted."""

    body: BodyExpectation | None

    def to_json(self) -> dict[str, Any]:
        return {"body": self.body.to_json() if self.body is not None else None}

    def asserted(self) -> list[str]:
        if self.body is None:
            return []
        return [
            f"body ({self.body.source}, {self.body.mode})",
            *(f"envelope at {req.pointer} ({req.codec})" for req in self.body.envelopes),
        ]

    def not_asserted(self) -> list[str]:
        if self.body is None:
            return ["body (no request.body, expected_body, request_body or payload_envelope)"]
        if self.body.mode == "subset":
            return [f"body keys not listed (subset: {self.body.source})"]
        return []

    def view(self) -> dict[str, Any]:
        return {"body": self.body.value} if self.body is not None else {}


@dataclass(frozen=True)
class HeadersPart:
    """The asserted request headers (the rest are not asserted)."""

    headers: tuple[HeaderExpectation, ...]
    token_known: bool

    def to_json(self) -> dict[str, Any]:
        return {"headers": [header.to_json() for header in self.headers]}

    def asserted(self) -> list[str]:
        return [f"header {header.name}" for header in self.headers]

    def not_asserted(self) -> list[str]:
        return [*([] if self.token_known else ["authorization (the run has no token)"]), "other headers"]

    def view(self) -> dict[str, Any]:
        return {"headers": {header.name: [header.match, header.shown] for header in self.headers}}


@dataclass(frozen=True)
class Expectation:
    """Everything one projection of one fixture asserts about the operation request.

    ``parts`` holds one :class:`ExpectationPart` per registered check
    (:data:`conformance.checks.CHECKS`), in listing order; the properties below
    read the four built-in parts.
    """

    fixture_name: str
    operation: str
    projection_key: str
    parts: tuple[ExpectationPart, ...]

    def part(self, kind: type[PartT]) -> PartT:
        """The part of type ``kind`` (``KeyError`` when no registered check built one)."""
        for part in self.parts:
            if isinstance(part, kind):
                return part
        raise KeyError(kind.__name__)

    def with_part(self, replacement: ExpectationPart) -> Expectation:
        """A copy with the part of ``replacement``'s type replaced (expectation-level mutants)."""
        kind = type(replacement)
        return Expectation(
            self.fixture_name,
            self.operation,
            self.projection_key,
            tuple(replacement if type(part) is kind else part for part in self.parts),
        )

    @property
    def method(self) -> str:
        return self.part(MethodPathPart).method

    @property
    def path(self) -> str:
        return self.part(MethodPathPart).path

    @property
    def path_segments(self) -> tuple[str, ...]:
        return self.part(MethodPathPart).path_segments

    @property
    def plane(self) -> Literal["control", "worker"]:
        return self.part(MethodPathPart).plane

    @property
    def query(self) -> QueryExpectation | None:
        return self.part(QueryPart).query

    @property
    def body(self) -> BodyExpectation | None:
        return self.part(BodyPart).body

    @property
    def headers(self) -> tuple[HeaderExpectation, ...]:
        return self.part(HeadersPart).headers

    @property
    def not_asserted(self) -> list[str]:
        return [line for part in self.parts for line in part.not_asserted()]

    @property
    def asserted(self) -> list[str]:
        return [line for part in self.parts for line in part.asserted()]

    @property
    def target(self) -> str:
        return f"{self.method} {self.path}"

    def view(self) -> dict[str, Any]:
        """Every part laid out on the normalized request's pointers (see :meth:`ExpectationPart.view`)."""
        view: dict[str, Any] = {}
        for part in self.parts:
            for key, value in part.view().items():
                if isinstance(value, dict) and isinstance(view.get(key), dict):
                    view[key] = {**view[key], **value}  # two parts under one member (``headers``)
                else:
                    view[key] = value
        return view

    def to_json(self) -> dict[str, Any]:
        document: dict[str, Any] = {
            "fixture": self.fixture_name,
            "operation": self.operation,
            "projection": self.projection_key,
        }
        for part in self.parts:
            document.update(part.to_json())
        document["not_asserted"] = self.not_asserted
        return document


@dataclass
class ExpectationSource:
    """What a check builds its part from: the fixture, the projection, the settings, earlier parts."""

    fixture: Fixture
    projection_key: str
    settings: JudgeSettings
    parts: list[ExpectationPart] = field(default_factory=list)

    @property
    def projection(self) -> Projection | None:
        """The typed projection (None for ``canonical`` and for a projection the fixture lacks)."""
        return self.fixture.typed_projection(self.projection_key)

    def part(self, kind: type[PartT]) -> PartT:
        """A part built by a check registered earlier (``KeyError`` otherwise)."""
        for part in self.parts:
            if isinstance(part, kind):
                return part
        raise KeyError(kind.__name__)
