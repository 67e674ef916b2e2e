"""The ``dw-conformance`` command line.

Exit codes shared by every sub-command: 0 success, 1 the thing checked is
wrong (invalid fixtures, drift, nonconforming clients), 2 usage or
configuration errors (the message goes to stderr). A sub-command signals a
usage error by raising :class:`conformance.errors.UsageError` (or a subclass);
:func:`main` is the one place that prints it, prefixed with the sub-command
(``dw-conformance run: ...``), and returns 2.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from importlib import import_module

from conformance import __version__
from conformance.errors import EXIT_FAILED, EXIT_OK, EXIT_USAGE, UsageError
from conformance.textsafe import printable_lines

__all__ = ["EXIT_FAILED", "EXIT_OK", "EXIT_USAGE", "build_parser", "main"]

#: Sub-command modules under ``conformance.commands``, in help order.
COMMAND_MODULES = (
    "run",
    "validate",
    "drift",
    "selftest",
    "fuzz",
    "handbook",
    "init_adapter",
    "known_failures",
    "merge",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dw-conformance",
        description="Parity conformance harness for Durable Workflow v2 control-plane clients.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    subparsers.required = True
    for name in COMMAND_MODULES:
        module = import_module(f"conformance.commands.{name}")
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code: int = args.handler(args)
    except UsageError as error:  # the one place a usage error becomes exit code 2
        # a message may quote a file's name or content: escaped, line by line
        print(printable_lines(f"{parser.prog} {args.command}: {error}"), file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("dw-conformance: interrupted", file=sys.stderr)
        return 130
    return code


if __name__ == "__main__":
    raise SystemExit(main())
