"""The canonical request of a fixture, explained: path template with its ids, headers, body.

The request itself is :func:`conformance.canonical_request.canonical_request`
(the same one the ``canonical`` replay sends and the judge pins), so the
handbook can never tell an author something the verdict does not check.

Decisions:

- A path segment is shown as ``{name}`` when its decoded text equals the
  string value of a ``semantic_body`` key (``wf-polyglot-231`` ->
  ``{workflow_id}``); the first segment (the resource family) is always a
  literal. When several keys hold the same text, the first key in the
  fixture's order wins.
- Headers are the ones the judge asserts plus ``Content-Type`` for a body
  and ``Accept``, with the token and namespace written as placeholders.
"""

from __future__ import annotations

from typing import Any

from conformance.canonical_request import canonical_request
from conformance.expectations import pinned_body
from conformance.fixture import Fixture
from conformance.handbook.model import Header, PathPart, RequestView
from conformance.normalize import split_path

CONTROL_PLANE_HEADER = "X-Durable-Workflow-Control-Plane-Version"
WORKER_PROTOCOL_HEADER = "X-Durable-Workflow-Protocol-Version"


def path_parts(fixture: Fixture) -> tuple[PathPart, ...]:
    """The decoded segments of ``request.path``, ids named after their ``semantic_body`` key."""
    texts = split_path(fixture.path_template)
    ids = {
        value: key
        for key, value in reversed(list(fixture.semantic_body.items()))
        if isinstance(value, str) and value
    }
    parts: list[PathPart] = []
    for index, text in enumerate(texts):
        first = index == 0 or (index == 1 and texts[0] == "worker")
        parts.append(PathPart(text, "" if first else ids.get(text, "")))
    return tuple(parts)


def plane_of(fixture: Fixture) -> str:
    return "worker" if split_path(fixture.path_template)[:1] == ["worker"] else "control"


def request_headers(
    plane: str, has_body: bool, control_plane_version: str, worker_protocol_version: str
) -> tuple[Header, ...]:
    headers = [
        Header("Authorization", "Bearer <token>", "required: the token of the run; compared exactly"),
        Header("X-Namespace", "<namespace>", "required: the namespace the client is configured with"),
    ]
    if plane == "worker":
        headers.append(
            Header(
                WORKER_PROTOCOL_HEADER,
                worker_protocol_version,
                "required on /worker/ paths: same major version; another minor is only a diagnostic",
            )
        )
    else:
        headers.append(
            Header(CONTROL_PLANE_HEADER, control_plane_version, "required on control-plane paths, exact")
        )
    if has_body:
        headers.append(Header("Content-Type", "application/json", "the body is JSON (not judged)"))
    headers.append(Header("Accept", "application/json", "recommended (not judged)"))
    return tuple(headers)


def request_view(fixture: Fixture, control_plane_version: str, worker_protocol_version: str) -> RequestView:
    """The fixture's canonical request; ``InputError`` when the fixture contradicts itself."""
    canonical = canonical_request(fixture)
    pinned = pinned_body(fixture)
    plane = plane_of(fixture)
    body: Any = canonical.body
    return RequestView(
        method=canonical.method,
        path=canonical.path,
        parts=path_parts(fixture),
        plane=plane,
        query={name: list(values) for name, values in canonical.query.items()},
        query_source=canonical.query_source,
        headers=request_headers(plane, canonical.has_body, control_plane_version, worker_protocol_version),
        has_body=canonical.has_body,
        body=body,
        body_source=canonical.body_source,
        body_mode=pinned.mode if pinned is not None else "",
    )
