"""Running a conformance suite: fixtures x adapters through the recording proxy.

:class:`Session` is the one engine behind ``dw-conformance run``, the pytest
plugin, ``selftest`` and ``fuzz``: it loads the inputs (server profile,
policy, operation tables, fixtures, adapters), starts one recording proxy for
the whole run, runs cases (:meth:`Session.run_case`, safe to call from several
threads at once, one proxy slot per concurrent case) and assembles the result
document (:meth:`Session.document`).

Decisions written down here:

- Invalid fixture files do not stop the run: each problem is printed, kept in
  the result document under ``input_problems``, and the valid fixtures run.
  A fixtures directory that cannot be read at all is a configuration error.
- An adapter named explicitly with ``--adapter`` that is not available (no
  ``dw`` found, SDK not installed) is a configuration error (exit 2); with
  no ``--adapter``, every available adapter runs and the unavailable ones are
  listed once.
- A case's status: ``skipped`` when the adapter cannot express the fixture;
  ``error`` when the client could not be exercised (time limit, fixture/SDK
  drift, adapter failure); otherwise ``fail`` when the request verdict has
  failures and ``pass`` when it has none. A client that refuses the server's
  *response* (non-zero exit, exception after the request went out) does not
  change the request verdict; it is listed under ``response_diagnostics``.
- Cross-client parity compares real clients only; self-check adapters
  (``canonical``) are left out of it.
- Same inputs, same ``result.json`` (apart from timestamps and durations),
  whatever ``--jobs`` is: cases and parity entries are in plan order, and the
  values that change from run to run without the inputs changing (the
  proxy's port, scratch directories, identifiers a client draws at random)
  are replaced by placeholders (:mod:`conformance.stabilize`).
- An interrupted run (the ``run`` command's SIGINT/SIGTERM handling sets
  :attr:`Session.interrupted`, kills every client process and starts no new
  case): a case that was running when it happened is ``interrupted`` (not an
  ``error``: no verdict on a client that was killed mid-way), its reason says
  so, and what it did until then is kept.
- When the run ends, every process a client left behind (found by the tag
  :mod:`conformance.processes` gives each child) is killed.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import re
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from conformance import SUITE_VERSION, __version__
from conformance.adapters.base import Adapter, AdapterError, CaseInput, ClientOutcome
from conformance.adapters.registry import BUILTIN, available_names, create
from conformance.capture import CapturedExchange
from conformance.diff import CaseVerdict, judge
from conformance.expectations import JudgeSettings
from conformance.fixture import Fixture, discover, shipped_corpus_dir
from conformance.normalize import NormalizedRequest
from conformance.operations import OperationTables, load_tables
from conformance.overlay import apply_overlays, load_overlays
from conformance.parity import ParityFinding, as_differences, compare_clients
from conformance.policy import Policy, load_policy
from conformance.problems import InputError, Problem
from conformance.proxy.har import write_har
from conformance.proxy.profile import ServerProfile, load_profile
from conformance.proxy.recorder import DEFAULT_MAX_BODY_BYTES, RecordingProxy
from conformance.redact import credential_values, redact_value
from conformance.render import render_response, render_verdict
from conformance.response.cli_schemas import CliOutputSchemas, load_cli_output_schemas
from conformance.response.mutants import ResponseCase
from conformance.response.parity import compare_outputs
from conformance.response.verdict import ResponseVerdict, case_status, operation_exchange
from conformance.result import ParityResult
from conformance.selection import Selection
from conformance.stabilize import Stabilizer

DEFAULT_NAMESPACE = "default"
#: A recognisable default token; it is redacted from every output like any other.
DEFAULT_TOKEN = "dw-conformance-local-token"
DEFAULT_TIMEOUT = 60.0
#: Adapters a default run tries (``exec`` needs a manifest, so it only runs when named).
DEFAULT_ADAPTERS = ("canonical", "python-sdk", "cli")
SELF_CHECK_TARGETS = frozenset({"canonical_replay"})


class ConfigurationError(Exception):
    """The run cannot start: unknown adapter, unreadable directory, bad profile... (exit 2)."""


@dataclass
class RunSettings:
    fixtures_dirs: list[Path] = field(default_factory=list)
    adapter_specs: list[str] = field(default_factory=list)
    dw_path: str | None = None
    upstream: str | None = None
    profile_path: Path | None = None
    policy_path: Path | None = None
    operations_path: Path | None = None
    namespace: str = DEFAULT_NAMESPACE
    token: str = DEFAULT_TOKEN
    report_dir: Path = Path("reports")
    jobs: int = max(1, os.cpu_count() or 1)
    timeout: float = DEFAULT_TIMEOUT
    select: str | None = None
    verify_upstream_tls: bool = True
    write_har: bool = True
    #: Request bodies larger than this are refused by the proxy (413) and not kept.
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    #: Keep each case's captured exchanges, verdict and client outcome after the case (the self-test
    #: re-judges them). ``run`` turns it off: the result entry, the HAR file and the normalized request
    #: (for parity) are all it needs, and thousands of cases would otherwise hold every body and every
    #: client output in memory until the end.
    keep_evidence: bool = True
    #: Directories of projection overlays (``--overlay``; see :mod:`conformance.overlay`).
    overlay_dirs: list[Path] = field(default_factory=list)
    #: The CLI's output-schema manifest (``--cli-output-schemas``, :mod:`conformance.response.cli_schemas`).
    cli_output_schemas: Path | None = None

    def effective_fixture_dirs(self) -> list[Path]:
        return self.fixtures_dirs or [shipped_corpus_dir()]


@dataclass
class AdapterSlot:
    """One adapter of the run, with what was learnt about it at start."""

    adapter: Adapter
    available: bool
    reason: str
    identity: dict[str, str]

    @property
    def label(self) -> str:
        return self.adapter.case_label()

    @property
    def self_check(self) -> bool:
        return self.adapter.claimed_target in SELF_CHECK_TARGETS

    def to_json(self) -> dict[str, Any]:
        return {
            "adapter": self.label,
            "projection": self.adapter.projection_key,
            "target": self.adapter.claimed_target,
            "self_check": self.self_check,
            "identity": self.identity,
            "available": self.available,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class CasePlan:
    fixture: Fixture
    slot: AdapterSlot

    @property
    def case_id(self) -> str:
        return f"{self.fixture.name}::{self.slot.label}"


@dataclass
class CaseRun:
    """Everything one case produced; ``result`` is its entry in the result document."""

    plan: CasePlan
    result: dict[str, Any]
    request: NormalizedRequest | None = None
    verdict: CaseVerdict | None = None
    outcome: ClientOutcome | None = None
    exchanges: list[CapturedExchange] = field(default_factory=list)
    #: The case's run-independent placeholders (parity findings reuse them).
    stabilizer: Stabilizer | None = None
    #: Values hidden from every output of the case: the token, and every credential the client sent.
    secrets: list[str] = field(default_factory=list)

    @property
    def status(self) -> str:
        return str(self.result["status"])


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


_UNSAFE_FILE_CHARS = re.compile(r"[^A-Za-z0-9._-]+")


_MAX_STEM = 180


def case_file_stem(case_id: str) -> str:
    """A file-system-safe stem for per-case files, unique per case (``a.json::cli`` -> ``a.json__cli``).

    Characters other than letters, digits, ``.``, ``_`` and ``-`` become
    ``_``, and so do leading dots (no hidden files, no ``..``). Whenever the
    plain ``<fixture>__<adapter>`` form could be shared by two cases (something
    was replaced, a part holds ``__`` or touches the separator with ``_``) or
    would be too long for a file name, 8 hex digits of the case id's SHA-256
    are appended: two cases never write the same HAR, whatever finishes first.
    """
    fixture, separator, adapter = case_id.partition("::")
    stem = _UNSAFE_FILE_CHARS.sub("_", f"{fixture}__{adapter}" if separator else case_id)
    stem = re.sub(r"^\.+", lambda match: "_" * len(match.group(0)), stem)
    plain = (
        separator
        and "::" not in adapter
        and stem == f"{fixture}__{adapter}"
        and "__" not in fixture
        and "__" not in adapter
        and not fixture.endswith("_")
        and not adapter.startswith("_")
        and len(stem) <= _MAX_STEM
    )
    if plain:
        return stem
    digest = hashlib.sha256(case_id.encode("utf-8", errors="surrogateescape")).hexdigest()[:8]
    return f"{stem[:_MAX_STEM]}-{digest}"


def _ancillary_summary(exchange: CapturedExchange) -> dict[str, Any]:
    return {
        "method": exchange.method,
        "path": exchange.path,
        "status": exchange.response_status,
        "route": exchange.route,
    }


def _response_diagnostics(outcome: ClientOutcome) -> list[str]:
    notes: list[str] = []
    if outcome.status == "client_error":
        if outcome.exception:
            notes.append(f"the client raised {outcome.exception}")
        if outcome.exit_code not in (None, 0):
            notes.append(f"the client exited with status {outcome.exit_code}")
        if outcome.detail:
            notes.append(outcome.detail)
    return notes


def _error_reason(outcome: ClientOutcome) -> str:
    if outcome.status == "timeout":
        return outcome.detail or "the client did not finish within the time limit and was stopped"
    if outcome.status == "drift":
        lines = outcome.drift or [outcome.detail]
        return "fixture and client disagree on the operation's parameters: " + "; ".join(lines)
    return outcome.detail or outcome.exception or f"adapter reported {outcome.status}"


class Session:
    """One conformance run. Use as a context manager, or call :meth:`close`."""

    def __init__(self, settings: RunSettings, *, notify: Callable[[str], None] | None = None) -> None:
        self.settings = settings
        self.notify = notify or (lambda message: None)
        self.profile: ServerProfile
        self.policy: Policy | None = None
        self.cli_schemas: CliOutputSchemas | None = None
        self.tables: OperationTables
        self.fixtures: list[Fixture] = []
        self.input_problems: list[Problem] = []
        self.slots: list[AdapterSlot] = []
        self.plans: list[CasePlan] = []
        self.runs: dict[str, CaseRun] = {}
        self.selection = Selection.parse(settings.select)
        self.proxy: RecordingProxy | None = None
        self.started_at = _now()
        self._started_clock = time.monotonic()
        self._work_root: Path | None = None
        self._lock = threading.Lock()
        self.interrupted = False

    # ------------------------------------------------------------------ setup
    def prepare(self) -> None:
        """Load every input and plan the cases; :class:`ConfigurationError` on fatal problems."""
        settings = self.settings
        try:
            self.profile = load_profile(settings.profile_path)
            self.policy = load_policy(settings.policy_path) if settings.policy_path else None
            self.tables = load_tables(settings.operations_path)
            if settings.cli_output_schemas is not None:
                self.cli_schemas = load_cli_output_schemas(settings.cli_output_schemas)
        except InputError as error:
            raise ConfigurationError(str(error)) from error
        for directory in settings.overlay_dirs:
            if not directory.is_dir():
                raise ConfigurationError(f"{directory}: expected a readable overlay directory; found none")
        for directory in settings.effective_fixture_dirs():
            if not directory.is_dir():
                raise ConfigurationError(f"{directory}: expected a readable fixtures directory; found none")
            if not os.access(directory, os.R_OK | os.X_OK):
                raise ConfigurationError(
                    f"{directory}: expected a readable fixtures directory; permission denied"
                )
        found = discover(settings.effective_fixture_dirs())
        self.fixtures = _distinct_fixtures(found.fixtures)
        self.input_problems = found.problems
        if settings.overlay_dirs:
            overlays, overlay_problems = load_overlays(settings.overlay_dirs)
            applied = apply_overlays(self.fixtures, overlays)
            self.fixtures = applied.fixtures
            self.input_problems = [*self.input_problems, *overlay_problems, *applied.problems]
        for problem in self.input_problems:
            self.notify(f"skipping input: {problem.render()}")
        self.slots = self._build_adapters()
        self.plans = [
            CasePlan(fixture, slot)
            for fixture in self.fixtures
            for slot in self.slots
            if slot.available and self._selected(fixture, slot)
        ]

    def _selected(self, fixture: Fixture, slot: AdapterSlot) -> bool:
        if self.selection is None:
            return True
        return self.selection.selects(fixture.name, fixture.operation, f"{fixture.name}::{slot.label}")

    def _build_adapters(self) -> list[AdapterSlot]:
        explicit = bool(self.settings.adapter_specs)
        specs = self.settings.adapter_specs or [
            name for name in available_names() if name in DEFAULT_ADAPTERS or name not in BUILTIN
        ]
        slots: list[AdapterSlot] = []
        labels: set[str] = set()
        for spec in specs:
            try:
                adapter = create(spec, dw_path=self.settings.dw_path)
                availability = adapter.check_available()
            except AdapterError as error:
                raise ConfigurationError(str(error)) from error
            label = adapter.case_label()
            if label in labels:
                raise ConfigurationError(
                    f"adapter {label!r} is named twice: give each instance a label of its own "
                    f"(--adapter {label}@NAME=...)"
                )
            labels.add(label)
            if not availability.available and explicit:
                raise ConfigurationError(f"adapter {label!r} is not available: {availability.reason}")
            identity = {"name": label, "version": "unknown", "installed": "unknown"}
            if availability.available:
                try:
                    identity = adapter.identity().to_json()
                except Exception as error:  # identity is informative; never fatal
                    identity["installed"] = f"identity unavailable: {error}"
            slots.append(AdapterSlot(adapter, availability.available, availability.reason, identity))
        return slots

    def start(self) -> None:
        """Start the recording proxy (once per run)."""
        settings = self.settings
        if settings.write_har:
            # HAR files of an earlier run in the same report directory would
            # sit next to this run's and mislead. Only *.har files go: a
            # report directory may be a user's own directory.
            har_dir = settings.report_dir / "har"
            for stale in har_dir.glob("*.har") if har_dir.is_dir() else ():
                stale.unlink(missing_ok=True)
        self._work_root = Path(tempfile.mkdtemp(prefix="dw-conformance-"))
        self.proxy = RecordingProxy(
            self.profile,
            upstream=settings.upstream,
            slots=max(1, settings.jobs),
            api_prefix=self.profile.api_prefix,
            verify_upstream_tls=settings.verify_upstream_tls,
            max_body_bytes=settings.max_body_bytes,
        )
        try:
            self.proxy.start()
        except Exception as error:
            self.proxy = None
            raise ConfigurationError(f"the recording proxy could not start: {error}") from error

    def close(self) -> None:
        from conformance.processes import terminate_all_children

        terminate_all_children()  # whatever a client left behind dies with the run
        if self.proxy is not None:
            self.proxy.stop()
            self.proxy = None
        if self._work_root is not None:
            shutil.rmtree(self._work_root, ignore_errors=True)
            self._work_root = None

    def __enter__(self) -> Session:
        self.prepare()
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --------------------------------------------------------------- running
    @property
    def judge_settings(self) -> JudgeSettings:
        return JudgeSettings(
            namespace=self.settings.namespace,
            token=self.settings.token,
            api_prefix=self.profile.api_prefix,
        )

    def _base_result(self, plan: CasePlan) -> dict[str, Any]:
        fixture, slot = plan.fixture, plan.slot
        return {
            "id": plan.case_id,
            "fixture": fixture.name,
            "fixture_path": str(fixture.path),
            "operation": fixture.operation,
            "adapter": slot.label,
            "projection": slot.adapter.projection_key,
            "target": slot.adapter.claimed_target,
            "status": "skipped",
            "reason": "",
            "differences": [],
            "diagnostic_diff": [],
            "not_asserted": [],
            "expected": None,
            "request": None,
            "ancillary": [],
            "client": None,
            "response_diagnostics": [],
            "response": None,
            "rendered": "",
            "har": None,
            "duration_seconds": 0.0,
        }

    def run_case(self, plan: CasePlan) -> CaseRun:
        """Run one case; never raises for anything the client or the fixture does."""
        started = time.monotonic()
        result = self._base_result(plan)
        stabilizer = Stabilizer(plan.fixture.data, label=plan.slot.label)
        run = CaseRun(plan, result, stabilizer=stabilizer, secrets=[self.settings.token])
        try:
            skip = plan.slot.adapter.skip_reason(plan.fixture)
        except Exception as error:  # an adapter bug must not take the run down either
            skip = None
            result["status"] = "error"
            result["reason"] = f"harness error: {type(error).__name__}: {error}"
        if result["status"] == "error":
            pass
        elif skip is not None:
            result["reason"] = skip
        elif self.interrupted:
            result["status"] = "interrupted"
            result["reason"] = "the run was interrupted before this case started"
        else:
            try:
                self._exercise(plan, run)
            except Exception as error:  # a harness bug must not take the run down
                result["status"] = "error"
                result["reason"] = f"harness error: {type(error).__name__}: {error}"
            if self.interrupted and result["status"] != "skipped":
                result["status"] = "interrupted"
                result["reason"] = (
                    "the run was interrupted while this case ran; its client was stopped "
                    "(what it did until then is kept below)"
                )
        if result["response"] is None:  # skipped, or stopped before a verdict: every case carries one
            result["response"] = ResponseVerdict("not_reached").to_json()
        result["duration_seconds"] = round(time.monotonic() - started, 6)
        redacted: dict[str, Any] = stabilizer.value(redact_value(result, run.secrets))
        run.result = redacted
        if not self.settings.keep_evidence:
            run.exchanges, run.verdict, run.outcome = [], None, None
        with self._lock:
            self.runs[plan.case_id] = run
        return run

    def _exercise(self, plan: CasePlan, run: CaseRun) -> None:
        assert self.proxy is not None and self._work_root is not None, "Session.start() was not called"
        result = run.result
        work_dir = Path(tempfile.mkdtemp(prefix=case_file_stem(plan.case_id)[:60] + "-", dir=self._work_root))
        try:
            with self.proxy.open_case(plan.case_id, plan.fixture) as recording:
                assert run.stabilizer is not None
                run.stabilizer.add_server_url(recording.server_url)
                run.stabilizer.add_scratch_dir(str(work_dir))
                case = CaseInput(
                    fixture=plan.fixture,
                    server_url=recording.server_url,
                    namespace=self.settings.namespace,
                    token=self.settings.token,
                    timeout=self.settings.timeout,
                    work_dir=work_dir,
                    operations=self.tables,
                    case_id=plan.case_id,
                    api_prefix=self.profile.api_prefix,
                )
                outcome = plan.slot.adapter.run(case)
            exchanges = list(recording.exchanges)
        finally:
            shutil.rmtree(work_dir, ignore_errors=True)
        run.outcome = outcome
        run.exchanges = exchanges
        for exchange in exchanges:
            run.secrets.extend(credential_values(exchange.request_headers, exchange.query_string))
        run.secrets = list(dict.fromkeys(run.secrets))
        result["client"] = outcome.to_json()
        if self.settings.write_har and exchanges:
            har_path = self.settings.report_dir / "har" / f"{case_file_stem(plan.case_id)}.har"
            write_har(exchanges, har_path, secrets=run.secrets)
            result["har"] = har_path.relative_to(self.settings.report_dir).as_posix()
        if outcome.status == "skipped":
            result["status"] = "skipped"
            result["reason"] = outcome.detail or "the adapter skipped this fixture"
            return
        verdict = self.rejudge(run)
        run.verdict = verdict
        run.request = verdict.request
        result["differences"] = [difference.to_json() for difference in verdict.failures]
        result["diagnostic_diff"] = [difference.to_json() for difference in verdict.diagnostics]
        result["not_asserted"] = list(verdict.not_asserted)
        result["expected"] = verdict.expectation.to_json()
        result["request"] = verdict.request.to_json() if verdict.request is not None else None
        result["ancillary"] = [_ancillary_summary(exchange) for exchange in verdict.ancillary]
        stabilizer = run.stabilizer or Stabilizer()
        result["rendered"] = render_verdict(
            verdict, clean=lambda value: stabilizer.value(redact_value(value, run.secrets))
        )
        response = self.judge_response_side(run, verdict)
        result["response"] = response.to_json()
        result["rendered"] += "\n" + render_response(response)
        if outcome.status in ("timeout", "drift", "harness_error"):
            result["status"] = "error"
            result["reason"] = _error_reason(outcome)
            return
        result["status"] = case_status(
            skipped=False, client_error=False, request_failed=not verdict.passed, response=response
        )
        if response.status == "error":
            result["reason"] = (
                f"harness error: the client refused {response.answer_source}: {response.refusal}"
            )
        result["response_diagnostics"] = _response_diagnostics(outcome)

    def judge_response_side(self, run: CaseRun, verdict: CaseVerdict) -> ResponseVerdict:
        """The response verdict of a judged case (:mod:`conformance.response.verdict`)."""
        return self.response_case(run, verdict).judge()

    def response_case(self, run: CaseRun, verdict: CaseVerdict) -> ResponseCase:
        """What the response judge (and the self-test's response mutants) need of a captured case."""
        assert run.outcome is not None
        fixture, adapter = run.plan.fixture, run.plan.slot.adapter
        operation = (
            operation_exchange(verdict.operation_candidates, fixture.method) if verdict.request else None
        )
        return ResponseCase(
            fixture,
            adapter.projection_key,
            run.outcome,
            operation,
            live=self.settings.upstream is not None,
            cli_command=self.tables.cli_command(fixture.operation),
            cli_schemas=self.cli_schemas,
            policy=self.policy,
            namespace=self.settings.namespace,
        )

    def rejudge(
        self,
        run: CaseRun,
        fixture: Fixture | None = None,
        settings: JudgeSettings | None = None,
    ) -> CaseVerdict:
        """Judge a case's captured traffic, optionally against another fixture or settings.

        The client's traffic does not depend on the expectation, so the
        mutation self-test captures each case once and judges it against
        every mutant of the fixture (and of the namespace/token) with this.
        """
        return judge(
            fixture or run.plan.fixture,
            run.plan.slot.adapter.projection_key,
            run.exchanges,
            self.profile,
            settings or self.judge_settings,
            policy=self.policy,
        )

    # --------------------------------------------------------------- results
    def parity_results(self) -> list[dict[str, Any]]:
        """Client-vs-client findings per fixture (real clients only)."""
        by_fixture: dict[str, dict[str, tuple[str, NormalizedRequest]]] = {}
        outputs: dict[str, dict[str, Any]] = {}
        fixtures: dict[str, Fixture] = {}
        stabilizers: dict[tuple[str, str], Stabilizer] = {}
        for run in self.runs.values():
            if run.plan.slot.self_check or run.request is None:
                continue
            key = str(run.plan.fixture.path)
            fixtures[key] = run.plan.fixture
            by_fixture.setdefault(key, {})[run.plan.slot.label] = (
                run.plan.slot.adapter.projection_key,
                run.request,
            )
            response = run.result.get("response") or {}
            if response.get("status") in ("pass", "fail", "not_asserted"):
                client = run.result.get("client") or {}
                outputs.setdefault(key, {})[run.plan.slot.label] = client.get("output")
            if run.stabilizer is not None:
                stabilizers[(key, run.plan.slot.label)] = run.stabilizer
        results: list[dict[str, Any]] = []
        for key in sorted(by_fixture, key=lambda k: (fixtures[k].name, k)):
            requests = dict(sorted(by_fixture[key].items()))
            if len(requests) < 2:
                continue
            fixture = fixtures[key]
            findings = [
                _stable_finding(item, stabilizers.get((key, item.left)), stabilizers.get((key, item.right)))
                for item in [
                    *compare_clients(fixture, requests, policy=self.policy),
                    *self._output_parity(fixture, requests, outputs.get(key, {})),
                ]
            ]
            labels = list(requests)
            for index, left in enumerate(labels):
                for right in labels[index + 1 :]:
                    pair = [item for item in findings if item.left == left and item.right == right]
                    results.append(
                        ParityResult(
                            fixture=fixture.name,
                            operation=fixture.operation,
                            adapters=[left, right],
                            findings=as_differences(pair),
                        ).to_json()
                    )
        secrets = {secret for run in self.runs.values() for secret in run.secrets}
        redacted: list[dict[str, Any]] = redact_value(results, [self.settings.token, *sorted(secrets)])
        return redacted

    @staticmethod
    def _output_parity(
        fixture: Fixture, requests: dict[str, tuple[str, NormalizedRequest]], outputs: dict[str, Any]
    ) -> list[ParityFinding]:
        """What two clients surfaced for one ``semantic_body`` fact (:mod:`conformance.response.parity`)."""
        ordered = {label: outputs[label] for label in requests if label in outputs}
        return [
            ParityFinding(
                fixture_name=fixture.name,
                operation=fixture.operation,
                left=item.left,
                right=item.right,
                left_projection=requests[item.left][0],
                right_projection=requests[item.right][0],
                pointer=item.pointer,
                kind=item.kind,
                left_value=item.left_value,
                right_value=item.right_value,
                severity="failure",
                message=item.message,
            )
            for item in compare_outputs(fixture.semantic_body, ordered)
        ]

    def ordered_runs(self) -> list[CaseRun]:
        order = {plan.case_id: index for index, plan in enumerate(self.plans)}
        return sorted(self.runs.values(), key=lambda run: order.get(run.plan.case_id, len(order)))

    def document(self, *, complete: bool = True) -> dict[str, Any]:
        """The result document of what has run so far."""
        from conformance.result import build_document

        settings = self.settings
        run_info = {
            "started_at": self.started_at,
            "finished_at": _now(),
            "duration_seconds": round(time.monotonic() - self._started_clock, 3),
            "mode": "live" if settings.upstream else "stub",
            "upstream": settings.upstream,
            "server_profile": self.profile.name,
            "namespace": settings.namespace,
            "fixtures_dirs": [str(directory) for directory in settings.effective_fixture_dirs()],
            "selection": settings.select,
            "jobs": settings.jobs,
            "complete": complete and not self.interrupted,
            "interrupted": self.interrupted,
            "policy": str(settings.policy_path) if settings.policy_path is not None else None,
        }
        if settings.overlay_dirs:
            run_info["overlay_dirs"] = [str(directory) for directory in settings.overlay_dirs]
        return build_document(
            suite={"name": "dw-conformance", "version": __version__, "suite_version": SUITE_VERSION},
            run=run_info,
            implementations=[slot.to_json() for slot in self.slots],
            cases=[run.result for run in self.ordered_runs()],
            parity=self.parity_results(),
            input_problems=[problem.render() for problem in self.input_problems],
        )


def _distinct_fixtures(fixtures: Iterable[Fixture]) -> list[Fixture]:
    """The fixtures sorted by name, each file once; two files of one name are a configuration error.

    A case is identified by ``<fixture file name>::<adapter>`` (results, HAR
    files, ``-k``, pytest ids), so two files of the same name from different
    directories would share their case ids and one result would silently
    replace the other. The same file reached twice (a directory named twice)
    simply runs once.
    """
    by_name: dict[str, Fixture] = {}
    for fixture in sorted(fixtures, key=lambda item: (item.name, str(item.path))):
        seen = by_name.get(fixture.name)
        if seen is None:
            by_name[fixture.name] = fixture
        elif seen.path.resolve() != fixture.path.resolve():
            raise ConfigurationError(
                f"two fixture files are named {fixture.name} ({seen.path} and {fixture.path}); "
                "case ids (<fixture file>::<adapter>) must be unique: run the directories separately"
            )
    return list(by_name.values())


def _stable_finding(
    finding: ParityFinding, left: Stabilizer | None, right: Stabilizer | None
) -> ParityFinding:
    """A parity finding whose values carry each side's placeholders, named after the side's client."""
    left_value = left.value(finding.left_value, qualified=True) if left else finding.left_value
    right_value = right.value(finding.right_value, qualified=True) if right else finding.right_value
    return dataclasses.replace(finding, left_value=left_value, right_value=right_value)


def run_plans(
    session: Session,
    plans: Iterable[CasePlan],
    *,
    jobs: int,
    on_done: Callable[[CaseRun], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> list[CaseRun]:
    """Run ``plans`` with ``jobs`` clients at a time, calling ``on_done`` as each case ends.

    One case more than ``jobs`` is in flight, so that a case's client starts
    the moment another case's client is done, while that case still judges
    its traffic and writes its HAR file. Clients never run more than ``jobs``
    at a time: each case first claims a free proxy slot
    (:meth:`RecordingProxy.claim_slot`; the proxy has ``jobs`` of them) and
    only then starts. A case still waiting for its claim when the run stops
    (``should_stop``, or the session interrupted) never starts and is not
    reported, like the cases that were never submitted.
    """
    from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait

    def stopping() -> bool:
        return session.interrupted or bool(should_stop and should_stop())

    def claim_then_run(plan: CasePlan) -> CaseRun | None:
        proxy = session.proxy
        claimed = proxy is not None and proxy.claim_slot()
        try:
            return None if claimed and stopping() else session.run_case(plan)
        finally:
            if claimed and proxy is not None:
                proxy.release_claim()

    in_flight = max(1, jobs) + 1
    pending = list(plans)
    done: list[CaseRun] = []
    with ThreadPoolExecutor(max_workers=in_flight, thread_name_prefix="dw-case") as pool:
        running: set[Future[CaseRun | None]] = set()
        while pending or running:
            while pending and len(running) < in_flight and not (should_stop and should_stop()):
                running.add(pool.submit(claim_then_run, pending.pop(0)))
            if not running:
                break
            finished, running = wait(running, return_when=FIRST_COMPLETED, timeout=0.5)
            for future in finished:
                case_run = future.result()
                if case_run is None:  # it never started: the run stopped while it waited for a slot
                    continue
                done.append(case_run)
                if on_done is not None:
                    on_done(case_run)
            if should_stop and should_stop():
                pending.clear()
    return done
