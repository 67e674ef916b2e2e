"""Calling one ``durable_workflow.Client`` coroutine for a fixture: the ``python-sdk`` adapter's engine.

This module is deliberately **standalone**: it imports only the standard
library and, lazily, ``durable_workflow``. The ``python-sdk`` adapter imports
it to run in-process, and runs the very same file as a script
(``python -I sdk_python_call.py``) under another interpreter when it is given
one (``--adapter python-sdk=/path/to/python``), where ``conformance`` is not
installed. It also keeps to Python 3.10 syntax, the oldest the SDK supports.

Script protocol: ``--identity`` prints the SDK's identity as JSON; otherwise
one JSON request (see :func:`execute`) is read on stdin and one JSON result
printed on stdout. Exit code 0 whenever a result was printed.

Design decisions:

- **Arguments are keyword arguments.** ``args`` and ``kwargs`` of the fixture
  are both JSON objects of keyword arguments; the adapter merges them. Only a
  positional-only parameter (none in SDK 2.8) is passed positionally.
- **Drift before the call.** The method's signature is read by introspection.
  A name the signature does not accept, a required parameter the fixture
  does not give, a method the SDK does not have, and (inside SDK types) an
  unknown or missing field are *drift between the fixture and the installed
  SDK*: every one is reported, one line each, naming the parameter and the SDK
  version, and nothing is sent.
- **Coercion by annotation, recursively.** A JSON value is turned into the
  type the SDK annotates (``typing.get_type_hints``): ``X | None`` and other
  unions (the member whose shape fits the value is tried first), ``list[X]``,
  ``tuple``, ``set``, ``dict[K, V]``, enums (by value), dataclasses and other
  classes (a JSON object becomes a call of the constructor, each field
  coerced by its own annotation). Scalars are never converted: what the
  fixture says is what the SDK gets, so that a type mismatch shows on the
  wire rather than being hidden here. A JSON value that cannot become the
  annotated class at all (a string where ``ScheduleSpec`` is wanted, a
  constructor that raises) is a coercion error: the case is a harness error
  that names the fixture pointer and the type.
- **One client, one event loop per call.** :func:`execute` runs
  ``asyncio.run`` (a fresh loop, safe from worker threads; from a thread
  that already runs a loop, in a helper thread) around
  ``asyncio.wait_for(..., timeout)``; the client is an ``async with`` inside
  the timed coroutine, so it is closed on every path, time-out included.
- **Results are JSON-shaped.** The return value becomes plain data
  (dataclasses and simple objects to dicts, tuples and sets to lists, enums to
  their value); bytes stay bytes in-process and become ``{"$bytes": base64}``
  in the script's JSON output.
"""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import enum
import inspect
import json
import sys
import threading
import time
import types
import typing
from collections.abc import Callable, Coroutine, Mapping, Sequence
from importlib.metadata import PackageNotFoundError, distribution, version
from typing import Any
from urllib.parse import urlsplit, urlunsplit

DISTRIBUTION = "durable-workflow"
CLIENT_PATH = "durable_workflow.Client"
MAX_RESULT_DEPTH = 64
_MISSING = object()


# ------------------------------------------------------------------ identity
def sdk_version() -> str | None:
    """The installed ``durable-workflow`` version, ``None`` when not installed."""
    try:
        return version(DISTRIBUTION)
    except PackageNotFoundError:
        return None


def _without_credentials(url: str) -> str:
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))


def install_kind() -> str:
    """How ``durable-workflow`` was installed, from its ``direct_url.json`` (PEP 610).

    No ``direct_url.json`` means it came from a package index (``pypi``); a
    ``dir_info`` with ``editable`` is an editable checkout, without it a local
    directory; ``archive_info`` a local or remote archive; ``vcs_info`` a
    version-control URL. Credentials in a URL are dropped.
    """
    try:
        dist = distribution(DISTRIBUTION)
    except PackageNotFoundError:
        return "not installed"
    text = dist.read_text("direct_url.json")
    if not text:
        return "pypi"
    try:
        info = json.loads(text)
    except ValueError:
        return "unknown (unreadable direct_url.json)"
    url = _without_credentials(str(info.get("url", "")))
    location = url[len("file://") :] if url.startswith("file://") else url
    if isinstance(info.get("dir_info"), dict):
        if info["dir_info"].get("editable"):
            return f"editable checkout at {location}"
        return f"local directory {location}"
    if isinstance(info.get("vcs_info"), dict):
        vcs = info["vcs_info"]
        commit = vcs.get("commit_id", "")
        return f"{vcs.get('vcs', 'vcs')} {location}" + (f"@{commit}" if commit else "")
    if isinstance(info.get("archive_info"), dict):
        return f"archive {location}"
    return f"direct URL {location}"


