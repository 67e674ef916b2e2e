"""CI annotations: one workflow command per case that needs a look (``run --annotations github``).

GitHub Actions turns a line ``::error file=F,title=T::MESSAGE`` on a step's
output into an annotation on file ``F`` in the run summary and the pull
request. ``dw-conformance`` prints, after its summary, one line per case that
is not a plain pass, its kind chosen by :func:`conformance.gating.case_gate`
(the same decision every report shows):

- ``::error`` for a gating case only (a failure or error that sets the exit
  code, or a fixed known failure under ``--strict-known-failures``): the
  message is the first pointer with its expected and sent values (``(+N
  more)`` when there are others), or the error's reason;
- ``::warning`` for a failure that does not gate because of its category
  (provisional), its adapter (a self-check that does not decide), the level
  (``partial``) or an unfinished run, and for a listed known failure that now
  passes (not strict); the message starts with why it does not gate;
- ``::notice`` for a known failure failing as listed and for a case passing
  only by a policy's declared differences (with the policy's reasons).

``file`` is the fixture or scenario file relative to the repository root
(the working directory, where GitHub runs the step) when it lies under it;
a file outside the repository (a scenario shipped inside the installed
harness, say) gets no ``file`` at all, since GitHub could not attach it.

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

from conformance.gating import RunGates, case_gate
from conformance.reporting.common import case_headline, display_status, known_failure_note
from conformance.textsafe import printable

__all__ = ["ANNOTATION_FORMATS", "escape_data", "escape_property", "file_warning", "github_annotations"]

ANNOTATION_FORMATS = ("github",)
#: GitHub shows at most a few annotations per step; the rest are still in the reports.
MAX_MESSAGE_CHARS = 1000


def escape_data(text: str) -> str:
    """A workflow command's message: ``%``, CR, LF escaped."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A workflow command's property value: as :func:`escape_data`, plus ``:`` and ``,``."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _relative(path: str, root: Path) -> str | None:
    """``path`` relative to ``root``, or None when it lies outside it (or is empty)."""
    if not path:
        return None
    candidate = Path(path)
    if not candidate.is_absolute():
        candidate = root / candidate
    try:
        return candidate.resolve().relative_to(root.resolve()).as_posix()
    except (ValueError, OSError):
        return None


def _command(kind: str, case: Mapping[str, Any], message: str, root: Path) -> str:
    return _line(kind, str(case.get("fixture_path") or ""), str(case.get("id", "")), message, root)


def _line(kind: str, path: str, title_text: str, message: str, root: Path) -> str:
    title = f"title={escape_property(title_text)}"
    file = _relative(path, root)
    properties = f"file={escape_property(file)},{title}" if file else title
    # printable: an ESC or another control character a client wrote would reach the CI log raw
    return printable(f"::{kind} {properties}::{escape_data(message[:MAX_MESSAGE_CHARS])}")


def file_warning(path: str, title: str, message: str, *, root: Path | None = None) -> str:
    """A ``::warning`` on an input file (a known-failures file's placeholder reason, say)."""
    return _line("warning", path, title, message, Path(os.getcwd()) if root is None else root)


def github_annotations(document: Mapping[str, Any], *, root: Path | None = None) -> list[str]:
    """The workflow-command lines for ``document`` (``root``: the repository root, default the cwd)."""
    root = Path(os.getcwd()) if root is None else root
    run = RunGates.of(document)
    lines: list[str] = []
    for case in document.get("cases") or []:
        gate = case_gate(case, run)
        shown = display_status(case)
        if gate.kind == "gating":
            note = known_failure_note(case)
            if gate.why == "strict_fixed":
                message = note
            else:
                message = f"{case.get('status')}: {case_headline(case)}" + (f" ({note})" if note else "")
            lines.append(_command("error", case, message, root))
        elif gate.kind == "not_gating" and gate.why in ("known_failure", "policy"):
            detail = "" if gate.why == "policy" else f": {case_headline(case)}"
            lines.append(_command("notice", case, f"does not gate, {gate.reason}{detail}", root))
        elif gate.kind == "not_gating":
            message = f"{case.get('status')} (does not gate: {gate.reason}): {case_headline(case)}"
            lines.append(_command("warning", case, message, root))
        elif shown == "fixed":
            lines.append(_command("warning", case, known_failure_note(case), root))
    return lines
