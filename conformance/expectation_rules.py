"""The rules that turn a fixture's projection into the built-in parts of its expectation.

The built-in checks (:mod:`conformance.checks`) build their parts
(:mod:`conformance.expectation_parts`) with these functions: method and path
(:func:`method_path_part`), query (:func:`query_expectation`), headers
(:func:`header_expectations`) and body (:func:`body_expectation`), from the
typed fixture model (:class:`conformance.fixture.Projection`).
:func:`conformance.expectations.build_expectation`, THE builder, asks every
registered check for its part; this module imports neither the checks nor the
builder. The rule "an envelope decodes to the plain value stated beside it" is
:func:`conformance.fixture_envelopes.envelope_agreement`, shared with ``validate``
(same problem, same pointer).

Design decisions (where the fixture format is silent, the choice is written here):

**Method and path** always come from the fixture's ``request``. Paths are
compared as percent-decoded segments (see :mod:`conformance.normalize`).

**Query.** The projection's ``expected_query`` wins over ``request.query``
(it is the more specific statement); the canonical projection uses
``request.query``, else ``cli.expected_query``, else the first other
projection's. A projection that is absent from the fixture, or is not one of
the two reference projections (``cli``, ``sdk_python``) and states no query,
is held to the canonical query. A reference projection that states no query
is held to the other reference projection's ``expected_query``: **one wire
request per operation** (a query pinned for one client is the operation's,
so an SDK that drops ``page_size`` fails at ``/query/page_size``). The
difference's message names the side the rule came from
(``from cli.expected_query (pinned for cli; ...)``). Parameters that a
projection pins as its own spelling are declared in
``data/client-own-query.yaml`` (:mod:`conformance.own_query`) and are left
out for the other clients (the CLI's explicit ``wait_new_event=false`` is
its own spelling of the server's default).
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
   values below a listed key are compared exactly), except that an
   ``sdk_python.expected_body`` equal to ``cli.expected_body`` is the
   operation's one body and is exact for the SDK too (one wire request per
   operation; the SDK's own tests compare those bodies whole). Any projection may say
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
from typing import Any, Literal

from conformance import jsonpointer
from conformance.avro_codec import AVRO_CODEC
from conformance.expectation_parts import (
    CANONICAL,
    BodyExpectation,
    BodyMode,
    EnvelopeRequirement,
    HeaderExpectation,
    HeadersPart,
    JudgeSettings,
    MethodPathPart,
    QueryExpectation,
    QueryValue,
)
from conformance.fixture import Fixture, Projection, parse_projection
from conformance.fixture_envelopes import envelope_agreement, payload_envelope_agreement
from conformance.normalize import decode_envelopes, split_path
from conformance.own_query import own_query_parameters
from conformance.problems import InputError, Problem

__all__ = [
    "AUTHORIZATION_HEADER",
    "CONTROL_PLANE_VERSION_HEADER",
    "NAMESPACE_HEADER",
    "REFERENCE_PROJECTIONS",
    "WORKER_PROTOCOL_VERSION_HEADER",
    "body_expectation",
    "body_shared_with",
    "header_expectations",
    "major_version",
    "method_path_part",
    "pinned_body",
    "plane_of",
    "query_expectation",
    "values_equal",
]

_DEFAULT_BODY_MODE: dict[str, BodyMode] = {"cli": "exact", "sdk_python": "subset"}
#: The projections of the two reference clients (their repositories' own tests define them).
REFERENCE_PROJECTIONS = frozenset(_DEFAULT_BODY_MODE)
_REDACTED = "[REDACTED]"

NAMESPACE_HEADER = "x-namespace"
AUTHORIZATION_HEADER = "authorization"
CONTROL_PLANE_VERSION_HEADER = "x-durable-workflow-control-plane-version"
WORKER_PROTOCOL_VERSION_HEADER = "x-durable-workflow-protocol-version"


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
    problems = [_undecodable(fixture, finding) for finding in findings if finding.kind == "envelope_invalid"]
    if problems:
        raise InputError(problems)
    return decoded


def _undecodable(fixture: Fixture, finding: Any) -> Problem:
    """An expected-side envelope that does not decode; an Avro blob is reported as validate reports it."""
    if isinstance(finding.actual, dict) and finding.actual.get("codec") == AVRO_CODEC:
        return Problem(
            _file(fixture),
            jsonpointer.join(finding.pointer, "blob"),
            "a blob that decodes as a durable_workflow.protocol.Value",
            finding.message,
        )
    return Problem(_file(fixture), finding.pointer, "a payload envelope that decodes", finding.message)


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
            other = fixture.typed_projection(key)
            if other is not None and other.has_expected_query:
                return _query_from(
                    fixture, other.expected_query, f"/{key}/expected_query", f"{key}.expected_query"
                )
        return None
    projection = fixture.typed_projection(projection_key)
    if projection is not None and projection.has_expected_query:
        return _query_from(
            fixture,
            projection.expected_query,
            jsonpointer.join("", projection_key, "expected_query"),
            f"{projection_key}.expected_query",
        )
    if fixture.request_query is not None:
        return _query_from(fixture, fixture.request_query, "/request/query", "request.query")
    if projection_key in REFERENCE_PROJECTIONS:
        return _other_reference_query(fixture, projection_key)
    canonical = query_expectation(fixture, CANONICAL)
    if canonical is None:
        return None
    return QueryExpectation(f"canonical: {canonical.source}", canonical.params)


def _other_reference_query(fixture: Fixture, projection_key: str) -> QueryExpectation | None:
    """One wire request per operation: the other reference client's ``expected_query``, less its own."""
    for other_key in sorted(REFERENCE_PROJECTIONS - {projection_key}):
        other = fixture.typed_projection(other_key)
        if other is None or not other.has_expected_query:
            continue
        pointer = jsonpointer.join("", other_key, "expected_query")
        declared = _query_from(fixture, other.expected_query, pointer, f"{other_key}.expected_query")
        own = own_query_parameters(fixture.operation, other_key)
        params = {name: values for name, values in declared.params.items() if name not in own}
        source = (
            f"{other_key}.expected_query (pinned for {other_key}; the operation's query for every client)"
        )
        if own & set(declared.params):
            source += f"; {', '.join(sorted(own & set(declared.params)))} declared {other_key}'s own"
        return QueryExpectation(source, params)
    return None


