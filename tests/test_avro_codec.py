"""The harness's own Avro Value codec: test vector, fingerprint, round trips, typed errors."""

from __future__ import annotations

import base64
import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conformance import avro_codec
from conformance.avro_codec import (
    AvroCodecError,
    BadMagicError,
    InvalidBase64Error,
    TrailingBytesError,
    TruncatedDatumError,
    UnencodableValueError,
    UnknownFingerprintError,
    decode_blob,
    decode_bytes,
    encode_blob,
    encode_bytes,
    is_envelope,
    make_envelope,
    value_schema_fingerprint,
)

TEST_VECTOR_VALUE = [{"order_id": 42, "priority": "gold"}]
TEST_VECTOR_BLOB = "wwHioz3/VYAiNwwCDgQQb3JkZXJfaWQEVBBwcmlvcml0eQoIZ29sZAAA"
FINGERPRINT = bytes.fromhex("e2a33dff55802237")
HEADER = b"\xc3\x01" + FINGERPRINT


def test_the_published_test_vector_encodes_exactly() -> None:
    assert encode_blob(TEST_VECTOR_VALUE) == TEST_VECTOR_BLOB


def test_the_published_test_vector_decodes() -> None:
    assert decode_blob(TEST_VECTOR_BLOB) == TEST_VECTOR_VALUE


def test_the_fingerprint_is_the_published_one() -> None:
    assert value_schema_fingerprint() == FINGERPRINT
    assert encode_bytes(None)[:10] == HEADER


def test_make_envelope_and_is_envelope() -> None:
    envelope = make_envelope(TEST_VECTOR_VALUE)
    assert envelope == {"codec": "avro", "blob": TEST_VECTOR_BLOB}
    assert is_envelope(envelope)
    assert not is_envelope({"codec": "avro"})
    assert not is_envelope([envelope])


@pytest.mark.parametrize(
    "value",
    [
        None,
        True,
        False,
        0,
        -1,
        2**63 - 1,
        -(2**63),
        0.0,
        -2.5,
        1e300,
        b"",
        b"\x00\xff",
        "",
        "gold",
        "żółć ✓",
        [],
        [None, 1, 1.0, "1", True],
        {},
        {"nested": {"list": [{"deep": [1, 2, {"x": None}]}]}},
    ],
    ids=repr,
)
def test_every_union_branch_round_trips(value: Any) -> None:
    decoded = decode_blob(encode_blob(value))
    assert decoded == value
    assert type(decoded) is type(value)


def test_tuples_encode_as_arrays_and_come_back_as_lists() -> None:
    assert decode_blob(encode_blob((1, "a"))) == [1, "a"]


def test_long_and_double_stay_distinct() -> None:
    as_long = decode_blob(encode_blob(42))
    as_double = decode_blob(encode_blob(42.0))
    assert encode_blob(42) != encode_blob(42.0)
    assert type(as_long) is int and type(as_double) is float
    assert type(decode_blob(encode_blob(True))) is bool


json_like = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()
    | st.binary(max_size=20),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=8), children, max_size=5)
    ),
    max_leaves=25,
)


@settings(max_examples=150, deadline=None)
@given(json_like)
def test_round_trip_property(value: Any) -> None:
    assert decode_blob(encode_blob(value)) == value


@settings(max_examples=60, deadline=None)
@given(json_like.filter(lambda value: not isinstance(value, bytes)))
def test_agrees_with_the_sdk_codec_byte_for_byte(value: Any) -> None:
    """A cross-check in the tests only: the harness itself never uses the SDK's codec."""
    sdk_avro = pytest.importorskip("durable_workflow._avro")
    if _has_bytes(value):
        return
    assert encode_blob(value) == sdk_avro.encode(value)
    assert decode_blob(sdk_avro.encode(value)) == value


def _has_bytes(value: Any) -> bool:
    if isinstance(value, bytes):
        return True
    if isinstance(value, list):
        return any(_has_bytes(item) for item in value)
    if isinstance(value, dict):
        return any(_has_bytes(item) for item in value.values())
    return False


