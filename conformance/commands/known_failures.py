"""``dw-conformance known-failures --from result.json``: a known-failures file from a run.

Every failing case of the run becomes one entry, pinned to the pointers it
failed at (:func:`conformance.known_failures.failure_points`), so that the
next run with ``--known-failures`` passes the gate as long as nothing new
breaks, and fails it as soon as a listed case fails anywhere else. A case the
run already listed keeps its reason; new entries get ``--reason``, by
default :data:`~conformance.known_failures.PLACEHOLDER_REASON`: a ``TODO``
a reviewer must replace, which every run using the file warns about (and
this command says so on stderr). Errors are never
written: a client that could not be exercised is not a failure to live with.

Output goes to stdout, or to ``--output FILE``. Exit 0, or 2 when the result
file cannot be used.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from conformance.errors import EXIT_OK, UsageError
from conformance.known_failures import (
    PLACEHOLDER_PREFIX,
    PLACEHOLDER_REASON,
    entries_from_document,
    file_text,
)
from conformance.result import load_result_file

DEFAULT_REASON = PLACEHOLDER_REASON


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "known-failures",
        help="write a known-failures file from a run's result.json",
        description="List every failing case of a run, pinned to the pointers it failed at, as a "
        "--known-failures file.",
    )
    parser.add_argument(
        "--from", dest="source", type=Path, required=True, metavar="RESULT", help="a run's result.json"
    )
    parser.add_argument("-o", "--output", type=Path, metavar="FILE", help="write here instead of stdout")
    parser.add_argument(
        "--reason",
        default=DEFAULT_REASON,
        help="reason written for cases not listed before (default: a TODO placeholder a reviewer must "
        "replace; runs warn while it is there)",
    )
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    document = load_result_file(args.source)  # ResultFileError: exit 2 (conformance.cli)
    entries = entries_from_document(document, reason=args.reason)
    errors = [case["id"] for case in document["cases"] if case.get("status") == "error"]
    header = (
        f"Known failures of the run in {args.source} ({len(entries)} failing case(s)).\n"
        "Pass it to `dw-conformance run --known-failures FILE`; a listed case failing elsewhere still fails."
    )
    text = file_text(entries, header=header)
    if args.output is None:
        sys.stdout.write(text)
    else:
        try:
            args.output.write_text(text, encoding="utf-8")
        except OSError as error:
            raise UsageError(f"{args.output}: cannot write: {error}") from error
        print(f"wrote {len(entries)} known failure(s) to {args.output}", file=sys.stderr)
    placeholders = [entry.case for entry in entries if entry.reason.lower().startswith(PLACEHOLDER_PREFIX)]
    if placeholders:
        print(
            f"dw-conformance known-failures: {len(placeholders)} new case(s) "
            "carry a TODO reason: replace each with why the case fails before committing the file "
            "(runs warn while a TODO is left)",
            file=sys.stderr,
        )
    if errors:
        print(
            f"dw-conformance known-failures: {len(errors)} case(s) ended in an error and were not listed: "
            + ", ".join(errors[:10]),
            file=sys.stderr,
        )
    return EXIT_OK