def identity() -> dict[str, str]:
    """``{"name", "version", "installed"}`` of the importable SDK; raises ImportError when absent."""
    import durable_workflow  # noqa: F401  (importability is the point)

    return {"name": DISTRIBUTION, "version": sdk_version() or "unknown", "installed": install_kind()}


# ------------------------------------------------------------------ coercion
@dataclasses.dataclass
class Issue:
    """One reason a fixture's arguments cannot be given to the SDK."""

    message: str
    #: True when the fixture and the installed SDK disagree on a name (drift);
    #: False when a value simply cannot become the annotated type.
    drift: bool


class CoercionError(Exception):
    def __init__(self, issues: list[Issue]) -> None:
        self.issues = issues
        super().__init__("; ".join(issue.message for issue in issues))


def _type_name(annotation: Any) -> str:
    if isinstance(annotation, type):
        return annotation.__name__
    return str(annotation).replace("typing.", "")


def _is_union(annotation: Any) -> bool:
    origin = typing.get_origin(annotation)
    return origin is typing.Union or origin is types.UnionType


def _fits(value: Any, annotation: Any) -> bool:
    """Whether ``value``'s JSON shape matches ``annotation`` well enough to try it first."""
    if annotation is Any or annotation is object:
        return True
    origin = typing.get_origin(annotation) or annotation
    if origin is typing.Literal:
        return value in typing.get_args(annotation)
    if not isinstance(origin, type):
        return False
    if isinstance(value, bool):
        return origin is bool
    if isinstance(value, int):
        return origin in (int, float) or (issubclass(origin, enum.Enum))
    if isinstance(value, float):
        return origin is float
    if isinstance(value, str):
        return origin is str or issubclass(origin, enum.Enum)
    if isinstance(value, list):
        return issubclass(origin, (list, tuple, set, frozenset)) or origin is Sequence
    if isinstance(value, dict):
        return origin not in (str, int, float, bool, bytes, list, tuple, set, frozenset)
    return False


def _hints(target: Any) -> dict[str, Any]:
    try:
        return typing.get_type_hints(target)
    except Exception:  # unresolvable forward references: treat as unannotated
        return {}


def coerce(value: Any, annotation: Any, where: str, sdk: str) -> Any:
    """``value`` (parsed JSON) turned into ``annotation``; :class:`CoercionError` when impossible."""
    if annotation is inspect.Parameter.empty or annotation is Any or annotation is object:
        return value
    if isinstance(annotation, str | typing.TypeVar):
        return value
    if _is_union(annotation):
        return _coerce_union(value, annotation, where, sdk)
    origin = typing.get_origin(annotation)
    arguments = typing.get_args(annotation)
    if origin is typing.Literal or origin is typing.ClassVar:
        return value
    if origin is not None and isinstance(origin, type):
        return _coerce_generic(value, origin, arguments, where, sdk)
    if not isinstance(annotation, type):
        return value
    if value is None or annotation in (str, int, float, bool, bytes):
        return value  # scalars are passed as the fixture gives them
    if issubclass(annotation, dict | list | tuple):
        return value  # plain containers and TypedDicts too
    try:
        if isinstance(value, annotation):
            return value
    except TypeError:  # a non-runtime Protocol and the like: nothing to build
        return value
    if issubclass(annotation, enum.Enum):
        try:
            return annotation(value)
        except ValueError:
            allowed = ", ".join(repr(member.value) for member in annotation)
            message = f"{where}: {value!r} is not a value of {annotation.__name__} in {sdk} ({allowed})"
            raise CoercionError([Issue(message, True)]) from None
    if isinstance(value, dict):
        return _construct(value, annotation, where, sdk)
    raise CoercionError(
        [Issue(f"{where}: {sdk} wants {annotation.__name__} here (built from a JSON object); "
               f"the fixture gives {_json_kind(value)}", False)]
    )


