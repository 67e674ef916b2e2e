"""What clients surface on an error: language-specific leaks, and a summary two clients can share.

An adapter fills ``ClientOutcome.error_surface`` when its client fails:

- ``dw``: ``{"exit_code", "json", "stderr"}``, ``json`` being the ``--json``
  error envelope it printed on stdout (``None`` when stdout was not JSON);
- the Python SDK: ``{"exception": "module.QualName", "fields": {...}, "message"}``;
- an exec program: whatever object its result's ``error_surface`` holds
  (read here like the CLI's when it has ``json``, like the SDK's when it has
  ``fields``, else as a flat ``{"status", "code", "message", "errors", "retry_after"}``).

Two pure functions judge them:

- :func:`leaks`: a PHP class name (``Symfony\\...``, any ``Foo\\Bar``), a file
  path (``/srv/app/Foo.php``, ``Foo.php:12``) or a stack trace (``#0 /path``,
  ``Stack trace:``, ``Traceback (most recent call last)``) in the
  *machine-readable* part of a surface: the CLI's ``json``, the SDK's
  ``fields`` (the SDK's class name and message are Python by nature and are
  not judged), an exec surface without its ``stderr`` and ``message``. Each
  leak has a JSON pointer into the surface (``/json/server_response/file``).
  A leak whose text the server's own answer holds is marked
  ``echoed_from_server`` (``dw --json`` copies the answer into
  ``server_response``): the client carried the server's leak, it did not
  make one.
- :func:`summarize` and :func:`compare_error_surfaces`: the facts a
  surface states, in one shape for every client (``status``: the HTTP status
  the client reports; ``code``: a machine-readable reason or code;
  ``message``; ``errors``: the validation map; ``retry_after``;
  ``category``: ``http``, ``transport`` or ``other``), and the differences of
  two summaries with pointers into the *summary* (``/status``,
  ``/errors/limit``...), not into either raw surface. A fact one client does
  not surface at all is ``None`` and differs from a value: "the SDK does not
  report the status of a 404" is a real difference. Messages are compared
  loosely: equal when one holds the other, ignoring case and a final full
  stop (the CLI says ``Schedule not found.``, the SDK's ``ScheduleNotFound``
  says ``schedule not found: s1``; ``ServerError`` says ``server returned
  404: {'message': 'Not found.'}``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

from conformance import jsonpointer

LeakKind = Literal["php_class", "file_path", "stack_trace"]
Category = Literal["http", "transport", "other"]

#: ``dw`` exit codes that mean the request never got an HTTP answer (network, time-out).
CLI_TRANSPORT_EXITS = (3, 7)
#: The prefix ``dw`` puts before the server's message in its envelope's ``error``.
CLI_MESSAGE_PREFIX = "Server error: "
_SHOWN = 120

_PATTERNS: tuple[tuple[LeakKind, re.Pattern[str], str], ...] = (
    (
        "php_class",
        re.compile(r"(?<![\w\\])\\?(?:[A-Z][A-Za-z0-9_]*\\)+[A-Z][A-Za-z0-9_]*"),
        "a PHP namespaced class name",
    ),
    (
        "file_path",
        re.compile(r"(?:[A-Za-z]:)?[\\/][^\s\"'<>]*\.php\b|\b[\w.\-]+\.php(?::\d+|\(\d+\)|\s+on\s+line\s+\d+)"),
        "a PHP file path",
    ),
    (
        "stack_trace",
        re.compile(
            r"Stack trace:|Traceback \(most recent call last\)"
            r"|(?m:^|\s)#\d+\s+(?:[\\/]|\[internal function\]|\{main\})"
        ),
        "a stack trace",
    ),
)


@dataclass(frozen=True)
class Leak:
    """One language-specific shape in a client's machine-readable error output."""

    pointer: str
    kind: LeakKind
    found: str
    message: str
    #: The server's own answer holds the same text: the client passed it on.
    echoed_from_server: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "pointer": self.pointer,
            "kind": self.kind,
            "found": self.found,
            "message": self.message,
            "echoed_from_server": self.echoed_from_server,
        }


@dataclass(frozen=True)
class ErrorSummary:
    """The facts of one error surface, in the same shape for every client."""

    category: Category
    status: int | None
    code: str | None
    message: str | None
    errors: dict[str, Any] | None
    retry_after: float | int | str | None

    def to_json(self) -> dict[str, Any]:
        return {
            "category": self.category,
            "status": self.status,
            "code": self.code,
            "message": self.message,
            "errors": self.errors,
            "retry_after": self.retry_after,
        }


