"""The one interface every adapter implements."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from conformance.fixture import Fixture
from conformance.operations import OperationTables, default_tables
from conformance.redact import redact_value
from conformance.response.facts_map import ClientFacts
from conformance.textsafe import json_safe


class AdapterError(Exception):
    """An adapter cannot be configured (bad argument, bad manifest...)."""


@dataclass(frozen=True)
class ClientIdentity:
    """Who is under test, for the result document."""

    name: str
    version: str
    #: How the client was installed or found: "pypi", "editable", "binary at /usr/bin/dw", ...
    installed: str

    def to_json(self) -> dict[str, str]:
        return {"name": self.name, "version": self.version, "installed": self.installed}


@dataclass(frozen=True)
class Availability:
    available: bool
    reason: str = ""


@dataclass(frozen=True)
class Drive:
    """How the client drives the fixture's operation.

    ``walk=False`` (the default) is one call, as a single-request case has
    always been. ``walk=True`` asks the client to walk every page of a paged
    read to the end: ``dw`` with its walk flag (``schedule:history --all``),
    the SDK through its iterator (``Client.iter_schedule_history``). Which
    operations can be walked, and how, is data:
    ``conformance/adapters/walks.yaml``. An adapter that cannot walk an
    operation returns a ``skipped`` outcome that says why.

    ``machine_output=True`` asks for the client's machine-readable output
    even where the fixture's own command line does not (``dw`` gets
    ``--json`` unless its arguments already choose an output): scenario cases
    compare what clients surface on an error, and only a machine-readable
    error envelope can be compared (and checked for language-specific
    leaks). A client whose output is always data (an SDK) ignores it.
    """

    walk: bool = False
    machine_output: bool = False

    def to_json(self) -> dict[str, bool]:
        return {"walk": self.walk, "machine_output": self.machine_output}


@dataclass(frozen=True)
class CaseInput:
    """Everything an adapter needs to run one case."""

    fixture: Fixture
    server_url: str
    namespace: str
    token: str
    timeout: float
    #: A private scratch directory for this case (removed by the harness).
    work_dir: Path
    operations: OperationTables = field(default_factory=default_tables)
    case_id: str = ""
    #: The server's API route prefix (the server profile's ``api_prefix``).
    #: Real clients add it themselves; only the ``canonical`` replay reads it.
    api_prefix: str = "/api"
    #: How to drive the operation (one call, or a walk of every page).
    drive: Drive = field(default_factory=Drive)


#: Outcome statuses.
#: - "completed": the client finished normally (exit 0, coroutine returned)
#: - "client_error": the client failed on its own (non-zero exit, exception);
#:   judged on the response side (a refusal of the answer) once the request is on the wire
#: - "timeout": the time limit was hit; the client was stopped
#: - "skipped": the adapter cannot express this fixture (``detail`` says why)
#: - "drift": the fixture and the installed client disagree on the operation's
#:   parameters (``drift`` names each one); nothing could be sent
#: - "harness_error": the adapter itself failed (bad manifest, garbage output)
OUTCOME_STATUSES = ("completed", "client_error", "timeout", "skipped", "drift", "harness_error")


@dataclass
class ClientOutcome:
    status: str
    duration: float = 0.0
    exit_code: int | None = None
    #: "ExceptionType: message" of a raised exception, when any.
    exception: str | None = None
    stdout: str = ""
    stderr: str = ""
    #: Parsed JSON stdout (CLI) or the JSON-safe return value (SDK), when any.
    output: Any = None
    detail: str = ""
    drift: list[str] = field(default_factory=list)
    #: What the client surfaced on an error, JSON-safe; ``None`` when it did not fail.
    #: CLI: ``{"exit_code", "json" (parsed stdout or None), "stderr"}``;
    #: SDK: ``{"exception": "module.QualName", "fields": {...}, "message"}``
    #: (``dw_cli.cli_error_surface``, ``sdk_python_call.exception_surface``). Judged by
    #: :mod:`conformance.scenarios.error_surface`.
    error_surface: dict[str, Any] | None = None
    #: The client program answered by replaying the fixture's canonical request instead of performing
    #: the operation with its client (an exec result's ``replayed``; rules: :mod:`conformance.replays`).
    replayed: bool = False

    def __post_init__(self) -> None:
        # One vocabulary: a status outside it (a typo in an adapter, a child process's garbage) is an
        # adapter failure the executor reports as a harness error, never a case status of its own.
        if self.status not in OUTCOME_STATUSES:
            known = ", ".join(OUTCOME_STATUSES)
            raise ValueError(f"unknown client outcome status {self.status!r}; expected one of {known}")

    def redacted(self, secrets: list[str]) -> ClientOutcome:
        """A copy with the secrets (the bearer token) hidden, by :func:`conformance.redact.redact_value`.

        Adapters return redacted outcomes so that a client echoing its token
        (an error message, a verbose log) never carries it into a report.
        """
        wanted = [secret for secret in secrets if secret]
        if not wanted:
            return self

        def clean(text: str) -> str:
            return str(redact_value(text, wanted))

        return ClientOutcome(
            status=self.status,
            duration=self.duration,
            exit_code=self.exit_code,
            exception=None if self.exception is None else clean(self.exception),
            stdout=clean(self.stdout),
            stderr=clean(self.stderr),
            output=redact_value(self.output, wanted),
            detail=clean(self.detail),
            drift=[clean(line) for line in self.drift],
            error_surface=None if self.error_surface is None else redact_value(self.error_surface, wanted),
            replayed=self.replayed,
        )

    def to_json(self) -> dict[str, Any]:
        document: dict[str, Any] = {
            "status": self.status,
            "duration_seconds": round(self.duration, 6),
            "exit_code": self.exit_code,
            "exception": self.exception,
            "stdout": self.stdout,
            "stderr": self.stderr,
            "output": json_safe(self.output),
            "detail": self.detail,
            "drift": list(self.drift),
        }
        if self.error_surface is not None:
            # Only when there is one: the result of a case without an error keeps its bytes.
            document["error_surface"] = json_safe(self.error_surface)
        if self.replayed:
            document["replayed"] = True  # only when true, for the same reason
        return document


class Adapter(ABC):
    """Base class of adapters. Subclasses set the class attributes.

    ``arg`` is the optional ``NAME=ARG`` value of ``--adapter`` (a path to a
    binary for ``cli``, a manifest for ``exec``...). ``options`` carries
    run-wide settings such as ``dw_path``.
    """

    #: Name used on the command line (``--adapter NAME``).
    name: ClassVar[str]
    #: Fixture projection key this adapter reads (``cli``, ``sdk_python``...).
    projection: ClassVar[str]
    #: Conformance target the adapter's client claims (``cli_json_client``, ``official_sdk``...).
    target: ClassVar[str]

    def __init__(self, arg: str | None = None, **options: Any) -> None:
        self.arg = arg
        self.options = options
        #: ``NAME@LABEL`` when ``--adapter NAME@LABEL[=ARG]`` named this instance (see :meth:`case_label`).
        self.instance_label: str | None = None

    @property
    def label(self) -> str:
        """Name shown in reports (adapters with an argument may refine it)."""
        return self.name

    def case_label(self) -> str:
        """The name in case ids and report columns: the instance label when one was given.

        ``--adapter python-sdk@2.12=/venvs/sdk212/bin/python`` runs as ``python-sdk@2.12``: several
        instances of one adapter can share a run, and no interpreter path ends up in a case id.
        """
        return self.instance_label or self.label

    @property
    def projection_key(self) -> str:
        return self.projection

    @property
    def claimed_target(self) -> str:
        return self.target

    def check_available(self) -> Availability:
        return Availability(True)

    @abstractmethod
    def identity(self) -> ClientIdentity: ...

    def surfaced_facts(self) -> ClientFacts | None:
        """The client's own surfaced-facts map, over the run's for its projection key (``None``: none).

        The ``exec`` adapter reads it from its manifest (``surfaced_facts``);
        the planner checks it against the run and lists its problems as input
        problems (:mod:`conformance.planning`).
        """
        return None

    def skip_reason(self, fixture: Fixture) -> str | None:
        """Why this adapter cannot run ``fixture`` (``None`` when it can)."""
        if fixture.projection(self.projection_key) is None:
            return f"fixture has no {self.projection_key!r} projection"
        return None

    @abstractmethod
    def run(self, case: CaseInput) -> ClientOutcome:
        """Make the client perform the fixture's operation; never raise for client failures."""
