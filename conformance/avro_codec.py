"""The harness's own codec for Durable Workflow's Avro payload envelopes.

An envelope is ``{"codec": "avro", "blob": "<standard base64>"}``. The blob is
an Avro *single-object encoding* of one recursive record,
``durable_workflow.protocol.Value``, whose only field ``value`` is a union of
``null`` and one wrapper record per JSON-ish kind (boolean, long, double,
bytes, string, array, map).

This module is written for the harness on top of fastavro's generic
schemaless reader and writer. It deliberately does not import the Python SDK:
the harness must not judge the SDK with the SDK's own code.

Python values map onto the union like this: ``None`` -> null, ``bool`` ->
BooleanValue, ``int`` -> LongValue (signed 64-bit), ``float`` -> DoubleValue,
``bytes`` -> BytesValue, ``str`` -> StringValue, ``list``/``tuple`` ->
ArrayValue, ``dict`` with string keys -> MapValue. Decoding gives the same
Python types back, so ``42`` and ``42.0`` stay distinct.
"""

from __future__ import annotations

import base64
import binascii
import io
import json
import math
from functools import cache
from typing import Any

from fastavro import parse_schema, schemaless_reader, schemaless_writer
from fastavro.schema import fingerprint, to_parsing_canonical_form

__all__ = [
    "AVRO_CODEC",
    "SINGLE_OBJECT_MAGIC",
    "VALUE_SCHEMA",
    "AvroCodecError",
    "BadMagicError",
    "InvalidBase64Error",
    "TrailingBytesError",
    "TruncatedDatumError",
    "UnencodableValueError",
    "UnknownFingerprintError",
    "decode_blob",
    "decode_bytes",
    "encode_blob",
    "encode_bytes",
    "is_envelope",
    "make_envelope",
    "value_schema_fingerprint",
]

AVRO_CODEC = "avro"
SINGLE_OBJECT_MAGIC = b"\xc3\x01"
_INT64_MIN = -(2**63)
_INT64_MAX = 2**63 - 1


def _wrapper(name: str, field: str, field_type: Any) -> dict[str, Any]:
    return {"type": "record", "name": name, "fields": [{"name": field, "type": field_type}]}


VALUE_SCHEMA: dict[str, Any] = {
    "type": "record",
    "name": "Value",
    "namespace": "durable_workflow.protocol",
    "fields": [
        {
            "name": "value",
            "type": [
                "null",
                _wrapper("BooleanValue", "boolean", "boolean"),
                _wrapper("LongValue", "long", "long"),
                _wrapper("DoubleValue", "double", "double"),
                _wrapper("BytesValue", "bytes", "bytes"),
                _wrapper("StringValue", "string", "string"),
                _wrapper("ArrayValue", "items", {"type": "array", "items": "Value"}),
                _wrapper("MapValue", "entries", {"type": "map", "values": "Value"}),
            ],
        }
    ],
}


class AvroCodecError(ValueError):
    """Base class of every error the codec raises; ``reason`` is a stable slug."""

    reason = "avro_error"


class InvalidBase64Error(AvroCodecError):
    reason = "invalid_base64"


class BadMagicError(AvroCodecError):
    reason = "bad_magic"


class UnknownFingerprintError(AvroCodecError):
    reason = "unknown_fingerprint"


class TruncatedDatumError(AvroCodecError):
    reason = "truncated_datum"


class TrailingBytesError(AvroCodecError):
    reason = "trailing_bytes"


class UnencodableValueError(AvroCodecError):
    reason = "unencodable_value"


@cache
def _parsed_schema() -> Any:
    return parse_schema(VALUE_SCHEMA)


@cache
def value_schema_fingerprint() -> bytes:
    """CRC-64-AVRO fingerprint of the Value schema's Parsing Canonical Form."""
    canonical = to_parsing_canonical_form(VALUE_SCHEMA)
    return bytes.fromhex(fingerprint(canonical, "CRC-64-AVRO"))


def _to_datum(value: Any, where: str) -> dict[str, Any]:
    # bool before int: bool is a subclass of int in Python.
    if value is None:
        return {"value": None}
    if isinstance(value, bool):
        return {"value": {"boolean": value}}
    if isinstance(value, int):
        if not _INT64_MIN <= value <= _INT64_MAX:
            raise UnencodableValueError(
                f"integer at {where or '/'} does not fit a signed 64-bit long: {value}"
            )
        return {"value": {"long": value}}
    if isinstance(value, float):
        if not math.isfinite(value):
            raise UnencodableValueError(f"double at {where or '/'} is not finite: {value!r}")
        return {"value": {"double": value}}
    if isinstance(value, bytes | bytearray):
        return {"value": {"bytes": bytes(value)}}
    if isinstance(value, str):
        return {"value": {"string": value}}
    if isinstance(value, list | tuple):
        return {"value": {"items": [_to_datum(item, f"{where}/{i}") for i, item in enumerate(value)]}}
    if isinstance(value, dict):
        entries: dict[str, Any] = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise UnencodableValueError(f"map key at {where or '/'} is not a string: {key!r}")
            entries[key] = _to_datum(item, f"{where}/{key}")
        return {"value": {"entries": entries}}
    raise UnencodableValueError(f"value at {where or '/'} has no Avro Value branch: {type(value).__name__}")


def _from_datum(datum: Any) -> Any:
    inner = datum["value"]
    if inner is None:
        return None
    ((kind, payload),) = inner.items()
    if kind == "items":
        return [_from_datum(item) for item in payload]
    if kind == "entries":
        return {key: _from_datum(item) for key, item in payload.items()}
    return payload