# ── malformed input: each gives its typed error with a clear message ──


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


@pytest.mark.parametrize(
    "blob",
    ["not base64!", "wwHioz3/VYAiNwwCDgQQb3JkZXJfaWQEVBBwcmlvcml0eQoIZ29sZAA", "wwE=\n==", "ü"],
    ids=["bad-characters", "bad-padding", "garbage-after-padding", "non-ascii"],
)
def test_bad_base64(blob: str) -> None:
    with pytest.raises(InvalidBase64Error, match="base64"):
        decode_blob(blob)


@pytest.mark.parametrize("blob", [None, 42, ["wwE="]])
def test_a_blob_that_is_not_a_string(blob: Any) -> None:
    with pytest.raises(InvalidBase64Error, match="base64 string"):
        decode_blob(blob)


@pytest.mark.parametrize("raw", [b"", b"\xc3", b"\xc3\x02" + FINGERPRINT + b"\x00", b"Obj\x01"])
def test_wrong_magic(raw: bytes) -> None:
    with pytest.raises(BadMagicError, match="c3 01") as caught:
        decode_blob(_b64(raw))
    assert caught.value.reason == "bad_magic"


def test_unknown_fingerprint() -> None:
    raw = b"\xc3\x01" + bytes(8) + b"\x00"
    with pytest.raises(UnknownFingerprintError) as caught:
        decode_blob(_b64(raw))
    message = str(caught.value)
    assert "e2 a3 3d ff 55 80 22 37" in message and "00 00 00 00 00 00 00 00" in message


@pytest.mark.parametrize(
    "raw",
    [
        HEADER[:6],  # inside the fingerprint
        HEADER,  # header, no datum
        base64.b64decode(TEST_VECTOR_BLOB)[:-3],  # datum cut inside a string
        HEADER + b"\x0a\x10",  # a string branch announcing 8 bytes, none given
    ],
    ids=["cut-fingerprint", "no-datum", "cut-string", "missing-string-bytes"],
)
def test_truncated_datum(raw: bytes) -> None:
    with pytest.raises(TruncatedDatumError) as caught:
        decode_bytes(raw)
    assert caught.value.reason == "truncated_datum"


def test_trailing_bytes() -> None:
    raw = base64.b64decode(TEST_VECTOR_BLOB) + b"\x00\x01"
    with pytest.raises(TrailingBytesError, match="2 byte"):
        decode_bytes(raw)


def test_an_out_of_range_union_index_is_a_codec_error() -> None:
    with pytest.raises(AvroCodecError):
        decode_bytes(HEADER + b"\x7e")  # zig-zag 63: no such union branch


def test_errors_are_value_errors_with_stable_reasons() -> None:
    reasons = {
        cls.reason
        for cls in (
            InvalidBase64Error,
            BadMagicError,
            UnknownFingerprintError,
            TruncatedDatumError,
            TrailingBytesError,
            UnencodableValueError,
        )
    }
    assert len(reasons) == 6
    assert issubclass(AvroCodecError, ValueError)


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        (2**63, "64-bit"),
        (-(2**63) - 1, "64-bit"),
        (math.nan, "not finite"),
        (math.inf, "not finite"),
        ({1: "a"}, "not a string"),
        ({"a": [object()]}, "no Avro Value branch"),
        ({1, 2}, "no Avro Value branch"),
    ],
    ids=["too-big", "too-small", "nan", "inf", "int-key", "object", "set"],
)
def test_unencodable_values(value: Any, fragment: str) -> None:
    with pytest.raises(UnencodableValueError, match=fragment):
        encode_blob(value)


def test_unencodable_value_names_where() -> None:
    with pytest.raises(UnencodableValueError, match="/a/0"):
        encode_blob({"a": [math.nan]})


def test_the_codec_does_not_import_the_sdk() -> None:
    source = avro_codec.__file__
    with open(source, encoding="utf-8") as handle:
        text = handle.read()
    assert "durable_workflow" not in text.replace("durable_workflow.protocol", "")
