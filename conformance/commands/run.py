"""``dw-conformance run``: the conformance suite, with progress, a summary and reports.

Exit codes: 0 when the run's conformance level is not ``nonconforming``, 1
when it is, or when some input file could not be used (an input problem;
``--allow-input-problems`` lets the level alone decide), 2 for usage or
configuration errors (unknown adapter, unreadable fixtures directory, bad
server profile or policy, report directory that cannot be written, reports
that could not be written, two fixture files of one name, nothing selected):
they are raised as :class:`~conformance.planning.ConfigurationError` and
:mod:`conformance.cli` prints the message on stderr. An interrupted run
writes the reports, marked incomplete, with every planned case: those that
finished, those cut short and those never started (``interrupted``), and
exits 128 + the signal's number: 130 for Ctrl-C (SIGINT), 143 for SIGTERM.

What reaches the terminal from a client or a file (names, error text,
output, identities) is escaped (:func:`conformance.textsafe.printable`).
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path
from types import FrameType
from typing import Any

from conformance.annotations import ANNOTATION_FORMATS, file_warning, github_annotations
from conformance.environments import EnvironmentChecks, planned_environments, python_clients
from conformance.known_failures import (
    KnownFailures,
    annotate_cases,
    load_known_failures,
    placeholder_problems,
)
from conformance.planning import require_cases
from conformance.problems import InputError
from conformance.processes import terminate_all_children
from conformance.proxy.recorder import DEFAULT_MAX_BODY_BYTES
from conformance.reporting import write_reports
from conformance.reporting.console import CaseLines, closing_sections, gate_lines, summary_table
from conformance.result import exit_code_for, rebuild_document
from conformance.run_options import add_to_parser, positive_int, settings_from
from conformance.runner import (
    CaseRun,
    ConfigurationError,
    RunSettings,
    Session,
    run_plans,
)
from conformance.sharding import Shard, corpus_identity, parse_shard, shard_fixtures
from conformance.textsafe import printable, printable_lines

EXIT_OK, EXIT_NONCONFORMING = 0, 1


def add_run_options(parser: argparse.ArgumentParser, *, scenarios: bool = True) -> None:
    """The options ``run``, ``selftest`` and ``fuzz`` share (declared in :mod:`conformance.run_options`)."""
    add_to_parser(parser, scenarios=scenarios)


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "run",
        help="run the conformance suite",
        description="Run every selected fixture with every selected client through the recording proxy.",
    )
    add_run_options(parser)
    parser.add_argument(
        "--report-dir",
        type=Path,
        default=Path("reports"),
        metavar="DIR",
        help="where result.json, junit.xml, summary.md, index.html and har/ go (default: reports/)",
    )
    parser.add_argument("--no-har", action="store_true", help="do not write per-case HAR files")
    parser.add_argument(
        "--known-failures",
        type=Path,
        metavar="FILE",
        help="YAML list of cases known to fail (known_failures: [{case, reason, pointers}]): a listed case "
        "failing as described does not make the run nonconforming",
    )
    parser.add_argument(
        "--shard",
        type=parse_shard,
        metavar="I/N",
        help="run shard I of N: a deterministic, balanced share of the fixtures (all clients of a fixture "
        "together); join the results with dw-conformance merge",
    )
    parser.add_argument(
        "--annotations",
        choices=ANNOTATION_FORMATS,
        metavar="FORMAT",
        help="also print one CI annotation per failing case: github "
        "(::error file=<fixture>,title=<case>::<first pointer> ...)",
    )
    parser.add_argument(
        "--strict-known-failures",
        action="store_true",
        help="a listed known failure that now passes makes the run nonconforming (like strict xfail)",
    )
    parser.add_argument(
        "--allow-input-problems",
        action="store_true",
        help="let a run whose fixture or scenario files had problems (input_problems) read a level from "
        "the cases that ran and exit by that level alone; by default such a run is incomplete and exits 1",
    )
    parser.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="print every case's whole verdict as it finishes (failing cases always print their first "
        "differences)",
    )
    parser.add_argument(
        "--max-body-bytes",
        type=positive_int,
        default=DEFAULT_MAX_BODY_BYTES,
        metavar="N",
        help="request bodies larger than this are refused by the proxy with 413 and not kept "
        f"(default: {DEFAULT_MAX_BODY_BYTES})",
    )
    parser.set_defaults(handler=handle)


def settings_from_args(args: argparse.Namespace, report_dir: Path) -> RunSettings:
    return settings_from(
        lambda dest: getattr(args, dest, None),
        report_dir,
        write_har=not getattr(args, "no_har", False),
    )


def _adapter_line(session: Session) -> str:
    found = [
        f"{slot.label} ({slot.identity.get('name')} {slot.identity.get('version')})"
        for slot in session.slots
        if slot.available
    ]
    missing = [f"{slot.label} ({slot.reason})" for slot in session.slots if not slot.available]
    line = "adapters: " + (", ".join(found) if found else "none available")
    if missing:
        line += "; not available: " + ", ".join(missing)
    return printable(line)  # identities come from the clients and their manifests


def _check_report_dir(report_dir: Path) -> None:
    if report_dir.exists() and not report_dir.is_dir():
        raise ConfigurationError(f"{report_dir}: expected a writable report directory; found a file")
    try:
        report_dir.mkdir(parents=True, exist_ok=True)
        probe = report_dir / ".write-test"
        probe.write_text("", encoding="utf-8")
        probe.unlink()
    except OSError as error:
        raise ConfigurationError(
            f"{report_dir}: expected a writable report directory; found it cannot be written "
            f"({error.strerror or error})"
        ) from error


class _Interrupted:
    """SIGINT/SIGTERM turn into a flag: running cases finish or are stopped, reports are written."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.event = threading.Event()
        self.previous: dict[int, Any] = {}
        #: The first signal received, if any (the exit code is 128 + its number).
        self.signum: int | None = None

    @property
    def exit_code(self) -> int:
        """128 + the signal's number, the shell's convention: 130 for SIGINT, 143 for SIGTERM."""
        return 128 + (self.signum or signal.SIGINT)

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        if self.event.is_set():  # second signal: stop waiting
            raise KeyboardInterrupt
        self.signum = signum
        self.event.set()
        self.session.interrupted = True
        terminate_all_children()
        print(f"\ndw-conformance: {signal.Signals(signum).name} received; stopping", file=sys.stderr)

    def __enter__(self) -> _Interrupted:
        if threading.current_thread() is threading.main_thread():
            for signum in (signal.SIGINT, signal.SIGTERM):
                self.previous[signum] = signal.signal(signum, self._handle)
        return self

    def __exit__(self, *exc: object) -> None:
        for signum, handler in self.previous.items():
            signal.signal(signum, handler)


