"""The handbook for authors of a new client: a static site generated from the corpus.

:func:`build_handbook` is the whole pipeline (corpus -> :class:`~.model.Handbook`
-> files); ``dw-conformance handbook`` is its command line. The modules, one
job each: :mod:`.collect` (assemble), :mod:`.request_view`, :mod:`.envelopes`
(+ :mod:`.avro_walk`), :mod:`.response_view`, :mod:`.behaviour`,
:mod:`.invocations`, :mod:`.measured` (result and policies), :mod:`.domains`,
:mod:`.start_here`, :mod:`.html_pages`, :mod:`.markdown_pages`,
:mod:`.textmark`, :mod:`.style`, :mod:`.site`.
"""

from __future__ import annotations

from pathlib import Path

from conformance.handbook.collect import HandbookUsageError, Sources, collect
from conformance.handbook.measured import load_measurements, load_policies
from conformance.handbook.model import Handbook
from conformance.handbook.site import write_site

__all__ = [
    "Handbook",
    "HandbookUsageError",
    "Sources",
    "build_handbook",
    "load_measurements",
    "load_policies",
]


def build_handbook(sources: Sources, out: Path) -> Handbook:
    """Collect the handbook from ``sources`` and write it to ``out``."""
    handbook = collect(sources)
    write_site(handbook, out)
    return handbook
