"""Variant fields read off the fixture itself: no table needed, for any operation.

A fixture says the same semantic value several times: once per client input
(``cli.argv``, a projection's ``args`` and ``kwargs``) and once per place the
expectations pin it (``request.path`` segments, ``request.query``,
``request.body``, a projection's ``expected_body``, ``expected_query``,
``request_body`` and ``payload_envelope.decoded``, and ``semantic_body``).
:func:`derive_fields` finds every value that a client input *and* an
expectation hold, and makes it one variable whose places are every spot of
the fixture holding it, each with its own rendering (so that
:func:`conformance.variants.build_variant` writes a new value everywhere at
once, in the right form):

* a JSON value as itself (SDK arguments, bodies, ``semantic_body``, typed
  ``expected_query``, ``payload_envelope.decoded``); Avro blobs that stand for
  a plain value beside them are re-encoded afterwards
  (:func:`conformance.variants.reseal_envelopes`);
* a path segment, percent-encoded (``quote(value, safe="")``);
* an argv string as the string itself, an integer as its decimal form, and
  a value *inside* an argv string of JSON text (``--input``) at its pointer
  in the parsed text;
* the value part of a repeated ``KEY=VALUE`` option (``--search-attr``), and
  the whole list as a map;
* a query string as the string itself or an integer's decimal form;
* ``response_body`` places holding the same value follow along (they are
  what the stub answers, never an expectation).

Leaves and containers are both variables: ``input`` as a whole (a new
payload) and each scalar inside it (a new ``order_id`` only), the leaf being
written only while its container keeps the seed's value.

**What is not derived** (each reason is kept in :attr:`SeedPlan.refused`, and
the ``fuzz`` report counts them as variants not generated):

* a value that an expectation pins for a client which has no input holding
  it (the CLI sends a constant ``enabled: true`` that only the SDK takes as an
  argument): changing it would blame that client for the fixture's change;
* a string that also appears *inside* another string of a client input or
  of an expectation, or as a key there (the task queue ``orders`` inside the
  type ``orders.process``): a client may build one from the other, and only a
  whole-value change can be followed;
* a value inside an Avro envelope written inline in an expectation (its
  plain form is not in the file);
* ``null``, empty strings and empty containers, and CLI flags (``--json``:
  a flag's absence does not say what the client then sends).

Names: a variable is named after the first key that holds it in an
expectation (a body, ``semantic_body``), else in an SDK argument, else the
argv name without dashes (``workflow_id``, ``input``); a repeated name gets
``_2``... The shipped table
(``data/variant-fields.yaml``) adds what cannot be derived: value domains by
field name (``choice``, ``min``/``max``) and places the derivation does not
see (``--json``, whose absence must not change the request).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from conformance import jsonpointer
from conformance.avro_codec import is_envelope
from conformance.fixture import KNOWN_TOP_LEVEL_KEYS, Fixture
from conformance.textsafe import json_safe
from conformance.variant_fields import DEFAULT_MAX, FieldSpec, Place, VariableField, plain_value

__all__ = ["Derivation", "derive_fields"]

INPUT_SECTIONS = ("args", "kwargs")
EXPECTATION_SECTIONS = ("expected_body", "expected_query", "request_body")
_DECIMAL = re.compile(r"^-?(0|[1-9][0-9]*)$")
_KV_ITEM = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]*=")
#: Strings shorter than this are not looked for inside other strings (``"a"`` is in everything).
_MIN_INSIDE = 3


@dataclass(frozen=True)
class _Occurrence:
    value: Any
    place: Place
    #: "input", "expectation" or "follower" (``response_body``)
    role: str
    #: The projection whose input this is ("" for expectations).
    owner: str = ""


@dataclass
class Derivation:
    fields: list[VariableField]
    #: Values not varied and why (one line each).
    refused: list[str]


def _key(value: Any) -> str:
    return json.dumps(json_safe(value), sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _trivial(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _walk(value: Any, pointer: str) -> Iterator[tuple[str, Any]]:
    """Every node below ``value`` (``value`` itself first), skipping inline Avro envelopes."""
    stack = [(pointer, value)]
    while stack:
        where, node = stack.pop()
        if is_envelope(node):
            continue
        yield where, node
        if isinstance(node, dict):
            stack.extend((jsonpointer.join(where, key), item) for key, item in reversed(node.items()))
        elif isinstance(node, list):
            stack.extend(
                (jsonpointer.join(where, index), item) for index, item in reversed(list(enumerate(node)))
            )


def _inline_envelopes(value: Any) -> Iterator[Any]:
    """Envelopes standing alone for a value not written in plain beside them. A ``<name>_envelope``
    next to a plain ``<name>`` is not one: the plain value is there, and the blob is re-encoded."""
    stack = [value]
    while stack:
        node = stack.pop()
        if is_envelope(node):
            yield node
        elif isinstance(node, dict):
            for key, item in node.items():
                if not (key.endswith("_envelope") and key[: -len("_envelope")] in node and is_envelope(item)):
                    stack.append(item)
        elif isinstance(node, list):
            stack.extend(node)


def _json_text(text: str) -> Any:
    if text[:1] not in ("[", "{"):
        return None
    try:
        parsed = json.loads(text)
    except ValueError:
        return None
    return parsed if isinstance(parsed, list | dict) else None


class _Scanner:
    """Collects the occurrences of values in a fixture, and every string that could hide one."""

    def __init__(self, fixture: Fixture) -> None:
        self.data = fixture.data
        self.occurrences: list[_Occurrence] = []
        #: (string, where): strings of inputs and expectations, and keys there
        self.strings: list[tuple[str, str]] = []
        self.keys: list[tuple[str, str]] = []
        #: plain values written only inside inline envelopes of expectations
        self.sealed: list[Any] = []

    def add(self, value: Any, place: Place, role: str, owner: str = "") -> None:
        self.occurrences.append(_Occurrence(value, place, role, owner))

    def tree(self, value: Any, pointer: str, role: str, owner: str = "", *, root: bool = False) -> None:
        # In a JSON body a value holding bytes is written as an Avro envelope ("body"); client
        # arguments hold the value itself.
        render = "value" if role == "input" else "body"
        for where, node in _walk(value, pointer):
            if where != pointer or root:
                self.add(node, Place(where, render), role, owner)
            if role == "follower":
                continue
            if isinstance(node, str):
                self.strings.append((node, where))
            elif isinstance(node, dict):
                self.keys.extend((str(key), where) for key in node)
        if role != "follower":
            for envelope in _inline_envelopes(value):
                try:
                    self.sealed.append(plain_value(envelope))
                except ValueError:
                    continue

    def text(self, text: str, pointer: str, role: str, owner: str, render: str) -> None:
        """One string of argv or of ``request.query``: itself, an integer, or JSON text."""
        self.add(text, Place(pointer, render), role, owner)
        if _DECIMAL.match(text):
            self.add(int(text), Place(pointer, "decimal"), role, owner)
        parsed = _json_text(text) if render != "value" else None
        if parsed is None:
            self.strings.append((text, pointer))
            return
        for inner, node in _walk(parsed, ""):
            self.add(node, Place(pointer, "json", inner=inner), role, owner)
            if isinstance(node, str):
                self.strings.append((node, f"{pointer} (JSON text, at {inner})"))
            elif isinstance(node, dict):
                self.keys.extend((str(key), f"{pointer} (JSON text, at {inner})") for key in node)

    def argv(self, argv: dict[str, Any], base: str, owner: str) -> None:
        for name, value in argv.items():
            pointer = jsonpointer.join(base, name)
            render = "option" if name.startswith("-") else "positional"
            if isinstance(value, str):
                self.text(value, pointer, "input", owner, render)
            elif isinstance(value, list) and value and all(isinstance(item, str) for item in value):
                if all(_KV_ITEM.match(item) for item in value):
                    pairs = dict(item.partition("=")[::2] for item in value)
                    if len(pairs) == len(value):
                        self.add(pairs, Place(pointer, "search_attributes"), "input", owner)
                        for key, item in pairs.items():
                            self.add(item, Place(pointer, "kv", inner=key), "input", owner)
                            self.strings.append((item, f"{pointer} ({key}=...)"))
                            self.keys.append((key, pointer))
                        continue
                self.add(list(value), Place(pointer, "option_list"), "input", owner)
                for index, item in enumerate(value):
                    self.text(item, jsonpointer.join(pointer, index), "input", owner, "option")

    def path(self) -> None:
        request = self.data.get("request")
        path = request.get("path") if isinstance(request, dict) else None
        if not isinstance(path, str):
            return
        trimmed = path[1:] if path.startswith("/") else path
        for index, segment in enumerate(trimmed.split("/") if trimmed else []):
            try:
                decoded = unquote(segment, errors="strict")
            except UnicodeDecodeError:
                continue
            self.add(decoded, Place("/request/path", "path_segment", segment=index), "expectation")
            self.strings.append((decoded, f"/request/path (segment {index})"))

    def query(self) -> None:
        request = self.data.get("request")
        query = request.get("query") if isinstance(request, dict) else None
        if not isinstance(query, dict):
            return
        for name, value in query.items():
            pointer = jsonpointer.join("/request/query", name)
            self.keys.append((str(name), "/request/query"))
            items = value if isinstance(value, list) else [value]
            for index, item in enumerate(items):
                where = jsonpointer.join(pointer, index) if isinstance(value, list) else pointer
                if isinstance(item, str):
                    self.add(item, Place(where), "expectation")
                    if _DECIMAL.match(item):
                        self.add(int(item), Place(where, "decimal"), "expectation")
                    self.strings.append((item, where))
                else:
                    self.add(item, Place(where), "expectation")

    def scan(self) -> None:
        data = self.data
        self.path()
        self.query()
        request = data.get("request")
        if isinstance(request, dict) and "body" in request:
            self.tree(request["body"], "/request/body", "expectation")
        if "semantic_body" in data:
            self.tree(data["semantic_body"], "/semantic_body", "expectation")
        if "response_body" in data:
            self.tree(data["response_body"], "/response_body", "follower", root=True)
        for key, projection in data.items():
            if key in KNOWN_TOP_LEVEL_KEYS or not isinstance(projection, dict):
                continue
            base = jsonpointer.join("", key)
            if isinstance(projection.get("argv"), dict):
                self.argv(projection["argv"], jsonpointer.join(base, "argv"), key)
            for section in INPUT_SECTIONS:
                if isinstance(projection.get(section), dict):
                    self.tree(projection[section], jsonpointer.join(base, section), "input", key)
            for section in EXPECTATION_SECTIONS:
                if section in projection:
                    self.tree(projection[section], jsonpointer.join(base, section), "expectation")
            envelope = projection.get("payload_envelope")
            if isinstance(envelope, dict) and "decoded" in envelope:
                pointer = jsonpointer.join(base, "payload_envelope", "decoded")
                self.tree(envelope["decoded"], pointer, "expectation", root=True)


def _judged(data: dict[str, Any], key: str) -> list[tuple[str, ...]]:
    """The fixture sections the judge holds projection ``key`` to (see conformance.expectations)."""
    projection = data.get(key) if isinstance(data.get(key), dict) else {}
    assert isinstance(projection, dict)
    request = data.get("request") if isinstance(data.get("request"), dict) else {}
    assert isinstance(request, dict)
    judged: list[tuple[str, ...]] = [("request", "path")]
    judged.append((key, "expected_query") if "expected_query" in projection else ("request", "query"))
    if "body" in request:
        judged.append(("request", "body"))
    else:
        judged.extend(
            (key, section) for section in ("expected_body", "request_body") if section in projection
        )
    judged.append((key, "payload_envelope", "decoded"))
    return judged


def _projections(data: dict[str, Any]) -> list[str]:
    return [key for key, value in data.items() if key not in KNOWN_TOP_LEVEL_KEYS and isinstance(value, dict)]


def _name(occurrences: list[_Occurrence]) -> str:
    def last_key(place: Place) -> str | None:
        tokens = [*place.tokens, *(jsonpointer.parse(place.inner) if place.render == "json" else [])]
        if place.render == "kv":
            return place.inner
        named = [token for token in tokens if not token.isdigit()]
        return named[-1] if named else None

    def rank(occurrence: _Occurrence) -> int:
        head = occurrence.place.tokens[0] if occurrence.place.tokens else ""
        if occurrence.role == "expectation" and occurrence.place.render != "path_segment":
            return 0
        if occurrence.role == "input" and head != "cli":
            return 1
        return 2

    for occurrence in sorted(occurrences, key=rank):
        name = last_key(occurrence.place)
        if name and occurrence.place.render != "path_segment":
            return name.lstrip("-").replace("-", "_") or "value"
    return "value"


def _spec(name: str, value: Any, places: tuple[Place, ...]) -> FieldSpec:
    renders = {place.render for place in places}
    if isinstance(value, bool):
        return FieldSpec(name, "boolean", places)
    if isinstance(value, int):
        minimum = 1 if value >= 1 else (0 if value == 0 else -(2**63))
        return FieldSpec(name, "count", places, minimum=minimum, maximum=max(DEFAULT_MAX, value))
    if isinstance(value, float):
        return FieldSpec(name, "number", places)
    if isinstance(value, str):
        return FieldSpec(name, "identifier" if "path_segment" in renders else "text", places)
    if isinstance(value, dict):
        return FieldSpec(name, "search_attributes" if "search_attributes" in renders else "json_map", places)
    if "option_list" in renders:
        return FieldSpec(name, "strings", places)
    return FieldSpec(name, "payload", places)


def _describe(value: Any) -> str:
    text = _key(value)
    return text if len(text) <= 50 else text[:47] + "..."


def derive_fields(fixture: Fixture) -> Derivation:
    """The fixture's variables (see the module docstring)."""
    scanner = _Scanner(fixture)
    scanner.scan()
    groups: dict[str, list[_Occurrence]] = {}
    for occurrence in scanner.occurrences:
        if not _trivial(occurrence.value):
            groups.setdefault(_key(occurrence.value), []).append(occurrence)
    projections = _projections(fixture.data)
    judged = {key: _judged(fixture.data, key) for key in projections}
    sealed = {_key(value) for envelope in scanner.sealed for _where, value in _walk(envelope, "")}
    fields: list[VariableField] = []
    refused: list[tuple[str, set[tuple[str, ...]]]] = []
    names: set[str] = set()
    for key, occurrences in groups.items():
        roles = {occurrence.role for occurrence in occurrences}
        if not {"input", "expectation"} <= roles:
            continue
        value = occurrences[0].value
        name = _name(occurrences)
        shown = f"{name} ({_describe(value)})"
        reason = _refusal(value, occurrences, projections, judged, scanner, key in sealed)
        if reason:
            refused.append((f"{shown}: {reason}", {occurrence.place.location for occurrence in occurrences}))
            continue
        unique, number = name, 2
        while unique in names:
            unique, number = f"{name}_{number}", number + 1
        names.add(unique)
        places = tuple(dict.fromkeys(occurrence.place for occurrence in occurrences))
        fields.append(VariableField(_spec(unique, value, places), value, places))
    covered = {place.location for variable in fields for place in variable.places}
    # A refused reading whose every place another reading varies is no loss ("100" as a string,
    # varied as the integer 100): it is not reported.
    return Derivation(fields, [line for line, places in refused if not places <= covered])


def _refusal(
    value: Any,
    occurrences: list[_Occurrence],
    projections: list[str],
    judged: dict[str, list[tuple[str, ...]]],
    scanner: _Scanner,
    sealed: bool,
) -> str:
    """Why changing ``value`` could not be made consistent ("" when it can)."""
    if sealed:
        return "it is also written inside an inline Avro envelope of the expectations"
    owners = {occurrence.owner for occurrence in occurrences if occurrence.role == "input"}
    for projection in projections:
        if projection in owners:
            continue
        for occurrence in occurrences:
            tokens = occurrence.place.tokens
            if occurrence.role == "expectation" and any(
                tokens[: len(section)] == section for section in judged[projection]
            ):
                return (
                    f"{projection} is judged on {occurrence.place.describe()} but has no input holding it "
                    "(a client constant, or a value it derives)"
                )
    if isinstance(value, str):
        for text, where in scanner.strings:
            if text != value and len(value) >= _MIN_INSIDE and value in text:
                return f"it is also part of {_describe(text)} at {where}"
        for text, where in scanner.keys:
            if text == value or (len(value) >= _MIN_INSIDE and value in text):
                return f"it is also a key ({_describe(text)}) at {where}"
    return ""