@dataclass(frozen=True)
class SurfaceDifference:
    """Two clients state one fact of an error differently (``None``: not surfaced)."""

    pointer: str
    left: Any
    right: Any
    message: str

    def to_json(self) -> dict[str, Any]:
        return {"pointer": self.pointer, "left": self.left, "right": self.right, "message": self.message}


# ------------------------------------------------------------------ shapes
def surface_shape(surface: dict[str, Any]) -> Literal["cli", "sdk", "flat"]:
    """Which adapter's shape ``surface`` has."""
    if "exception" in surface and "fields" in surface:
        return "sdk"
    if "json" in surface and ("exit_code" in surface or "stderr" in surface):
        return "cli"
    return "flat"


def machine_readable(surface: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    """``(pointer, value)`` of the parts of ``surface`` a program reads (the ones judged for leaks)."""
    shape = surface_shape(surface)
    if shape == "cli":
        yield "/json", surface.get("json")
    elif shape == "sdk":
        yield "/fields", surface.get("fields")
    else:
        for key, value in surface.items():
            if key not in ("stderr", "message"):
                yield jsonpointer.join("", key), value


def _strings(value: Any, pointer: str) -> Iterator[tuple[str, str, bool]]:
    """``(pointer, text, is_key)`` of every string in a JSON tree: values, and member names."""
    stack: list[tuple[str, Any]] = [(pointer, value)]
    while stack:
        where, item = stack.pop()
        if isinstance(item, str):
            yield where, item, False
        elif isinstance(item, dict):
            for key, child in reversed(list(item.items())):
                child_pointer = jsonpointer.join(where, str(key))
                yield child_pointer, str(key), True
                stack.append((child_pointer, child))
        elif isinstance(item, list):
            for index in range(len(item) - 1, -1, -1):
                stack.append((jsonpointer.join(where, index), item[index]))


def _server_strings(server_body: Any) -> list[str]:
    if server_body is None:
        return []
    if isinstance(server_body, str | bytes):
        text = server_body.decode("utf-8", "replace") if isinstance(server_body, bytes) else server_body
        return [text]
    return [text for _, text, _ in _strings(server_body, "")]


def leaks(surface: dict[str, Any] | None, *, server_body: Any = None) -> list[Leak]:
    """Every PHP class name, PHP file path and stack trace in the machine-readable part of ``surface``.

    ``server_body`` (optional) is the answer the server gave: a leak whose text
    it holds too is marked ``echoed_from_server``. Sorted by pointer, then kind.
    """
    if not surface:
        return []
    echoed = _server_strings(server_body)
    found: list[Leak] = []
    for base, value in machine_readable(surface):
        for pointer, text, is_key in _strings(value, base):
            for kind, pattern, what in _PATTERNS:
                match = pattern.search(text)
                if match is None:
                    continue
                shown = match.group(0).strip()[:_SHOWN]
                where = "the member name" if is_key else "the value"
                message = f"{what} in {where} at {pointer}: {shown!r}"
                from_server = any(shown in other for other in echoed)
                found.append(Leak(pointer, kind, shown, message, from_server))
    return sorted(found, key=lambda leak: (leak.pointer, leak.kind))


# ------------------------------------------------------------------ summaries
def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value != "" else None


def _mapping(value: Any) -> dict[str, Any] | None:
    return value if isinstance(value, dict) and value else None


def _first_text(document: dict[str, Any], keys: tuple[str, ...]) -> str | None:
    for key in keys:
        text = _text(document.get(key))
        if text is not None:
            return text
    return None


def _retry_after(document: dict[str, Any]) -> float | int | str | None:
    for key in ("retry_after", "retry_after_seconds", "Retry-After"):
        value = document.get(key)
        if value is not None and not isinstance(value, bool | dict | list):
            return value  # type: ignore[no-any-return]
    return None


def _summarize_cli(surface: dict[str, Any]) -> ErrorSummary:
    envelope = surface.get("json")
    exit_code = _int(surface.get("exit_code"))
    if not isinstance(envelope, dict):
        lines = [line.strip() for line in str(surface.get("stderr") or "").splitlines() if line.strip()]
        category: Category = "transport" if exit_code in CLI_TRANSPORT_EXITS else "other"
        return ErrorSummary(category, None, None, lines[-1] if lines else None, None, None)
    status = _int(envelope.get("status_code"))
    message = _text(envelope.get("message"))
    if message is None:
        error = _text(envelope.get("error"))
        message = error[len(CLI_MESSAGE_PREFIX):] if error and error.startswith(CLI_MESSAGE_PREFIX) else error
    code = _first_text(envelope, ("reason", "code", "error_code", "rejection_reason", "type"))
    errors = _mapping(envelope.get("validation_errors")) or _mapping(envelope.get("errors"))
    if status is not None:
        category = "http"
    elif exit_code in CLI_TRANSPORT_EXITS or _int(envelope.get("exit_code")) in CLI_TRANSPORT_EXITS:
        category = "transport"
    else:
        category = "other"
    return ErrorSummary(category, status, code, message, errors, _retry_after(envelope))


def _summarize_sdk(surface: dict[str, Any]) -> ErrorSummary:
    fields = surface.get("fields") if isinstance(surface.get("fields"), dict) else {}
    assert isinstance(fields, dict)
    body = fields.get("body") if isinstance(fields.get("body"), dict) else {}
    assert isinstance(body, dict)
    status = _int(fields.get("status")) or _int(fields.get("status_code"))
    code = _first_text(fields, ("reason", "code")) or _first_text(body, ("reason", "code", "error_code"))
    errors = (
        _mapping(fields.get("errors"))
        or _mapping(fields.get("validation_errors"))
        or _mapping(body.get("errors"))
        or _mapping(body.get("validation_errors"))
    )
    retry_after = _retry_after(fields)
    if retry_after is None:
        retry_after = _retry_after(body)
    exception = str(surface.get("exception") or "")
    if status is not None:
        category: Category = "http"
    elif exception.startswith(("httpx.", "httpcore.", "ssl.", "socket.")) or exception.endswith(
        ("ConnectionError", "TimeoutError", "ProtocolError")
    ):
        category = "transport"
    else:
        category = "other"
    return ErrorSummary(category, status, code, _text(surface.get("message")), errors, retry_after)


def _summarize_flat(surface: dict[str, Any]) -> ErrorSummary:
    status = _int(surface.get("status"))
    stated = surface.get("category")
    category: Category = "http" if status is not None else "other"
    if stated == "transport":
        category = "transport"
    return ErrorSummary(
        category,
        status,
        _first_text(surface, ("code", "reason")),
        _text(surface.get("message")),
        _mapping(surface.get("errors")),
        _retry_after(surface),
    )


def summarize(surface: dict[str, Any]) -> ErrorSummary:
    """The comparable facts of one error surface (see the module docstring)."""
    shape = surface_shape(surface)
    if shape == "cli":
        return _summarize_cli(surface)
    if shape == "sdk":
        return _summarize_sdk(surface)
    return _summarize_flat(surface)


def _messages_agree(left: str | None, right: str | None) -> bool:
    if left is None or right is None:
        return left is right
    a, b = (text.strip().rstrip(".").casefold() for text in (left, right))
    return a == b or (bool(a) and a in b) or (bool(b) and b in a)


def compare_error_surfaces(left: dict[str, Any], right: dict[str, Any]) -> list[SurfaceDifference]:
    """The facts two clients' error surfaces state differently, with pointers into the summary."""
    one, other = summarize(left), summarize(right)
    differences: list[SurfaceDifference] = []
    for name in ("category", "status", "code", "retry_after"):
        a, b = getattr(one, name), getattr(other, name)
        if a != b or type(a) is not type(b):
            differences.append(SurfaceDifference(f"/{name}", a, b, f"{name}: {_shown(a)} vs {_shown(b)}"))
    if not _messages_agree(one.message, other.message):
        shown = f"message: {_shown(one.message)} vs {_shown(other.message)}"
        differences.append(SurfaceDifference("/message", one.message, other.message, shown))
    differences.extend(_compare_errors(one.errors, other.errors))
    return differences


def _compare_errors(left: dict[str, Any] | None, right: dict[str, Any] | None) -> list[SurfaceDifference]:
    if left is None or right is None:
        if left is right:
            return []
        return [SurfaceDifference("/errors", left, right, f"errors: {_shown(left)} vs {_shown(right)}")]
    differences: list[SurfaceDifference] = []
    for key in sorted(set(left) | set(right)):
        a, b = left.get(key), right.get(key)
        if a != b:
            pointer = jsonpointer.join("/errors", key)
            differences.append(SurfaceDifference(pointer, a, b, f"errors.{key}: {_shown(a)} vs {_shown(b)}"))
    return differences


def _shown(value: Any) -> str:
    if value is None:
        return "not surfaced"
    text = repr(value)
    return text if len(text) <= _SHOWN else text[:_SHOWN] + "..."
