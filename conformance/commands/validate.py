"""``dw-conformance validate [PATH...]``: check fixture files (see :mod:`conformance.validate`).

Prints one ``file: pointer: expected ...; found ...`` line per problem and a
count line on stdout. Exit 0 when every file is valid, 1 when any problem was
found, 2 when a path does not exist.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from conformance.errors import EXIT_FAILED, EXIT_OK
from conformance.fixture import shipped_corpus_dir
from conformance.validate import validate_paths


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "validate",
        help="check fixture files against the format and its semantic rules",
        description="Check fixture files: JSON Schema of format version 1, file names, one file per "
        "operation, Avro envelopes decoding to their stated values, path ids agreeing with "
        "semantic_body. Every problem of every file is reported.",
    )
    parser.add_argument(
        "paths",
        nargs="*",
        type=Path,
        metavar="PATH",
        help="fixture files or directories of *.json fixtures (default: the shipped corpus)",
    )
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    paths: list[Path] = list(args.paths) or [shipped_corpus_dir()]
    report = validate_paths(paths)  # ValidationUsageError: exit 2 (conformance.cli)
    for line in report.lines():
        print(line)
    return EXIT_OK if report.ok else EXIT_FAILED