def _json_kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def _coerce_union(value: Any, annotation: Any, where: str, sdk: str) -> Any:
    members = typing.get_args(annotation)
    if value is None and type(None) in members:
        return None
    candidates = [member for member in members if member is not type(None)]
    ordered = [m for m in candidates if _fits(value, m)] + [m for m in candidates if not _fits(value, m)]
    failures: list[Issue] = []
    for member in ordered:
        try:
            return coerce(value, member, where, sdk)
        except CoercionError as error:
            failures.extend(error.issues)
    drift = [issue for issue in failures if issue.drift]
    raise CoercionError(drift or failures)


def _coerce_generic(value: Any, origin: type, arguments: tuple[Any, ...], where: str, sdk: str) -> Any:
    if issubclass(origin, Mapping) and isinstance(value, dict):
        value_type = arguments[1] if len(arguments) == 2 else Any
        result: dict[Any, Any] = {}
        issues: list[Issue] = []
        for key, item in value.items():
            try:
                result[key] = coerce(item, value_type, f"{where}/{_escape(key)}", sdk)
            except CoercionError as error:
                issues.extend(error.issues)
        if issues:
            raise CoercionError(issues)
        return result
    if issubclass(origin, (list, tuple, set, frozenset)) or origin is Sequence:
        if not isinstance(value, list):
            return value
        if origin is tuple and arguments and not (len(arguments) == 2 and arguments[1] is Ellipsis):
            item_types = list(arguments) + [Any] * max(0, len(value) - len(arguments))
        else:
            item_types = [arguments[0] if arguments else Any] * len(value)
        items: list[Any] = []
        issues = []
        for index, (item, item_type) in enumerate(zip(value, item_types, strict=False)):
            try:
                items.append(coerce(item, item_type, f"{where}/{index}", sdk))
            except CoercionError as error:
                issues.extend(error.issues)
        if issues:
            raise CoercionError(issues)
        if origin is tuple:
            return tuple(items)
        if origin in (set, frozenset):
            return origin(items)
        return items
    return value


def _escape(token: Any) -> str:
    return str(token).replace("~", "~0").replace("/", "~1")


def _constructor_fields(cls: type) -> tuple[dict[str, Any], set[str], bool]:
    """``(annotations by name, required names, accepts **kwargs)`` of ``cls``'s constructor."""
    if dataclasses.is_dataclass(cls):
        hints = _hints(cls)
        names: dict[str, Any] = {}
        required: set[str] = set()
        for item in dataclasses.fields(cls):
            if not item.init:
                continue
            names[item.name] = hints.get(item.name, Any)
            if item.default is dataclasses.MISSING and item.default_factory is dataclasses.MISSING:
                required.add(item.name)
        return names, required, False
    try:
        signature = inspect.signature(cls)
    except (TypeError, ValueError):
        return {}, set(), True
    hints = _hints(cls.__init__)  # type: ignore[misc]
    names = {}
    required = set()
    var_keyword = False
    for parameter in signature.parameters.values():
        if parameter.kind is inspect.Parameter.VAR_KEYWORD:
            var_keyword = True
            continue
        if parameter.kind is inspect.Parameter.VAR_POSITIONAL:
            continue
        names[parameter.name] = hints.get(parameter.name, parameter.annotation)
        if parameter.default is inspect.Parameter.empty:
            required.add(parameter.name)
    return names, required, var_keyword


