"""``dw-conformance merge RESULT.json... --report-dir DIR``: one report from shard results.

Joins the ``result.json`` of every ``run --shard I/N`` of a run into the
document, level, parity and reports one unsharded run gives (only ``run``
differs; :mod:`conformance.merge`), copies each case's HAR file, and prints
the same closing summary as ``run``. Exit codes as ``run``: 0, or 1 when the
merged level is ``nonconforming``; 2 when the inputs cannot be read or
cannot be merged (different corpora, overlapping or missing shards), with the
reason on stderr.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from conformance.annotations import ANNOTATION_FORMATS, github_annotations
from conformance.errors import UsageError
from conformance.merge import ShardResult, copy_har_files, merge_documents
from conformance.reporting import write_reports
from conformance.reporting.console import closing_sections, summary_table
from conformance.result import exit_code_for, load_result_file
from conformance.textsafe import printable


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "merge",
        help="join the result.json of several shards into one result and one set of reports",
        description="Merge the results of dw-conformance run --shard I/N (every shard of one run) into the "
        "document and reports one unsharded run gives.",
    )
    parser.add_argument("results", nargs="+", type=Path, metavar="RESULT.json", help="a shard's result.json")
    parser.add_argument(
        "--report-dir", type=Path, required=True, metavar="DIR", help="where the merged reports go"
    )
    parser.add_argument(
        "--annotations", choices=ANNOTATION_FORMATS, metavar="FORMAT", help="as for run: github"
    )
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    # ResultFileError and MergeError are usage errors: exit 2 (conformance.cli)
    results = [ShardResult(path, load_result_file(path)) for path in args.results]
    document = merge_documents(results)
    try:
        args.report_dir.mkdir(parents=True, exist_ok=True)
        copied = copy_har_files(results, args.report_dir)
        paths = write_reports(document, args.report_dir)
    except OSError as error:
        raise UsageError(f"cannot write to {args.report_dir}: {error}") from error
    out = sys.stdout
    print(f"merged {len(results)} result(s): {len(document['cases'])} cases, {copied} HAR file(s)", file=out)
    print(summary_table(document), file=out)
    print(file=out)
    closing = closing_sections(document)
    if closing:
        print(closing, file=out)
    level = document["conformance"]
    print(printable(f"conformance level: {level['level']} ({level['explanation']})"), file=out)
    print("reports: " + ", ".join(str(path) for path in paths.values()), file=out)
    if args.annotations == "github":
        for line in github_annotations(document):
            print(line, file=out)
    return exit_code_for(document)