def _apply_shard(session: Session, shard: Shard | None, out: Any) -> dict[str, Any] | None:
    """Keep only the shard's plans (:mod:`conformance.sharding`); what ``run.shard`` records."""
    if shard is None:
        return None
    names = shard_fixtures((plan.subject for plan in session.plans), shard)
    if not names:
        raise ConfigurationError(
            f"shard {shard} has no case: only {len({p.subject for p in session.plans})} fixture(s) "
            "and scenario(s) are selected; use fewer shards"
        )
    chosen = set(names)
    session.plans = [plan for plan in session.plans if plan.subject in chosen]
    print(f"shard {shard}: {len(names)} fixture(s) and scenario(s), {len(session.plans)} case(s)", file=out)
    return {"index": shard.index, "count": shard.count, "fixtures": names}


def _known_failures(args: argparse.Namespace) -> KnownFailures | None:
    path = getattr(args, "known_failures", None)
    strict = bool(getattr(args, "strict_known_failures", False))
    if path is None:
        if strict:
            raise ConfigurationError("--strict-known-failures needs --known-failures FILE")
        return None
    try:
        return load_known_failures(path, strict=strict)
    except InputError as error:
        raise ConfigurationError(str(error)) from error


def _with_known_failure(case: dict[str, Any], known: KnownFailures | None) -> dict[str, Any]:
    """A copy of ``case`` carrying its ``known_failure`` annotation, for its live console line."""
    if known is None:
        return case
    copy = dict(case)
    annotate_cases([copy], known.to_json())
    return copy


