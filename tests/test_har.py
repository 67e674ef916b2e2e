"""HAR 1.2 evidence: required structure, redaction, and a round trip through the real proxy."""

from __future__ import annotations

import base64
import json
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

from conformance.capture import CapturedExchange
from conformance.proxy.har import build_har, write_har
from conformance.proxy.recorder import RecordingProxy
from conformance.redact import REDACTED
from support.proxy import TOKEN, make_fixture, start_fixture_data


def exchange(**overrides: Any) -> CapturedExchange:
    values: dict[str, Any] = {
        "case_id": "case-1",
        "sequence": 0,
        "method": "POST",
        "url": f"http://127.0.0.1:5000/api/workflows?limit=1&access_token={TOKEN}",
        "path": "/api/workflows",
        "query_string": f"limit=1&access_token={TOKEN}",
        "request_headers": [
            ("Host", "127.0.0.1:5000"),
            ("Authorization", f"Bearer {TOKEN}"),
            ("Cookie", "session=abc"),
            ("X-Auth-Token", "other-secret"),
            ("X-Namespace", "default"),
            ("Content-Type", "application/json"),
        ],
        "request_body": json.dumps({"token_echo": TOKEN, "workflow_id": "wf-1"}).encode(),
        "response_status": 200,
        "response_headers": [("Content-Type", "application/json"), ("Set-Cookie", "s=1")],
        "response_body": b'{"workflow_id":"wf-1"}',
        "answered_by": "fixture",
        "started_at": 1_700_000_000.0,
        "request_completed_at": 1_700_000_000.002,
        "response_completed_at": 1_700_000_000.005,
    }
    values.update(overrides)
    return CapturedExchange(**values)


def assert_har_1_2(document: dict[str, Any]) -> None:
    """The fields HAR 1.2 requires, with their types (what a browser's network panel reads)."""
    log = document["log"]
    assert log["version"] == "1.2"
    assert isinstance(log["creator"]["name"], str) and isinstance(log["creator"]["version"], str)
    assert isinstance(log["entries"], list)
    for entry in log["entries"]:
        datetime.fromisoformat(entry["startedDateTime"].replace("Z", "+00:00"))
        assert isinstance(entry["time"], int | float) and entry["time"] >= 0
        request, response = entry["request"], entry["response"]
        for key, kind in [
            ("method", str),
            ("url", str),
            ("httpVersion", str),
            ("cookies", list),
            ("headers", list),
            ("queryString", list),
            ("headersSize", int),
            ("bodySize", int),
        ]:
            assert isinstance(request[key], kind), key
        for key, kind in [
            ("status", int),
            ("statusText", str),
            ("httpVersion", str),
            ("cookies", list),
            ("headers", list),
            ("content", dict),
            ("redirectURL", str),
            ("headersSize", int),
            ("bodySize", int),
        ]:
            assert isinstance(response[key], kind), key
        assert isinstance(response["content"]["size"], int) and isinstance(
            response["content"]["mimeType"], str
        )
        for header in request["headers"] + response["headers"]:
            assert set(header) >= {"name", "value"}
        if "postData" in request:
            assert isinstance(request["postData"]["mimeType"], str)
        assert isinstance(entry["cache"], dict)
        timings = entry["timings"]
        for key in ("send", "wait", "receive"):
            assert isinstance(timings[key], int | float) and timings[key] >= 0


def test_build_har_has_the_required_structure() -> None:
    document = build_har([exchange(), exchange(sequence=1, method="GET", request_body=b"")], secrets=[TOKEN])
    assert_har_1_2(document)
    first = document["log"]["entries"][0]
    assert first["startedDateTime"] == "2023-11-14T22:13:20.000Z"
    assert first["timings"]["send"] == 2.0 and first["timings"]["wait"] == 3.0 and first["time"] == 5.0
    assert first["response"]["statusText"] == "OK"
    assert (first["_case_id"], first["_sequence"], first["_answered_by"]) == ("case-1", 0, "fixture")


