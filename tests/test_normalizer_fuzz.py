"""Fuzzing the engine's input side: nothing a client sends may raise past the engine's typed errors.

Hypothesis drives arbitrary bytes and near-valid blobs (a valid header and a
mutated, truncated or extended datum) into the Avro decoder, and arbitrary
captured requests (odd methods, paths with broken percent-encoding, any
headers, bodies that are nearly JSON, envelopes nested anywhere) into
``normalize``, ``judge`` and the verdict's renderings. Each property runs
with a modest example count by default and with many in the ``slow`` set.
"""

from __future__ import annotations

import base64
import contextlib
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conformance import avro_codec
from conformance.avro_codec import AvroCodecError, decode_blob, decode_bytes, encode_bytes
from conformance.capture import CapturedExchange
from conformance.fixture import load_fixture
from conformance.normalize import normalize
from conformance.render import render_verdict
from conformance.strategies import avro_values, texts
from support.judging import CORPUS, SETTINGS, StubProfile, exchange, handshake, headers, judge

DEFAULT_EXAMPLES = 150
SLOW_EXAMPLES = 1500
HEADER = avro_codec.SINGLE_OBJECT_MAGIC + avro_codec.value_schema_fingerprint()
FIXTURES = sorted(CORPUS.glob("*.json"))


