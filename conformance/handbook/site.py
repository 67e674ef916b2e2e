"""Writing the handbook to a directory.

Layout::

    OUT/index.html              operations by domain, the operation x client coverage matrix
    OUT/start-here.html         the shared rules and the steps for a new author
    OUT/operations/<slug>.html  one page per operation
    OUT/md/index.md, OUT/md/start-here.md, OUT/md/<slug>.md   the Markdown twins
    OUT/handbook.json           the same facts as data (for tools and tests)

Decision: the directory is written into, not emptied: files of the same
names are replaced and stale operation pages (of an operation no longer in
the corpus) are removed, so a handbook rebuilt into the same place never
shows a page the corpus lost. Nothing else in the directory is touched.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from conformance.handbook.html_pages import index_page, operation_page, start_here_page
from conformance.handbook.markdown_pages import index_markdown, operation_markdown, start_here_markdown
from conformance.handbook.model import Handbook
from conformance.textsafe import json_safe


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def write_site(handbook: Handbook, out: Path) -> list[Path]:
    """Write every file; returns the paths written."""
    written: list[Path] = []
    slugs = {page.slug for page in handbook.pages}
    for folder, suffix in (("operations", ".html"), ("md", ".md")):
        directory = out / folder
        if directory.is_dir():
            for stale in directory.glob(f"*{suffix}"):
                if stale.stem not in slugs | {"index", "start-here"}:
                    stale.unlink()
    files: dict[Path, str] = {
        out / "index.html": index_page(handbook),
        out / "start-here.html": start_here_page(handbook),
        out / "md" / "index.md": index_markdown(handbook),
        out / "md" / "start-here.md": start_here_markdown(handbook),
    }
    for page in handbook.pages:
        files[out / "operations" / f"{page.slug}.html"] = operation_page(page, handbook)
        files[out / "md" / f"{page.slug}.md"] = operation_markdown(page, handbook)
    files[out / "handbook.json"] = (
        json.dumps(json_safe(dataclasses.asdict(handbook)), indent=1, ensure_ascii=False) + "\n"
    )
    for path, text in files.items():
        _write(path, text)
        written.append(path)
    return written