def encode_bytes(value: Any) -> bytes:
    """Single-object encoding of ``value``: magic, fingerprint, Avro datum."""
    buffer = io.BytesIO()
    buffer.write(SINGLE_OBJECT_MAGIC)
    buffer.write(value_schema_fingerprint())
    try:
        datum = _to_datum(value, "")
    except RecursionError as error:
        raise UnencodableValueError("value is nested too deeply to encode") from error
    schemaless_writer(buffer, _parsed_schema(), datum)
    return buffer.getvalue()


def encode_blob(value: Any) -> str:
    """Standard base64 of :func:`encode_bytes`, as it stands in an envelope."""
    return base64.b64encode(encode_bytes(value)).decode("ascii")


def make_envelope(value: Any) -> dict[str, str]:
    """The envelope object a client sends for ``value``."""
    return {"codec": AVRO_CODEC, "blob": encode_blob(value)}


#: Deepest nesting of lists and maps :func:`decode_bytes` accepts. fastavro's compiled
#: reader recurses on the C stack without a limit: a 20 kB blob nesting 10 000 arrays
#: crashes the interpreter (a segmentation fault, found by the normalizer fuzz tests), so
#: the datum's depth is measured first, without recursion, and a deeper one is refused.
MAX_NESTING = 512


def _check_nesting(datum: bytes) -> None:
    """Walk the Value datum iteratively; raise when it nests deeper than :data:`MAX_NESTING`.

    Only the structure is read (union indexes, block counts, lengths); values are
    skipped. Running out of bytes is left to the real reader, which reports it.
    """
    position = 0

    def long() -> int:
        nonlocal position
        shift = result = 0
        while True:
            if position >= len(datum):
                raise EOFError
            byte = datum[position]
            position += 1
            result |= (byte & 0x7F) << shift
            if not byte & 0x80:
                return (result >> 1) ^ -(result & 1)
            shift += 7
            if shift > 63:
                raise EOFError

    # one entry per open array/map: [items left in the current block, is a map]
    open_containers: list[list[Any]] = []
    need_value = True
    try:
        while True:
            if need_value:
                need_value = False
                branch = long()
                if branch in (6, 7):
                    if len(open_containers) >= MAX_NESTING:
                        raise AvroCodecError(
                            f"Avro datum nests lists and maps deeper than {MAX_NESTING} levels"
                        )
                    open_containers.append([0, branch == 7])
                elif branch in (1, 3):
                    position += 1 if branch == 1 else 8
                elif branch == 2:
                    long()
                elif branch in (4, 5):
                    position += max(0, long())
                elif branch != 0:
                    return  # not a Value union branch: the real reader reports it
                continue
            if not open_containers:
                return
            top = open_containers[-1]
            if top[0] == 0:
                count = long()
                if count == 0:
                    open_containers.pop()
                    continue
                if count < 0:
                    count = -count
                    long()  # block size in bytes
                top[0] = count
            top[0] -= 1
            if top[1]:
                position += max(0, long())  # map key
            need_value = True
    except EOFError:
        return


def decode_bytes(raw: bytes) -> Any:
    """Decode a single-object encoded Value; raise a typed :class:`AvroCodecError`."""
    header_length = len(SINGLE_OBJECT_MAGIC) + 8
    if len(raw) < len(SINGLE_OBJECT_MAGIC) or raw[: len(SINGLE_OBJECT_MAGIC)] != SINGLE_OBJECT_MAGIC:
        raise BadMagicError(
            f"expected the single-object magic bytes c3 01, found {raw[:2].hex(' ') or 'nothing'}"
        )
    if len(raw) < header_length:
        raise TruncatedDatumError(f"blob ends after {len(raw)} bytes, inside the 8-byte schema fingerprint")
    found = raw[2:header_length]
    expected = value_schema_fingerprint()
    if found != expected:
        raise UnknownFingerprintError(
            f"expected the fingerprint {expected.hex(' ')} of durable_workflow.protocol.Value, "
            f"found {found.hex(' ')}"
        )
    if len(raw) == header_length:
        raise TruncatedDatumError("blob has a header but no Avro datum")
    _check_nesting(raw[header_length:])
    buffer = io.BytesIO(raw[header_length:])
    try:
        datum = schemaless_reader(buffer, _parsed_schema(), None)
        value = _from_datum(datum)
    except EOFError as error:
        raise TruncatedDatumError(f"Avro datum is truncated: {error or 'unexpected end of data'}") from error
    except RecursionError as error:
        raise AvroCodecError("Avro datum is nested too deeply to decode") from error
    except UnicodeDecodeError as error:
        raise AvroCodecError(f"Avro string is not valid UTF-8: {error.reason}") from error
    except Exception as error:  # fastavro raises assorted errors on corrupt data
        raise AvroCodecError(f"Avro datum is malformed: {type(error).__name__}: {error}") from error
    remaining = len(raw) - header_length - buffer.tell()
    if remaining:
        raise TrailingBytesError(f"{remaining} byte(s) follow the end of the Avro datum")
    return value


def decode_blob(blob: Any) -> Any:
    """Decode the base64 ``blob`` string of an envelope."""
    if not isinstance(blob, str):
        raise InvalidBase64Error(f"blob must be a base64 string, found {json.dumps(type(blob).__name__)}")
    try:
        raw = base64.b64decode(blob.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError) as error:
        raise InvalidBase64Error(f"blob is not valid standard base64: {error}") from error
    return decode_bytes(raw)


def is_envelope(value: Any) -> bool:
    """True for an object shaped like a payload envelope (``codec`` and ``blob`` keys)."""
    return isinstance(value, dict) and "codec" in value and "blob" in value
