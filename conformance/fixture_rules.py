"""The semantic rules of a fixture: what a JSON Schema cannot say. One function per rule.

``validate`` reports them for files; :func:`conformance.fixture_discovery.discover`
and :func:`conformance.overlay.apply_overlays` apply the same functions when a
run loads its fixtures (:func:`semantic_problems`), so a fixture that
contradicts itself is an input problem before any client runs, never a
client's failure. One rule is what the expectation builder refuses
(:func:`expectation_problems`), so this module stands above the builder. The
rule "an envelope decodes to the plain value stated beside it"
(:func:`envelope_agreement` and its relatives) lives below the builder, in
:mod:`conformance.fixture_envelopes` (re-exported here), because the
expectation rules (:mod:`conformance.expectation_rules`) apply it to the
envelopes they meet: it is coded once, with one pointer: the stated plain
value (``.../payload_envelope/decoded``, or the ``<name>`` sibling of a
``<name>_envelope``).

Rules about a *directory* (file names, one file per operation) stay in
:mod:`conformance.validate`: they say nothing about whether a fixture can be run.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from conformance.expectations import CANONICAL, JudgeSettings, build_expectation
from conformance.fixture_envelopes import (
    companion_agreement,
    envelope_agreement,
    envelope_problems,
    payload_envelope_agreement,
)
from conformance.problems import InputError, Problem

if TYPE_CHECKING:
    from conformance.fixture import Fixture

__all__ = [
    "ACTION_SEGMENTS",
    "PATH_ID_KEYS",
    "companion_agreement",
    "envelope_agreement",
    "envelope_problems",
    "expectation_problems",
    "path_id_problems",
    "payload_envelope_agreement",
    "semantic_problems",
]

#: Collection segment of a request path -> the ``semantic_body`` keys that may
#: name the id in the segment after it (the first key present is compared).
PATH_ID_KEYS: dict[str, tuple[str, ...]] = {
    "workflows": ("workflow_id",),
    "runs": ("run_id",),
    "signal": ("signal_name",),
    "query": ("query_name",),
    "update": ("update_name",),
    "updates": ("update_id",),
    "workflow-tasks": ("task_id", "workflow_task_id"),
    "activity-tasks": ("task_id", "activity_task_id"),
    "query-tasks": ("query_task_id", "task_id"),
    "schedules": ("schedule_id",),
    "namespaces": ("name", "namespace"),
    "task-queues": ("task_queue", "name"),
    "build-ids": ("build_id",),
    "workers": ("worker_id",),
    "activities": ("activity_id",),
    "search-attributes": ("name", "attribute_name"),
}

#: Segments that name an action even right after a collection
#: (``POST /worker/workflow-tasks/poll``, ``POST /task-queues/q/build-ids/drain``):
#: never compared as ids.
ACTION_SEGMENTS = frozenset(
    {"poll", "register", "heartbeat", "search", "count", "list", "drain", "promote", "resume"}
)


# ── path ids ─────────────────────────────────────────────────────────────


def path_id_problems(document: dict[str, Any], file: str) -> list[Problem]:
    """Ids in ``request.path`` that disagree with ``semantic_body`` (see :data:`PATH_ID_KEYS`)."""
    request = document.get("request")
    semantic = document.get("semantic_body")
    if not (isinstance(request, dict) and isinstance(semantic, dict)):
        return []
    path = request.get("path")
    if not isinstance(path, str):
        return []
    segments = [segment for segment in path.split("?", 1)[0].split("/") if segment]
    problems: list[Problem] = []
    for index, collection in enumerate(segments[:-1]):
        keys = PATH_ID_KEYS.get(collection)
        segment = segments[index + 1]
        if keys is None or segment in ACTION_SEGMENTS:
            continue
        key = next((name for name in keys if name in semantic), None)
        if key is None:
            continue
        value = semantic[key]
        if isinstance(value, bool) or not isinstance(value, str | int):
            continue
        if unquote(segment) != str(value):
            problems.append(
                Problem(
                    file,
                    "/request/path",
                    f"{value!r} (semantic_body.{key}) after '{collection}/'",
                    repr(unquote(segment)),
                )
            )
    return problems


# ── the whole fixture ────────────────────────────────────────────────────


def expectation_problems(fixture: Fixture) -> list[Problem]:
    """What the expectation builder refuses, for the canonical projection and every projection.

    The builder's own rules (a ``request_body`` that disagrees with
    ``request.body``, a ``payload_envelope`` value that clashes with an
    ``expected_body``, a query value of no query type, an undecodable expected
    envelope...) are rules of the fixture too. Run-wide settings do not change
    whether a fixture contradicts itself, so neutral ones are used.
    """
    settings = JudgeSettings(namespace="default", token="")
    problems: list[Problem] = []
    for key in [CANONICAL, *fixture.projection_keys]:
        try:
            build_expectation(fixture, key, settings)
        except InputError as error:
            problems.extend(error.problems)
    return problems


def semantic_problems(fixture: Fixture) -> list[Problem]:
    """Every semantic problem of one loaded fixture (each reported once), in rule order."""
    file = str(fixture.path)
    found = [
        *envelope_problems(fixture.data, file),
        *path_id_problems(fixture.data, file),
        *expectation_problems(fixture),
    ]
    return list(dict.fromkeys(found))
