"""``dw-conformance drift DIR_A DIR_B``: semantic comparison of two corpora (see :mod:`conformance.drift`).

Exit 0 when the corpora agree, 1 when they drift (a file on one side only, a
difference, or a file that cannot be read), 2 on usage errors (a missing
path, a file compared with a directory, no fixtures on either side).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from conformance.drift import compare_corpora, render_report
from conformance.errors import EXIT_FAILED, EXIT_OK
from conformance.textsafe import printable


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "drift",
        help="compare two fixture corpora by meaning, not bytes",
        description="List fixture files present on one side only and, for files on both sides, every "
        "JSON-pointer difference. Whitespace and object key order are not differences; list order "
        "and the order of positional cli.argv keys are.",
    )
    parser.add_argument("side_a", type=Path, metavar="DIR_A", help="first corpus (a directory, or a file)")
    parser.add_argument("side_b", type=Path, metavar="DIR_B", help="second corpus (a directory, or a file)")
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    report = compare_corpora(args.side_a, args.side_b)  # DriftUsageError: exit 2 (conformance.cli)
    for line in render_report(report):
        print(printable(line))  # names and keys come from the fixture files
    return EXIT_OK if report.agrees else EXIT_FAILED
