"""``dw-conformance selftest``: prove the judge catches drift and does not invent it.

Runs every selected client once per fixture (the options of ``run``), then
judges each mutant of each expectation against the captured traffic (see
:mod:`conformance.selftest`). Prints counts per mutation kind, every missed
or suspicious mutant with its fixture, adapter and pointer, the false alarms
of the unmutated corpus, and the places where a real client already differs
from a fixture the canonical replay passes ("client already differs here":
neither a false alarm nor a miss).

Exit codes: 0 when every mutant was caught (or sits where the client already
differs) with no false alarm and no error, 1 otherwise, 2 for usage or
configuration errors.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

from conformance.commands.run import add_run_options, settings_from_args
from conformance.errors import UsageError
from conformance.planning import require_cases
from conformance.runner import Session
from conformance.textsafe import printable_lines

EXIT_OK, EXIT_FAILED = 0, 1


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "selftest",
        help="mutation self-test of the judge (drift detection, false alarms)",
        description=(
            "Run each client once per fixture and scenario, then judge every mutant of every check "
            "(requests, surfaced outcomes, sequences) against the captured traffic. Passes when every "
            "mutant is caught and the unmutated corpus has no false alarm; where a real client already "
            "fails a fixture the canonical replay passes, or a scenario, the difference is listed as "
            "'client already differs here'."
        ),
    )
    add_run_options(parser)
    parser.add_argument(
        "--json", type=Path, metavar="FILE", dest="json_path", help="also write the report as JSON"
    )
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="also list skipped cases and not-applicable mutants"
    )
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    # A lazy load (docs/architecture.md, "Imports"): every command's parser is built at start-up.
    from conformance.selftest import render_report, run_selftest

    settings = settings_from_args(args, Path(tempfile.gettempdir()))
    settings.write_har = False
    session = Session(settings, notify=lambda message: print(printable_lines(message), file=sys.stderr))
    try:  # ConfigurationError: exit 2 (conformance.cli)
        session.prepare()
        require_cases(session.plans, settings.select)
        session.start()
        report = run_selftest(session, jobs=args.jobs)
    finally:
        session.close()
    print(render_report(report, verbose=args.verbose))
    if args.json_path is not None:
        try:
            args.json_path.parent.mkdir(parents=True, exist_ok=True)
            args.json_path.write_text(
                json.dumps(report.to_json(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
            )
        except OSError as error:
            raise UsageError(f"could not write {args.json_path}: {error}") from error
    return EXIT_OK if report.passed else EXIT_FAILED
