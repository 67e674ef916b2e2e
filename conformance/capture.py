"""What the recording proxy captures: one :class:`CapturedExchange` per HTTP flow."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from conformance.textsafe import body_to_json


@dataclass
class CapturedExchange:
    """One request a client sent through the proxy, and what it was answered.

    Header lists keep the client's order and case. ``path`` is the raw request
    path as sent (still percent-encoded, API prefix included, query excluded);
    ``query_string`` is the raw text after ``?``.
    """

    case_id: str
    sequence: int
    method: str
    url: str
    path: str
    query_string: str
    request_headers: list[tuple[str, str]]
    request_body: bytes
    http_version: str = "HTTP/1.1"
    response_status: int | None = None
    response_headers: list[tuple[str, str]] = field(default_factory=list)
    response_body: bytes = b""
    #: Who produced the response: "profile" (a canned route of the server
    #: profile), "fixture" (the fixture's response_body or a default reply),
    #: "not_found" (the stub's 404), "upstream" (live mode) or "proxy" (error).
    answered_by: str = ""
    #: Name of the profile route that answered, when answered_by == "profile".
    route: str | None = None
    started_at: float = 0.0
    request_completed_at: float | None = None
    response_completed_at: float | None = None
    error: str | None = None
    #: True when the request body was larger than the proxy's cap and was cut.
    body_truncated: bool = False

    def header(self, name: str) -> str | None:
        """First request header named ``name`` (case-insensitive)."""
        wanted = name.lower()
        for key, value in self.request_headers:
            if key.lower() == wanted:
                return value
        return None

    def query_pairs(self) -> list[tuple[str, str]]:
        return parse_qsl(self.query_string, keep_blank_values=True)

    @property
    def duration(self) -> float | None:
        if self.response_completed_at is None:
            return None
        return self.response_completed_at - self.started_at

    def summary(self) -> str:
        target = self.path + (f"?{self.query_string}" if self.query_string else "")
        status = self.response_status if self.response_status is not None else "-"
        return f"{self.method} {target} -> {status}"

    def to_json(self) -> dict[str, Any]:
        """A JSON-safe description (bodies as text when UTF-8, else base64)."""
        return {
            "sequence": self.sequence,
            "method": self.method,
            "url": self.url,
            "path": self.path,
            "query_string": self.query_string,
            "request_headers": [list(pair) for pair in self.request_headers],
            "request_body": body_to_json(self.request_body),
            "body_truncated": self.body_truncated,
            "response_status": self.response_status,
            "response_headers": [list(pair) for pair in self.response_headers],
            "response_body": body_to_json(self.response_body),
            "answered_by": self.answered_by,
            "route": self.route,
            "error": self.error,
        }
