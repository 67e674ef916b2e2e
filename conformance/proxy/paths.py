"""Request paths as the proxy and the stub compare them.

Clients percent-encode path segments differently (``wf%201`` and ``wf 1``,
``%2E`` and ``.``), so routing compares *decoded* segments: two paths route
alike when their decoded segment lists are equal. The raw path is what gets
recorded; this module only decides where a request goes.
"""

from __future__ import annotations

from urllib.parse import unquote

__all__ = ["is_worker_plane", "match_path", "segments", "split_target", "strip_prefix"]


def split_target(target: str) -> tuple[str, str]:
    """``"/api/x?a=1#f"`` -> ``("/api/x", "a=1")`` (the fragment, never sent by clients, dropped)."""
    target = target.split("#", 1)[0]
    path, _, query = target.partition("?")
    return path, query


def segments(path: str) -> list[str]:
    """Decoded path segments: ``"/workflows/wf%201/signal"`` -> ``["workflows", "wf 1", "signal"]``.

    The query string, if any, is ignored; empty segments from doubled or
    trailing slashes are kept (``"/a//b/"`` -> ``["a", "", "b", ""]``) so that
    such paths do not silently route like the clean ones.
    """
    path = split_target(path)[0]
    if path.startswith("/"):
        path = path[1:]
    if not path:
        return []
    return [unquote(segment, errors="replace") for segment in path.split("/")]


def strip_prefix(path: str, prefix: str) -> str | None:
    """``path`` without the API ``prefix`` (``"/api/x"`` -> ``"/x"``), or None when it lacks it.

    The prefix is compared on whole segments: ``/apiary`` does not start with
    ``/api``. An empty prefix (or ``/``) strips nothing.
    """
    prefix = prefix.rstrip("/")
    if not prefix:
        return path if path.startswith("/") else "/" + path
    if path == prefix:
        return "/"
    if path.startswith(prefix + "/"):
        return path[len(prefix) :]
    return None


def is_worker_plane(path_without_prefix: str) -> bool:
    """True for worker-protocol paths (``/worker/...``), which carry the protocol-version header."""
    parts = segments(path_without_prefix)
    return bool(parts) and parts[0] == "worker"


def match_path(pattern: str, path: str) -> dict[str, str] | None:
    """The ``{name}`` values when ``path`` (no API prefix) fits ``pattern``, else None.

    ``pattern`` is a path such as ``/workflows/{workflow_id}/runs``: a
    ``{name}`` segment matches one non-empty decoded segment, any other
    segment must equal the decoded path segment (the pattern's own
    percent-escapes are decoded too).
    """
    wanted = pattern.strip("/").split("/") if pattern.strip("/") else []
    actual = segments(path)
    if len(wanted) != len(actual):
        return None
    params: dict[str, str] = {}
    for part, segment in zip(wanted, actual, strict=True):
        if len(part) > 2 and part.startswith("{") and part.endswith("}"):
            if not segment:
                return None
            params[part[1:-1]] = segment
        elif unquote(part) != segment:
            return None
    return params
