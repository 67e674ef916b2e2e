"""Normalization of captured requests: prefix, path, query, headers, body, envelopes."""

from __future__ import annotations

import base64
import json

from conformance.avro_codec import encode_bytes, make_envelope
from conformance.normalize import normalize, split_path, strip_prefix
from support.judging import TOKEN, exchange, headers

VALUE = [{"order_id": 42, "priority": "gold"}]


def test_prefix_is_stripped_and_segments_are_percent_decoded() -> None:
    request = normalize(exchange("POST", "/api/workflows/wf%201%2Fa/signal/approval.received"))
    assert request.path_segments == ["workflows", "wf 1/a", "signal", "approval.received"]
    assert request.path == "/workflows/wf 1/a/signal/approval.received"
    assert request.raw_path == "/api/workflows/wf%201%2Fa/signal/approval.received"
    assert request.prefix_matched
    assert request.findings == []


def test_plus_in_a_path_stays_a_plus() -> None:
    assert normalize(exchange("GET", "/api/workflows/a+b")).path_segments == ["workflows", "a+b"]


def test_custom_prefix_and_no_prefix() -> None:
    assert normalize(exchange("GET", "/v2/api/x"), api_prefix="/v2/api/").path_segments == ["x"]
    assert normalize(exchange("GET", "/x/y"), api_prefix="").path_segments == ["x", "y"]
    assert strip_prefix("/api", "/api") == ("/", True)
    assert strip_prefix("/apix/y", "/api") == ("/apix/y", False)


def test_path_outside_the_prefix_is_a_finding() -> None:
    request = normalize(exchange("POST", "/workflows"))
    assert not request.prefix_matched
    (finding,) = request.findings
    assert (finding.pointer, finding.kind, finding.actual, finding.severity) == (
        "/path",
        "changed",
        "/workflows",
        "failure",
    )


def test_split_path_keeps_empty_segments() -> None:
    assert split_path("/") == []
    assert split_path("/workflows/") == ["workflows", ""]


def test_query_is_a_multimap_with_blank_values_and_form_decoding() -> None:
    request = normalize(exchange("GET", "/api/x", query="a=1&a=2&b=&c=hello+world%21"))
    assert request.query == {"a": ["1", "2"], "b": [""], "c": ["hello world!"]}


def test_header_names_are_lower_cased_and_credentials_redacted() -> None:
    request = normalize(
        exchange("GET", "/api/x", header_list=headers(extra=[("X-Custom", "A"), ("x-custom", "B")]))
    )
    assert request.headers["x-namespace"] == ["default"]
    assert request.headers["x-custom"] == ["A", "B"]
    assert TOKEN not in json.dumps(request.to_json())
    assert TOKEN not in repr(request)
    assert request.credential("Authorization") == [f"Bearer {TOKEN}"]


def test_body_json_is_parsed_with_types_kept() -> None:
    request = normalize(exchange("POST", "/api/x", {"a": 42, "b": 42.0, "c": True}))
    assert request.body_present and request.body_is_json
    assert type(request.body["a"]) is int and type(request.body["b"]) is float and request.body["c"] is True


def test_empty_body_is_no_body_and_no_finding() -> None:
    request = normalize(exchange("GET", "/api/x"))
    assert not request.body_present and request.body is None and request.findings == []


def test_body_that_is_not_json_is_a_finding() -> None:
    request = normalize(exchange("POST", "/api/x", raw_body=b"input=[1,2]"))
    (finding,) = request.findings
    assert (finding.pointer, finding.kind, finding.severity) == ("/body", "not_json", "failure")
    assert request.body_present and not request.body_is_json
    assert request.to_json()["raw_body"]["text"] == "input=[1,2]"


def test_body_with_duplicate_keys_or_bad_utf8_is_not_json() -> None:
    for raw in (b'{"a": 1, "a": 2}', b'{"a": "\xff"}'):
        (finding,) = normalize(exchange("POST", "/api/x", raw_body=raw)).findings
        assert finding.kind == "not_json"


