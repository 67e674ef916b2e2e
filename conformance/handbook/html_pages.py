"""The handbook's HTML pages: index (with the coverage matrix), "start here", one page per operation.

Every page is one self-contained document: the stylesheet is inlined, there
is no script and no external reference, and a Content-Security-Policy meta
tag forbids loading anything. Every value from a fixture or a result is
escaped (:func:`tag` escapes attributes; text goes through :func:`e`).
Elements tests (and readers' tools) look for carry stable classes and
``data-*`` attributes: ``table.matrix``,
``td.cell[data-operation][data-adapter][data-status]``,
``#coverage[data-covered][data-total]``,
``section.envelope[data-field][data-base64][data-value]``,
``pre.request-line[data-method][data-path]``, ``pre.body[data-source]``,
``table.measured tr[data-adapter][data-status]``,
``table.differences tr[data-pointer]``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from html import escape
from typing import Any

from conformance.handbook import start_here
from conformance.handbook.avro_walk import walk_datum
from conformance.handbook.envelopes import fingerprint_hex, value_schema_json
from conformance.handbook.model import EnvelopeExample, Handbook, MeasuredDifference, OperationPage
from conformance.handbook.style import CSS
from conformance.textsafe import json_safe

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
STATUS_MARK = {"pass": "pass", "fail": "FAIL", "error": "ERROR", "skipped": "skipped"}
HEADER_BYTES = 10


def e(value: Any) -> str:
    return escape(str(value), quote=True)


def tag(name: str, content: str = "", **attributes: str) -> str:
    """``<name attr="...">content</name>``; ``class_`` is ``class``, ``data_x`` is ``data-x``."""
    rendered = "".join(
        f' {key.rstrip("_").replace("_", "-")}="{e(value)}"' for key, value in attributes.items()
    )
    return f"<{name}{rendered}>{content}</{name}>"


def code(value: Any) -> str:
    return tag("code", e(value))


def pretty(value: Any) -> str:
    return json.dumps(json_safe(value), indent=2, ensure_ascii=False)


def compact(value: Any) -> str:
    return json.dumps(json_safe(value), ensure_ascii=False)


def md_inline(text: str) -> str:
    """Escape ``text`` and turn its `backtick` spans into <code> (the notes are written that way)."""
    parts = text.split("`")
    return "".join(code(part) if index % 2 else e(part) for index, part in enumerate(parts))


def document(title: str, body: str, depth: int) -> str:
    up = "../" * depth
    nav = (
        tag("a", "Operations &amp; coverage", id="nav-index", href=f"{up}index.html")
        + " · "
        + tag("a", "Start here", id="nav-start", href=f"{up}start-here.html")
    )
    header = tag(
        "header", tag("span", "dw-conformance handbook", class_="brand") + tag("nav", nav), class_="site"
    )
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{e(title)} · dw-conformance handbook</title>\n<style>{CSS}</style>\n</head>\n<body>\n"
        f"{header}\n<main>\n{body}\n</main>\n</body>\n</html>\n"
    )


def table(headers: Iterable[str], rows: Iterable[Iterable[str]], css: str = "") -> str:
    head = "".join(tag("th", cell) for cell in headers)
    body = "".join(tag("tr", "".join(tag("td", cell) for cell in row)) for row in rows)
    content = tag("thead", tag("tr", head)) + tag("tbody", body)
    return tag("table", content, class_=css) if css else tag("table", content)


def paragraphs(notes: Iterable[str]) -> str:
    return "".join(tag("p", md_inline(note)) for note in notes)


def bullets(notes: Iterable[str], css: str = "") -> str:
    items = "".join(tag("li", md_inline(note)) for note in notes)
    return tag("ul", items, class_=css) if css else tag("ul", items)


# ------------------------------------------------------------------ index
def _cell(page: OperationPage, adapter: str) -> str:
    found = [item for item in page.measured if item.adapter == adapter]
    status = found[0].status if found else "none"
    content = "—"
    if found:
        link = f"operations/{page.slug}.html#measured"
        replayed = " (replayed)" if found[0].replayed else ""
        content = tag("a", e(STATUS_MARK.get(status, status) + replayed), href=link)
    return tag(
        "td",
        content,
        class_=f"cell status-{status}",
        data_operation=page.operation,
        data_adapter=adapter,
        data_status=status,
    )


def _matrix(handbook: Handbook) -> str:
    projections = sorted({key for page in handbook.pages for key in page.projections})
    head = [tag("th", "operation"), tag("th", "request")]
    head += [
        tag("th", code(key), data_projection=key, title="the fixture describes this reference client")
        for key in projections
    ]
    head += [
        tag(
            "th",
            e(column.adapter) + "<br>" + tag("span", e(column.client), class_="muted"),
            data_adapter=column.adapter,
        )
        for column in handbook.clients
    ]
    rows: list[str] = []
    for domain, pages in handbook.domains():
        anchor = "domain-" + domain.lower().replace(" ", "-")
        rows.append(tag("tr", tag("th", e(domain), colspan=str(len(head)), id=anchor), class_="domain"))
        for page in pages:
            request_text = (
                tag("span", e(page.request.method), class_="method") + " " + e(page.request.template)
            )
            cells = [
                tag(
                    "td", tag("a", e(page.operation), class_="operation", href=f"operations/{page.slug}.html")
                ),
                tag("td", tag("code", request_text)),
            ]
            cells += [
                tag("td", "✓" if key in page.projections else "—", class_="cell", data_projection=key)
                for key in projections
            ]
            cells += [_cell(page, column.adapter) for column in handbook.clients]
            rows.append(tag("tr", "".join(cells), data_operation=page.operation))
    matrix = tag(
        "table", tag("thead", tag("tr", "".join(head))) + tag("tbody", "".join(rows)), class_="matrix"
    )
    return tag("div", matrix, class_="wide")


def index_page(handbook: Handbook) -> str:
    total = len(handbook.pages)
    covered = sum(1 for page in handbook.pages if not page.problems)
    directories = ", ".join(code(directory) for directory in handbook.fixture_dirs)
    parts = [
        tag("h1", "Operations and coverage"),
        tag(
            "p",
            "One page per operation of the corpus, grouped by domain. Each page says what the operation "
            "means, the exact request a client sends, the payloads that travel as Avro envelopes (with bytes "
            "you can compare), what the server answers, and how the two reference clients do it. New here? "
            f"Read {tag('a', 'Start here', href='start-here.html')} first.",
        ),
        tag(
            "p",
            f"<strong>{covered}/{total}</strong> operations have a complete page "
            f"(fixtures from {directories}).",
            id="coverage",
            data_covered=str(covered),
            data_total=str(total),
        ),
    ]
    if handbook.result_source:
        parts.append(tag("p", f"Measured statuses from {code(handbook.result_source)}."))
    else:
        parts.append(
            tag(
                "p",
                "No result document given: build again with "
                f"{code('--result reports/result.json')} to see each client's measured status.",
                class_="muted",
            )
        )
    if handbook.input_problems:
        items = "".join(tag("li", code(problem)) for problem in handbook.input_problems)
        content = tag("p", "Files left out (they did not load):") + tag("ul", items)
        parts.append(tag("div", content, class_="unspecified", id="input-problems"))
    parts.append(
        tag(
            "p",
            f"Columns in {code('code')}: the fixture describes how that reference client performs the "
            "operation. Other columns: the status each client measured in the result document.",
            class_="muted",
        )
    )
    parts.append(_matrix(handbook))
    if handbook.policy_sources:
        sources = ", ".join(code(source) for source in handbook.policy_sources)
        parts.append(tag("p", f"Deliberate differences from: {sources}"))
    return document("Operations and coverage", "\n".join(parts), 0)


# ------------------------------------------------------------------ operation pages
def _request_section(page: OperationPage) -> str:
    request = page.request
    line = f"{tag('span', e(request.method), class_='method')} &lt;server&gt;/api{e(request.template)}"
    out = [
        tag("h2", "The request", id="request"),
        tag(
            "pre",
            line,
            class_="request-line",
            data_method=request.method,
            data_path=request.path,
            data_template=request.template,
        ),
        tag(
            "p",
            f"As sent in this fixture: {code(f'{request.method} /api{request.path}')}. Encode each path "
            f"segment on its own (an id holding {code('/')} travels as {code('%2F')}); the judge compares "
            "decoded segments.",
        ),
    ]
    ids = [part for part in request.parts if part.id_name]
    if ids:
        rows = [
            [code("{" + part.id_name + "}"), code(part.text), code(f"semantic_body.{part.id_name}")]
            for part in ids
        ]
        out.append(table(["placeholder", "value in this fixture", "from"], rows, "ids"))
    out.append(tag("h3", "Query"))
    if request.query:
        rows = [
            [code(name), ", ".join(code(value) for value in values)] for name, values in request.query.items()
        ]
        out.append(table(["parameter", "value on the wire"], rows, "query"))
        out.append(
            tag(
                "p",
                f"From {code(request.query_source)}. A declared query is exact: "
                "no parameter may be missing or "
                f"added. Integers travel as their decimal text, booleans as {code('true')}/{code('false')}.",
                class_="muted",
            )
        )
    else:
        out.append(tag("p", "No query parameters."))
    out.append(tag("h3", "Headers"))
    rows = [[code(header.name), code(header.value), e(header.why)] for header in request.headers]
    out.append(table(["header", "value", "rule"], rows, "headers"))
    out.append(tag("h3", "Body"))
    if not request.has_body:
        out.append(tag("p", "No body."))
        return "\n".join(out)
    mode = (
        "exact: the body must equal this, key for key, type for type"
        if request.body_mode == "exact"
        else "subset: every key listed here must be present and equal; other keys are not judged"
    )
    out.append(tag("pre", e(pretty(request.body)), class_="body json", data_source=request.body_source))
    out.append(
        tag(
            "p",
            f"From {code(request.body_source)}; {e(mode)}. Numbers keep their type: {code(42)} is not "
            f"{code(42.0)} is not {code(chr(34) + '42' + chr(34))}. Payloads are shown decoded; see the "
            "envelopes below for the ones that may travel as Avro.",
            class_="muted",
        )
    )
    return "\n".join(out)


def _hex_html(example: EnvelopeExample) -> str:
    pieces = example.hex_bytes.split(" ")
    magic = tag("span", " ".join(pieces[:2]), class_="hdr")
    fingerprint = tag("span", " ".join(pieces[2:HEADER_BYTES]), class_="hdr")
    return f"{magic} {fingerprint} {' '.join(pieces[HEADER_BYTES:])}"


def _walk_table(raw: bytes) -> str:
    rows = "".join(
        tag(
            "tr",
            tag("td", code(line.hex))
            + tag("td", e(line.meaning), style=f"padding-left:{0.55 + line.depth}rem"),
        )
        for line in walk_datum(raw[HEADER_BYTES:])
    )
    head = tag("thead", tag("tr", tag("th", "bytes") + tag("th", "meaning")))
    return tag(
        "details",
        tag("summary", "The datum, item by item") + tag("table", head + tag("tbody", rows), class_="walk"),
    )


def _envelope(example: EnvelopeExample) -> str:
    raw = bytes.fromhex(example.hex_bytes.replace(" ", ""))
    where = "request" if example.direction == "request" else "response: decode it"
    title = f"{code(example.field)} " + tag(
        "span", f"({e(where)}; declared at {code(example.source)})", class_="muted"
    )
    blob_note = ""
    if example.fixture_blob:
        same = "byte-identical to this one" if example.blob_matches else "other bytes of the same value"
        blob_note = tag("p", f"The fixture's own blob is {same}.")
    content = [
        tag("h3", title),
        tag("p", "1. The value:"),
        tag("pre", e(pretty(example.value)), class_="value"),
        tag(
            "p",
            f"2. Its {len(raw)} bytes: magic {code('c3 01')}, "
            f"fingerprint {code(fingerprint_hex())}, the datum:",
        ),
        tag("pre", _hex_html(example), class_="bytes"),
        _walk_table(raw),
        tag(
            "details",
            tag("summary", f"The Avro schema ({code('durable_workflow.protocol.Value')})")
            + tag("pre", e(value_schema_json()), class_="schema"),
        ),
        tag("p", "3. The blob (standard base64 of those bytes):"),
        tag("pre", e(example.base64), class_="b64"),
        blob_note,
        tag(
            "p",
            "How to check yours: base64-decode your blob; its first 10 bytes must be the ones above; "
            "read the "
            "rest as one datum of the Value schema with any Avro library's binary decoder; it must give the "
            "value above, types included, with no byte left over. Byte equality with this example makes a "
            "good unit test for an encoder: Avro's binary encoding of a given value is deterministic.",
        ),
    ]
    return tag(
        "section",
        "".join(content),
        class_="envelope",
        data_field=example.field,
        data_direction=example.direction,
        data_base64=example.base64,
        data_value=compact(example.value),
    )


def _envelope_section(page: OperationPage) -> str:
    out = [tag("h2", "Payloads that travel as Avro envelopes", id="envelopes")]
    if not page.envelopes:
        out.append(tag("p", "None: nothing in this fixture travels as an envelope."))
        return "\n".join(out)
    shape = code('{"codec": "avro", "blob": "<base64>"}')
    link = tag("a", "Start here", href="../start-here.html#envelopes")
    out.append(
        tag(
            "p",
            f"An envelope is {shape} in place of the plain value. The schema, the header bytes and the rules "
            f"are on {link}.",
        )
    )
    out.extend(_envelope(example) for example in page.envelopes)
    return "\n".join(out)


def _response_section(page: OperationPage) -> str:
    response = page.response
    headers = [[code(name), code(value)] for name, value in response.headers]
    out = [
        tag("h2", "The answer", id="response"),
        tag(
            "p",
            f"The server answers <strong>{response.status}</strong> with this body ({e(response.source)}):",
        ),
        tag("pre", e(pretty(response.body)), class_="response json"),
        table(["response header", "value"], headers),
        tag("h3", "What a client must check"),
        bullets(response.checks, "checks"),
    ]
    if response.contract is not None:
        summary = tag("summary", "The server profile's response contract for this route")
        out.append(tag("details", summary + tag("pre", e(pretty(response.contract)))))
    return "\n".join(out)


def _behaviour_section(page: OperationPage) -> str:
    return "\n".join(
        [
            tag("h2", "Paging", id="paging"),
            tag("div", paragraphs(page.paging), class_="unspecified paging"),
            tag("h2", "Errors", id="errors"),
            tag("div", paragraphs(page.errors), class_="unspecified errors"),
        ]
    )


def _invocation_section(page: OperationPage) -> str:
    columns = []
    for invocation in page.invocations:
        text = tag("pre", e(invocation.text)) if invocation.text else ""
        content = tag("h3", e(invocation.client)) + text + bullets(invocation.detail)
        columns.append(tag("div", content, class_="invocation", data_client=invocation.client))
    heading = tag("h2", "How the reference clients do it", id="clients")
    return heading + "\n" + tag("div", "".join(columns), class_="side-by-side")


def _difference_rows(items: Iterable[MeasuredDifference]) -> str:
    return "".join(
        tag(
            "tr",
            tag("td", tag("code", e(item.pointer or "(case)"), class_="pointer"))
            + tag("td", e(item.kind))
            + tag("td", tag("code", e(compact(item.expected)), class_="expected"))
            + tag("td", tag("code", e(compact(item.actual)), class_="actual")),
            data_pointer=item.pointer,
        )
        for item in items
    )


def _deliberate_section(page: OperationPage, handbook: Handbook) -> str:
    out = [tag("h2", "Known deliberate differences", id="deliberate")]
    if page.deliberate:
        rows = [
            [
                code(item.projection),
                " ".join(code(p) for p in item.pointers),
                e(item.reason),
                code(item.source),
            ]
            for item in page.deliberate
        ]
        out.append(table(["projection", "pointers", "reason", "policy"], rows, "deliberate"))
    elif handbook.policy_sources:
        out.append(tag("p", "None declared for this operation in the given policies."))
    else:
        out.append(
            tag("p", f"No policy file given ({code('--policy')}), so none are listed.", class_="muted")
        )
    return "\n".join(out)


def _measured_section(page: OperationPage, handbook: Handbook) -> str:
    out = [tag("h2", "Measured status", id="measured")]
    if not handbook.result_source:
        out.append(tag("p", f"No result document given ({code('--result')}).", class_="muted"))
        return "\n".join(out)
    if not page.measured:
        out.append(tag("p", "The result document has no case for this operation."))
        return "\n".join(out)
    rows = []
    for item in page.measured:
        reason = "<br>" + tag("span", e(item.reason), class_="muted") if item.reason else ""
        replayed = (
            " (replayed: the program sent the canonical request, not the client)" if item.replayed else ""
        )
        status = tag(
            "td",
            e(STATUS_MARK.get(item.status, item.status) + replayed) + reason,
            class_=f"status-{item.status}",
        )
        unchecked = tag("td", "; ".join(e(text) for text in item.not_asserted), class_="muted")
        cells = tag("td", e(item.adapter)) + tag("td", e(item.client)) + status + unchecked
        rows.append(tag("tr", cells, data_adapter=item.adapter, data_status=item.status))
    head = tag(
        "thead",
        tag("tr", "".join(tag("th", name) for name in ("adapter", "client", "status", "not asserted"))),
    )
    out.append(tag("table", head + tag("tbody", "".join(rows)), class_="measured"))
    for item in page.measured:
        if not (item.differences or item.diagnostics):
            continue
        out.append(tag("h3", f"{e(item.adapter)}: differences"))
        head = tag(
            "thead", tag("tr", "".join(tag("th", name) for name in ("pointer", "kind", "expected", "sent")))
        )
        body = tag("tbody", _difference_rows(item.differences))
        out.append(tag("table", head + body, class_="differences", data_adapter=item.adapter))
        if item.diagnostics:
            diagnostics = tag("table", tag("tbody", _difference_rows(item.diagnostics)), class_="diagnostics")
            out.append(tag("details", tag("summary", "diagnostics (not failures)") + diagnostics))
    return "\n".join(out)


def operation_page(page: OperationPage, handbook: Handbook) -> str:
    markdown_link = tag("a", "Markdown", href=f"../md/{page.slug}.md")
    parts = [
        tag("p", f"{e(page.domain)} · fixture {code(page.fixture_name)} · {markdown_link}", class_="muted"),
        tag("h1", code(page.operation), id="operation", data_operation=page.operation),
    ]
    if page.problems:
        items = "".join(tag("li", code(problem)) for problem in page.problems)
        content = tag("p", "The fixture contradicts itself; its request cannot be stated:") + tag("ul", items)
        parts.append(tag("div", content, class_="unspecified problems"))
    parts.append(tag("h2", "What it means", id="meaning"))
    if page.description:
        parts.append(tag("p", e(page.description)))
    parts.append(
        tag("p", f"The facts the operation carries, independent of any client ({code('semantic_body')}):")
    )
    parts.append(tag("pre", e(pretty(page.semantic_body)), class_="semantic json"))
    parts += [
        _request_section(page),
        _envelope_section(page),
        _response_section(page),
        _behaviour_section(page),
        _invocation_section(page),
        _deliberate_section(page, handbook),
        _measured_section(page, handbook),
        tag("p", f"Source: {code(page.fixture_path)}.", class_="muted"),
    ]
    return document(page.operation, "\n".join(parts), 1)


def start_here_page(handbook: Handbook) -> str:
    return document("Start here", start_here.html(handbook, schema=value_schema_json()), 0)
