"""Reports written from a run's result document.

:func:`write_reports` writes the four files every run produces into the report
directory: ``result.json`` (the document itself, canonical text so that two
runs diff cleanly), ``junit.xml`` (CI test results), ``summary.md`` (CI step
summary / pull-request comment) and ``index.html`` (the page for people).
Writers read only the JSON document, so reports can be rebuilt from a saved
``result.json`` (``write_reports(json.load(...), dir)``).

The four files are replaced **atomically and together**: each is written to
a temporary file in the report directory (same file system, so a rename
cannot copy), flushed to disk, and only when all four are complete are they
renamed over the previous ones. A write that fails (a full disk, a quota, a
file-size limit) removes the temporary files and raises
:class:`ReportsNotWritten`, whose message says that the reports already there
were left whole: there is never a 0-byte or half-written ``result.json``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from conformance.reporting.html import write_html
from conformance.reporting.junit import write_junit
from conformance.reporting.markdown import write_markdown
from conformance.result import dumps

__all__ = ["REPORT_FILES", "ReportsNotWritten", "write_reports", "write_result_json"]

#: Report kind -> file name inside the report directory.
REPORT_FILES = {
    "json": "result.json",
    "junit": "junit.xml",
    "markdown": "summary.md",
    "html": "index.html",
}


def write_result_json(document: Mapping[str, Any], path: Path) -> Path:
    """The document with sorted keys and 2-space indent.

    Non-ASCII text is kept readable; a document carrying text that UTF-8
    cannot encode (a lone surrogate decoded from a client's JSON) falls back
    to ASCII escapes, which still load back to the same document.
    """
    text = dumps(document)
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError:
        data = (json.dumps(document, sort_keys=True, indent=2, ensure_ascii=True) + "\n").encode("ascii")
    path.write_bytes(data)
    return path


class ReportsNotWritten(OSError):
    """The reports could not be written; the ones already in the directory are untouched."""


_WRITERS: dict[str, Callable[[Mapping[str, Any], Path], Path]] = {
    "json": write_result_json,
    "junit": write_junit,
    "markdown": write_markdown,
    "html": write_html,
}


def _flush_to_disk(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def write_reports(document: Mapping[str, Any], report_dir: Path) -> dict[str, Path]:
    """Write all four reports into ``report_dir`` (created if needed); their paths by kind.

    All or nothing (module docstring): :class:`ReportsNotWritten` leaves the
    previous reports whole.
    """
    report_dir = Path(report_dir)
    report_dir.mkdir(parents=True, exist_ok=True)
    finals = {kind: report_dir / name for kind, name in REPORT_FILES.items()}
    temporaries = {kind: report_dir / f".{name}.{os.getpid()}.tmp" for kind, name in REPORT_FILES.items()}
    writing = "json"
    try:
        for writing, writer in _WRITERS.items():
            writer(document, temporaries[writing])
            _flush_to_disk(temporaries[writing])
    except OSError as error:
        for temporary in temporaries.values():
            temporary.unlink(missing_ok=True)
        kept = [name for kind, name in REPORT_FILES.items() if finals[kind].is_file()]
        left = (
            "the reports already there (" + ", ".join(kept) + ") are left whole"
            if kept
            else "no report was written"
        )
        raise ReportsNotWritten(
            f"{error.strerror or error} while writing {REPORT_FILES[writing]}; {left}"
        ) from error
    for kind in REPORT_FILES:
        os.replace(temporaries[kind], finals[kind])
    return finals
