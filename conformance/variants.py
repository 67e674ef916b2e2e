"""Deriving self-consistent fixture variants from a seed fixture (the data side of ``fuzz``).

One semantic value of an operation (a workflow id, the call's input, a
memo...) is written in several places of a fixture, each in its own form:
``semantic_body`` holds it plainly, ``request.path`` percent-encoded, the
CLI's ``argv`` as a positional argument, an ``--option=value`` or compact
JSON text, the SDK's ``kwargs`` as a Python value, ``payload_envelope`` as a
decoded value plus an Avro blob. ``data/variant-fields.yaml`` lists, per
operation, where each value lives and how it is written there; this module
reads that map (:func:`load_field_map`), checks it against a seed fixture
(:func:`plan_seed`) and writes new values into every place at once
(:func:`build_variant`). Nothing here generates values (that is
:mod:`conformance.strategies`) or runs a client.

Design decisions:

* **Only what the seed already says is varied.** A place of the map that the
  seed does not have is left out (a variant pins exactly what its seed
  pins). A field is varied only when every place the seed has holds the
  same value, read back through its rendering (JSON text parsed, decimal
  strings as integers, path segments percent-decoded...); otherwise it stays
  as in the seed and :attr:`SeedPlan.notes` says why. This keeps the map
  safe for fixtures written by others.
* **A value a client cannot carry drops that client's projection** for that
  variant, with the reason in :attr:`Variant.dropped`: bytes have no JSON
  form for the CLI's ``--input``; a NUL byte cannot be part of a command-line
  argument; a positional argument starting with ``-`` would be read as an
  option; a search attribute name with ``=`` cannot be written ``KEY=VALUE``,
  and an empty map of them is no option at all, which says "no map" instead.
  In a JSON body (``request.body``, ``expected_body``, ``semantic_body``) a
  value holding bytes is written as an Avro envelope, which the fixture
  format decodes on the expected side (``payload_envelope.decoded`` too, then
  without a ``blob`` beside it); the ``canonical`` replay then skips the
  variant on its own (its body must be plain JSON).
* **Path segments** are percent-encoded with every character outside the
  unreserved set escaped (``quote(value, safe="")``): ``/``, ``%``, ``?``,
  ``#``, space and non-ASCII all become escapes, so the segment stays one
  segment.
* **Identity.** A variant's file name is ``<operation slug>-<hash>-parity.json``
  where the hash covers its JSON document, so equal variants share a name
  and case ids never collide within a run.
* **Saving.** :func:`variant_document` is the JSON form of a variant, valid
  against the fixture schema. The one thing the format cannot say is a
  bytes value in the SDK's ``kwargs``/``args`` (they are plain JSON): it is
  written ``{"$bytes": "<base64>"}`` and the description says that such a
  file does not replay as-is.
"""

from __future__ import annotations

import copy
import hashlib
import json
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

import yaml

from conformance import jsonpointer
from conformance.avro_codec import encode_blob, make_envelope
from conformance.expectations import values_equal
from conformance.fixture import KNOWN_TOP_LEVEL_KEYS, Fixture
from conformance.normalize import decode_envelopes
from conformance.operations import operation_slug
from conformance.problems import InputError, Problem
from conformance.strict_yaml import load_yaml_file
from conformance.textsafe import json_safe

__all__ = [
    "KINDS",
    "RENDERINGS",
    "FieldMap",
    "FieldSpec",
    "Place",
    "SeedPlan",
    "VariableField",
    "Variant",
    "build_variant",
    "load_field_map",
    "plan_seed",
    "variant_document",
]

KINDS = ("identifier", "name", "payload", "json_map", "search_attributes", "text", "count", "choice")
RENDERINGS = (
    "value",
    "body",
    "json",
    "option",
    "positional",
    "decimal",
    "search_attributes",
    "path_segment",
    "envelope",
)
DEFAULT_MIN = 1
DEFAULT_MAX = 2**31 - 1


class Inexpressible(Exception):
    """A value this place cannot hold (its projection is dropped from the variant)."""


