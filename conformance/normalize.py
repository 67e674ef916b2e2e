"""From one captured HTTP request to a comparable document: :class:`NormalizedRequest`.

Design decisions:

* **Path.** The server's API prefix (``/api`` by default) is stripped when the
  path starts with it (``/api`` alone or ``/api/...``). A path outside the
  prefix keeps its full form and gets a ``changed`` finding at ``/path``: a
  client that forgot the prefix must not pass because the remainder looks
  right. Segments are split on ``/`` *before* percent-decoding, so an encoded
  ``%2F`` inside a workflow id stays inside its segment; ``path`` is the
  decoded segments joined with ``/`` for display, ``path_segments`` is what
  comparisons use. ``+`` is a literal in a path and is not turned into a space.
* **Query.** Parsed into a multi-map (name -> values in order, blank values
  kept), with form decoding (``+`` is a space there).
* **Headers.** Lower-case names, values in the client's order. Credential
  headers (as :mod:`conformance.redact` defines them) are redacted in
  ``headers`` itself, so no repr, log line or report built from a normalized
  request can leak a token; the raw credential is kept in a private field
  (``repr=False``) that only :meth:`NormalizedRequest.credential` returns, for
  the one comparison that needs it.
* **Body.** An empty body is "no body" (``body_present`` false, no finding:
  whether a body was required is the expectation's business). A non-empty body
  is parsed as strict JSON with the same parser as fixture files (UTF-8,
  duplicate keys refused); anything else is a ``not_json`` finding at
  ``/body``. A body the proxy truncated is a ``not_json`` finding too.
* **Envelopes.** Every object with both ``codec`` and ``blob`` keys, anywhere
  in the body (top level, nested, inside lists), is a payload envelope. An
  ``avro`` envelope is decoded with the harness's own codec and replaced by its
  plain value; the decoded value is not searched for further envelopes (it is
  caller data). An envelope that does not decode (bad base64, wrong magic or
  fingerprint, truncated datum, unknown codec) stays as sent and becomes an
  ``envelope_invalid`` finding at its pointer, never an exception. Keys beside
  ``codec`` and ``blob`` do not stop decoding; each becomes an ``unexpected``
  diagnostic.

Findings produced here carry severity ``failure``; the judge demotes them to
diagnostics when the fixture does not assert the body.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, unquote

from conformance import avro_codec, jsonpointer
from conformance.capture import CapturedExchange
from conformance.findings import Difference
from conformance.problems import InputError
from conformance.redact import is_credential_header, redact_header_value
from conformance.strict_json import MAX_JSON_DEPTH, parse_json_bytes
from conformance.textsafe import body_to_json, json_safe

__all__ = [
    "NormalizedRequest",
    "decode_envelopes",
    "decoded_copy",
    "normalize",
    "split_path",
    "strip_prefix",
]


def normalize_prefix(api_prefix: str) -> str:
    """``"/api/"`` -> ``"/api"``; ``""`` and ``"/"`` mean no prefix."""
    prefix = api_prefix.strip()
    if prefix and not prefix.startswith("/"):
        prefix = "/" + prefix
    return prefix.rstrip("/")


def strip_prefix(raw_path: str, api_prefix: str) -> tuple[str, bool]:
    """``(path without the prefix, whether the prefix was there)``; path stays encoded."""
    prefix = normalize_prefix(api_prefix)
    if not prefix:
        return raw_path or "/", True
    if raw_path == prefix:
        return "/", True
    if raw_path.startswith(prefix + "/"):
        return raw_path[len(prefix) :], True
    return raw_path, False


def split_path(encoded_path: str) -> list[str]:
    """Percent-decoded segments of an encoded path (``/`` and ``""`` have none)."""
    trimmed = encoded_path[1:] if encoded_path.startswith("/") else encoded_path
    if not trimmed:
        return []
    return [unquote(segment) for segment in trimmed.split("/")]


def _join_segments(segments: list[str]) -> str:
    return "/" + "/".join(segments)


@dataclass
class NormalizedRequest:
    """One request in the form every comparison uses (see the module docstring)."""

    method: str
    path: str
    path_segments: list[str]
    query: dict[str, list[str]]
    headers: dict[str, list[str]]
    body: Any
    body_present: bool
    envelopes: list[dict[str, Any]] = field(default_factory=list)
    findings: list[Difference] = field(default_factory=list)
    #: The path as sent, prefix included, still percent-encoded.
    raw_path: str = ""
    #: Whether the path started with the API prefix.
    prefix_matched: bool = True
    #: The body bytes when they are not JSON (for reports); empty otherwise.
    raw_body: bytes = field(default=b"", repr=False)
    response_status: int | None = None
    _credentials: dict[str, list[str]] = field(default_factory=dict, repr=False, compare=False)

    @property
    def body_is_json(self) -> bool:
        return self.body_present and not any(f.kind == "not_json" for f in self.findings)

    def header_values(self, name: str) -> list[str]:
        """Values of header ``name`` as shown in output (credentials redacted)."""
        return list(self.headers.get(name.lower(), []))

    def credential(self, name: str) -> list[str]:
        """Raw values of a credential header; use only to compare, never to print."""
        lowered = name.lower()
        if lowered in self._credentials:
            return list(self._credentials[lowered])
        return self.header_values(lowered)

    def summary(self) -> str:
        status = "-" if self.response_status is None else str(self.response_status)
        return f"{self.method} {self.raw_path or self.path} -> {status}"

    def to_json(self) -> dict[str, Any]:
        """The document that difference pointers address (credentials redacted)."""
        document: dict[str, Any] = {
            "method": self.method,
            "path": self.path,
            "path_segments": list(self.path_segments),
            "query": {name: list(values) for name, values in self.query.items()},
            "headers": {name: list(values) for name, values in self.headers.items()},
            "body": json_safe(self.body),
            "body_present": self.body_present,
            "envelopes": [json_safe(record) for record in self.envelopes],
            "raw_path": self.raw_path,
        }
        if self.raw_body:
            document["raw_body"] = body_to_json(self.raw_body)
        return document


def decoded_copy(value: Any) -> Any:
    """A copy of ``value`` with every decodable envelope replaced by its value (``value`` is untouched).

    For comparisons that want the values and not the findings (an envelope that does not decode
    stays as it is).
    """
    decoded, _records, _findings = decode_envelopes(copy.deepcopy(value), "")
    return decoded


def decode_envelopes(body: Any, base: str = "/body") -> tuple[Any, list[dict[str, Any]], list[Difference]]:
    """Replace every decodable envelope in ``body``; report the others.

    Used for the captured body and for fixture values alike (expected-side
    envelopes decode the same way). Pointers in the returned records and
    findings start at ``base``. Iterative (no recursion limit); the value is
    rebuilt, not mutated.
    """
    records: list[dict[str, Any]] = []
    findings: list[Difference] = []

    def visit(node: Any, pointer: str) -> tuple[Any, bool]:
        """(replacement, descend): envelopes are replaced and not descended into."""
        if not avro_codec.is_envelope(node):
            return node, True
        codec = node.get("codec")
        blob = node.get("blob")
        extra = sorted(key for key in node if key not in ("codec", "blob"))
        record: dict[str, Any] = {"pointer": pointer, "codec": codec}
        if isinstance(blob, str):
            record["blob_length"] = len(blob)
        for key in extra:
            findings.append(
                Difference(
                    jsonpointer.join(pointer, key),
                    "unexpected",
                    None,
                    node[key],
                    "diagnostic",
                    "key beside codec and blob in a payload envelope",
                )
            )
        if codec != avro_codec.AVRO_CODEC:
            record["decoded"] = False
            record["error"] = "unknown_codec"
            findings.append(
                Difference(
                    pointer,
                    "envelope_invalid",
                    "a payload envelope with codec 'avro'",
                    {"codec": codec},
                    "failure",
                    f"unknown payload codec {codec!r}; the harness decodes 'avro' envelopes",
                )
            )
            records.append(record)
            return node, False
        try:
            value = avro_codec.decode_blob(blob)
        except avro_codec.AvroCodecError as error:
            record["decoded"] = False
            record["error"] = error.reason
            shown = blob if not isinstance(blob, str) or len(blob) <= 120 else blob[:117] + "..."
            findings.append(
                Difference(
                    pointer,
                    "envelope_invalid",
                    "an Avro single-object encoded durable_workflow.protocol.Value",
                    {"codec": codec, "blob": shown},
                    "failure",
                    f"{error.reason}: {error}",
                )
            )
            records.append(record)
            return node, False
        record["decoded"] = True
        records.append(record)
        return value, False

    root, descend = visit(body, base)
    if not descend or not isinstance(root, dict | list):
        return root, records, findings
    result: Any = {} if isinstance(root, dict) else []
    stack: list[tuple[Any, Any, str]] = [(root, result, base)]
    while stack:
        source, target, where = stack.pop()
        items = list(source.items()) if isinstance(source, dict) else list(enumerate(source))
        for key, item in items:
            child_pointer = jsonpointer.join(where, key)
            replacement, go_down = visit(item, child_pointer)
            if go_down and isinstance(replacement, dict | list):
                child: Any = {} if isinstance(replacement, dict) else []
                stack.append((replacement, child, child_pointer))
            else:
                child = replacement
            if isinstance(target, dict):
                target[key] = child
            else:
                target.append(child)
    records.sort(key=lambda record: str(record["pointer"]))
    return result, records, findings


def _parse_body(exchange: CapturedExchange) -> tuple[Any, bool, bytes, list[Difference]]:
    raw = exchange.request_body or b""
    if exchange.body_truncated:  # the proxy may have kept nothing of it
        return (
            None,
            True,
            raw,
            [
                Difference(
                    "/body",
                    "not_json",
                    "a complete JSON body",
                    f"{len(raw)} bytes, truncated by the proxy",
                    "failure",
                    "the body was larger than the proxy's capture limit and was not kept whole",
                )
            ],
        )
    if not raw:
        return None, False, b"", []
    try:
        value = parse_json_bytes(raw, "request body", max_depth=MAX_JSON_DEPTH, lone_surrogates=True)
    except InputError as error:
        problem = error.problems[0]
        return (
            None,
            True,
            raw,
            [Difference("/body", "not_json", "a JSON body", problem.found, "failure", "body is not JSON")],
        )
    return value, True, b"", []


def normalize(exchange: CapturedExchange, *, api_prefix: str = "/api") -> NormalizedRequest:
    """Normalize one captured request; never raises for anything the client sent."""
    findings: list[Difference] = []
    raw_path = exchange.path or "/"
    encoded, matched = strip_prefix(raw_path, api_prefix)
    segments = split_path(encoded)
    if not matched:
        prefix = normalize_prefix(api_prefix)
        findings.append(
            Difference(
                "/path",
                "changed",
                f"a path under {prefix}",
                raw_path,
                "failure",
                f"the request path does not start with the server's API prefix {prefix}",
            )
        )
    query: dict[str, list[str]] = {}
    for name, value in parse_qsl(exchange.query_string or "", keep_blank_values=True):
        query.setdefault(name, []).append(value)
    headers: dict[str, list[str]] = {}
    credentials: dict[str, list[str]] = {}
    for name, value in exchange.request_headers:
        lowered = name.lower()
        headers.setdefault(lowered, []).append(redact_header_value(lowered, value))
        if is_credential_header(lowered):
            credentials.setdefault(lowered, []).append(value)
    body, present, raw_body, body_findings = _parse_body(exchange)
    findings.extend(body_findings)
    envelopes: list[dict[str, Any]] = []
    if present and not body_findings:
        body, envelopes, envelope_findings = decode_envelopes(body)
        findings.extend(envelope_findings)
    return NormalizedRequest(
        method=exchange.method.upper(),
        path=_join_segments(segments),
        path_segments=segments,
        query=query,
        headers=headers,
        body=body,
        body_present=present,
        envelopes=envelopes,
        findings=findings,
        raw_path=raw_path,
        prefix_matched=matched,
        raw_body=raw_body,
        response_status=exchange.response_status,
        _credentials=credentials,
    )
