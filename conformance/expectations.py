"""What one client must send for one fixture: :class:`Expectation`, built per projection.

Design decisions (where the fixture format is silent, the choice is written here):

**Method and path** always come from the fixture's ``request``. Paths are
compared as percent-decoded segments (see :mod:`conformance.normalize`).

**Query.** The projection's ``expected_query`` wins over ``request.query``
(it is the more specific statement); the canonical projection uses
``request.query``, else ``cli.expected_query``, else the first other
projection's. A projection that is absent from the fixture, or is not one of
the two reference projections (``cli``, ``sdk_python``) and states no query,
is held to the canonical query. The reference projections are not: their
repositories' own tests never hold the SDK to ``cli.expected_query`` (the
CLI's explicit ``wait_new_event=false`` is its own spelling of the default).
Typed values match their wire strings: an integer matches its
decimal form, a boolean matches ``true``/``1`` or ``false``/``0``, a string
matches itself, a list means the parameter repeated once per item, in order.
A declared query is *exact*: a parameter the fixture does not list is a
failure (an extra filter changes what a GET means). When the fixture declares
no query at all, the query is "not asserted" and parameters a client sends
are only diagnostics.

**Body.** Which body a fixture pins for a projection, in this order (checked
against how each reference client's own tests read the same keys):

1. The projection's ``request_body``: the client's *whole* body as it sends
   it, exact (the SDK's test compares its body to it whole). A key
   ``<name>_envelope`` holding an envelope next to a plain ``<name>`` is the
   Avro envelope the client sends **beside** the plain value: it stays in the
   expected body (compared decoded) and must travel as an envelope. The
   fixture must agree with itself: the envelope decodes to the plain value,
   and every member of ``request.body`` stands, equal, in ``request_body``.
   Keys of ``expected_body`` must agree with it too.
2. ``request.body`` when present: exact, for every projection (the CLI's
   parity tests compare it whole).
3. The projection's ``expected_body``: exact for ``cli``, subset for
   ``sdk_python`` (every listed top-level key must be present and deep-equal;
   values below a listed key are compared exactly). Any projection may say
   ``"body_match": "exact" | "subset"``; future projections without it are
   exact, the safer default for a new client.
4. The projection's ``payload_envelope`` (``field``, ``codec``, ``decoded``)
   adds the decoded value at the dotted field (a subset expectation of that
   one key when nothing else pins the body) and an *envelope requirement*:
   the client must send that field as an envelope of that codec; plain JSON
   there is a failure. Envelope requirements apply whatever the body source.
5. None of the above, or no projection at all: the body every client must
   send (:func:`pinned_body`), labelled ``canonical: <source>``, without
   envelope requirements: a payload may travel as plain JSON or as an
   envelope that decodes to the same value. A client whose projection holds
   only a call and its arguments is therefore judged, not waved through.
6. Nothing pins a body anywhere: the body is "not asserted by the fixture",
   and every report says so.

The ``canonical`` projection (the harness's replay of the fixture itself)
uses :func:`pinned_body`: ``request.body`` exact, else ``cli.expected_body``
exact, else ``sdk_python.request_body`` exact without its ``*_envelope``
companions (a full body is more complete than a subset), else
``sdk_python.expected_body`` merged with the ``payload_envelope`` value as a
subset. It carries no envelope requirement (the replay sends plain JSON).

Envelopes written on the expected side (in ``request.body``, an
``expected_body``, ``request_body``, ``payload_envelope.blob``) are decoded
with the same codec as the captured side; one that does not decode, or that
decodes to something other than the plain value beside it, is an
``InputError`` naming the fixture pointer.

**Headers.** ``x-namespace`` equals the configured namespace;
``authorization`` equals ``Bearer <token>`` (not asserted when the run has no
token; never shown: reports say ``Bearer [REDACTED]``). The version header
depends on the plane of the fixture's path. Control-plane paths need
``x-durable-workflow-control-plane-version`` equal to the configured version
(``2``). Worker-plane paths (``/worker/...``) need
``x-durable-workflow-protocol-version`` instead: SDK 2.8.0's
``Client._headers(worker=True)`` sends only that header, with the SDK's own
protocol version (``1.20``), not the control-plane header, while the CLI sends
``1.0`` plus the control-plane header everywhere. So on the worker plane the
rule is: the header must be present and name the same *major* version as the
configured one (a failure otherwise); a different minor version is a
diagnostic (clients negotiate minors). Other headers are not asserted.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from typing import Any, Literal

from conformance import jsonpointer
from conformance.avro_codec import is_envelope
from conformance.fixture import Fixture
from conformance.normalize import decode_envelopes, split_path
from conformance.problems import InputError, Problem

__all__ = [
    "CANONICAL",
    "ENVELOPE_SUFFIX",
    "BodyExpectation",
    "EnvelopeRequirement",
    "Expectation",
    "HeaderExpectation",
    "JudgeSettings",
    "QueryExpectation",
    "QueryValue",
    "body_expectation",
    "build_expectation",
    "pinned_body",
    "query_expectation",
    "values_equal",
]

#: Projection key of the harness's own replay of the fixture (``canonical`` adapter).
CANONICAL = "canonical"
BodyMode = Literal["exact", "subset"]
_DEFAULT_BODY_MODE: dict[str, BodyMode] = {"cli": "exact", "sdk_python": "subset"}
#: The projections of the two reference clients (their repositories' own tests define them).
REFERENCE_PROJECTIONS = frozenset(_DEFAULT_BODY_MODE)
#: A ``request_body`` key ending so is an envelope sent beside the plain field of the same stem.
ENVELOPE_SUFFIX = "_envelope"
_REDACTED = "[REDACTED]"

NAMESPACE_HEADER = "x-namespace"
AUTHORIZATION_HEADER = "authorization"
CONTROL_PLANE_VERSION_HEADER = "x-durable-workflow-control-plane-version"
WORKER_PROTOCOL_VERSION_HEADER = "x-durable-workflow-protocol-version"


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
    """The query a client must send (exact: see the module docstring)."""

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
        from conformance.textsafe import json_safe

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


@dataclass(frozen=True)
class Expectation:
    """Everything one projection of one fixture asserts about the operation request."""

    fixture_name: str
    operation: str
    projection_key: str
    method: str
    path: str
    path_segments: tuple[str, ...]
    plane: Literal["control", "worker"]
    query: QueryExpectation | None
    body: BodyExpectation | None
    headers: tuple[HeaderExpectation, ...]
    not_asserted: list[str]

    @property
    def target(self) -> str:
        return f"{self.method} {self.path}"

    def to_json(self) -> dict[str, Any]:
        return {
            "fixture": self.fixture_name,
            "operation": self.operation,
            "projection": self.projection_key,
            "method": self.method,
            "path": self.path,
            "path_segments": list(self.path_segments),
            "plane": self.plane,
            "query": self.query.to_json() if self.query is not None else None,
            "body": self.body.to_json() if self.body is not None else None,
            "headers": [header.to_json() for header in self.headers],
            "not_asserted": list(self.not_asserted),
        }


# --------------------------------------------------------------------------- helpers


def values_equal(left: Any, right: Any) -> bool:
    """Deep, type-exact equality: ``42`` != ``42.0`` != ``"42"``, ``True`` != ``1``."""
    stack: list[tuple[Any, Any]] = [(left, right)]
    while stack:
        a, b = stack.pop()
        # int and bool are distinct; dict/list subclasses from parsing count as their base
        same_container = (isinstance(a, dict) and isinstance(b, dict)) or (
            isinstance(a, list) and isinstance(b, list)
        )
        if type(a) is not type(b) and not same_container:
            return False
        if isinstance(a, dict):
            if a.keys() != b.keys():
                return False
            stack.extend((a[key], b[key]) for key in a)
        elif isinstance(a, list):
            if len(a) != len(b):
                return False
            stack.extend(zip(a, b, strict=True))
        elif isinstance(a, float):
            if not (a == b or (a != a and b != b)):
                return False
        elif a != b:
            return False
    return True


def _file(fixture: Fixture) -> str:
    return str(fixture.path)


def _error(fixture: Fixture, pointer: str, expected: str, found: str) -> InputError:
    return InputError([Problem(_file(fixture), pointer, expected, found)])


def _decode_fixture_value(fixture: Fixture, value: Any, pointer: str) -> Any:
    """Decode the envelopes of a fixture value; an undecodable one is an :class:`InputError`."""
    decoded, _records, findings = decode_envelopes(copy.deepcopy(value), pointer)
    problems = [
        Problem(_file(fixture), finding.pointer, "a payload envelope that decodes", finding.message)
        for finding in findings
        if finding.kind == "envelope_invalid"
    ]
    if problems:
        raise InputError(problems)
    return decoded


def _wire_forms(fixture: Fixture, value: Any, pointer: str) -> QueryValue:
    if isinstance(value, bool):
        return QueryValue(value, ("true", "1") if value else ("false", "0"))
    if isinstance(value, int):
        return QueryValue(value, (str(value),))
    if isinstance(value, str):
        return QueryValue(value, (value,))
    raise _error(fixture, pointer, "a query value of type string, integer or boolean", repr(value)[:80])


def _query_from(fixture: Fixture, query: Any, pointer: str, source: str) -> QueryExpectation:
    if not isinstance(query, dict):
        raise _error(fixture, pointer, "an object of query parameters", repr(query)[:80])
    params: dict[str, tuple[QueryValue, ...]] = {}
    for name, raw in query.items():
        where = jsonpointer.join(pointer, name)
        items = raw if isinstance(raw, list) else [raw]
        base = where if isinstance(raw, list) else None
        params[name] = tuple(
            _wire_forms(fixture, item, jsonpointer.join(base, index) if base is not None else where)
            for index, item in enumerate(items)
        )
    return QueryExpectation(source, params)


def query_expectation(fixture: Fixture, projection_key: str) -> QueryExpectation | None:
    """The query ``projection_key`` must send, or ``None`` when the fixture declares none."""
    if projection_key == CANONICAL:
        if fixture.request_query is not None:
            return _query_from(fixture, fixture.request_query, "/request/query", "request.query")
        for key in ["cli", *[k for k in fixture.projection_keys if k != "cli"]]:
            projection = fixture.projection(key) or {}
            if "expected_query" in projection:
                return _query_from(
                    fixture, projection["expected_query"], f"/{key}/expected_query", f"{key}.expected_query"
                )
        return None
    projection = fixture.projection(projection_key) or {}
    if "expected_query" in projection:
        return _query_from(
            fixture,
            projection["expected_query"],
            jsonpointer.join("", projection_key, "expected_query"),
            f"{projection_key}.expected_query",
        )
    if fixture.request_query is not None:
        return _query_from(fixture, fixture.request_query, "/request/query", "request.query")
    if projection_key in REFERENCE_PROJECTIONS:
        # The reference clients' own test suites never hold them to the other one's query.
        return None
    canonical = query_expectation(fixture, CANONICAL)
    if canonical is None:
        return None
    return QueryExpectation(f"canonical: {canonical.source}", canonical.params)


def _body_mode(fixture: Fixture, projection_key: str, projection: dict[str, Any]) -> BodyMode:
    declared = projection.get("body_match")
    if declared is None:
        return _DEFAULT_BODY_MODE.get(projection_key, "exact")
    if declared not in ("exact", "subset"):
        raise InputError(
            [
                Problem(
                    _file(fixture),
                    jsonpointer.join("", projection_key, "body_match"),
                    "'exact' or 'subset'",
                    repr(declared)[:80],
                )
            ]
        )
    mode: BodyMode = declared
    return mode


def _set_at(
    fixture: Fixture, body: dict[str, Any], tokens: list[str], value: Any, source_pointer: str
) -> None:
    """Put ``value`` at ``tokens`` in ``body`` (creating objects); a conflict is an InputError."""
    node: Any = body
    for depth, token in enumerate(tokens[:-1]):
        if token not in node:
            node[token] = {}
        node = node[token]
        if not isinstance(node, dict):
            where = jsonpointer.from_tokens(tokens[: depth + 1])
            raise InputError(
                [
                    Problem(
                        _file(fixture),
                        source_pointer,
                        f"a field whose parent {where} is an object in the expected body",
                        type(node).__name__,
                    )
                ]
            )
    last = tokens[-1]
    if last in node and not values_equal(node[last], value):
        raise InputError(
            [
                Problem(
                    _file(fixture),
                    source_pointer,
                    f"the same value the expected body has at {jsonpointer.from_tokens(tokens)}",
                    "a different value",
                )
            ]
        )
    node[last] = value


def _interpret_request_body(
    fixture: Fixture, projection_key: str, request_body: Any
) -> tuple[Any, list[EnvelopeRequirement], list[str]]:
    """Decode a projection's ``request_body``: the client's whole body, as sent.

    A key ``<name>_envelope`` holding an envelope *next to a plain* ``<name>``
    is the Avro envelope the client sends **beside** the plain value (the SDK
    sends both; its own tests compare the whole body). It stays in the expected
    body, decoded, and adds an envelope requirement at its own pointer; the
    fixture must agree with itself (the envelope decodes to the plain value).
    Returns the decoded body, the requirements and the companions' pointers.
    """
    base = jsonpointer.join("", projection_key, "request_body")
    if not isinstance(request_body, dict):
        return _decode_fixture_value(fixture, request_body, base), [], []
    requirements: list[EnvelopeRequirement] = []
    companions: list[str] = []
    result: dict[str, Any] = {}
    stack: list[tuple[dict[str, Any], dict[str, Any], str, list[str]]] = [(request_body, result, base, [])]
    while stack:
        source, target, where, tokens = stack.pop()
        for key, item in source.items():
            name = key[: -len(ENVELOPE_SUFFIX)] if key.endswith(ENVELOPE_SUFFIX) else None
            if name and name in source and is_envelope(item):
                plain = _decode_fixture_value(fixture, source[name], jsonpointer.join(where, name))
                decoded = _decode_fixture_value(fixture, item, jsonpointer.join(where, key))
                if not values_equal(plain, decoded):
                    raise InputError(
                        [
                            Problem(
                                _file(fixture),
                                jsonpointer.join(where, key, "blob"),
                                f"an envelope whose decoded value equals {jsonpointer.join(where, name)}",
                                "a different decoded value",
                            )
                        ]
                    )
                target[key] = decoded
                wire_pointer = jsonpointer.join("/body", *tokens, key)
                companions.append(wire_pointer)
                requirements.append(
                    EnvelopeRequirement(wire_pointer, str(item.get("codec")), jsonpointer.join(where, key))
                )
                continue
            if isinstance(item, dict) and not is_envelope(item):
                child: dict[str, Any] = {}
                target[key] = child
                stack.append((item, child, jsonpointer.join(where, key), [*tokens, key]))
            else:
                target[key] = _decode_fixture_value(fixture, item, jsonpointer.join(where, key))
    return result, requirements, companions


def _without(value: Any, pointers: list[str]) -> Any:
    """``value`` (a decoded body) without the ``/body/...`` members at ``pointers``."""
    for pointer in pointers:
        tokens = jsonpointer.parse(pointer)[1:]
        node = value
        for token in tokens[:-1]:
            node = node.get(token) if isinstance(node, dict) else None
        if isinstance(node, dict) and tokens:
            node.pop(tokens[-1], None)
    return value


def _payload_envelope(
    fixture: Fixture, projection_key: str, projection: dict[str, Any]
) -> tuple[list[str], Any, EnvelopeRequirement] | None:
    spec = projection.get("payload_envelope")
    if spec is None:
        return None
    base = jsonpointer.join("", projection_key, "payload_envelope")
    if not isinstance(spec, dict) or not isinstance(spec.get("field"), str) or "decoded" not in spec:
        raise InputError(
            [Problem(_file(fixture), base, "an object with field, codec and decoded", repr(spec)[:80])]
        )
    dotted: str = spec["field"]
    tokens = [part for part in dotted.split(".")]
    if not all(tokens):
        raise InputError(
            [Problem(_file(fixture), base + "/field", "a dotted field such as input or action.input", dotted)]
        )
    decoded = _decode_fixture_value(fixture, spec["decoded"], base + "/decoded")
    codec = str(spec.get("codec", "avro"))
    blob = spec.get("blob")
    if blob is not None:
        from_blob = _decode_fixture_value(fixture, {"codec": codec, "blob": blob}, base)
        if not values_equal(from_blob, decoded):
            raise _error(fixture, base + "/blob", f"a blob that decodes to {base}/decoded", "another value")
    requirement = EnvelopeRequirement(jsonpointer.join("/body", *tokens), codec, base)
    return tokens, decoded, requirement


def pinned_body(fixture: Fixture) -> BodyExpectation | None:
    """The body the fixture itself pins (the ``canonical`` projection; see the module docstring)."""
    if fixture.has_request_body:
        return BodyExpectation(
            "exact", _decode_fixture_value(fixture, fixture.request_body, "/request/body"), "request.body"
        )
    cli = fixture.projection("cli") or {}
    if "expected_body" in cli:
        value = _decode_fixture_value(fixture, cli["expected_body"], "/cli/expected_body")
        return BodyExpectation("exact", value, "cli.expected_body")
    sdk = fixture.projection("sdk_python") or {}
    if "request_body" in sdk:
        value, _requirements, companions = _interpret_request_body(fixture, "sdk_python", sdk["request_body"])
        # The canonical body is the plain one: the companions are the SDK's own additions.
        return BodyExpectation("exact", _without(value, companions), "sdk_python.request_body")
    expected = _sdk_subset(fixture, "sdk_python", sdk)
    if expected is None:
        return None
    return BodyExpectation("subset", expected[0], expected[1])


def _sdk_subset(fixture: Fixture, key: str, projection: dict[str, Any]) -> tuple[Any, str] | None:
    """``expected_body`` merged with the ``payload_envelope`` value, or None when neither exists."""
    sources: list[str] = []
    value: Any = None
    if "expected_body" in projection:
        value = _decode_fixture_value(fixture, projection["expected_body"], f"/{key}/expected_body")
        sources.append(f"{key}.expected_body")
    envelope = _payload_envelope(fixture, key, projection)
    if envelope is not None:
        tokens, decoded, requirement = envelope
        if value is None:
            value = {}
        if not isinstance(value, dict):
            raise InputError(
                [
                    Problem(
                        _file(fixture),
                        f"/{key}/expected_body",
                        "an object (payload_envelope adds a field to it)",
                        type(value).__name__,
                    )
                ]
            )
        _set_at(fixture, value, tokens, decoded, requirement.source)
        sources.append(f"{key}.payload_envelope")
    if not sources:
        return None
    return value, " + ".join(sources)


def body_expectation(fixture: Fixture, projection_key: str) -> BodyExpectation | None:
    """The body ``projection_key`` must send (``None``: not asserted). Independent of run settings.

    A projection the fixture does not have, or one that states nothing about
    the body, is held to the body the fixture pins for every client
    (:func:`pinned_body`), labelled ``canonical: ...``: such a client may send
    a payload as plain JSON or as an envelope that decodes to the same value.
    """
    if projection_key == CANONICAL:
        return pinned_body(fixture)
    projection = fixture.projection(projection_key) or {}
    own = _projection_body(fixture, projection_key, projection)
    if own is not None:
        return own
    canonical = pinned_body(fixture)
    if canonical is None:
        return None
    return BodyExpectation(canonical.mode, canonical.value, f"canonical: {canonical.source}")


def _projection_body(
    fixture: Fixture, projection_key: str, projection: dict[str, Any]
) -> BodyExpectation | None:
    requirements: list[EnvelopeRequirement] = []
    envelope = _payload_envelope(fixture, projection_key, projection)
    if envelope is not None:
        requirements.append(envelope[2])

    if "request_body" in projection:
        # The projection's whole body, as its client sends it: the most specific statement.
        value, companions, _pointers = _interpret_request_body(
            fixture, projection_key, projection["request_body"]
        )
        requirements.extend(companions)
        source = f"{projection_key}.request_body"
        if "expected_body" in projection:
            listed = _decode_fixture_value(
                fixture, projection["expected_body"], jsonpointer.join("", projection_key, "expected_body")
            )
            if isinstance(listed, dict) and isinstance(value, dict):
                for key, item in listed.items():
                    where = jsonpointer.join("", projection_key, "expected_body", key)
                    _set_at(fixture, value, [key], item, where)
        if fixture.has_request_body:
            _agrees_with_request_body(fixture, projection_key, value)
        if envelope is not None and isinstance(value, dict):
            _set_at(fixture, value, envelope[0], envelope[1], envelope[2].source)
        return BodyExpectation("exact", value, source, tuple(requirements))

    if fixture.has_request_body:
        value = _decode_fixture_value(fixture, fixture.request_body, "/request/body")
        if envelope is not None and isinstance(value, dict):
            _set_at(fixture, value, envelope[0], envelope[1], envelope[2].source)
        return BodyExpectation("exact", value, "request.body", tuple(requirements))

    mode = _body_mode(fixture, projection_key, projection)
    if "expected_body" in projection:
        value = _decode_fixture_value(
            fixture, projection["expected_body"], jsonpointer.join("", projection_key, "expected_body")
        )
        source = f"{projection_key}.expected_body"
        if envelope is not None:
            if value is None:
                value = {}
            if isinstance(value, dict):
                _set_at(fixture, value, envelope[0], envelope[1], envelope[2].source)
            source += f" + {projection_key}.payload_envelope"
        return BodyExpectation(mode, value, source, tuple(requirements))

    if envelope is not None:
        value = {}
        _set_at(fixture, value, envelope[0], envelope[1], envelope[2].source)
        return BodyExpectation("subset", value, f"{projection_key}.payload_envelope", tuple(requirements))
    return None


def _agrees_with_request_body(fixture: Fixture, projection_key: str, value: Any) -> None:
    """Every member of ``request.body`` must stand, equal, in the projection's ``request_body``."""
    plain = _decode_fixture_value(fixture, fixture.request_body, "/request/body")
    if not isinstance(plain, dict) or not isinstance(value, dict):
        if not values_equal(plain, value):
            raise _error(
                fixture,
                jsonpointer.join("", projection_key, "request_body"),
                "a request_body equal to request.body",
                "a different body",
            )
        return
    for key, item in plain.items():
        if key not in value or not values_equal(value[key], item):
            raise _error(
                fixture,
                jsonpointer.join("", projection_key, "request_body", key),
                f"the value request.body has at /request/body/{jsonpointer.escape(key)}",
                "nothing" if key not in value else "a different value",
            )