def _construct(value: dict[str, Any], cls: type, where: str, sdk: str) -> Any:
    fields, required, open_ended = _constructor_fields(cls)
    issues: list[Issue] = []
    arguments: dict[str, Any] = {}
    for key, item in value.items():
        if key not in fields and not open_ended:
            known = ", ".join(fields) or "none"
            field_pointer = f"{where}/{_escape(key)}"
            message = f"{field_pointer}: {cls.__name__} in {sdk} has no field {key!r} (fields: {known})"
            issues.append(Issue(message, True))
            continue
        try:
            arguments[key] = coerce(item, fields.get(key, Any), f"{where}/{_escape(key)}", sdk)
        except CoercionError as error:
            issues.extend(error.issues)
    for name in sorted(required - set(value)):
        message = f"{where}: {cls.__name__} in {sdk} requires field {name!r}, which the fixture lacks"
        issues.append(Issue(message, True))
    if issues:
        raise CoercionError(issues)
    try:
        return cls(**arguments)
    except Exception as error:
        message = f"{where}: {cls.__name__}(...) refused the fixture's fields: {_describe_exception(error)}"
        raise CoercionError([Issue(message, False)]) from None


# ------------------------------------------------------------------ planning
@dataclasses.dataclass
class CallPlan:
    method: str
    positional: list[Any]
    keywords: dict[str, Any]


@dataclasses.dataclass
class PlanProblems:
    drift: list[str]
    errors: list[str]


def plan_call(
    client_class: type,
    method: str,
    arguments: dict[str, Any],
    pointers: dict[str, str],
    sdk: str,
) -> CallPlan | PlanProblems:
    """Match ``arguments`` to ``client_class.<method>``'s signature and coerce them.

    ``pointers`` maps each argument name to the fixture pointer it came from
    (for messages). ``sdk`` is ``"durable-workflow <version>"``.
    """
    function = getattr(client_class, method, None)
    if function is None or not callable(function):
        return PlanProblems([f"{sdk} has no method Client.{method}"], [])
    try:
        signature = inspect.signature(function)
    except (TypeError, ValueError) as error:
        return PlanProblems([], [f"the signature of Client.{method} in {sdk} cannot be read: {error}"])
    hints = _hints(function)
    parameters = [p for p in signature.parameters.values() if p.name != "self"]
    accepts_any = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters)
    named = {p.name: p for p in parameters if p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)}
    drift: list[str] = []
    errors: list[str] = []
    for name in arguments:
        if name not in named and not accepts_any:
            drift.append(
                f"parameter {name!r} ({pointers.get(name, 'fixture')}) is not accepted by "
                f"Client.{method} in {sdk}"
            )
    for parameter in named.values():
        if parameter.default is inspect.Parameter.empty and parameter.name not in arguments:
            drift.append(
                f"required parameter {parameter.name!r} of Client.{method} in {sdk} "
                "is missing from the fixture"
            )
    coerced: dict[str, Any] = {}
    for name, value in arguments.items():
        if name not in named and not accepts_any:
            continue
        annotation = hints.get(name, named[name].annotation if name in named else Any)
        try:
            coerced[name] = coerce(value, annotation, pointers.get(name, name), sdk)
        except CoercionError as error:
            for issue in error.issues:
                (drift if issue.drift else errors).append(issue.message)
    if drift or errors:
        return PlanProblems(drift, errors)
    positional: list[Any] = []
    for parameter in parameters:
        if parameter.kind is not inspect.Parameter.POSITIONAL_ONLY:
            break
        positional.append(coerced.pop(parameter.name, parameter.default))
    return CallPlan(method, positional, coerced)


