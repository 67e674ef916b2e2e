"""Reports written from a run's result document.

:func:`write_reports` writes the four files every run produces into the report
directory: ``result.json`` (the document itself, canonical text so that two
runs diff cleanly), ``junit.xml`` (CI test results), ``summary.md`` (CI step
summary / pull-request comment) and ``index.html`` (the page for people).
Writers read only the JSON document, so reports can be rebuilt from a saved
``result.json`` (``write_reports(json.load(...), dir)``).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from conformance.reporting.html import write_html
from conformance.reporting.junit import write_junit
from conformance.reporting.markdown import write_markdown

__all__ = ["REPORT_FILES", "write_reports", "write_result_json"]

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
    from conformance.result import dumps

    text = dumps(document)
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError:
        import json

        data = (json.dumps(document, sort_keys=True, indent=2, ensure_ascii=True) + "\n").encode("ascii")
    path.write_bytes(data)
    return path


def write_reports(document: Mapping[str, Any], report_dir: Path) -> dict[str, Path]:
    """Write all four reports into ``report_dir`` (created if needed); their paths by kind."""
    report_dir = Path(report_dir)
    report_dir.mkdir(parents=True, exist_ok=True)
    return {
        "json": write_result_json(document, report_dir / REPORT_FILES["json"]),
        "junit": write_junit(document, report_dir / REPORT_FILES["junit"]),
        "markdown": write_markdown(document, report_dir / REPORT_FILES["markdown"]),
        "html": write_html(document, report_dir / REPORT_FILES["html"]),
    }
