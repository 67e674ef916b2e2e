"""``dw-conformance fuzz``: generated fixture variants through every client (see :mod:`conformance.fuzz`).

The variable values of each fixture are derived from the fixture itself
(:mod:`conformance.variant_derivation`; ``--fields`` extends the table of
what cannot be derived). Every variant is replayed by the canonical adapter
before any client is judged on it. Each finding is shrunk by hypothesis and
saved in a directory of its own, ``<report dir>/fuzz/<operation>-<hash>/``,
as ``<operation>-parity.json`` with a ``README.md``: ``dw-conformance run
--fixtures <that directory>`` replays it as it is.
``<report dir>/fuzz/fuzz-report.json`` holds the whole report.
``hypothesis`` is imported only here, when the command runs. docs/fuzz.md
has the details.

Exit codes: 0 when no variant failed, 1 when some did (the findings are
listed), 2 for usage or configuration errors (including hypothesis missing).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from conformance.commands.run import add_run_options, settings_from_args
from conformance.errors import UsageError
from conformance.planning import require_cases
from conformance.problems import InputError
from conformance.run_options import positive_float, positive_int
from conformance.runner import Session
from conformance.textsafe import printable_lines

EXIT_OK, EXIT_FAILED = 0, 1


def _non_negative_int(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError("must be 0 or more")
    return value


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "fuzz",
        help="generated fixture variants through every client (hypothesis)",
        description=(
            "Derive self-consistent variants of each fixture (every value a client input and an expectation "
            "both hold changes everywhere at once: ids that need percent-encoding, JSON payloads, texts, "
            "integers), vet each with the canonical replay, run every adapter on it and require a pass. "
            "Failures are shrunk and saved as runnable fixture directories."
        ),
    )
    add_run_options(parser, scenarios=False)
    parser.add_argument(
        "--max-examples",
        type=positive_int,
        default=100,
        metavar="N",
        help="examples per fixture (default 100)",
    )
    parser.add_argument(
        "--time-budget", type=positive_float, metavar="SECONDS", help="time limit for the whole run"
    )
    parser.add_argument(
        "--seed", type=_non_negative_int, metavar="N", help="hypothesis seed (default: random)"
    )
    parser.add_argument(
        "--differential",
        action="store_true",
        help="also require the normalized requests of every pair of adapters to agree",
    )
    parser.add_argument(
        "--report-dir",
        type=Path,
        default=Path("reports"),
        metavar="DIR",
        help="findings go to DIR/fuzz/<operation>-<hash>/ (default: reports/)",
    )
    parser.add_argument(
        "--fields",
        type=Path,
        metavar="FILE",
        help="YAML extending the table of what cannot be derived (data/variant-fields.yaml)",
    )
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    # Lazy loads (docs/architecture.md, "Imports"): every command's parser is built at start-up.
    try:
        import hypothesis  # noqa: F401
    except ImportError as error:
        raise UsageError("fuzz needs hypothesis (pip install hypothesis)") from error
    from conformance.fuzz import Fuzzer, FuzzSettings, load_field_map, render_report

    settings = settings_from_args(args, args.report_dir)
    settings.write_har = False
    settings.run_scenarios = False  # sequences of answers are not what this command mutates or fuzzes
    fuzz_settings = FuzzSettings(
        max_examples=args.max_examples,
        time_budget=args.time_budget,
        seed=args.seed,
        differential=args.differential,
        report_dir=args.report_dir,
        jobs=args.jobs,
    )
    session = Session(settings, notify=lambda message: print(printable_lines(message), file=sys.stderr))
    try:  # ConfigurationError: exit 2 (conformance.cli)
        field_map = load_field_map(args.fields)
        session.prepare()
        require_cases(session.plans, settings.select)
        session.start()
        fuzzer = Fuzzer(
            session, fuzz_settings, field_map=field_map, notify=lambda m: print(m, file=sys.stderr)
        )
        print(f"fuzz: seed {fuzzer.seed}", file=sys.stderr)
        report = fuzzer.run()
    except InputError as error:
        raise UsageError(str(error)) from error
    finally:
        session.close()
    print(render_report(report))
    try:
        target = args.report_dir / "fuzz" / "fuzz-report.json"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(report.to_json(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    except OSError as error:
        raise UsageError(f"could not write the fuzz report: {error}") from error
    return EXIT_OK if report.passed else EXIT_FAILED
