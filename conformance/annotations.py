"""CI annotations: one workflow command per failing case (``run --annotations github``).

GitHub Actions turns a line ``::error file=F,title=T::MESSAGE`` on a step's
output into an annotation on file ``F`` in the run summary and the pull
request. ``dw-conformance`` prints, after its summary:

- one ``::error`` per case that counts against the level (``fail`` or
  ``error``, a known failure failing elsewhere included, and a fixed known
  failure under ``--strict-known-failures``): ``file`` is the fixture file
  (relative to the working directory when it lies under it, as GitHub expects
  paths relative to the repository root), ``title`` the case id, the message
  the first pointer with its expected and sent values (``(+N more)`` when
  there are others), or the error's reason;
- one ``::notice`` per known failure that failed as listed, and one
  ``::warning`` per listed case that now passes (not strict), so neither goes
  unseen.

Escaping follows GitHub's workflow-command rules (the runner's
``escapeData``/``escapeProperty``): in the message ``%``, CR and LF become
``%25``, ``%0D``, ``%0A``; in property values also ``:`` and ``,`` become
``%3A`` and ``%2C``. A client's value can therefore never end the command,
start a new one on a new line, or add a property.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from conformance.reporting.common import case_headline, counts_against, display_status, known_failure_note
from conformance.textsafe import printable

__all__ = ["ANNOTATION_FORMATS", "escape_data", "escape_property", "github_annotations"]

ANNOTATION_FORMATS = ("github",)
#: GitHub shows at most a few annotations per step; the rest are still in the reports.
MAX_MESSAGE_CHARS = 1000


def escape_data(text: str) -> str:
    """A workflow command's message: ``%``, CR, LF escaped."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A workflow command's property value: as :func:`escape_data`, plus ``:`` and ``,``."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _file(case: Mapping[str, Any], root: Path | None) -> str:
    path = str(case.get("fixture_path") or case.get("fixture") or "")
    if root is not None and path:
        try:
            relative = Path(path).resolve().relative_to(root.resolve())
        except (ValueError, OSError):
            return path
        return relative.as_posix()
    return path


def _command(kind: str, case: Mapping[str, Any], message: str, root: Path | None) -> str:
    properties = f"file={escape_property(_file(case, root))},title={escape_property(str(case.get('id', '')))}"
    # printable: an ESC or another control character a client wrote would reach the CI log raw
    return printable(f"::{kind} {properties}::{escape_data(message[:MAX_MESSAGE_CHARS])}")


def github_annotations(document: Mapping[str, Any], *, root: Path | None = None) -> list[str]:
    """The workflow-command lines for ``document`` (``root``: what fixture paths are made relative to)."""
    root = Path(os.getcwd()) if root is None else root
    strict = bool((document.get("known_failures") or {}).get("strict"))
    lines: list[str] = []
    for case in document.get("cases") or []:
        shown = display_status(case)
        if counts_against(case):
            note = known_failure_note(case)
            message = f"{case.get('status')}: {case_headline(case)}" + (f" ({note})" if note else "")
            lines.append(_command("error", case, message, root))
        elif shown == "fixed":
            lines.append(_command("error" if strict else "warning", case, known_failure_note(case), root))
        elif shown == "known_failure":
            lines.append(_command("notice", case, f"{known_failure_note(case)}: {case_headline(case)}", root))
    return lines
