"""HAR 1.2 evidence files, built from recorded exchanges and redacted.

The HAR is built from :class:`CapturedExchange` objects rather than from live
mitmproxy flows (``mitmproxy.addons.savehar`` needs the flow objects), so a
case's evidence can be written after the proxy moved on, from a result
re-loaded later, or from exchanges a test made by hand.

Choices:

- Every field HAR 1.2 requires is present (``log.version``, ``creator``,
  ``entries[].startedDateTime/time/request/response/cache/timings``;
  ``request.cookies/headers/queryString/headersSize/bodySize``...), so the
  file opens in a browser's network panel. Cookie lists are left empty:
  cookie headers are redacted anyway.
- Redaction (:mod:`conformance.redact`): credential headers and credential
  query values become ``[REDACTED]`` by name, every literal secret passed in
  is replaced wherever it appears (URL, headers, bodies, errors), and a final
  pass over the whole document hides ``Bearer <x>`` strings.
- Bodies that are UTF-8 are written as text; others as base64
  (``content.encoding = "base64"`` for responses; a ``comment`` says so for
  request bodies, whose HAR object has no encoding field).
- Harness facts ride along in underscore-prefixed custom fields (allowed by
  HAR 1.2): ``_case_id``, ``_sequence``, ``_answered_by``, ``_route``,
  ``_error``, ``_body_truncated``.
"""

from __future__ import annotations

import base64
import json
import os
import tempfile
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from http import HTTPStatus
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from conformance import __version__
from conformance.capture import CapturedExchange
from conformance.redact import (
    REDACTED,
    is_credential_query_name,
    redact_bytes,
    redact_headers,
    redact_text,
    redact_url,
    redact_value,
)

__all__ = ["HAR_VERSION", "build_har", "har_entry", "write_har"]

HAR_VERSION = "1.2"
CREATOR = "dw-conformance"


def _iso(timestamp: float) -> str:
    moment = datetime.fromtimestamp(timestamp if timestamp > 0 else 0.0, UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _ms(start: float | None, end: float | None) -> float:
    if start is None or end is None or end < start:
        return 0.0
    return round((end - start) * 1000.0, 3)


def _header(headers: Sequence[tuple[str, str]], name: str) -> str | None:
    wanted = name.lower()
    return next((value for key, value in headers if key.lower() == wanted), None)


def _mime(headers: Sequence[tuple[str, str]]) -> str:
    return _header(headers, "content-type") or ""


def _http_version(version: str) -> str:
    return version if version.upper().startswith("HTTP/") else f"HTTP/{version}"


def _body_text(body: bytes, secrets: Sequence[str]) -> tuple[str, bool]:
    """(text, is_base64) of a body after literal secrets were replaced."""
    body = redact_bytes(body, secrets)
    try:
        return body.decode("utf-8"), False
    except UnicodeDecodeError:
        return base64.b64encode(body).decode("ascii"), True


def _status_text(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def har_entry(exchange: CapturedExchange, secrets: Sequence[str] = ()) -> dict[str, Any]:
    """One HAR ``entries[]`` object for one exchange (redacted)."""
    request_headers = redact_headers(exchange.request_headers, secrets)
    response_headers = redact_headers(exchange.response_headers, secrets)
    query = [
        {
            "name": redact_text(name, secrets),
            "value": REDACTED if is_credential_query_name(name) else redact_text(value, secrets),
        }
        for name, value in parse_qsl(exchange.query_string, keep_blank_values=True)
    ]
    request: dict[str, Any] = {
        "method": exchange.method,
        "url": redact_url(exchange.url, secrets),
        "httpVersion": _http_version(exchange.http_version),
        "cookies": [],
        "headers": [{"name": name, "value": value} for name, value in request_headers],
        "queryString": query,
        "headersSize": -1,
        "bodySize": len(exchange.request_body),
    }
    if exchange.request_body or exchange.body_truncated or _header(exchange.request_headers, "content-type"):
        text, is_base64 = _body_text(exchange.request_body, secrets)
        post_data: dict[str, Any] = {"mimeType": _mime(exchange.request_headers), "params": [], "text": text}
        if is_base64:
            post_data["comment"] = "body is not UTF-8; text is base64"
        if exchange.body_truncated:
            post_data["comment"] = "body exceeded the proxy's size cap and was not kept"
        request["postData"] = post_data
    text, is_base64 = _body_text(exchange.response_body, secrets)
    content: dict[str, Any] = {
        "size": len(exchange.response_body),
        "mimeType": _mime(exchange.response_headers),
        "text": text,
    }
    if is_base64:
        content["encoding"] = "base64"
    status = exchange.response_status if exchange.response_status is not None else 0
    response: dict[str, Any] = {
        "status": status,
        "statusText": _status_text(status) if status else "",
        "httpVersion": _http_version(exchange.http_version),
        "cookies": [],
        "headers": [{"name": name, "value": value} for name, value in response_headers],
        "content": content,
        "redirectURL": _header(exchange.response_headers, "location") or "",
        "headersSize": -1,
        "bodySize": len(exchange.response_body) if exchange.response_status is not None else -1,
    }
    if exchange.error:
        response["comment"] = redact_text(exchange.error, secrets)
    send = _ms(exchange.started_at, exchange.request_completed_at)
    wait = _ms(exchange.request_completed_at, exchange.response_completed_at)
    entry: dict[str, Any] = {
        "startedDateTime": _iso(exchange.started_at),
        "time": round(send + wait, 3),
        "request": request,
        "response": response,
        "cache": {},
        "timings": {
            "blocked": -1,
            "dns": -1,
            "connect": -1,
            "ssl": -1,
            "send": send,
            "wait": wait,
            "receive": 0,
        },
        "_case_id": exchange.case_id,
        "_sequence": exchange.sequence,
        "_answered_by": exchange.answered_by,
        "_route": exchange.route,
        "_body_truncated": exchange.body_truncated,
    }
    if exchange.error:
        entry["_error"] = redact_text(exchange.error, secrets)
    return entry


def build_har(
    exchanges: Iterable[CapturedExchange],
    secrets: Iterable[str | None] = (),
    *,
    comment: str = "",
) -> dict[str, Any]:
    """A HAR 1.2 document (a dict) for ``exchanges``, in the order given, redacted."""
    secret_list = [secret for secret in secrets if secret]
    entries = [har_entry(exchange, secret_list) for exchange in exchanges]
    log: dict[str, Any] = {
        "version": HAR_VERSION,
        "creator": {"name": CREATOR, "version": __version__},
        "pages": [],
        "entries": entries,
    }
    if comment:
        log["comment"] = comment
    document: dict[str, Any] = redact_value({"log": log}, secret_list)
    return document


def write_har(
    exchanges: Iterable[CapturedExchange],
    path: Path | str,
    secrets: Iterable[str | None] = (),
    *,
    comment: str = "",
) -> Path:
    """Write the redacted HAR of ``exchanges`` to ``path`` (parents created, atomic replace)."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    document = build_har(exchanges, secrets, comment=comment)
    handle, temporary = tempfile.mkstemp(prefix=".har-", dir=target.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            json.dump(document, stream, ensure_ascii=False, indent=1)
            stream.write("\n")
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target