def test_truncated_body_is_a_finding_even_when_nothing_was_kept() -> None:
    for body in (b'{"a": 1', b""):
        captured = exchange("POST", "/api/x", raw_body=body)
        captured.body_truncated = True
        request = normalize(captured)
        (finding,) = request.findings
        assert finding.kind == "not_json" and "truncated" in str(finding.actual)
        assert request.body_present


def test_envelopes_are_decoded_at_top_level_nested_and_in_lists() -> None:
    body = {
        "input": make_envelope(VALUE),
        "action": {"input": make_envelope({"x": 1.5})},
        "items": [make_envelope(None), {"deep": make_envelope(["a"])}],
    }
    request = normalize(exchange("POST", "/api/x", body))
    assert request.findings == []
    assert request.body == {
        "input": VALUE,
        "action": {"input": {"x": 1.5}},
        "items": [None, {"deep": ["a"]}],
    }
    assert [record["pointer"] for record in request.envelopes] == [
        "/body/action/input",
        "/body/input",
        "/body/items/0",
        "/body/items/1/deep",
    ]
    assert all(record["codec"] == "avro" and record["decoded"] for record in request.envelopes)


def test_top_level_envelope_body() -> None:
    request = normalize(exchange("POST", "/api/x", make_envelope(VALUE)))
    assert request.body == VALUE
    assert request.envelopes[0]["pointer"] == "/body"


def test_undecodable_blobs_become_findings_at_their_pointer() -> None:
    bad_magic = base64.b64encode(b"\x00\x01" + encode_bytes(1)[2:]).decode()
    truncated = base64.b64encode(encode_bytes(VALUE)[:-3]).decode()
    body = {
        "input": {"codec": "avro", "blob": "not base64!!"},
        "nested": {"list": [{"codec": "avro", "blob": bad_magic}]},
        "other": {"codec": "avro", "blob": truncated},
        "json": {"codec": "json", "blob": "[1]"},
    }
    request = normalize(exchange("POST", "/api/x", body))
    found = {finding.pointer: finding for finding in request.findings}
    assert set(found) == {"/body/input", "/body/nested/list/0", "/body/other", "/body/json"}
    assert all(finding.kind == "envelope_invalid" for finding in found.values())
    assert found["/body/input"].message.startswith("invalid_base64")
    assert found["/body/nested/list/0"].message.startswith("bad_magic")
    assert found["/body/other"].message.startswith("truncated_datum")
    assert "unknown payload codec" in found["/body/json"].message
    # the envelope stays as sent
    assert request.body["input"] == {"codec": "avro", "blob": "not base64!!"}


def test_extra_keys_beside_codec_and_blob_are_diagnostics_and_decoding_goes_on() -> None:
    envelope = {**make_envelope(VALUE), "size": 3}
    request = normalize(exchange("POST", "/api/x", {"input": envelope}))
    assert request.body == {"input": VALUE}
    (finding,) = request.findings
    assert (finding.pointer, finding.kind, finding.severity) == (
        "/body/input/size",
        "unexpected",
        "diagnostic",
    )


def test_decoded_values_are_not_searched_for_envelopes() -> None:
    inner = make_envelope(1)
    request = normalize(exchange("POST", "/api/x", {"input": make_envelope([inner])}))
    assert request.body == {"input": [inner]}
    assert len(request.envelopes) == 1


def test_to_json_is_json_serialisable_with_bytes() -> None:
    request = normalize(exchange("POST", "/api/x", {"input": make_envelope(b"\x00\xff")}))
    document = request.to_json()
    json.dumps(document)
    assert document["body"]["input"] == {"$bytes": "AP8="}


def test_deep_body_does_not_hit_the_recursion_limit() -> None:
    raw = ("[" * 5000 + "1" + "]" * 5000).encode()
    request = normalize(exchange("POST", "/api/x", raw_body=raw))
    # either parsed or refused as too deep: never an exception
    assert request.body_present
    assert request.body_is_json or [finding.kind for finding in request.findings] == ["not_json"]
    json.dumps(request.to_json())
