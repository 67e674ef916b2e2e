"""Which domain (chapter) of the handbook an operation belongs to.

Decision: every operation whose path is on the worker plane (``/worker/...``)
goes to "Worker plane", whatever its operation id says, because a client
implements those calls together (task polling, completion, history pages,
registration). Every other operation goes by the first segment of its id
(``schedule.pause`` -> "Schedules"); a segment the table does not know gets a
title made from the segment itself, so a new operation family needs no code.
"""

from __future__ import annotations

WORKER_PLANE = "Worker plane"

#: Operation id group -> chapter title, in reading order.
DOMAIN_TITLES: dict[str, str] = {
    "workflow": "Workflows",
    "schedule": "Schedules",
    "namespace": "Namespaces",
    "search_attribute": "Search attributes",
    "task_queue": "Task queues",
    "worker": "Workers",
    "storage": "Storage",
    "system": "System maintenance",
    "bridge": "Bridge adapters",
}
_ORDER = [*DOMAIN_TITLES.values(), WORKER_PLANE]


def domain_of(operation: str, path: str) -> str:
    """The chapter title for ``operation`` whose request path (no API prefix) is ``path``."""
    if path.strip("/").split("/")[0] == "worker":
        return WORKER_PLANE
    group = operation.split(".", 1)[0]
    if group in DOMAIN_TITLES:
        return DOMAIN_TITLES[group]
    words = group.replace("-", " ").replace("_", " ").strip()
    return words[:1].upper() + words[1:] if words else "Other"


def domain_order(title: str) -> tuple[int, str]:
    """Sort key: known chapters in their order, then the others alphabetically."""
    return (_ORDER.index(title), "") if title in _ORDER else (len(_ORDER), title)


def slug_of(operation: str) -> str:
    """A file-name-safe slug: ``workflow-task.history`` -> ``workflow-task-history``."""
    cleaned = [char if char.isalnum() or char in "-" else "-" for char in operation.lower()]
    return "".join(cleaned).strip("-") or "operation"
