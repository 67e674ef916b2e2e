"""From a corpus (plus an optional result and policies) to a :class:`Handbook`.

Decisions:

- Fixtures are discovered like ``dw-conformance run`` does
  (:func:`conformance.fixture_discovery.discover`); a file that does not
  load is listed on the index page and on stderr, and the others still get
  their pages.
- Two fixtures of one operation (from two ``--fixtures`` directories) are a
  usage error: a page describes one operation once, and silently choosing
  one file would hide the other.
- A fixture that loads but contradicts itself (its canonical request cannot
  be built) still gets a page, which names the problem instead of a request.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from conformance.errors import UsageError
from conformance.fixture import Fixture
from conformance.fixture_discovery import discover
from conformance.handbook.behaviour import error_notes, paging_notes
from conformance.handbook.domains import domain_of, slug_of
from conformance.handbook.envelopes import envelope_examples
from conformance.handbook.invocations import invocations
from conformance.handbook.measured import Measurements, deliberate_for
from conformance.handbook.model import Handbook, OperationPage, RequestView, ResponseView
from conformance.handbook.request_view import path_parts, plane_of, request_headers, request_view
from conformance.handbook.response_view import response_view
from conformance.operations import OperationTables
from conformance.policy import Policy
from conformance.problems import InputError
from conformance.proxy.profile import ServerProfile


class HandbookUsageError(UsageError):
    """Inputs the handbook cannot be built from (the message names the files)."""


@dataclass(frozen=True)
class Sources:
    fixture_dirs: list[Path]
    profile: ServerProfile
    tables: OperationTables
    measurements: Measurements | None = None
    policies: tuple[Policy, ...] = ()


def _fallback_request(fixture: Fixture, control: str, worker: str) -> RequestView:
    plane = plane_of(fixture)
    return RequestView(
        fixture.method,
        fixture.path_template,
        path_parts(fixture),
        plane,
        {},
        "",
        request_headers(plane, False, control, worker),
        False,
        None,
        "",
        "",
    )


def build_page(fixture: Fixture, slug: str, sources: Sources) -> OperationPage:
    handshake = sources.profile.handshake
    control = str((handshake.get("control_plane") or {}).get("version", "2"))
    worker = str((handshake.get("worker_protocol") or {}).get("version", "1.0"))
    problems: list[str] = []
    try:
        request = request_view(fixture, control, worker)
    except InputError as error:
        problems.extend(problem.render() for problem in error.problems)
        request = _fallback_request(fixture, control, worker)
    response: ResponseView = response_view(fixture, sources.profile, None if problems else request)
    measured = sources.measurements.for_page(fixture.name, fixture.operation) if sources.measurements else ()
    return OperationPage(
        operation=fixture.operation,
        slug=slug,
        domain=domain_of(fixture.operation, fixture.path_template),
        fixture_name=fixture.name,
        fixture_path=str(fixture.path),
        description=str(fixture.data.get("description", "")),
        semantic_body=fixture.semantic_body,
        request=request,
        envelopes=envelope_examples(fixture),
        response=response,
        paging=paging_notes(fixture, request.query, request.body, response.body),
        errors=error_notes(fixture),
        invocations=invocations(fixture, sources.tables),
        projections=tuple(fixture.projection_keys),
        deliberate=deliberate_for(fixture.operation, list(sources.policies)),
        measured=measured,
        problems=tuple(problems),
    )


def collect(sources: Sources) -> Handbook:
    found = discover(sources.fixture_dirs)
    seen: dict[str, Fixture] = {}
    for fixture in found.fixtures:
        if fixture.operation in seen:
            raise HandbookUsageError(
                f"two fixtures describe the operation {fixture.operation!r}: "
                f"{seen[fixture.operation].path} and {fixture.path}; give one corpus per operation"
            )
        seen[fixture.operation] = fixture
    slugs: set[str] = set()
    pages: list[OperationPage] = []
    for fixture in sorted(found.fixtures, key=lambda item: item.operation):
        slug = base = slug_of(fixture.operation)
        counter = 2
        while slug in slugs:
            slug, counter = f"{base}-{counter}", counter + 1
        slugs.add(slug)
        pages.append(build_page(fixture, slug, sources))
    handshake = sources.profile.handshake
    return Handbook(
        pages=pages,
        fixture_dirs=[str(directory) for directory in sources.fixture_dirs],
        clients=list(sources.measurements.clients) if sources.measurements else [],
        result_source=sources.measurements.source if sources.measurements else "",
        policy_sources=[policy.source for policy in sources.policies],
        input_problems=[problem.render() for problem in found.problems],
        handshake=handshake,
        api_prefix=sources.profile.api_prefix,
        control_plane_version=str((handshake.get("control_plane") or {}).get("version", "2")),
        worker_protocol_version=str((handshake.get("worker_protocol") or {}).get("version", "1.0")),
    )
