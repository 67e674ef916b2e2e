"""The ``python-sdk`` adapter: drives the real ``durable_workflow.Client``.

Design decisions:

- **In-process by default.** The SDK is imported into the harness and each
  case runs :func:`conformance.adapters.sdk_python_call.execute`: one
  ``Client`` per case inside ``async with``, in a fresh event loop
  (``asyncio.run``; the runner calls :meth:`run` from worker threads), under
  ``asyncio.wait_for`` with the case's time limit. Nothing is shared between
  cases but the imported module.
- **Another interpreter on request.** ``--adapter python-sdk=/path/to/python``
  runs the same module *as a script* under that interpreter (``python -I``,
  one subprocess per case, own process group, scrubbed environment). The
  script needs only the standard library and ``durable_workflow`` there, not
  ``conformance``; this is how an SDK release or checkout installed in another
  virtualenv is tested. The label becomes ``python-sdk=<path>`` so that both
  modes can run side by side. Without an argument, the interpreter named by
  ``$DW_CONFORMANCE_SDK_PYTHON`` is used when it is set (as ``$DW_CLI``
  names the ``dw`` binary): that is how ``tox -e conformance`` drives the SDK
  it installs in an environment of its own, away from the harness's
  packages (:mod:`conformance.environments`).
- **Method**: ``sdk_python.method``, else the operation table
  (``OperationTables.sdk_method``); neither is ``skipped`` with the reason.
- **Arguments**: ``sdk_python.args`` and ``sdk_python.kwargs`` are both JSON
  objects of keyword arguments and are merged (the same name in both with
  different values is a fixture error). Coercion, drift detection and result
  conversion are the standalone module's (see its docstring).
- **Environment.** In-process the SDK shares the harness's environment, which
  cannot be scrubbed per thread; when it holds ``DURABLE_WORKFLOW_*`` or proxy
  variables (the SDK and httpx read some), the outcome's ``detail`` says so.
- **Walks**: with ``case.drive.walk`` the call is the operation's walk in
  ``walks.yaml`` (``Client.iter_schedule_history``, whose items are
  collected; or a one-page method the adapter calls until the answer's token
  is empty); ``output`` is the JSON list of items. An operation without an SDK
  walk is ``skipped`` with the reason.
- **Error surface**: on ``client_error`` the outcome's ``error_surface`` is
  ``{"exception": "module.QualName", "fields": {...}, "message"}`` (see
  :func:`conformance.adapters.sdk_python_call.exception_surface`).
- **Subprocess reading**: under another interpreter the finished process is
  read by the helper the three subprocess adapters share
  (:mod:`conformance.adapters.process_outcome`).
- **Identity**: ``durable-workflow``, its version from the distribution's
  metadata, and how it was installed (``pypi`` when it came from an index,
  ``editable checkout at ...``, ``local directory ...``... from PEP 610's
  ``direct_url.json``).
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from conformance import jsonpointer
from conformance.adapters import sdk_python_call
from conformance.adapters.base import (
    Adapter,
    Availability,
    CaseInput,
    ClientIdentity,
    ClientOutcome,
)
from conformance.adapters.child_env import PROXY_VARIABLES, client_environment, scrubbed
from conformance.adapters.process_outcome import ProcessWording, process_outcome
from conformance.adapters.walks import no_walk_reason, walk_for
from conformance.problems import InputError, Problem
from conformance.processes import ProcessResult, run_process

PROJECTION = "sdk_python"
#: The environment variable naming the SDK's interpreter when ``--adapter python-sdk`` gives none.
SDK_PYTHON_VARIABLE = "DW_CONFORMANCE_SDK_PYTHON"
#: Extra seconds a subprocess gets beyond the call's own time limit (interpreter start, SDK import).
SUBPROCESS_GRACE_SECONDS = 5.0
IDENTITY_TIMEOUT_SECONDS = 20.0
WORDING = ProcessWording(
    start_failed="{error}",
    timed_out="the SDK subprocess did not finish within {timeout} s; its group was killed",
)
_NOT_INSTALLED = (
    "the durable-workflow package is not importable in this interpreter "
    "(install it with: pip install 'dw-conformance[sdk]')"
)


def sdk_arguments(projection: dict[str, Any], file: str) -> tuple[dict[str, Any], dict[str, str]]:
    """The merged keyword arguments of ``args`` and ``kwargs``, and each name's fixture pointer."""
    arguments: dict[str, Any] = {}
    pointers: dict[str, str] = {}
    problems: list[Problem] = []
    for key in ("args", "kwargs"):
        if key not in projection:
            continue
        section = projection[key]
        base = jsonpointer.join("", PROJECTION, key)
        if not isinstance(section, dict):
            problems.append(Problem(file, base, "a JSON object of keyword arguments", type(section).__name__))
            continue
        for name, value in section.items():
            where = jsonpointer.join(base, name)
            if name in arguments and arguments[name] != value:
                expected = f"the same value as {pointers[name]} (or the name only once)"
                problems.append(Problem(file, where, expected, repr(value)))
                continue
            arguments[name] = value
            pointers.setdefault(name, where)
    if problems:
        raise InputError(problems)
    return arguments, pointers


