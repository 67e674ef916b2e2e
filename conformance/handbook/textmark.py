"""A very small Markdown subset to HTML, for the handbook's hand-written prose.

Supported: ``#``/``##``/``###`` headings (``{#id}`` at the end sets the id),
paragraphs, fenced code blocks, ``-`` bullet lists, ``1.`` numbered lists,
inline `code` and ``[text](href)`` links. Everything else is text, escaped.
The prose is written for this subset, so one source gives both the HTML page
and its Markdown twin.
"""

from __future__ import annotations

import re
from html import escape

_LINK = re.compile(r"\[([^\]]+)\]\(([^)\s]+)\)")
_HEADING = re.compile(r"^(#{1,3}) (.*?)(?: \{#([a-z0-9-]+)\})?$")


def inline(text: str) -> str:
    out: list[str] = []
    for index, part in enumerate(text.split("`")):
        if index % 2:
            out.append(f"<code>{escape(part)}</code>")
            continue
        position = 0
        for match in _LINK.finditer(part):
            out.append(escape(part[position : match.start()]))
            out.append(f'<a href="{escape(match.group(2), quote=True)}">{escape(match.group(1))}</a>')
            position = match.end()
        out.append(escape(part[position:]))
    return "".join(out)


def to_html(markdown: str) -> str:
    html: list[str] = []
    lines = markdown.splitlines()
    index = 0
    paragraph: list[str] = []

    def flush() -> None:
        if paragraph:
            html.append(f"<p>{inline(' '.join(paragraph))}</p>")
            paragraph.clear()

    while index < len(lines):
        line = lines[index]
        if line.startswith("```"):
            flush()
            block: list[str] = []
            index += 1
            while index < len(lines) and not lines[index].startswith("```"):
                block.append(lines[index])
                index += 1
            html.append(f"<pre>{escape(chr(10).join(block))}</pre>")
        elif heading := _HEADING.match(line):
            flush()
            level = len(heading.group(1))
            anchor = f' id="{heading.group(3)}"' if heading.group(3) else ""
            html.append(f"<h{level}{anchor}>{inline(heading.group(2))}</h{level}>")
        elif re.match(r"^(- |\d+\. )", line):
            flush()
            ordered = not line.startswith("- ")
            items: list[str] = []
            while index < len(lines) and re.match(r"^(- |\d+\. |\s+\S)", lines[index]):
                current = lines[index]
                if current[:1].isspace() and items:
                    items[-1] += " " + current.strip()
                else:
                    items.append(re.sub(r"^(- |\d+\. )", "", current))
                index += 1
            tag = "ol" if ordered else "ul"
            html.append(f"<{tag}>" + "".join(f"<li>{inline(item)}</li>" for item in items) + f"</{tag}>")
            continue
        elif not line.strip():
            flush()
        else:
            paragraph.append(line.strip())
        index += 1
    flush()
    return "\n".join(html)


def strip_anchors(markdown: str) -> str:
    """The Markdown twin: heading ids written as ``{#id}`` removed (plain Markdown has none)."""
    return re.sub(r" \{#[a-z0-9-]+\}$", "", markdown, flags=re.MULTILINE)