# ------------------------------------------------------------------ results
def to_plain(value: Any, depth: int = 0) -> Any:
    """A JSON-shaped view of an SDK return value (bytes are kept as bytes)."""
    if depth > MAX_RESULT_DEPTH:
        return "[nested too deeply]"
    if value is None or isinstance(value, bool | int | float | str | bytes):
        return value
    if isinstance(value, enum.Enum):
        return to_plain(value.value, depth + 1)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = dataclasses.fields(value)
        return {item.name: to_plain(getattr(value, item.name), depth + 1) for item in fields}
    if isinstance(value, Mapping):
        return {str(key): to_plain(item, depth + 1) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [to_plain(item, depth + 1) for item in value]
    attributes = getattr(value, "__dict__", None)
    if isinstance(attributes, dict):
        plain: dict[str, Any] = {"$type": type(value).__name__}
        for key, item in attributes.items():
            if key.startswith("_") or callable(item):
                continue
            plain[key] = to_plain(item, depth + 1)
        return plain
    return repr(value)


def _json_default(value: Any) -> Any:
    if isinstance(value, bytes | bytearray):
        return {"$bytes": base64.b64encode(bytes(value)).decode("ascii")}
    return repr(value)


# ------------------------------------------------------------------ execution
def _describe_exception(error: BaseException) -> str:
    message = str(error)
    return f"{type(error).__name__}: {message}" if message else type(error).__name__


async def _call(client_class: type, request: dict[str, Any], plan: CallPlan) -> Any:
    client = client_class(request["base_url"], namespace=request["namespace"], token=request["token"])
    async with client:
        return await getattr(client, plan.method)(*plan.positional, **plan.keywords)


async def _walk_iterator(
    client_class: type, request: dict[str, Any], plan: CallPlan, items: list[Any]
) -> None:
    """Collect every item an async-iterator method yields into ``items`` (kept on a time-out)."""
    client = client_class(request["base_url"], namespace=request["namespace"], token=request["token"])
    async with client:
        async for item in getattr(client, plan.method)(*plan.positional, **plan.keywords):
            items.append(to_plain(item))


def _field(page: Any, name: str) -> Any:
    plain = to_plain(page)
    return plain.get(name) if isinstance(plain, dict) else None


async def _walk_pages(
    client_class: type, request: dict[str, Any], plan: CallPlan, walk: dict[str, Any], items: list[Any]
) -> str:
    """Call a one-page method until its answer's token is empty; the pages' items go into ``items``.

    Returns a note for the outcome's ``detail`` (how many pages, and a stop at the page bound).
    """
    client = client_class(request["base_url"], namespace=request["namespace"], token=request["token"])
    token_argument = str(walk["token_argument"])
    limit = int(walk.get("max_pages") or 100)
    keywords = dict(plan.keywords)
    pages = 0
    async with client:
        while True:
            page = await getattr(client, plan.method)(*plan.positional, **keywords)
            pages += 1
            found = _field(page, str(walk["items_field"]))
            if isinstance(found, list):
                items.extend(found)
            token = _field(page, str(walk["token_field"]))
            if token is None or token == "":
                return (
                    f"the adapter walked Client.{plan.method} page by page ({pages} pages): "
                    "the SDK has no iterator"
                )
            if pages >= limit:
                return f"the adapter stopped walking Client.{plan.method} after {limit} pages (its bound)"
            keywords[token_argument] = token


def _missing_token_argument(client_class: type, method: str, token_argument: str) -> str:
    """Why ``method`` cannot be walked page by page ("" when it takes the token argument)."""
    try:
        parameters = inspect.signature(getattr(client_class, method)).parameters
    except (TypeError, ValueError):
        return ""
    if token_argument in parameters or any(p.kind is p.VAR_KEYWORD for p in parameters.values()):
        return ""
    return f"Client.{method} takes no {token_argument} argument, so its pages cannot be walked"


def _public_fields(error: BaseException) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for name, value in vars(error).items():
        if name.startswith("_") or callable(value):
            continue
        fields[name] = to_plain(value)
    return fields


def exception_surface(error: BaseException) -> dict[str, Any]:
    """What the SDK surfaced on an error: the exception's qualified class, its public fields, its message.

    ``fields`` are the instance attributes not starting with ``_`` (``status``,
    ``body``, ``errors``, ``schedule_id``...), as plain data.
    """
    kind = type(error)
    return {
        "exception": f"{kind.__module__}.{kind.__qualname__}",
        "fields": _public_fields(error),
        "message": str(error),
    }


def _run_in_fresh_loop(make: Callable[[], Coroutine[Any, Any, Any]]) -> Any:
    """``asyncio.run`` of a new coroutine; on a thread that already runs a loop (a pytest-asyncio
    test, a notebook), in a helper thread instead, since a loop cannot be nested."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(make())
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = asyncio.run(make())
        except BaseException as error:  # handed back to the caller's thread
            box["error"] = error

    helper = threading.Thread(target=target, name="dw-conformance-sdk-call", daemon=True)
    helper.start()
    helper.join()
    if "error" in box:
        raise box["error"]
    return box.get("value")


def execute(request: dict[str, Any]) -> dict[str, Any]:
    """Run one call. ``request``: ``base_url``, ``namespace``, ``token``, ``method``,
    ``arguments`` (name -> JSON value), ``pointers`` (name -> fixture pointer), ``timeout``,
    and optionally ``walk``: ``{"kind": "iterator", "method"}`` (collect an async iterator's
    items) or ``{"kind": "pages", "method", "token_argument", "token_field", "items_field",
    "max_pages"}`` (call a one-page method until its token is empty). A walk's ``method``
    replaces ``method``; its ``output`` is the list of items, the ones read before an error
    or a time-out included.

    Returns ``{"status", "exception", "output", "drift", "detail", "duration"}`` with
    status ``completed``, ``client_error``, ``timeout``, ``drift`` or ``harness_error``,
    plus ``error_surface`` (:func:`exception_surface`) on ``client_error``.
    """
    started = time.monotonic()
    result: dict[str, Any] = {
        "status": "completed", "exception": None, "output": None, "drift": [], "detail": "", "duration": 0.0
    }
    try:
        from durable_workflow import Client
    except Exception as error:
        detail = f"durable_workflow cannot be imported: {_describe_exception(error)}"
        result.update(status="harness_error", detail=detail)
        return result
    sdk = f"{DISTRIBUTION} {sdk_version() or 'unknown'}"
    pointers = dict(request.get("pointers", {}))
    walk = request.get("walk")
    method = str(walk["method"]) if isinstance(walk, dict) else str(request["method"])
    plan = plan_call(Client, method, dict(request["arguments"]), pointers, sdk)
    if isinstance(plan, PlanProblems):
        if plan.drift:
            result.update(status="drift", drift=plan.drift + plan.errors,
                          detail=f"the fixture and {sdk} disagree on Client.{method}'s parameters")
        else:
            result.update(status="harness_error", detail="; ".join(plan.errors))
        result["duration"] = time.monotonic() - started
        return result
    if isinstance(walk, dict) and walk.get("kind") == "pages":
        missing = _missing_token_argument(Client, plan.method, str(walk["token_argument"]))
        if missing:
            result.update(status="skipped", detail=f"{sdk}: {missing}")
            result["duration"] = time.monotonic() - started
            return result
    timeout = float(request["timeout"])
    items: list[Any] = []

    def make() -> Coroutine[Any, Any, Any]:
        if not isinstance(walk, dict):
            return _call(Client, request, plan)
        if walk.get("kind") == "pages":
            return _walk_pages(Client, request, plan, walk, items)
        return _walk_iterator(Client, request, plan, items)

    try:
        value = _run_in_fresh_loop(lambda: asyncio.wait_for(make(), timeout))
    except asyncio.TimeoutError:  # noqa: UP041  (not the builtin TimeoutError on Python 3.10)
        result.update(status="timeout", detail=f"Client.{plan.method} did not return within {timeout:g} s")
    except Exception as error:
        surface = exception_surface(error)
        result.update(status="client_error", exception=_describe_exception(error), error_surface=surface)
    else:
        if not isinstance(walk, dict):
            result["output"] = to_plain(value)
        elif isinstance(value, str):  # the page-by-page walk's note: how many pages it read
            result["detail"] = value
    if isinstance(walk, dict):
        result["output"] = items  # the items read before an error or a time-out too
    result["duration"] = time.monotonic() - started
    return result


def main(argv: list[str] | None = None) -> int:
    arguments = sys.argv[1:] if argv is None else argv
    if arguments == ["--identity"]:
        try:
            print(json.dumps(identity()))
        except Exception as error:
            print(json.dumps({"error": _describe_exception(error)}))
            return 3
        return 0
    try:
        request = json.loads(sys.stdin.read())
    except ValueError as error:
        print(json.dumps({"status": "harness_error", "detail": f"the request on stdin is not JSON: {error}"}))
        return 0
    print(json.dumps(execute(request), default=_json_default))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