def _environment_note() -> str:
    names = sorted(
        name for name in os.environ
        if name.upper().startswith("DURABLE_WORKFLOW_") or name.upper() in PROXY_VARIABLES
    )
    if not names:
        return ""
    return (
        "note: the harness environment sets " + ", ".join(names)
        + "; the in-process SDK and httpx may read them"
    )


class PythonSdkAdapter(Adapter):
    name = "python-sdk"
    projection = PROJECTION
    target = "official_sdk"

    def __init__(self, arg: str | None = None, **options: Any) -> None:
        super().__init__(arg, **options)
        self._identity: ClientIdentity | None = None
        self._availability: Availability | None = None

    @property
    def interpreter(self) -> str | None:
        """The other interpreter to run the SDK under (``None``: in-process)."""
        return self.arg or os.environ.get(SDK_PYTHON_VARIABLE) or None

    @property
    def label(self) -> str:
        # Never the interpreter's path: a label ends up in case ids, known-failures files and shard
        # merges, which must not depend on where a machine keeps its virtualenvs. The identity names
        # the interpreter; several instances are told apart with ``python-sdk@LABEL=PATH``.
        return self.name

    # ----------------------------------------------------------- discovery
    def check_available(self) -> Availability:
        if self._availability is None:
            self._availability = self._probe()
        return self._availability

    def _probe(self) -> Availability:
        if self.interpreter is None:
            try:
                found = sdk_python_call.identity()
            except Exception as error:
                return Availability(False, f"{_NOT_INSTALLED}: {type(error).__name__}: {error}")
            self._identity = ClientIdentity(found["name"], found["version"], found["installed"])
            return Availability(True)
        python = Path(self.interpreter).expanduser()
        if not python.exists():
            return Availability(False, f"python-sdk={self.interpreter}: no such interpreter")
        if not os.access(python, os.X_OK) or python.is_dir():
            return Availability(False, f"python-sdk={self.interpreter}: not an executable file")
        result = run_process(
            [str(python), "-I", str(Path(sdk_python_call.__file__)), "--identity"],
            env=scrubbed(),
            cwd=Path(tempfile.gettempdir()),
            timeout=IDENTITY_TIMEOUT_SECONDS,
        )
        document = _json_object(result.stdout)
        if result.start_error or result.timed_out or document is None or "error" in document:
            why = (
                result.start_error
                or ("timed out" if result.timed_out else "")
                or (document or {}).get("error")
                or (result.stderr.strip().splitlines() or ["no output"])[-1]
            )
            return Availability(
                False,
                f"durable-workflow is not importable by {self.interpreter} "
                f"(install it there: pip install durable-workflow): {why}",
            )
        self._identity = ClientIdentity(
            str(document.get("name", "durable-workflow")),
            str(document.get("version", "unknown")),
            f"{document.get('installed', 'unknown')} (interpreter {self.interpreter})",
        )
        return Availability(True)

    def identity(self) -> ClientIdentity:
        availability = self.check_available()
        if self._identity is None:
            return ClientIdentity("durable-workflow", "unknown", availability.reason or "unknown")
        return self._identity

    # ----------------------------------------------------------- running
    def method_for(self, case: CaseInput) -> str | None:
        projection = case.fixture.projection(self.projection_key) or {}
        method = projection.get("method")
        if isinstance(method, str) and method:
            return method
        return case.operations.sdk_method(case.fixture.operation)

    def run(self, case: CaseInput) -> ClientOutcome:
        fixture = case.fixture
        availability = self.check_available()
        if not availability.available:
            return ClientOutcome("harness_error", detail=availability.reason)
        method = self.method_for(case)
        if method is None:
            return ClientOutcome(
                "skipped",
                detail=(
                    f"no SDK method known for operation {fixture.operation!r}: add sdk_python.method "
                    "to the fixture or an sdk_methods entry to the operations table"
                ),
            )
        try:
            projection = fixture.projection(self.projection_key) or {}
            arguments, pointers = sdk_arguments(projection, str(fixture.path))
        except InputError as error:
            return ClientOutcome("harness_error", detail=str(error))
        request: dict[str, Any] = {
            "base_url": case.server_url,
            "namespace": case.namespace,
            "token": case.token,
            "method": method,
            "arguments": arguments,
            "pointers": pointers,
            "timeout": case.timeout,
        }
        if case.drive.walk:
            walk = walk_for(fixture.operation)
            if walk is None or walk.sdk_python is None:
                return ClientOutcome("skipped", detail=no_walk_reason(fixture.operation, "the Python SDK"))
            request["walk"] = walk.sdk_python.to_request()
        if self.interpreter is None:
            outcome = _outcome(sdk_python_call.execute(request))
            note = _environment_note()
            if note:
                outcome.detail = f"{outcome.detail}; {note}" if outcome.detail else note
        else:
            outcome = self._run_elsewhere(request, case)
        return outcome.redacted([case.token])

    def _run_elsewhere(self, request: dict[str, Any], case: CaseInput) -> ClientOutcome:
        assert self.interpreter is not None
        case.work_dir.mkdir(parents=True, exist_ok=True)
        result = run_process(
            [self.interpreter, "-I", str(Path(sdk_python_call.__file__))],
            env=client_environment(case.server_url, case.namespace, case.token),
            cwd=case.work_dir,
            timeout=case.timeout + SUBPROCESS_GRACE_SECONDS,
            stdin_data=json.dumps(request).encode("utf-8"),
        )
        return process_outcome(result, wording=WORDING, shown_timeout=case.timeout, finished=_script_outcome)


def _script_outcome(result: ProcessResult) -> ClientOutcome:
    """The outcome the SDK script printed (its own duration), or a harness error when it printed none."""
    document = _json_object(result.stdout)
    if document is None or "status" not in document:
        return ClientOutcome(
            "harness_error",
            duration=result.duration,
            exit_code=result.exit_code,
            stdout=result.stdout,
            stderr=result.stderr,
            detail=f"the SDK subprocess (exit {result.exit_code}) did not print a JSON result",
        )
    outcome = _outcome(document)
    outcome.exit_code = result.exit_code
    outcome.stderr = result.stderr
    return outcome


def _json_object(text: str) -> dict[str, Any] | None:
    try:
        document = json.loads(text)
    except ValueError:
        return None
    return document if isinstance(document, dict) else None


def _outcome(result: dict[str, Any]) -> ClientOutcome:
    status = str(result.get("status", "harness_error"))
    surface = result.get("error_surface")
    return ClientOutcome(
        status=status,
        duration=float(result.get("duration") or 0.0),
        exception=result.get("exception"),
        output=result.get("output"),
        detail=str(result.get("detail") or ""),
        drift=[str(line) for line in result.get("drift") or []],
        error_surface=surface if isinstance(surface, dict) else None,
    )