def handle(args: argparse.Namespace) -> int:
    report_dir: Path = args.report_dir
    out = sys.stdout
    settings = settings_from_args(args, report_dir)
    settings.keep_evidence = False  # reports need only each case's result (see RunSettings)
    known = _known_failures(args)  # a ConfigurationError is exit 2 (conformance.cli), like every usage error
    placeholders = placeholder_problems(known) if known is not None else []
    for problem in placeholders:
        print(f"dw-conformance: warning: {problem.render()}", file=sys.stderr)
    session = Session(settings, notify=lambda m: print(printable_lines(m), file=sys.stderr))
    # Signals are caught from here to the last report byte: a SIGTERM during
    # start-up or report writing must not kill the process half-way.
    with _Interrupted(session) as interrupted:
        try:
            _check_report_dir(report_dir)
            session.prepare()
            print(_adapter_line(session), file=out)
            require_cases(session.plans, args.select)
            shard_info = _apply_shard(session, getattr(args, "shard", None), out)
            session.start()
        except ConfigurationError:
            session.close()
            raise
        environments = EnvironmentChecks(planned_environments(python_clients(session.slots)))
        lines = CaseLines(len(session.plans), out, verbose=bool(getattr(args, "verbose", False)))

        def case_done(run: CaseRun) -> None:
            lines.case_done(_with_known_failure(run.result, known))

        try:
            run_plans(
                session,
                session.plans,
                jobs=args.jobs,
                on_done=case_done,
                should_stop=interrupted.event.is_set,
            )
            # before the session closes: closing stops every child process, the checks' too
            checked = [] if session.interrupted else [item.to_json() for item in environments.results()]
        except KeyboardInterrupt:
            session.interrupted = True
            checked = []
        finally:
            environments.close()
            session.close()
        session.record_unstarted()  # an interrupted run's summary counts every planned case
        document = session.document(complete=not session.interrupted)
        scenario_files = [scenario.path for scenario in session.scenarios]
        run_info = {**document["run"], "corpus": corpus_identity(session.fixtures, scenario_files)}
        if checked:
            run_info["environments"] = checked
        if getattr(args, "allow_input_problems", False):
            run_info["allow_input_problems"] = True
        if shard_info is not None:
            run_info["shard"] = shard_info
        document = rebuild_document(document, run=run_info, known_failures=known)
        try:
            paths = write_reports(document, report_dir)
        except OSError as error:
            raise ConfigurationError(f"could not write reports to {report_dir}: {error}") from error
    print(file=out)
    print(summary_table(document), file=out)
    print(file=out)
    closing = closing_sections(document)
    if closing:
        print(closing, file=out)
    summary = document["summary"]
    level = document["conformance"]
    known_note = f" ({summary['known_failures']} known)" if summary.get("known_failures") else ""
    fixed_note = f" ({summary['fixed']} listed as known failures)" if summary.get("fixed") else ""
    print(
        f"{summary['total']} cases: {summary['pass']} passed{fixed_note}, "
        f"{summary['fail']} failed{known_note}, {summary['error']} errors, {summary['skipped']} skipped"
        + (f", {summary['interrupted']} interrupted" if summary.get("interrupted") else "")
        + (f" ({summary['replayed']} replayed)" if summary.get("replayed") else ""),
        file=out,
    )
    print(printable(f"conformance level: {level['level']} ({level['explanation']})"), file=out)
    final_code = interrupted.exit_code if session.interrupted else exit_code_for(document)
    for line in gate_lines(document, final_code):
        print(line, file=out)
    print("reports: " + ", ".join(str(path) for path in paths.values()), file=out)
    if getattr(args, "annotations", None) == "github":
        for line in github_annotations(document):
            print(line, file=out)
        for problem in placeholders:
            print(file_warning(problem.file, "placeholder reason", problem.render()), file=out)
    if document.get("input_problems") and not getattr(args, "allow_input_problems", False):
        print(
            f"dw-conformance: {len(document['input_problems'])} input problem(s) (listed above and in every "
            "report): part of the corpus could not be used, so the run fails "
            "(--allow-input-problems lets the level of the cases that ran decide)",
            file=sys.stderr,
        )
    if session.interrupted:
        print(
            "dw-conformance: run interrupted; the reports cover every planned case "
            "(those that did not finish are marked interrupted)",
            file=sys.stderr,
        )
        return interrupted.exit_code
    return exit_code_for(document)
