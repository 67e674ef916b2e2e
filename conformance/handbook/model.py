"""The handbook's data: one :class:`OperationPage` per operation, plus the site-wide facts.

Everything here is plain, typed data built from the corpus (and optionally a
result document and policy files). The renderers (:mod:`.html_pages`,
:mod:`.markdown_pages`) only format it; they never read a fixture.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from conformance.handbook.domains import domain_order


@dataclass(frozen=True)
class Header:
    name: str
    value: str
    why: str


@dataclass(frozen=True)
class PathPart:
    """One path segment: a literal, or an id taken from ``semantic_body``."""

    text: str
    #: The ``semantic_body`` key the segment carries (``workflow_id``), "" for a literal.
    id_name: str = ""


@dataclass(frozen=True)
class RequestView:
    """The canonical request of one fixture, as an author must send it."""

    method: str
    #: Percent-encoded as in the fixture, without the API prefix.
    path: str
    parts: tuple[PathPart, ...]
    plane: str  # "control" or "worker"
    query: dict[str, list[str]]
    query_source: str
    headers: tuple[Header, ...]
    has_body: bool
    body: Any
    body_source: str
    #: "exact" or "subset" (only the listed top-level keys are pinned); "" without a body.
    body_mode: str

    @property
    def template(self) -> str:
        """``/workflows/{workflow_id}/signal/{signal_name}``."""
        return "/" + "/".join(f"{{{part.id_name}}}" if part.id_name else part.text for part in self.parts)


@dataclass(frozen=True)
class EnvelopeExample:
    """One payload that travels as an Avro envelope, with a worked example."""

    #: Dotted field in the request or response body (``input``, ``action.input``).
    field: str
    #: Where the fixture says so (``/sdk_python/payload_envelope``).
    source: str
    #: "request" or "response".
    direction: str
    value: Any
    hex_bytes: str
    base64: str
    #: The fixture's own blob, when it carries one ("" otherwise), and whether it equals ours.
    fixture_blob: str = ""
    blob_matches: bool = True


@dataclass(frozen=True)
class ResponseView:
    status: int
    headers: tuple[tuple[str, str], ...]
    body: Any
    #: "fixture response_body" or "server profile default reply".
    source: str
    checks: tuple[str, ...]
    #: Response contract facts the server profile states for this operation, if any.
    contract: Any = None


@dataclass(frozen=True)
class Invocation:
    """How one reference client performs the operation."""

    client: str
    #: Shell-like rendering (``dw workflow:start --type=...``) or a Python call.
    text: str
    detail: tuple[str, ...] = ()
    available: bool = True


@dataclass(frozen=True)
class DeliberateDifference:
    projection: str
    pointers: tuple[str, ...]
    reason: str
    source: str


@dataclass(frozen=True)
class MeasuredDifference:
    pointer: str
    kind: str
    expected: Any
    actual: Any
    severity: str = "failure"


@dataclass(frozen=True)
class MeasuredStatus:
    """One client's measured verdict for the operation (from ``--result``)."""

    adapter: str
    client: str
    status: str
    reason: str
    differences: tuple[MeasuredDifference, ...] = ()
    diagnostics: tuple[MeasuredDifference, ...] = ()
    #: What the fixture did not let the judge check for this client.
    not_asserted: tuple[str, ...] = ()
    #: The program replayed the canonical request instead of its client (:mod:`conformance.replays`).
    replayed: bool = False

    @property
    def shown_status(self) -> str:
        """The status as a page shows it: ``pass (replayed)`` for a replayed case."""
        return f"{self.status} (replayed)" if self.replayed else self.status


@dataclass(frozen=True)
class OperationPage:
    operation: str
    slug: str
    domain: str
    fixture_name: str
    fixture_path: str
    description: str
    semantic_body: dict[str, Any]
    request: RequestView
    envelopes: tuple[EnvelopeExample, ...]
    response: ResponseView
    paging: tuple[str, ...]
    errors: tuple[str, ...]
    invocations: tuple[Invocation, ...]
    projections: tuple[str, ...]
    deliberate: tuple[DeliberateDifference, ...]
    measured: tuple[MeasuredStatus, ...]
    problems: tuple[str, ...] = ()


@dataclass(frozen=True)
class ClientColumn:
    """A column of the coverage matrix: a client measured in the result document."""

    adapter: str
    client: str
    target: str


@dataclass
class Handbook:
    pages: list[OperationPage]
    fixture_dirs: list[str]
    clients: list[ClientColumn] = field(default_factory=list)
    result_source: str = ""
    policy_sources: list[str] = field(default_factory=list)
    input_problems: list[str] = field(default_factory=list)
    handshake: dict[str, Any] = field(default_factory=dict)
    api_prefix: str = "/api"
    control_plane_version: str = "2"
    worker_protocol_version: str = "1.0"

    def domains(self) -> list[tuple[str, list[OperationPage]]]:
        """Pages grouped by domain, domains in reading order, operations sorted in each."""
        grouped: dict[str, list[OperationPage]] = {}
        for page in self.pages:
            grouped.setdefault(page.domain, []).append(page)
        return [
            (name, sorted(grouped[name], key=lambda page: page.operation))
            for name in sorted(grouped, key=domain_order)
        ]