def _runs(examples: int) -> Callable[[Callable[..., None]], Callable[..., None]]:
    return settings(
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


# --------------------------------------------------------------------------- the Avro decoder


@st.composite
def near_valid_blobs(draw: st.DrawFn) -> bytes:
    """A valid single-object encoding, then damaged: truncated, extended, bytes flipped or replaced."""
    raw = encode_bytes(draw(avro_values(max_leaves=8)))
    damage = draw(st.sampled_from(["truncate", "extend", "flip", "splice", "header_only", "none"]))
    if damage == "truncate":
        return raw[: draw(st.integers(0, len(raw)))]
    if damage == "extend":
        return raw + draw(st.binary(min_size=1, max_size=16))
    if damage == "flip":
        position = draw(st.integers(0, len(raw) - 1))
        return raw[:position] + bytes([raw[position] ^ draw(st.integers(1, 255))]) + raw[position + 1 :]
    if damage == "splice":
        start = draw(st.integers(len(HEADER), len(raw)))
        return raw[:start] + draw(st.binary(max_size=24)) + raw[draw(st.integers(start, len(raw))) :]
    if damage == "header_only":
        return HEADER + draw(st.binary(max_size=32))
    return raw


def _decode_or_typed_error(raw: bytes) -> None:
    try:
        value = decode_bytes(raw)
    except AvroCodecError as error:
        assert error.reason
        return
    assert decode_bytes(encode_bytes(value)) == value or value != value  # NaN inside never equals itself


def check_decoder_arbitrary_bytes(examples: int) -> None:
    @_runs(examples)
    @given(st.binary(max_size=64) | st.binary(max_size=48).map(lambda tail: HEADER + tail))
    def run(raw: bytes) -> None:
        _decode_or_typed_error(raw)

    run()


def check_decoder_near_valid_blobs(examples: int) -> None:
    @_runs(examples)
    @given(near_valid_blobs())
    def run(raw: bytes) -> None:
        _decode_or_typed_error(raw)

    run()


def check_decode_blob_any_value(examples: int) -> None:
    blobs = (
        near_valid_blobs().map(lambda raw: base64.b64encode(raw).decode("ascii"))
        | texts()
        | st.none()
        | st.integers()
        | st.lists(st.integers(), max_size=2)
    )

    @_runs(examples)
    @given(blobs)
    def run(blob: Any) -> None:
        with contextlib.suppress(AvroCodecError):
            decode_blob(blob)

    run()


def test_decoder_arbitrary_bytes() -> None:
    check_decoder_arbitrary_bytes(DEFAULT_EXAMPLES)


def test_decoder_near_valid_blobs() -> None:
    check_decoder_near_valid_blobs(DEFAULT_EXAMPLES)


def test_decode_blob_any_value() -> None:
    check_decode_blob_any_value(DEFAULT_EXAMPLES)


@given(avro_values())
@_runs(DEFAULT_EXAMPLES)
def test_every_generated_value_round_trips_through_the_codec(value: Any) -> None:
    assert decode_bytes(encode_bytes(value)) == value


def test_a_deeply_nested_blob_is_refused_not_a_crash() -> None:
    """Found by the fuzz: fastavro's reader recursed on the C stack and killed the interpreter."""
    script = (
        "from conformance import avro_codec as c\n"
        "raw = c.SINGLE_OBJECT_MAGIC + c.value_schema_fingerprint() + b'\\x0c\\x02' * 20000\n"
        "try:\n    c.decode_bytes(raw)\nexcept c.AvroCodecError as error:\n    print('refused:', error)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert f"deeper than {avro_codec.MAX_NESTING} levels" in done.stdout
    at_the_limit = HEADER + b"\x0c\x02" * avro_codec.MAX_NESTING + b"\x00" + b"\x00" * avro_codec.MAX_NESTING
    try:  # within the limit fastavro reads it; Python's own recursion limit may still refuse it
        decode_bytes(at_the_limit)
    except AvroCodecError as error:
        assert "nested too deeply" in str(error)
    deep: Any = "leaf"
    for _ in range(200):
        deep = [deep]
    assert decode_bytes(encode_bytes(deep)) == deep


# --------------------------------------------------------------------------- captured requests


def _envelope_like() -> st.SearchStrategy[Any]:
    blobs = (
        near_valid_blobs().map(lambda raw: base64.b64encode(raw).decode("ascii")) | texts() | st.integers()
    )
    return st.fixed_dictionaries(
        {"codec": st.sampled_from(["avro", "json", "", "AVRO"]) | texts(max_size=4), "blob": blobs},
        optional={"extra": st.integers()},
    )


def _json_with_envelopes() -> st.SearchStrategy[Any]:
    leaves = (
        st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | texts() | _envelope_like()
    )
    return st.recursive(
        leaves,
        lambda children: (
            st.lists(children, max_size=3) | st.dictionaries(texts(max_size=6), children, max_size=3)
        ),
        max_leaves=12,
    )


@st.composite
def bodies(draw: st.DrawFn) -> bytes:
    kind = draw(st.sampled_from(["json", "truncated", "garbage", "extended", "empty", "deep", "not_utf8"]))
    text = json.dumps(draw(_json_with_envelopes()), allow_nan=True).encode("utf-8")
    if kind == "json":
        return text
    if kind == "truncated":
        return text[: draw(st.integers(0, len(text)))]
    if kind == "extended":
        return text + draw(st.sampled_from([b"}", b",", b" x", b"\x00", b"]]"]))
    if kind == "empty":
        return b""
    if kind == "deep":
        depth = draw(st.integers(100, 5000))
        return b"[" * depth + b"]" * draw(st.integers(0, depth))
    if kind == "not_utf8":
        return text[:4] + b"\xff\xfe" + text[4:]
    return draw(st.binary(max_size=64))


_segment = st.lists(
    st.sampled_from([*"ab/%?#+ .~", "%2F", "%zz", "%25", "%C3%A9", "%ff", "é", "\x00", "\t"]),
    max_size=6,
).map("".join)
paths = st.lists(_segment, max_size=5).map(lambda parts: "/" + "/".join(parts)) | st.sampled_from(
    ["", "/", "/api", "/api/", "/api//workflows", "//api/x", "/API/workflows", "api/workflows"]
)


@st.composite
def captured(draw: st.DrawFn) -> CapturedExchange:
    method = draw(st.sampled_from(["GET", "POST", "put", "DELETE", "", "PROPFIND"]) | texts(max_size=8))
    path = draw(paths | paths.map(lambda p: "/api" + p))
    query = draw(st.lists(st.sampled_from([*"a=&%+;b1", "%zz", "é", "=="]), max_size=20).map("".join))
    header_list = draw(
        st.just(headers())
        | st.lists(st.tuples(texts(max_size=12), texts(max_size=24)), max_size=6).map(
            lambda extra: headers() + extra
        )
        | st.lists(
            st.tuples(
                st.sampled_from(["Authorization", "authorization", "X-Namespace", "Cookie", "X-Api-Key"]),
                texts(max_size=24),
            ),
            max_size=4,
        )
    )
    return CapturedExchange(
        case_id="fuzz",
        sequence=draw(st.integers(0, 5)),
        method=method,
        url="http://127.0.0.1:9" + path,
        path=path,
        query_string=query,
        request_headers=header_list,
        request_body=draw(bodies()),
        response_status=draw(st.none() | st.integers(100, 599)),
        body_truncated=draw(st.booleans()),
    )


def check_normalize(examples: int) -> None:
    @_runs(examples)
    @given(captured(), st.sampled_from(["/api", "", "/", "api/v2/"]))
    def run(item: CapturedExchange, prefix: str) -> None:
        request = normalize(item, api_prefix=prefix)
        json.dumps(request.to_json())  # every report writes it
        request.summary()

    run()


def check_judge(examples: int) -> None:
    fixtures = [load_fixture(path) for path in FIXTURES]

    @_runs(examples)
    @given(
        st.sampled_from(fixtures),
        st.sampled_from(["canonical", "cli", "sdk_python", "sdk_rust"]),
        st.lists(captured() | st.builds(handshake), max_size=3),
    )
    def run(fixture: Any, projection: str, exchanges: list[CapturedExchange]) -> None:
        verdict = judge(fixture, projection, exchanges, StubProfile(), SETTINGS)
        assert verdict.status in ("pass", "fail")
        assert (verdict.status == "pass") == (not verdict.failures)
        json.dumps(verdict.to_json())
        render_verdict(verdict)
        assert SETTINGS.token not in json.dumps(verdict.to_json()) + render_verdict(verdict)

    run()


def test_normalize_arbitrary_requests() -> None:
    check_normalize(DEFAULT_EXAMPLES)


def test_judge_arbitrary_requests() -> None:
    check_judge(DEFAULT_EXAMPLES)


def test_a_real_body_with_a_damaged_envelope_is_a_finding_not_an_error() -> None:
    body = {"input": {"codec": "avro", "blob": base64.b64encode(HEADER + b"\x0c\x02" * 9000).decode()}}
    request = normalize(exchange("POST", "/api/workflows", body))
    assert [(f.pointer, f.kind) for f in request.findings] == [("/body/input", "envelope_invalid")]


# --------------------------------------------------------------------------- the slow set


@pytest.mark.slow
@pytest.mark.parametrize(
    "check",
    [
        check_decoder_arbitrary_bytes,
        check_decoder_near_valid_blobs,
        check_decode_blob_any_value,
        check_normalize,
        check_judge,
    ],
)
def test_many_examples(check: Callable[[int], None]) -> None:
    check(SLOW_EXAMPLES)


def test_fixture_list_is_the_shipped_corpus() -> None:
    assert [path.name for path in FIXTURES] == sorted(path.name for path in Path(CORPUS).glob("*.json"))
    assert len(FIXTURES) >= 9
