"""``dw-conformance handbook``: the static site for authors of a new client (see :mod:`conformance.handbook`).

Exit codes: 0 the site was written; 1 it was written but some fixture files
did not load (they are listed on stderr and on the index page); 2 usage or
configuration errors (no fixtures directory, a bad result document, policy,
server profile or operation table, two fixtures of one operation, an
unwritable output directory).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from conformance.errors import EXIT_FAILED, EXIT_OK, UsageError
from conformance.fixture import shipped_corpus_dir
from conformance.operations import load_tables
from conformance.problems import InputError
from conformance.proxy.profile import load_profile
from conformance.textsafe import printable


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "handbook",
        help="generate the handbook for client authors: one page per operation, the coverage matrix",
        description="Write a static, self-contained site (HTML plus one Markdown file per operation) that "
        "tells the author of a new client what each operation must send and receive, with worked Avro "
        "envelope examples, how the reference clients do it, and (with --result) each client's measured "
        "status.",
    )
    parser.add_argument(
        "--fixtures",
        type=Path,
        action="append",
        metavar="DIR",
        help="a fixtures directory (repeatable; default: the shipped corpus)",
    )
    parser.add_argument("--result", type=Path, metavar="FILE", help="a result.json of dw-conformance run")
    parser.add_argument(
        "--policy", type=Path, action="append", metavar="FILE", help="deliberate differences (repeatable)"
    )
    parser.add_argument(
        "--server-profile", type=Path, metavar="FILE", help="server profile YAML (default: v2)"
    )
    parser.add_argument("--operations", type=Path, metavar="FILE", help="YAML extending the operation tables")
    parser.add_argument("--out", type=Path, required=True, metavar="DIR", help="where the site is written")
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    # Imported here, not at the top: every `dw-conformance run` builds this command's parser too
    # (a lazy load listed in docs/architecture.md, "Imports").
    from conformance.handbook import Sources, build_handbook, load_measurements, load_policies

    directories: list[Path] = list(args.fixtures or []) or [shipped_corpus_dir()]
    missing = [directory for directory in directories if not directory.is_dir()]
    if missing:
        raise UsageError(f"{missing[0]}: not a fixtures directory")
    try:
        sources = Sources(
            fixture_dirs=directories,
            profile=load_profile(args.server_profile),
            tables=load_tables(args.operations),
            measurements=load_measurements(args.result) if args.result else None,
            policies=tuple(load_policies(list(args.policy or []))),
        )
        handbook = build_handbook(sources, args.out)
    except InputError as error:  # HandbookUsageError goes on to conformance.cli (exit 2)
        raise UsageError("\n".join(problem.render() for problem in error.problems)) from error
    except OSError as error:
        raise UsageError(f"cannot write {args.out}: {error.strerror or error}") from error
    for line in handbook.input_problems:
        print(printable(f"dw-conformance handbook: skipped input: {line}"), file=sys.stderr)
    print(
        f"handbook: {len(handbook.pages)} operation pages in {args.out / 'index.html'} "
        f"(start: {args.out / 'start-here.html'})"
    )
    return EXIT_FAILED if handbook.input_problems else EXIT_OK