@dataclass(frozen=True)
class Place:
    """Where a value lives (a pointer into the fixture) and how it is written there."""

    at: str
    render: str = "value"
    segment: int | None = None

    @property
    def tokens(self) -> tuple[str, ...]:
        return tuple(jsonpointer.parse(self.at))

    @property
    def projection(self) -> str | None:
        """The projection this place belongs to (``None`` for ``request``, ``semantic_body``...)."""
        head = self.tokens[0] if self.tokens else ""
        return None if head in KNOWN_TOP_LEVEL_KEYS else head

    def describe(self) -> str:
        return f"{self.at} (segment {self.segment})" if self.render == "path_segment" else self.at


@dataclass(frozen=True)
class FieldSpec:
    name: str
    kind: str
    places: tuple[Place, ...]
    choices: tuple[Any, ...] = ()
    minimum: int = DEFAULT_MIN
    maximum: int = DEFAULT_MAX


@dataclass(frozen=True)
class FieldMap:
    operations: dict[str, tuple[FieldSpec, ...]]

    def fields_for(self, operation: str) -> tuple[FieldSpec, ...]:
        return self.operations.get(operation, ())

    def merged(self, other: FieldMap) -> FieldMap:
        return FieldMap({**self.operations, **other.operations})


# --------------------------------------------------------------------------- loading the map


def _spec(source: str, operation: str, name: str, raw: Any, problems: list[Problem]) -> FieldSpec | None:
    where = jsonpointer.join("", operation, name)
    if not isinstance(raw, dict) or raw.get("kind") not in KINDS:
        problems.append(Problem(source, where + "/kind", f"one of {', '.join(KINDS)}", repr(raw)[:80]))
        return None
    places: list[Place] = []
    for index, item in enumerate(raw.get("places") or []):
        at = item.get("at") if isinstance(item, dict) else None
        render = item.get("as", "value") if isinstance(item, dict) else None
        segment = item.get("segment") if isinstance(item, dict) else None
        pointer = jsonpointer.join(where, "places", index)
        if not isinstance(at, str) or not at.startswith("/") or render not in RENDERINGS:
            problems.append(
                Problem(
                    source, pointer, f"{{at: /pointer, as: one of {', '.join(RENDERINGS)}}}", repr(item)[:80]
                )
            )
            continue
        if (render == "path_segment") != isinstance(segment, int):
            problems.append(
                Problem(source, pointer, "a segment number exactly for as: path_segment", repr(item))
            )
            continue
        places.append(Place(at, render, segment))
    choices = raw.get("choices") or []
    if raw["kind"] == "choice" and not (isinstance(choices, list) and choices):
        problems.append(
            Problem(source, where + "/choices", "a non-empty list for kind choice", repr(choices))
        )
        return None
    minimum, maximum = raw.get("min", DEFAULT_MIN), raw.get("max", DEFAULT_MAX)
    if not (isinstance(minimum, int) and isinstance(maximum, int) and minimum <= maximum):
        problems.append(Problem(source, where, "integers min <= max", f"min {minimum!r}, max {maximum!r}"))
        return None
    return FieldSpec(name, raw["kind"], tuple(places), tuple(choices), minimum, maximum)


def _map_from(document: Any, source: str) -> FieldMap:
    if not isinstance(document, dict):
        raise InputError(
            [Problem(source, "", "a mapping of operation -> field -> spec", type(document).__name__)]
        )
    problems: list[Problem] = []
    operations: dict[str, tuple[FieldSpec, ...]] = {}
    for operation, fields in document.items():
        if not isinstance(fields, dict):
            problems.append(
                Problem(source, jsonpointer.join("", str(operation)), "a mapping of fields", repr(fields))
            )
            continue
        specs = [_spec(source, str(operation), str(name), raw, problems) for name, raw in fields.items()]
        operations[str(operation)] = tuple(spec for spec in specs if spec is not None)
    if problems:
        raise InputError(problems)
    return FieldMap(operations)


def load_field_map(extra: Path | None = None) -> FieldMap:
    """The shipped map, extended (per operation, replaced) by ``extra`` when given."""
    text = resources.files("conformance").joinpath("data/variant-fields.yaml").read_text(encoding="utf-8")
    shipped = _map_from(yaml.safe_load(text), "conformance/data/variant-fields.yaml")
    if extra is None:
        return shipped
    return shipped.merged(_map_from(load_yaml_file(extra), str(extra)))


