"""The ``dw-conformance`` command line.

Exit codes shared by every sub-command: 0 success, 1 the thing checked is
wrong (invalid fixtures, drift, nonconforming clients), 2 usage or
configuration errors (the message goes to stderr).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from importlib import import_module

from conformance import __version__

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2

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
    except KeyboardInterrupt:
        print("dw-conformance: interrupted", file=sys.stderr)
        return 130
    return code


if __name__ == "__main__":
    raise SystemExit(main())
