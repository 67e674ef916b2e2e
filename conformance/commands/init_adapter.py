"""``dw-conformance init-adapter --language node|python|go --out DIR``: a starter exec adapter.

Writes a working exec-protocol adapter and its manifest (``adapter.yaml``)
from the templates shipped in ``conformance/starters/<language>/``. The
program replays each fixture's canonical request (from the exec request's
``canonical_request``), so a first run over a whole corpus passes (each
case marked replayed, the level ``replayed``: :mod:`conformance.replays`); its
``OPERATIONS`` table (``operations`` in Go) is the seam where the author
routes one operation after another to their own client.

Decisions:

- ``--out`` must not exist or be an empty directory: the command never
  overwrites or mixes with existing files (exit 2, nothing written).
- The projection key defaults to ``sdk_<language>``, except for Python, where
  ``sdk_python`` is the reference SDK's projection: a new Python client gets
  ``sdk_py``. The reference clients' keys (``cli``, ``sdk_python``) are
  refused, because a fixture's projection for them carries their own rules
  (envelope requirements, subset bodies) that a starter does not follow.
- ``--name`` (default ``my-<language>-client``) is the adapter's and the
  client's name in the manifest; it must be a valid adapter name.

Exit codes: 0 written, 2 usage errors (bad name or key, non-empty output).
"""

from __future__ import annotations

import argparse
import re
from importlib import resources
from pathlib import Path
from typing import Any

from conformance.errors import EXIT_OK, UsageError

LANGUAGES = ("node", "python", "go")
DEFAULT_PROJECTIONS = {"node": "sdk_node", "python": "sdk_py", "go": "sdk_go"}
REFERENCE_PROJECTIONS = ("cli", "sdk_python")
TEMPLATED = ("adapter.yaml", "README.md")
EXECUTABLES = ("adapter.py",)
_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
_PROJECTION = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class InitError(UsageError):
    pass


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "init-adapter",
        help="write a starter exec adapter (node, python or go) that passes the corpus out of the box",
        description="Write a working exec-protocol adapter skeleton and its manifest into a new directory. "
        "It replays each fixture's canonical request, so its first run passes (marked replayed, never "
        "'full'); replace that, operation by operation, with calls to your own client.",
    )
    parser.add_argument("--language", required=True, choices=LANGUAGES, help="the starter's language")
    parser.add_argument("--out", required=True, type=Path, metavar="DIR", help="a new or empty directory")
    parser.add_argument("--name", help="adapter and client name (default: my-<language>-client)")
    parser.add_argument(
        "--projection", help="the fixture key the adapter reads (default: sdk_<language>; sdk_py)"
    )
    parser.set_defaults(handler=handle)


def starter_files(language: str) -> dict[str, str]:
    """The template files of ``language``: file name -> text."""
    folder = resources.files("conformance").joinpath("starters", language)
    return {entry.name: entry.read_text(encoding="utf-8") for entry in folder.iterdir() if entry.is_file()}


def write_starter(language: str, out: Path, name: str, projection: str) -> list[Path]:
    """Write the starter; :class:`InitError` for a bad name, key or output directory."""
    if not _NAME.match(name):
        raise InitError(
            f"--name {name!r}: use lower-case letters, digits, '.', '_' and '-', "
            "starting with a letter or digit"
        )
    if not _PROJECTION.match(projection):
        raise InitError(
            f"--projection {projection!r}: use letters, digits and '_', not starting with a digit"
        )
    if projection in REFERENCE_PROJECTIONS:
        raise InitError(
            f"--projection {projection!r} is a reference client's projection; "
            "fixtures hold that client's own "
            "rules there. Choose a key of your own, such as sdk_<language>"
        )
    if out.exists() and not out.is_dir():
        raise InitError(f"--out {out}: exists and is not a directory")
    if out.is_dir() and any(out.iterdir()):
        raise InitError(
            f"--out {out}: the directory is not empty; choose a new or empty directory (nothing was written)"
        )
    files = starter_files(language)
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for file_name, text in sorted(files.items()):
        if file_name in TEMPLATED:
            text = text.replace("{{NAME}}", name).replace("{{PROJECTION}}", projection)
        target = out / file_name
        target.write_text(text, encoding="utf-8")
        if file_name in EXECUTABLES:
            target.chmod(0o755)
        written.append(target)
    return written


def handle(args: argparse.Namespace) -> int:
    language: str = args.language
    name: str = args.name or f"my-{language}-client"
    projection: str = args.projection or DEFAULT_PROJECTIONS[language]
    try:
        written = write_starter(language, args.out, name, projection)  # InitError: exit 2 (conformance.cli)
    except OSError as error:
        raise UsageError(f"cannot write {args.out}: {error.strerror or error}") from error
    manifest = args.out / "adapter.yaml"
    print(f"wrote {len(written)} files in {args.out}: " + ", ".join(path.name for path in written))
    print(f"next: dw-conformance run --adapter exec={manifest} --fixtures <corpus directory>")
    return EXIT_OK
