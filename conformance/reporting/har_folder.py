"""The report directory's ``har/`` folder: one HAR file per case that sent anything.

:class:`HarFolder` owns the folder: :meth:`HarFolder.clear_stale` removes
the ``*.har`` files an earlier run left there (and nothing else: a report
directory may be a user's own directory), and :meth:`HarFolder.write`
writes one case's exchanges, redacted, under a file name unique to the case
(:func:`case_file_stem`). The executor calls it for every case that captured
an exchange; the case's result records the path relative to the report
directory.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from pathlib import Path

from conformance.capture import CapturedExchange
from conformance.proxy.har import write_har

__all__ = ["HarFolder", "case_file_stem"]

_UNSAFE_FILE_CHARS = re.compile(r"[^A-Za-z0-9._-]+")
_MAX_STEM = 180


def case_file_stem(case_id: str) -> str:
    """A file-system-safe stem for per-case files, unique per case (``a.json::cli`` -> ``a.json__cli``).

    Characters other than letters, digits, ``.``, ``_`` and ``-`` become
    ``_``, and so do leading dots (no hidden files, no ``..``). Whenever the
    plain ``<fixture>__<adapter>`` form could be shared by two cases (something
    was replaced, a part holds ``__`` or touches the separator with ``_``) or
    would be too long for a file name, 8 hex digits of the case id's SHA-256
    are appended: two cases never write the same HAR, whatever finishes first.
    """
    fixture, separator, adapter = case_id.partition("::")
    stem = _UNSAFE_FILE_CHARS.sub("_", f"{fixture}__{adapter}" if separator else case_id)
    stem = re.sub(r"^\.+", lambda match: "_" * len(match.group(0)), stem)
    plain = (
        separator
        and "::" not in adapter
        and stem == f"{fixture}__{adapter}"
        and "__" not in fixture
        and "__" not in adapter
        and not fixture.endswith("_")
        and not adapter.startswith("_")
        and len(stem) <= _MAX_STEM
    )
    if plain:
        return stem
    digest = hashlib.sha256(case_id.encode("utf-8", errors="surrogateescape")).hexdigest()[:8]
    return f"{stem[:_MAX_STEM]}-{digest}"


class HarFolder:
    """``<report dir>/har``: the run's HAR files."""

    def __init__(self, report_dir: Path) -> None:
        self.report_dir = report_dir
        self.path = report_dir / "har"

    def clear_stale(self) -> None:
        """Remove the ``*.har`` files of an earlier run (they would sit next to this run's and mislead)."""
        for stale in self.path.glob("*.har") if self.path.is_dir() else ():
            stale.unlink(missing_ok=True)

    def write(self, case_id: str, exchanges: Sequence[CapturedExchange], secrets: Sequence[str]) -> str:
        """Write one case's exchanges; the file's path relative to the report directory."""
        target = self.path / f"{case_file_stem(case_id)}.har"
        write_har(list(exchanges), target, secrets=list(secrets))
        return target.relative_to(self.report_dir).as_posix()