# --------------------------------------------------------------------------- reading and writing places


def _contains_bytes(value: Any) -> bool:
    stack = [value]
    while stack:
        node = stack.pop()
        if isinstance(node, bytes | bytearray):
            return True
        if isinstance(node, dict):
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return False


def _plain(value: Any) -> Any:
    decoded, _records, findings = decode_envelopes(copy.deepcopy(value), "")
    if findings:
        raise ValueError("an envelope that does not decode")
    return decoded


def _segments(path: str) -> list[str]:
    trimmed = path[1:] if path.startswith("/") else path
    return trimmed.split("/") if trimmed else []


def read_place(data: dict[str, Any], place: Place) -> Any:
    """The semantic value a place holds, read back through its rendering; KeyError when absent."""
    try:
        raw = jsonpointer.resolve(data, place.at)
    except jsonpointer.PointerError as error:
        raise KeyError(place.at) from error
    try:
        if place.render == "path_segment":
            segments = _segments(str(raw))
            assert place.segment is not None
            if place.segment >= len(segments):
                raise KeyError(place.describe())
            return unquote(segments[place.segment])
        if place.render == "json":
            return json.loads(raw)
        if place.render == "decimal":
            return int(raw)
        if place.render == "search_attributes":
            items = raw if isinstance(raw, list) else [raw]
            return dict(str(item).partition("=")[::2] for item in items)
        if place.render == "envelope":
            return _plain(raw["decoded"])
        if place.render == "body":
            return _plain(raw)
    except (ValueError, TypeError, KeyError) as error:
        raise KeyError(place.describe()) from error
    return raw


def _argv_text(value: Any, positional: bool) -> str:
    if not isinstance(value, str):
        raise Inexpressible(f"a {type(value).__name__} is not a command-line string")
    if "\x00" in value:
        raise Inexpressible("a NUL byte cannot be part of a command-line argument")
    if positional and value.startswith("-"):
        raise Inexpressible("a positional argument starting with '-' would be read as an option")
    return value


def render(place: Place, value: Any, current: Any) -> Any:
    """The value as written at ``place`` (``current`` is what the seed holds there)."""
    kind = place.render
    if kind == "value":
        return copy.deepcopy(value)
    if kind == "body":
        return make_envelope(value) if _contains_bytes(value) else copy.deepcopy(value)
    if kind == "json":
        if _contains_bytes(value):
            raise Inexpressible("bytes have no JSON form")
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    if kind in ("option", "positional"):
        return _argv_text(value, kind == "positional")
    if kind == "decimal":
        return str(int(value))
    if kind == "search_attributes":
        if not value:
            raise Inexpressible("an empty map is no --search-attr option at all, the same as no map")
        items = []
        for key, item in value.items():
            if "=" in key or not key:
                raise Inexpressible(f"the attribute name {key!r} cannot be written KEY=VALUE")
            items.append(_argv_text(f"{key}={item}", positional=False))
        return items
    if kind == "path_segment":
        segments = _segments(str(current))
        assert place.segment is not None
        segments[place.segment] = quote(str(value), safe="")
        return "/" + "/".join(segments)
    if kind == "envelope":
        envelope = dict(current)
        if _contains_bytes(value):
            # JSON has no bytes: ``decoded`` itself becomes an envelope (the fixture format decodes
            # it), and a ``blob`` beside it would only repeat it.
            envelope["decoded"] = make_envelope(value)
            envelope.pop("blob", None)
        else:
            envelope["decoded"] = copy.deepcopy(value)
            envelope["blob"] = encode_blob(value)
        return envelope
    raise ValueError(f"unknown rendering {kind!r}")


def _set(data: dict[str, Any], tokens: tuple[str, ...], value: Any) -> None:
    node: Any = data
    for token in tokens[:-1]:
        node = node[int(token)] if isinstance(node, list) else node[token]
    if isinstance(node, list):
        node[int(tokens[-1])] = value
    else:
        node[tokens[-1]] = value


# --------------------------------------------------------------------------- seeds and variants