def body_shared_with(fixture: Fixture, projection_key: str) -> str | None:
    """The other reference projection that pins, exactly, the same ``expected_body`` (else ``None``).

    Such a body is the operation's one body (one wire request per operation): exact for both clients,
    and the self-test's body mutants edit it on both projections.
    """
    projection = fixture.typed_projection(projection_key)
    if projection_key not in REFERENCE_PROJECTIONS or projection is None or not projection.has_expected_body:
        return None
    for other_key in sorted(REFERENCE_PROJECTIONS - {projection_key}):
        other = fixture.typed_projection(other_key)
        if (
            other is not None
            and other.has_expected_body
            and other.body_match in (None, "exact")
            and _DEFAULT_BODY_MODE.get(other_key) == "exact"
            and other.expected_body == projection.expected_body
        ):
            return other_key
    return None


def _body_mode(fixture: Fixture, projection: Projection) -> BodyMode:
    projection_key = projection.key
    declared = projection.body_match
    if declared is None:
        if body_shared_with(fixture, projection_key) is not None:
            return "exact"  # one wire request per operation: the body both reference clients are held to
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
    fixture: Fixture, projection: Projection
) -> tuple[Any, list[EnvelopeRequirement], list[str]]:
    """Decode a projection's ``request_body``: the client's whole body, as sent.

    Each companion (:class:`conformance.fixture.EnvelopeCompanion`: a
    ``<name>_envelope`` envelope *next to a plain* ``<name>``) is the Avro
    envelope the client sends **beside** the plain value (the SDK sends both;
    its own tests compare the whole body). It stays in the expected body,
    decoded, and adds an envelope requirement at its own pointer; the fixture
    must agree with itself (:func:`conformance.fixture_envelopes.envelope_agreement`).
    Returns the decoded body, the requirements and the companions' pointers.
    """
    base = jsonpointer.join("", projection.key, "request_body")
    requirements: list[EnvelopeRequirement] = []
    companions: list[str] = []
    for companion in projection.companions:
        problem = envelope_agreement(
            _file(fixture),
            companion.pointer,
            companion.envelope,
            companion.plain_pointer,
            companion.plain,
            f"the value {companion.name}'s blob decodes to",
        )
        if problem is not None:
            raise InputError([problem])
        wire_pointer = jsonpointer.join("/body", *companion.tokens)
        companions.append(wire_pointer)
        requirements.append(EnvelopeRequirement(wire_pointer, companion.codec, companion.pointer))
    return _decode_fixture_value(fixture, projection.request_body, base), requirements, companions


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
    fixture: Fixture, projection: Projection
) -> tuple[list[str], Any, EnvelopeRequirement] | None:
    envelope = projection.payload_envelope
    if envelope is None:
        return None
    base = envelope.pointer
    problem = payload_envelope_agreement(
        _file(fixture), projection.key, projection.data.get("payload_envelope")
    )
    if problem is not None:
        raise InputError([problem])
    decoded = _decode_fixture_value(fixture, envelope.decoded, base + "/decoded")
    if envelope.blob is not None:
        _decode_fixture_value(fixture, {"codec": envelope.codec, "blob": envelope.blob}, base)
    requirement = EnvelopeRequirement(jsonpointer.join("/body", *envelope.tokens), envelope.codec, base)
    return list(envelope.tokens), decoded, requirement