def test_har_redacts_credentials_by_name_and_by_value() -> None:
    document = build_har([exchange()], secrets=[TOKEN])
    text = json.dumps(document)
    assert TOKEN not in text
    assert "other-secret" not in text and "session=abc" not in text
    entry = document["log"]["entries"][0]
    headers = {header["name"]: header["value"] for header in entry["request"]["headers"]}
    assert headers["Authorization"] == REDACTED
    assert headers["Cookie"] == REDACTED and headers["X-Auth-Token"] == REDACTED
    assert headers["X-Namespace"] == "default"
    assert {q["name"]: q["value"] for q in entry["request"]["queryString"]} == {
        "limit": "1",
        "access_token": REDACTED,
    }
    assert entry["request"]["url"].endswith(f"?limit=1&access_token={REDACTED}")
    assert json.loads(entry["request"]["postData"]["text"]) == {"token_echo": REDACTED, "workflow_id": "wf-1"}
    assert {h["name"]: h["value"] for h in entry["response"]["headers"]}["Set-Cookie"] == REDACTED


def test_binary_bodies_truncation_and_errors() -> None:
    binary = bytes(range(256))
    document = build_har(
        [
            exchange(response_body=binary, response_headers=[("Content-Type", "application/octet-stream")]),
            exchange(
                request_body=b"",
                body_truncated=True,
                response_status=413,
                answered_by="proxy",
                error=f"too big for {TOKEN}",
            ),
            exchange(
                response_status=None,
                response_body=b"",
                error="the case ended before the response was recorded",
            ),
        ],
        secrets=[TOKEN],
    )
    assert_har_1_2(document)
    binary_entry, truncated, unanswered = document["log"]["entries"]
    content = binary_entry["response"]["content"]
    assert content["encoding"] == "base64" and base64.b64decode(content["text"]) == binary
    assert truncated["_body_truncated"] is True and "size cap" in truncated["request"]["postData"]["comment"]
    assert truncated["response"]["status"] == 413 and truncated["_error"] == f"too big for {REDACTED}"
    assert unanswered["response"]["status"] == 0 and unanswered["response"]["bodySize"] == -1


def test_write_har_creates_directories_and_valid_json(tmp_path: Path) -> None:
    target = write_har([exchange()], tmp_path / "har" / "nested" / "case.har", secrets=[TOKEN])
    assert target.exists()
    document = json.loads(target.read_text(encoding="utf-8"))
    assert_har_1_2(document)
    assert TOKEN not in target.read_text(encoding="utf-8")
    assert [path.name for path in target.parent.iterdir()] == ["case.har"]  # no temporary file left


def test_har_of_a_real_proxied_case(recording_proxy: RecordingProxy, tmp_path: Path) -> None:
    fixture = make_fixture(start_fixture_data(workflow_id="wf-har"))
    with (
        recording_proxy.open_case("start:har", fixture) as recording,
        httpx.Client(base_url=recording.server_url, headers={"Authorization": f"Bearer {TOKEN}"}) as client,
    ):
        client.get("/api/cluster/info")
        client.post("/api/workflows", json={"workflow_id": "wf-har", "note": TOKEN})
    path = write_har(recording.exchanges, tmp_path / "start.har", secrets=[TOKEN])
    text = path.read_text(encoding="utf-8")
    assert TOKEN not in text
    document = json.loads(text)
    assert_har_1_2(document)
    entries = document["log"]["entries"]
    assert [(entry["request"]["method"], entry["response"]["status"]) for entry in entries] == [
        ("GET", 200),
        ("POST", 200),
    ]
    assert entries[0]["_route"] == "handshake"
    assert entries[1]["request"]["url"] == f"{recording.server_url}/api/workflows"
    assert json.loads(entries[1]["response"]["content"]["text"])["workflow_id"] == "wf-har"
