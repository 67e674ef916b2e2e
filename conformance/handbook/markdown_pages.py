"""One Markdown file per operation (for a client repository's docs), plus the index and "start here".

The Markdown says what the HTML page says, in GitHub-flavoured Markdown
(tables, fenced code); links point at the other Markdown files.
"""

from __future__ import annotations

import json
from typing import Any

from conformance.handbook import start_here
from conformance.handbook.envelopes import fingerprint_hex, value_schema_json
from conformance.handbook.model import Handbook, OperationPage
from conformance.handbook.textmark import strip_anchors
from conformance.textsafe import json_safe


def _json(value: Any) -> str:
    return "```json\n" + json.dumps(json_safe(value), indent=2, ensure_ascii=False) + "\n```"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _code(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(json_safe(value), ensure_ascii=False)
    return "`" + _cell(text).replace("`", "'") + "`"


def operation_markdown(page: OperationPage, handbook: Handbook) -> str:
    request = page.request
    lines = [
        f"# `{page.operation}`",
        "",
        f"{page.domain} · fixture `{page.fixture_name}` · see also [start here](start-here.md)",
        "",
    ]
    if page.problems:
        lines += [
            "> The fixture contradicts itself; its request cannot be stated:",
            *[f"> - `{p}`" for p in page.problems],
            "",
        ]
    lines += ["## What it means", ""]
    if page.description:
        lines += [page.description, ""]
    lines += ["The facts the operation carries (`semantic_body`):", "", _json(page.semantic_body), ""]
    lines += [
        "## The request",
        "",
        "```",
        f"{request.method} <server>/api{request.template}",
        "```",
        "",
        f"As sent in this fixture: `{request.method} /api{request.path}` "
        "(each path segment encoded on its own).",
        "",
    ]
    ids = [part for part in request.parts if part.id_name]
    if ids:
        lines += ["| placeholder | value in this fixture |", "|---|---|"]
        lines += [f"| `{{{p.id_name}}}` | {_code(p.text)} |" for p in ids] + [""]
    if request.query:
        lines += [f"Query (from `{request.query_source}`, exact):", "", "| parameter | value |", "|---|---|"]
        lines += [
            f"| `{name}` | {', '.join(_code(v) for v in values)} |" for name, values in request.query.items()
        ] + [""]
    else:
        lines += ["No query parameters.", ""]
    lines += ["| header | value | rule |", "|---|---|---|"]
    lines += [f"| `{h.name}` | `{h.value}` | {_cell(h.why)} |" for h in request.headers] + [""]
    if request.has_body:
        lines += [f"Body (from `{request.body_source}`, {request.body_mode}):", "", _json(request.body), ""]
    else:
        lines += ["No body.", ""]
    lines += ["## Payloads that travel as Avro envelopes", ""]
    if not page.envelopes:
        lines += ["None.", ""]
    for example in page.envelopes:
        lines += [
            f"### `{example.field}` ({example.direction}; declared at `{example.source}`)",
            "",
            "Value:",
            "",
            _json(example.value),
            "",
            f"Bytes (magic `c3 01`, fingerprint `{fingerprint_hex()}`, datum):",
            "",
            "```",
            example.hex_bytes,
            "```",
            "",
            "Schema: `durable_workflow.protocol.Value` (see [start here](start-here.md)).",
            "",
            "Blob (base64):",
            "",
            "```",
            example.base64,
            "```",
            "",
        ]
        if example.fixture_blob:
            lines += [
                "The fixture's own blob is "
                + ("byte-identical." if example.blob_matches else "different bytes of the same value."),
                "",
            ]
    response = page.response
    lines += [
        "## The answer",
        "",
        f"Status {response.status}, body ({response.source}):",
        "",
        _json(response.body),
        "",
        "What a client must check:",
        "",
        *[f"- {check}" for check in response.checks],
        "",
    ]
    lines += [
        "## Paging",
        "",
        *[f"- {note}" for note in page.paging],
        "",
        "## Errors",
        "",
        *[f"- {note}" for note in page.errors],
        "",
    ]
    lines += ["## How the reference clients do it", ""]
    for invocation in page.invocations:
        lines += [f"### {invocation.client}", ""]
        if invocation.text:
            lines += ["```", invocation.text, "```", ""]
        lines += [*[f"- {item}" for item in invocation.detail], ""]
    lines += ["## Known deliberate differences", ""]
    if page.deliberate:
        lines += ["| projection | pointers | reason |", "|---|---|---|"]
        lines += [
            f"| `{d.projection}` | {' '.join(_code(p) for p in d.pointers)} | {_cell(d.reason)} |"
            for d in page.deliberate
        ] + [""]
    else:
        lines += ["None listed." if handbook.policy_sources else "No policy file given.", ""]
    lines += ["## Measured status", ""]
    if not handbook.result_source:
        lines += ["No result document given.", ""]
    elif not page.measured:
        lines += ["The result document has no case for this operation.", ""]
    else:
        lines += ["| adapter | client | status | differences |", "|---|---|---|---|"]
        for item in page.measured:
            diffs = "; ".join(
                f"{_code(d.pointer or '(case)')} {d.kind}: "
                f"expected {_code(d.expected)}, sent {_code(d.actual)}"
                for d in item.differences
            )
            status = item.shown_status
            lines.append(
                f"| {item.adapter} | {_cell(item.client)} | {status} | {diffs or _cell(item.reason)} |"
            )
        lines.append("")
    return "\n".join(lines)


def index_markdown(handbook: Handbook) -> str:
    adapters = [column.adapter for column in handbook.clients]
    head = "| operation | request |" + "".join(f" {a} |" for a in adapters)
    lines = [
        "# Operations and coverage",
        "",
        f"{len(handbook.pages)} operations. Read [start here](start-here.md) first.",
        "",
        head,
        "|---|---|" + "---|" * len(adapters),
    ]
    for domain, pages in handbook.domains():
        lines.append(f"| **{domain}** | |" + " |" * len(adapters))
        for page in pages:
            statuses = {item.adapter: item.status for item in page.measured}
            cells = "".join(f" {statuses.get(a, '—')} |" for a in adapters)
            lines.append(
                f"| [`{page.operation}`]({page.slug}.md) "
                f"| `{page.request.method} {page.request.template}` |{cells}"
            )
    return "\n".join(lines) + "\n"


def start_here_markdown(handbook: Handbook) -> str:
    text = start_here.markdown(handbook, schema=value_schema_json())
    return (
        strip_anchors(text)
        .replace("(index.html)", "(index.md)")
        .replace(".html#paging)", ".md)")
        .replace("operations/", "")
    )