_VERSION = re.compile(r"^\s*(\d+)(?:\.(\d+))?\s*$")


def major_version(version: str) -> str | None:
    """``"1.20"`` -> ``"1"``; ``None`` for something that is not a version."""
    match = _VERSION.match(version)
    return match.group(1) if match else None


def build_expectation(fixture: Fixture, projection_key: str, settings: JudgeSettings) -> Expectation:
    """The expectation for one projection (``canonical`` for the harness's replay).

    Raises :class:`InputError` (file and pointer named) when the fixture
    contradicts itself or holds an expected-side envelope that does not decode.
    """
    path = fixture.path_template
    segments = tuple(split_path(path))
    plane: Literal["control", "worker"] = "worker" if segments[:1] == ("worker",) else "control"
    not_asserted: list[str] = []
    query = query_expectation(fixture, projection_key)
    if query is None:
        not_asserted.append("query (no request.query or expected_query)")
    body = body_expectation(fixture, projection_key)
    if body is None:
        not_asserted.append("body (no request.body, expected_body, request_body or payload_envelope)")
    elif body.mode == "subset":
        not_asserted.append(f"body keys not listed (subset: {body.source})")
    headers: list[HeaderExpectation] = [
        HeaderExpectation(NAMESPACE_HEADER, settings.namespace, "exact", settings.namespace)
    ]
    if settings.token:
        bearer = f"Bearer {settings.token}"
        headers.append(HeaderExpectation(AUTHORIZATION_HEADER, bearer, "secret", f"Bearer {_REDACTED}"))
    else:
        not_asserted.append("authorization (the run has no token)")
    if plane == "worker":
        headers.append(
            HeaderExpectation(
                WORKER_PROTOCOL_VERSION_HEADER,
                settings.worker_protocol_version,
                "same_major",
                settings.worker_protocol_version,
            )
        )
    else:
        headers.append(
            HeaderExpectation(
                CONTROL_PLANE_VERSION_HEADER,
                settings.control_plane_version,
                "exact",
                settings.control_plane_version,
            )
        )
    not_asserted.append("other headers")
    return Expectation(
        fixture_name=fixture.name,
        operation=fixture.operation,
        projection_key=projection_key,
        method=fixture.method,
        path=path,
        path_segments=segments,
        plane=plane,
        query=query,
        body=body,
        headers=tuple(headers),
        not_asserted=not_asserted,
    )