def pinned_body(fixture: Fixture) -> BodyExpectation | None:
    """The body the fixture itself pins (the ``canonical`` projection; see the module docstring)."""
    if fixture.has_request_body:
        return BodyExpectation(
            "exact", _decode_fixture_value(fixture, fixture.request_body, "/request/body"), "request.body"
        )
    cli = fixture.typed_projection("cli")
    if cli is not None and cli.has_expected_body:
        value = _decode_fixture_value(fixture, cli.expected_body, "/cli/expected_body")
        return BodyExpectation("exact", value, "cli.expected_body")
    sdk = fixture.typed_projection("sdk_python")
    if sdk is None:
        return None
    if sdk.has_request_body:
        value, _requirements, companions = _interpret_request_body(fixture, sdk)
        # The canonical body is the plain one: the companions are the SDK's own additions.
        return BodyExpectation("exact", _without(value, companions), "sdk_python.request_body")
    expected = _sdk_subset(fixture, sdk)
    if expected is None:
        return None
    return BodyExpectation("subset", expected[0], expected[1])


def _sdk_subset(fixture: Fixture, projection: Projection) -> tuple[Any, str] | None:
    """``expected_body`` merged with the ``payload_envelope`` value, or None when neither exists."""
    key = projection.key
    sources: list[str] = []
    value: Any = None
    if projection.has_expected_body:
        value = _decode_fixture_value(fixture, projection.expected_body, f"/{key}/expected_body")
        sources.append(f"{key}.expected_body")
    envelope = _payload_envelope(fixture, projection)
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
    projection = fixture.typed_projection(projection_key) or parse_projection(
        _file(fixture), projection_key, {}
    )
    own = _projection_body(fixture, projection)
    if own is not None:
        return own
    canonical = pinned_body(fixture)
    if canonical is None:
        return None
    return BodyExpectation(canonical.mode, canonical.value, f"canonical: {canonical.source}")


def _projection_body(fixture: Fixture, projection: Projection) -> BodyExpectation | None:
    projection_key = projection.key
    requirements: list[EnvelopeRequirement] = []
    envelope = _payload_envelope(fixture, projection)
    if envelope is not None:
        requirements.append(envelope[2])

    if projection.has_request_body:
        # The projection's whole body, as its client sends it: the most specific statement.
        value, companions, _pointers = _interpret_request_body(fixture, projection)
        requirements.extend(companions)
        source = f"{projection_key}.request_body"
        if projection.has_expected_body:
            listed = _decode_fixture_value(
                fixture, projection.expected_body, jsonpointer.join("", projection_key, "expected_body")
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

    mode = _body_mode(fixture, projection)
    if projection.has_expected_body:
        value = _decode_fixture_value(
            fixture, projection.expected_body, jsonpointer.join("", projection_key, "expected_body")
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


def plane_of(segments: tuple[str, ...]) -> Literal["control", "worker"]:
    """The plane a path names: ``/worker/...`` is the worker plane, everything else the control plane."""
    return "worker" if segments[:1] == ("worker",) else "control"


def method_path_part(fixture: Fixture) -> MethodPathPart:
    """Method and path of the fixture's ``request`` (the same for every projection)."""
    segments = tuple(split_path(fixture.path_template))
    return MethodPathPart(fixture.method, fixture.path_template, segments, plane_of(segments))


def header_expectations(settings: JudgeSettings, plane: Literal["control", "worker"]) -> HeadersPart:
    """The asserted headers (see the module docstring): namespace, token, the plane's version header."""
    headers: list[HeaderExpectation] = [
        HeaderExpectation(NAMESPACE_HEADER, settings.namespace, "exact", settings.namespace)
    ]
    if settings.token:
        bearer = f"Bearer {settings.token}"
        headers.append(HeaderExpectation(AUTHORIZATION_HEADER, bearer, "secret", f"Bearer {_REDACTED}"))
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
    return HeadersPart(tuple(headers), bool(settings.token))
