"""Credential redaction: by header/query name, by literal secret, in nested documents."""

from __future__ import annotations

import json

import pytest

from conformance.redact import (
    REDACTED,
    is_credential_header,
    is_credential_query_name,
    redact_bytes,
    redact_headers,
    redact_query_string,
    redact_text,
    redact_url,
    redact_value,
)

SECRET = "s3cr3t-T0ken/with+chars"


@pytest.mark.parametrize(
    "name",
    [
        "Authorization",
        "proxy-authorization",
        "Cookie",
        "Set-Cookie",
        "X-Api-Key",
        "X-Auth-Token",
        "X-Client-Secret",
        "X-Password",
        "x-signing-key",
    ],
)
def test_credential_headers_are_recognised(name: str) -> None:
    assert is_credential_header(name)


@pytest.mark.parametrize(
    "name", ["Content-Type", "X-Namespace", "X-Durable-Workflow-Control-Plane-Version", "Host"]
)
def test_ordinary_headers_are_not_credentials(name: str) -> None:
    assert not is_credential_header(name)


def test_redact_headers_keeps_order_and_case_and_hides_values() -> None:
    pairs = [("Host", "h"), ("Authorization", "Bearer abc"), ("X-Namespace", "default"), ("x-api-key", "k")]
    assert redact_headers(pairs) == [
        ("Host", "h"),
        ("Authorization", REDACTED),
        ("X-Namespace", "default"),
        ("x-api-key", REDACTED),
    ]


def test_literal_secret_is_replaced_in_ordinary_header_values() -> None:
    assert redact_headers([("X-Trace", f"id={SECRET}")], [SECRET]) == [("X-Trace", f"id={REDACTED}")]


@pytest.mark.parametrize(
    "name", ["token", "access_token", "API_KEY", "api-key", "key", "secret", "password", "signature"]
)
def test_credential_query_names(name: str) -> None:
    assert is_credential_query_name(name)


def test_redact_query_string_hides_credential_values_and_keeps_the_rest_byte_for_byte() -> None:
    query = "limit=100&access_token=abc%2Fdef&after_sequence=5&signature=xyz&flag"
    assert (
        redact_query_string(query)
        == f"limit=100&access_token={REDACTED}&after_sequence=5&signature={REDACTED}&flag"
    )


def test_redact_url_hides_userinfo_query_credentials_and_secrets() -> None:
    url = f"https://user:pw@host:8443/api/x/{SECRET}?token=t1&limit=3#frag"
    redacted = redact_url(url, [SECRET])
    assert "pw" not in redacted and "t1" not in redacted and SECRET not in redacted
    assert redacted == f"https://{REDACTED}@host:8443/api/x/{REDACTED}?token={REDACTED}&limit=3#frag"


def test_encoded_forms_of_the_secret_are_replaced() -> None:
    from urllib.parse import quote

    text = f"raw {SECRET} quoted {quote(SECRET, safe='')} json {json.dumps(SECRET)}"
    redacted = redact_text(text, [SECRET])
    assert SECRET not in redacted
    assert quote(SECRET, safe="") not in redacted
    assert redacted.count(REDACTED) == 3


def test_redact_bytes_handles_binary_bodies() -> None:
    body = b"\xff\xfe" + SECRET.encode() + b"\x00"
    assert redact_bytes(body, [SECRET]) == b"\xff\xfe" + REDACTED.encode() + b"\x00"
    assert redact_bytes(b"nothing here", [SECRET]) == b"nothing here"


def test_short_secrets_are_only_replaced_as_whole_values() -> None:
    assert redact_text("ab", ["ab"]) == REDACTED
    assert redact_text("a label with ab inside", ["ab"]) == "a label with ab inside"
    assert redact_value({"token_echo": "ab", "other": "cab"}, ["ab"]) == {
        "token_echo": REDACTED,
        "other": "cab",
    }


def test_empty_and_none_secrets_are_ignored() -> None:
    assert redact_text("unchanged", ["", None]) == "unchanged"


def test_redact_value_walks_nested_documents_and_hides_bearer_strings() -> None:
    document = {
        "headers": {"authorization": ["Bearer some-other-token"]},
        "diff": [{"expected": f"Bearer {SECRET}", "actual": None}],
        "body": {"note": f"contains {SECRET} twice {SECRET}", "count": 3},
        SECRET: "key holding the secret",
    }
    redacted = redact_value(document, [SECRET])
    text = json.dumps(redacted)
    assert SECRET not in text
    assert "some-other-token" not in text
    assert redacted["headers"]["authorization"] == [f"Bearer {REDACTED}"]
    assert redacted["body"]["count"] == 3
    assert redacted[REDACTED] == "key holding the secret"
    # the input is not modified
    assert document["body"]["note"].count(SECRET) == 2


def test_redact_value_survives_deep_nesting() -> None:
    deep: object = SECRET
    for _ in range(5000):
        deep = [deep]
    redacted = redact_value(deep, [SECRET])
    for _ in range(5000):
        assert isinstance(redacted, list)
        redacted = redacted[0]
    assert redacted == REDACTED
