"""Deriving self-consistent fixture variants from a seed fixture (the data side of ``fuzz``).

One semantic value of an operation (a workflow id, the call's input, a
memo...) is written in several places of a fixture, each in its own form:
``semantic_body`` holds it plainly, ``request.path`` percent-encoded, the
CLI's ``argv`` as a positional argument, an ``--option=value`` or compact
JSON text, the SDK's ``kwargs`` as a Python value, ``payload_envelope`` as a
decoded value plus an Avro blob. :func:`plan_seed` finds the variable values
of a seed fixture (derived from the fixture itself by
:mod:`conformance.variant_derivation`; ``data/variant-fields.yaml``, read by
:func:`load_field_map`, adds only what cannot be derived: value domains and
places such as the CLI's output flag), and :func:`build_variant` writes new
values into every place at once, then re-encodes the Avro blobs that stand
for a changed value (:func:`reseal_envelopes`). Nothing here generates
values (that is :mod:`conformance.strategies`) or runs a client.

Design decisions:

* **Only what the seed already says is varied.** A place of a table field
  that the seed does not have is left out (a variant pins exactly what its
  seed pins). A table field is varied only when every place the seed has
  holds the same value, read back through its rendering (JSON text parsed,
  decimal strings as integers, path segments percent-decoded...); otherwise
  it stays as in the seed and :attr:`SeedPlan.notes` says why.
* **A variant that cannot be made consistent is not generated**:
  :func:`build_variant` raises :class:`Inconsistent` when a place outside
  every client projection (the request path, ``semantic_body``...) cannot
  hold a value (``.`` as a path segment, a string where a decimal is
  written); ``fuzz`` counts such draws.
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

from conformance import jsonpointer
from conformance.avro_codec import encode_blob, make_envelope
from conformance.expectations import values_equal
from conformance.fixture import KNOWN_TOP_LEVEL_KEYS, Fixture
from conformance.operations import operation_slug
from conformance.problems import InputError, Problem
from conformance.strict_yaml import load_shipped_yaml, load_yaml_file
from conformance.textsafe import json_safe
from conformance.variant_derivation import derive_fields
from conformance.variant_fields import (
    DEFAULT_MAX,
    DEFAULT_MIN,
    KINDS,
    RENDERINGS,
    FieldSpec,
    Place,
    VariableField,
    plain_value,
)

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


class Inexpressible(Exception):
    """A value this place cannot hold (its projection is dropped from the variant)."""


class Inconsistent(ValueError):
    """A variant that cannot be made consistent: a place outside every client projection (the
    request, ``semantic_body``...) cannot hold the value. Such a variant is not generated."""


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
        inner = item.get("inner", "") if isinstance(item, dict) else ""
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
        if not isinstance(inner, str) or (inner and render not in ("json", "kv")):
            problems.append(Problem(source, pointer, "inner only for as: json or kv, a string", repr(item)))
            continue
        places.append(Place(at, render, segment, inner))
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
    file = "conformance/data/variant-fields.yaml"
    shipped = _map_from(load_shipped_yaml(text, file), file)
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
            return unquote(segments[place.segment], errors="strict")
        if place.render == "json":
            return jsonpointer.resolve(json.loads(raw), place.inner)
        if place.render == "kv":
            return _kv_items(raw)[place.inner]
        if place.render == "flag":
            if raw is not True:
                raise ValueError("a flag is true or absent")
            return True
        if place.render == "decimal":
            return int(raw)
        if place.render == "search_attributes":
            items = raw if isinstance(raw, list) else [raw]
            return dict(str(item).partition("=")[::2] for item in items)
        if place.render == "envelope":
            return plain_value(raw["decoded"])
        if place.render == "body":
            return plain_value(raw)
    except (ValueError, TypeError, KeyError, jsonpointer.PointerError) as error:
        raise KeyError(place.describe()) from error
    return raw


def _kv_items(raw: Any) -> dict[str, str]:
    """``["A=1", "B=2"]`` (or one such string) as ``{"A": "1", "B": "2"}``."""
    items = raw if isinstance(raw, list) else [raw]
    pairs: dict[str, str] = {}
    for item in items:
        key, equals, value = str(item).partition("=")
        if not equals or key in pairs:
            raise ValueError("not a list of distinct KEY=VALUE strings")
        pairs[key] = value
    return pairs


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
        whole = value
        if place.inner:
            whole = json.loads(current)
            _set(whole, tuple(jsonpointer.parse(place.inner)), copy.deepcopy(value))
        return json.dumps(whole, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    if kind == "kv":
        text = _argv_text(value, positional=False)
        items = list(current) if isinstance(current, list) else [current]
        for index, item in enumerate(items):
            if str(item).partition("=")[0] == place.inner:
                items[index] = f"{place.inner}={text}"
        return items if isinstance(current, list) else items[0]
    if kind == "option_list":
        if not isinstance(value, list) or not value:
            raise Inexpressible("a repeated option carries a non-empty list of strings")
        return [_argv_text(item, positional=False) for item in value]
    if kind == "flag":
        if not isinstance(value, bool):
            raise Inexpressible("a flag is true or absent")
        return value
    if kind in ("option", "positional"):
        return _argv_text(value, kind == "positional")
    if kind == "decimal":
        if not isinstance(value, int) or isinstance(value, bool):
            raise Inexpressible(f"a {type(value).__name__} has no decimal form")
        return str(value)
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
        if not isinstance(value, str) or value in ("", ".", ".."):
            raise Inexpressible(f"{value!r} cannot be one path segment")
        segments = _segments(str(current))
        assert place.segment is not None
        segments[place.segment] = quote(value, safe="")
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


def _set(data: Any, tokens: tuple[str, ...], value: Any) -> None:
    node: Any = data
    for token in tokens[:-1]:
        node = node[int(token)] if isinstance(node, list) else node[token]
    if isinstance(node, list):
        node[int(tokens[-1])] = value
    else:
        node[tokens[-1]] = value


# --------------------------------------------------------------------------- seeds and variants


@dataclass
class SeedPlan:
    fixture: Fixture
    fields: list[VariableField] = field(default_factory=list)
    #: Fields that are not varied, and why.
    notes: list[str] = field(default_factory=list)
    #: Values of the seed that a variant could not change consistently (not varied), and why.
    refused: list[str] = field(default_factory=list)

    def seed_values(self) -> dict[str, Any]:
        return {variable.spec.name: variable.seed_value for variable in self.fields}


#: Operation key of the table whose entries apply to every operation.
EVERY_OPERATION = "*"


def _hinted(variable: VariableField, hint: FieldSpec) -> VariableField:
    """A derived field with the value domain the table declares for its name (places stay derived)."""
    spec = variable.spec
    if hint.kind == "choice" and not any(values_equal(variable.seed_value, item) for item in hint.choices):
        return variable  # the table's choices do not describe this value
    if hint.kind in ("count", "choice") or hint.kind == spec.kind:
        merged = FieldSpec(spec.name, hint.kind, spec.places, hint.choices, hint.minimum, hint.maximum)
        return VariableField(merged, variable.seed_value, variable.places)
    return variable


def _table_field(fixture: Fixture, spec: FieldSpec, plan: SeedPlan) -> VariableField | None:
    present: list[tuple[Place, Any]] = []
    for place in spec.places:
        try:
            present.append((place, read_place(fixture.data, place)))
        except KeyError:
            continue
    if not present:
        return None
    seed_value = present[0][1]
    disagreeing = [place.describe() for place, value in present if not values_equal(value, seed_value)]
    if disagreeing:
        plan.notes.append(
            f"{spec.name}: not varied, {', '.join(disagreeing)} hold(s) another value than "
            f"{present[0][0].describe()}"
        )
        return None
    return VariableField(spec, seed_value, tuple(place for place, _value in present))


def plan_seed(fixture: Fixture, field_map: FieldMap) -> SeedPlan:
    """Which fields of ``fixture`` can be varied, with their seed values.

    The fields are derived from the fixture itself
    (:func:`conformance.variant_derivation.derive_fields`). The table adds, per operation or for
    every operation (``"*"``), what cannot be derived: an entry without places gives the value
    domain of the derived field of that name (``choice``, ``min``/``max``); an entry with places is
    a field of its own, varied when every place the seed has holds the same value and none of its
    places is already a derived field's.
    """
    plan = SeedPlan(fixture)
    derivation = derive_fields(fixture)
    plan.refused.extend(derivation.refused)
    table = [*field_map.fields_for(EVERY_OPERATION), *field_map.fields_for(fixture.operation)]
    hints = {spec.name: spec for spec in table if not spec.places}
    for variable in derivation.fields:
        hint = hints.get(variable.spec.name)
        plan.fields.append(_hinted(variable, hint) if hint is not None else variable)
    derived = {place.location for variable in plan.fields for place in variable.places}
    names = {variable.spec.name for variable in plan.fields}
    for spec in table:
        if not spec.places or spec.name in names:
            continue
        extra = _table_field(fixture, spec, plan)
        if extra is None or any(place.location in derived for place in extra.places):
            continue
        plan.fields.append(extra)
        names.add(spec.name)
    if not plan.fields:
        plan.notes.append(
            f"no variable value: no value of this {fixture.operation!r} fixture is both a client input "
            "and an expectation, and the variant field table adds none"
        )
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


def _under(location: tuple[str, ...], changed: list[tuple[str, ...]]) -> bool:
    return any(len(location) > len(outer) and location[: len(outer)] == outer for outer in changed)


def _depth(variable: VariableField) -> int:
    return min((len(place.location) for place in variable.places), default=0)


def build_variant(plan: SeedPlan, values: dict[str, Any]) -> Variant:
    """The seed with ``values`` (field name -> new semantic value) written at every place.

    A field whose value sits inside another field's value (a leaf of the ``input`` list) is written
    only while that other field keeps its seed value: a new ``input`` replaces the leaf with it.
    Raises :class:`Inconsistent` when a place outside every projection cannot hold a value.
    """
    data = copy.deepcopy(plan.fixture.data)
    dropped: dict[str, str] = {}
    changed: list[tuple[str, ...]] = []
    for variable in sorted(plan.fields, key=_depth):
        if variable.spec.name not in values:
            continue
        value = values[variable.spec.name]
        if values_equal(value, variable.seed_value) and type(value) is type(variable.seed_value):
            continue
        for place in variable.places:
            if place.projection in dropped or _under(place.location, changed):
                continue
            try:
                current = jsonpointer.resolve(data, place.at)
            except jsonpointer.PointerError:
                continue  # a flag an earlier field removed
            try:
                rendered = render(place, value, current)
            except Inexpressible as why:
                if place.projection is None:
                    raise Inconsistent(
                        f"{variable.spec.name}: {place.describe()} cannot hold {_short(value)}: {why}"
                    ) from why
                dropped[place.projection] = f"{variable.spec.name} at {place.at}: {why}"
                continue
            if place.render == "flag" and rendered is False:
                _remove(data, place.tokens)
            else:
                _set(data, place.tokens, rendered)
        changed.extend(place.location for place in variable.places)
    for projection in dropped:
        data.pop(projection, None)
    reseal_envelopes(data)
    name = f"{operation_slug(plan.fixture.operation)}-{_digest(data)}-parity.json"
    return Variant(plan.fixture, plan.fixture.with_data(data, Path(name)), dict(values), dropped)


def _short(value: Any) -> str:
    text = json.dumps(json_safe(value), ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "..."


def _remove(data: Any, tokens: tuple[str, ...]) -> None:
    node: Any = data
    for token in tokens[:-1]:
        node = node[int(token)] if isinstance(node, list) else node[token]
    if isinstance(node, dict):
        node.pop(tokens[-1], None)


def reseal_envelopes(data: dict[str, Any]) -> None:
    """Re-encode every Avro blob that stands for a plain value beside it, after values changed.

    Two conventions pair a blob with its plain value: a projection's ``payload_envelope``
    (``decoded`` and ``blob``) and a ``<name>_envelope`` object next to a key ``<name>`` (the SDK's
    ``request_body``). A plain value holding bytes has no JSON form: ``decoded`` then becomes the
    envelope itself and the ``blob`` beside it goes.
    """
    for key, projection in data.items():
        if key in KNOWN_TOP_LEVEL_KEYS or not isinstance(projection, dict):
            continue
        envelope = projection.get("payload_envelope")
        if isinstance(envelope, dict) and "blob" in envelope and "decoded" in envelope:
            try:
                decoded = plain_value(envelope["decoded"])
                if _contains_bytes(decoded):
                    envelope["decoded"] = make_envelope(decoded)
                    envelope.pop("blob", None)
                else:
                    envelope["blob"] = encode_blob(decoded)
            except ValueError as error:
                raise Inconsistent(f"/{key}/payload_envelope: no Avro blob for its value: {error}") from error
    stack: list[Any] = [data]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(node)
            continue
        if not isinstance(node, dict):
            continue
        for key, item in node.items():
            name = key[: -len("_envelope")] if key.endswith("_envelope") else ""
            if (
                name
                and name in node
                and isinstance(item, dict)
                and item.get("codec") == "avro"
                and "blob" in item
            ):
                try:
                    item["blob"] = encode_blob(plain_value(node[name]))
                except ValueError as error:
                    raise Inconsistent(f"{key}: no Avro blob for the value of {name}: {error}") from error
            elif isinstance(item, dict | list):
                stack.append(item)


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
