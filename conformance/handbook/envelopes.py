"""The payloads of a fixture that travel as Avro envelopes, each with a worked example.

Where the corpus says a payload travels as an envelope:

- a projection's ``payload_envelope`` (``field``, ``codec``, ``decoded``,
  sometimes ``blob``): the request field a client sends as an envelope;
- a projection's ``request_body`` holding ``<name>_envelope`` beside a plain
  ``<name>``: ``<name>`` travels as that envelope;
- an envelope object (``codec`` and ``blob``) written anywhere else in the
  fixture: in the request side (``request``, an ``expected_body``) it is a
  request payload, in ``response_body`` a response payload the client must
  decode.

Every example is produced by the harness's own codec
(:mod:`conformance.avro_codec`): value -> single-object bytes -> base64.
When the fixture carries its own blob, the example says whether the two are
byte-identical (decoded equality is what the judge checks; identical bytes
are expected with this schema, since Avro binary encoding is deterministic
for a given value).
"""

from __future__ import annotations

import base64
import json
from typing import Any

from conformance import avro_codec, jsonpointer
from conformance.fixture import ENVELOPE_SUFFIX, Fixture
from conformance.handbook.model import EnvelopeExample


def _example(field: str, source: str, direction: str, value: Any, fixture_blob: str = "") -> EnvelopeExample:
    raw = avro_codec.encode_bytes(value)
    ours = base64.b64encode(raw).decode("ascii")
    return EnvelopeExample(
        field=field,
        source=source,
        direction=direction,
        value=value,
        hex_bytes=raw.hex(" "),
        base64=ours,
        fixture_blob=fixture_blob,
        blob_matches=not fixture_blob or fixture_blob == ours,
    )


def _walk_objects(node: Any, pointer: str) -> list[tuple[str, dict[str, Any]]]:
    """Every object in ``node`` with its pointer, parents first (iterative)."""
    found: list[tuple[str, dict[str, Any]]] = []
    stack: list[tuple[Any, str]] = [(node, pointer)]
    while stack:
        current, where = stack.pop()
        if isinstance(current, dict):
            found.append((where, current))
            stack.extend((value, jsonpointer.join(where, key)) for key, value in reversed(current.items()))
        elif isinstance(current, list):
            stack.extend(
                (value, jsonpointer.join(where, index)) for index, value in reversed(list(enumerate(current)))
            )
    return found


def _dotted(pointer: str, base: str) -> str:
    tokens = jsonpointer.parse(pointer[len(base) :]) if pointer != base else []
    return ".".join(tokens) or "(the whole body)"


def envelope_examples(fixture: Fixture) -> tuple[EnvelopeExample, ...]:
    """Every envelope-travelling payload of ``fixture``, request side first; duplicates once."""
    examples: list[EnvelopeExample] = []
    seen: set[tuple[str, str]] = set()

    def add(example: EnvelopeExample) -> None:
        key = (example.direction, example.field)
        if key not in seen:
            seen.add(key)
            examples.append(example)

    for key in fixture.projection_keys:
        projection = fixture.projection(key) or {}
        spec = projection.get("payload_envelope")
        if isinstance(spec, dict) and isinstance(spec.get("field"), str) and "decoded" in spec:
            blob = spec.get("blob") if isinstance(spec.get("blob"), str) else ""
            add(
                _example(
                    spec["field"], f"/{key}/payload_envelope", "request", spec["decoded"], str(blob or "")
                )
            )
        request_body = projection.get("request_body")
        base = jsonpointer.join("", key, "request_body")
        for where, node in _walk_objects(request_body, base):
            for name, item in node.items():
                plain = name[: -len(ENVELOPE_SUFFIX)] if name.endswith(ENVELOPE_SUFFIX) else ""
                if plain and plain in node and avro_codec.is_envelope(item):
                    field = _dotted(jsonpointer.join(where, plain), base)
                    add(
                        _example(
                            field, jsonpointer.join(where, name), "request", node[plain], str(item["blob"])
                        )
                    )
    places = [("/request/body", "request"), ("/response_body", "response")]
    places += [(jsonpointer.join("", key, "expected_body"), "request") for key in fixture.projection_keys]
    for base, direction in places:
        tokens = jsonpointer.parse(base)
        located: Any = fixture.data
        for token in tokens:
            located = located.get(token) if isinstance(located, dict) else None
        for where, candidate in _walk_objects(located, base):
            if avro_codec.is_envelope(candidate) and candidate.get("codec") == avro_codec.AVRO_CODEC:
                try:
                    value = avro_codec.decode_blob(candidate["blob"])
                except avro_codec.AvroCodecError:
                    continue  # `dw-conformance validate` reports an envelope that does not decode
                add(_example(_dotted(where, base), where, direction, value, str(candidate["blob"])))
    return tuple(examples)


def value_schema_json() -> str:
    """The Avro schema of ``durable_workflow.protocol.Value``: valid JSON, one union branch per line."""
    schema = avro_codec.VALUE_SCHEMA
    (field,) = schema["fields"]
    branches = ",\n".join(f"        {json.dumps(branch)}" for branch in field["type"])
    head = {key: value for key, value in schema.items() if key != "fields"}
    opening = json.dumps(head)[:-1]
    return (
        f'{opening},\n  "fields": [\n    {{"name": {json.dumps(field["name"])}, "type": [\n'
        f"{branches}\n    ]}}\n  ]\n}}"
    )


def fingerprint_hex() -> str:
    return avro_codec.value_schema_fingerprint().hex(" ")