@dataclass(frozen=True)
class VariableField:
    spec: FieldSpec
    seed_value: Any
    #: The places of the map that the seed has.
    places: tuple[Place, ...]


@dataclass
class SeedPlan:
    fixture: Fixture
    fields: list[VariableField] = field(default_factory=list)
    #: Fields that are not varied, and why.
    notes: list[str] = field(default_factory=list)


def plan_seed(fixture: Fixture, field_map: FieldMap) -> SeedPlan:
    """Which fields of ``fixture`` can be varied, with their seed values (see the module docstring)."""
    plan = SeedPlan(fixture)
    specs = field_map.fields_for(fixture.operation)
    if not specs:
        plan.notes.append(f"no variant fields are known for operation {fixture.operation!r}")
    for spec in specs:
        present: list[tuple[Place, Any]] = []
        for place in spec.places:
            try:
                present.append((place, read_place(fixture.data, place)))
            except KeyError:
                continue
        if not present:
            plan.notes.append(f"{spec.name}: none of its places is in the fixture")
            continue
        seed_value = present[0][1]
        disagreeing = [place.describe() for place, value in present if not values_equal(value, seed_value)]
        if disagreeing:
            plan.notes.append(
                f"{spec.name}: not varied, {', '.join(disagreeing)} hold(s) another value than "
                f"{present[0][0].describe()}"
            )
            continue
        plan.fields.append(VariableField(spec, seed_value, tuple(place for place, _value in present)))
    return plan


@dataclass(frozen=True)
class Variant:
    """One derived fixture: the in-memory fixture every adapter runs, and how it was made."""

    seed: Fixture
    fixture: Fixture
    values: dict[str, Any]
    #: projection -> why it was dropped from this variant
    dropped: dict[str, str]


def _digest(document: dict[str, Any]) -> str:
    text = json.dumps(json_safe(document), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:10]


def build_variant(plan: SeedPlan, values: dict[str, Any]) -> Variant:
    """The seed with ``values`` (field name -> new semantic value) written at every place."""
    data = copy.deepcopy(plan.fixture.data)
    dropped: dict[str, str] = {}
    for variable in plan.fields:
        if variable.spec.name not in values:
            continue
        value = values[variable.spec.name]
        for place in variable.places:
            if place.projection in dropped:
                continue
            current = jsonpointer.resolve(data, place.at)
            try:
                rendered = render(place, value, current)
            except Inexpressible as why:
                if place.projection is None:
                    raise ValueError(
                        f"{place.describe()} cannot hold the value of {variable.spec.name}"
                    ) from why
                dropped[place.projection] = f"{variable.spec.name} at {place.at}: {why}"
                continue
            _set(data, place.tokens, rendered)
    for projection in dropped:
        data.pop(projection, None)
    name = f"{operation_slug(plan.fixture.operation)}-{_digest(data)}-parity.json"
    return Variant(plan.fixture, plan.fixture.with_data(data, Path(name)), dict(values), dropped)


def variant_document(variant: Variant, description: str = "") -> tuple[dict[str, Any], bool]:
    """``(JSON document, replays as-is)`` of a variant, for saving (see the module docstring)."""
    data = copy.deepcopy(variant.fixture.data)
    replayable = True
    for key in ("args", "kwargs"):
        section = data.get("sdk_python", {}).get(key) if isinstance(data.get("sdk_python"), dict) else None
        if isinstance(section, dict) and _contains_bytes(section):
            replayable = False
            data["sdk_python"][key] = json_safe(section)
    notes = [description or f"A variant of {variant.seed.name}."]
    if variant.dropped:
        notes.append(
            "Projections left out because the values cannot be expressed there: "
            + "; ".join(f"{projection}: {why}" for projection, why in sorted(variant.dropped.items()))
            + "."
        )
    if not replayable:
        notes.append(
            'SDK arguments holding bytes are written {"$bytes": base64}: the fixture format has no bytes '
            "value, so this file does not replay as-is."
        )
    document: dict[str, Any] = {}
    for key, value in data.items():
        if key != "description":
            document[key] = value
        if key == "operation":
            document["description"] = " ".join(notes)
    safe: dict[str, Any] = json_safe(document)
    return safe, replayable
