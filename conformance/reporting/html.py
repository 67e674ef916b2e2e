"""``index.html``: one self-contained page, the first thing a client author reads.

Design decisions:

- **Rendered on the server side** (here, in Python), every text through
  :func:`esc`. The page works without JavaScript: matrix cells are links to
  ``#case-N`` and CSS ``:target`` shows that case's detail; ``#cases`` shows
  them all (for printing or searching). The small inline script only adds
  conveniences (clicking a difference outlines its lines in both panes,
  the selected matrix cell is outlined) and never builds markup from data.
- **Self-contained and locked down.** CSS and JS come from ``templates/`` and
  are inlined; a Content-Security-Policy meta tag allows *only* those two
  blocks (by SHA-256 hash) and no fetch of any kind (``default-src 'none'``).
  So the page makes no network request, and even a rendering bug that let
  client text through as markup could not run a script.
- **Untrusted text.** Client output, sent values, and pointers (built from keys
  the client sent) are escaped; characters that cannot be written as UTF-8
  (lone surrogates) or that HTML forbids (C0 controls) are dropped; long
  streams are cut (result.json keeps them whole). The HAR link is only a link
  when it is a plain relative path inside the report directory.
- **Explaining a case**: a "why" sentence, the differences table (pointer,
  kind, expected, sent), then the expectation and the normalized request side
  by side, each line tagged with its pointer and highlighted when a difference
  covers it; a value that is absent on one side shows as a ghost line where it
  belongs. Then the decoded Avro payloads, the handshake/ancillary requests,
  the client's own output and the response-side diagnostics, the HAR link and
  the plain-text verdict.
"""

from __future__ import annotations

import base64
import hashlib
import html
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import quote

from conformance import jsonpointer
from conformance.compatibility import since_text
from conformance.gating import Gate, RunGates, case_gate, gate_headline, run_gates
from conformance.replays import is_replayed
from conformance.reporting.common import (
    REPLAYED_NOTE,
    STATUSES,
    TIMES,
    UNIVERSAL_UNASSERTED,
    build_matrix,
    case_headline,
    case_text,
    display_status,
    environment_summary,
    environment_warnings,
    failing_parity,
    identity_text,
    known_failure_note,
    scenario_rows,
    scenarios_not_applicable,
    short_value,
    truncate,
    unasserted_groups,
)
from conformance.reporting.jsonview import REQUEST_ORDER, Line, json_lines, severity_at, with_ghosts
from conformance.result import exit_code_for

MAX_STREAM_CHARS = 64 * 1024
_UNSAFE_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
_SAFE_RELATIVE = re.compile(r"^[A-Za-z0-9._~-]+(?:/[A-Za-z0-9._~-]+)*$")
STATUS_LABELS = {
    "pass": "pass",
    "fail": "fail",
    "error": "error",
    "skipped": "skipped",
    "interrupted": "interrupted",
    "known_failure": "known failure",
    "fixed": "fixed",
    "not_gating": "fail · not gating",
    "policy": "pass · policy",
}


def gate_status(case: Mapping[str, Any], gate: Gate) -> str:
    """The cell status: the display status, or ``not_gating`` / ``policy`` (:mod:`conformance.gating`)."""
    if gate.kind == "not_gating" and gate.why == "policy":
        return "policy"
    if gate.kind == "not_gating" and gate.why != "known_failure":
        return "not_gating"
    return display_status(case)


def esc(value: Any) -> str:
    """``value`` as HTML text or attribute content (quotes escaped too)."""
    return html.escape(_UNSAFE_CHARS.sub("", str(value)), quote=True)


@cache
def _template(name: str) -> str:
    return resources.files("conformance.reporting").joinpath("templates", name).read_text(encoding="utf-8")


def _csp_hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii") + "'"


def safe_relative_href(path: Any) -> str | None:
    """A URL for ``path`` when it is a plain relative path below the report directory, else None."""
    if not isinstance(path, str) or not _SAFE_RELATIVE.match(path):
        return None
    if any(part in (".", "..") for part in path.split("/")):
        return None
    return quote(path)


# ------------------------------------------------------------------ JSON panes
def _line_html(line: Line, severity: str | None, tags: Sequence[tuple[str, str]]) -> str:
    classes = ["ln"]
    if line.kind == "ghost":
        classes.append("ghost")
    if severity:
        classes.append(f"sev-{severity}")
    indent = "  " * line.depth
    key = f'<span class="key">{esc(_quoted(line.key))}</span>: ' if line.key is not None else ""
    comma = "," if line.comma else ""
    tag_html = "".join(f'<span class="tag {esc(cls)}">{esc(text)}</span>' for cls, text in tags)
    return (
        f'<div class="{" ".join(classes)}" data-pointer="{esc(line.pointer)}" '
        f'title="{esc(line.pointer or "/")}">'
        f"{esc(indent)}{key}{esc(line.text)}{comma}{tag_html}</div>"
    )


def _quoted(key: str | None) -> str:
    return '"' + (key or "").replace("\\", "\\\\").replace('"', '\\"') + '"'


def json_pane(
    value: Any,
    differences: Sequence[Mapping[str, Any]],
    *,
    side: str,
    envelope_pointers: Iterable[str] = (),
    empty: str = "nothing",
) -> str:
    """One side of the comparison; ``side`` is ``expected`` or ``sent`` (wording of ghost lines)."""
    if value is None:
        return f'<div class="json"><div class="empty">{esc(empty)}</div></div>'
    lines = json_lines(value, root_order=REQUEST_ORDER)
    ghosts: list[tuple[str, str]] = []
    for difference in differences:
        pointer = str(difference.get("pointer", ""))
        kind = difference.get("kind")
        if side == "sent":
            note = (
                f"⟨not sent; expected {short_value(difference.get('expected'))}⟩"
                if kind == "missing"
                else f"⟨sent {short_value(difference.get('actual'))}⟩"
            )
        else:
            note = (
                f"⟨not expected; the client sent {short_value(difference.get('actual'))}⟩"
                if kind == "unexpected"
                else f"⟨expected {short_value(difference.get('expected'))}⟩"
            )
        ghosts.append((pointer, note))
    lines = with_ghosts(lines, ghosts)
    envelopes = set(envelope_pointers)
    rows = []
    for line in lines:
        severity = severity_at(line.pointer, differences) if line.kind != "cut" else None
        tags: list[tuple[str, str]] = []
        if line.kind in ("open", "scalar") and line.pointer in envelopes:
            tags.append(("avro", "Avro envelope, shown decoded"))
        if severity and line.kind != "close":
            kinds = sorted(
                {str(d.get("kind")) for d in differences if str(d.get("pointer", "")) == line.pointer}
            )
            if kinds:
                tags.append(("diff", ", ".join(kinds)))
        rows.append(_line_html(line, severity, tags))
    return '<div class="json">' + "".join(rows) + "</div>"


_BODY_EXPECTATION_KEYS = frozenset({"mode", "source", "value", "envelopes"})
_QUERY_EXPECTATION_KEYS = frozenset({"source", "params"})
_EXPECTATION_ONLY_KEYS = frozenset({"fixture", "operation", "projection", "not_asserted", "body_mode"})


def expected_view(expected: Any) -> tuple[Any, list[str]]:
    """The expectation laid out like a normalized request, and notes on how it is compared.

    The engine's expectation (``conformance.expectations.Expectation.to_json``)
    keeps the body under ``body.value`` with its ``mode``, the query under
    ``query.params`` and the headers as a list, while difference pointers
    address the normalized request (``/body/...``, ``/query/<name>``,
    ``/headers/<name>``). Laying the expectation out the same way puts both
    panes on the same pointers. A document already in request shape is kept.
    """
    if not isinstance(expected, Mapping):
        return expected, []
    view: dict[str, Any] = {}
    notes: list[str] = []
    for key in ("method", "path", "path_segments"):
        if key in expected:
            view[key] = expected[key]
    query = expected.get("query")
    if isinstance(query, Mapping) and "params" in query and set(query) <= _QUERY_EXPECTATION_KEYS:
        params = query.get("params") or {}
        view["query"] = {
            name: values[0] if isinstance(values, list) and len(values) == 1 else values
            for name, values in params.items()
        }
        notes.append(
            "query: exactly these parameters" + (f" (from {query['source']})" if query.get("source") else "")
        )
    elif "query" in expected:
        view["query"] = query
    headers = expected.get("headers")
    if isinstance(headers, list):
        view["headers"] = {}
        for header in headers:
            if isinstance(header, Mapping) and "name" in header:
                view["headers"][str(header["name"])] = header.get("expected")
                if header.get("match") not in (None, "exact"):
                    notes.append(f"header {header['name']}: compared as {header['match']}")
    elif "headers" in expected:
        view["headers"] = headers
    body = expected.get("body")
    if isinstance(body, Mapping) and {"mode", "value"} <= set(body) and set(body) <= _BODY_EXPECTATION_KEYS:
        view["body"] = body["value"]
        how = "exactly this body" if body["mode"] == "exact" else "at least the keys listed (subset)"
        notes.append(f"body: {how}" + (f" (from {body['source']})" if body.get("source") else ""))
        for envelope in body.get("envelopes") or []:
            if isinstance(envelope, Mapping):
                notes.append(
                    f"{envelope.get('pointer', '')}: must travel as a payload envelope "
                    f"(codec {envelope.get('codec', '')}); shown decoded"
                )
    elif "body" in expected:
        view["body"] = body
        if expected.get("body_mode"):
            notes.append(f"body: {expected['body_mode']}")
    for key, value in expected.items():
        if key not in view and key not in _EXPECTATION_ONLY_KEYS:
            view[key] = value
    return view, notes


def envelope_values(request: Any) -> list[tuple[Mapping[str, Any], Any, bool]]:
    """``(record, decoded value, has value)`` for each payload envelope of the sent request.

    The normalizer records ``decoded: true`` and leaves the decoded value in
    the body at the record's pointer; a record may also carry the value itself.
    """
    if not isinstance(request, Mapping):
        return []
    found: list[tuple[Mapping[str, Any], Any, bool]] = []
    for record in request.get("envelopes") or []:
        if not isinstance(record, Mapping):
            continue
        decoded = record.get("decoded")
        if "decoded" in record and not isinstance(decoded, bool):
            found.append((record, decoded, True))
        elif decoded is False:
            found.append((record, None, False))
        else:
            try:
                found.append((record, jsonpointer.resolve(request, str(record.get("pointer", ""))), True))
            except jsonpointer.PointerError:
                found.append((record, None, False))
    return found


# ------------------------------------------------------------------ sections
def _seconds(value: Any) -> str:
    """``0.047523`` -> ``0.048 s``; anything that is not a number is shown as is."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return f"{value:.3f} s" if value < 10 else f"{value:.1f} s"
    return esc(value)


def _facts(pairs: Iterable[tuple[str, Any]]) -> str:
    items = "".join(f"<dt>{esc(k)}</dt><dd>{v}</dd>" for k, v in pairs)
    return f'<dl class="facts">{items}</dl>'


def _badge(status: str) -> str:
    return f'<span class="badge status-{esc(status)}">{esc(STATUS_LABELS.get(status, status))}</span>'


def _header(document: Mapping[str, Any]) -> str:
    conformance = document.get("conformance") or {}
    level = str(conformance.get("level", "unknown"))
    summary = document.get("summary") or {}
    counts = ", ".join(f"{summary.get(status, 0)} {status}" for status in STATUSES)
    if summary.get("known_failures"):
        counts += f" · {summary['known_failures']} of the failures are known failures"
    if summary.get("fixed"):
        counts += f", {summary['fixed']} listed known failure(s) fixed"
    if summary.get("replayed"):
        counts += f" · {summary['replayed']} replayed ({REPLAYED_NOTE})"
    gating_targets = {str(case.get("target")) for case, _gate in run_gates(document)["gating"]}
    targets = ", ".join(
        f"{esc(t)}: {esc(s)}" + (" (not gating)" if s == "fail" and t not in gating_targets else "")
        for t, s in sorted((conformance.get("targets") or {}).items())
    )
    exit_code = exit_code_for(document)
    return (
        f'<header class="banner level-{esc(level)}"><h1>dw-conformance report'
        f'<span class="badge level-badge" id="level">{esc(level)}</span></h1>'
        f'<p id="explanation">{esc(conformance.get("explanation", ""))}</p>'
        f'<p id="gate"><strong>Gate: exit {exit_code}.</strong> {esc(gate_headline(document))}.</p>'
        f'<p class="muted">{esc(summary.get("total", 0))} cases: {esc(counts)}'
        + (f" · targets: {targets}" if targets else "")
        + "</p></header>"
    )


def _run_section(document: Mapping[str, Any]) -> str:
    run = document.get("run") or {}
    suite = document.get("suite") or {}
    pairs: list[tuple[str, Any]] = [
        (
            "mode",
            esc(run.get("mode", ""))
            + (f" → <code>{esc(run['upstream'])}</code>" if run.get("upstream") else ""),
        ),
        ("started", esc(run.get("started_at", ""))),
        ("duration", _seconds(run.get("duration_seconds", ""))),
        ("server profile", esc(run.get("server_profile", ""))),
        ("namespace", f"<code>{esc(run.get('namespace', ''))}</code>"),
        ("fixtures", ", ".join(f"<code>{esc(d)}</code>" for d in run.get("fixtures_dirs") or [])),
        (
            "suite",
            esc(
                f"{suite.get('name', '')} {suite.get('version', '')}, "
                f"suite version {suite.get('suite_version', '')}"
            ),
        ),
        ("fixture category", esc(document.get("fixture_category", ""))),
    ]
    if run.get("selection"):
        pairs.append(("selection (-k)", f"<code>{esc(run['selection'])}</code>"))
    for line in environment_summary(document):
        pairs.append(("environment", f'<span class="environment">{esc(line)}</span>'))
    if run.get("policy"):
        pairs.append(("policy", f"<code>{esc(run['policy'])}</code>"))
    if not run.get("complete", True):
        pairs.append(("complete", '<strong class="status-fail">no: the run was interrupted</strong>'))
    return '<section id="run"><h2>Run</h2>' + _facts(pairs) + "</section>"


def _implementations_section(document: Mapping[str, Any]) -> str:
    by_adapter = (document.get("summary") or {}).get("by_adapter") or {}
    rows = []
    for impl in document.get("implementations") or []:
        counts = by_adapter.get(impl["adapter"], {})
        count_text = ", ".join(f"{counts.get(s, 0)} {s}" for s in STATUSES) if counts else "no case"
        if counts.get("replayed"):
            count_text += f" ({counts['replayed']} replayed)"
        availability = "yes" if impl.get("available", True) else f"no: {impl.get('reason', '')}"
        rows.append(
            f"<tr><td><code>{esc(impl['adapter'])}</code></td><td>{esc(identity_text(impl))}</td>"
            f"<td><code>{esc(impl.get('target', ''))}</code>"
            f"{' (self-check)' if impl.get('self_check') else ''}</td>"
            f"<td><code>{esc(impl.get('projection', ''))}</code></td><td>{esc(availability)}</td>"
            f"<td>{esc(count_text)}</td></tr>"
        )
    return (
        '<section id="implementations"><h2>Clients under test</h2><table><thead><tr><th>adapter</th>'
        "<th>client</th><th>target</th><th>projection</th><th>available</th><th>cases</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table></section>"
    )


def _matrix_section(document: Mapping[str, Any], case_ids: Mapping[int, str]) -> str:
    matrix = build_matrix(document)
    index_of = {id(case): index for index, case in enumerate(document.get("cases") or [])}
    targets = {str(impl["adapter"]): impl.get("target", "") for impl in document.get("implementations") or []}
    unavailable = {
        str(impl["adapter"]): str(impl.get("reason", ""))
        for impl in document.get("implementations") or []
        if not impl.get("available", True)
    }
    head = "".join(
        f'<th scope="col" data-adapter="{esc(a)}">{esc(a)}<br><small class="muted">{esc(targets.get(a, ""))}'
        "</small>"
        + (
            f'<br><small class="status-skipped" title="{esc(unavailable[a])}">not available</small>'
            if a in unavailable
            else ""
        )
        + "</th>"
        for a in matrix.adapters
    )
    rows = []
    run = RunGates.of(document)
    for fixture in matrix.fixtures:
        cells = []
        for adapter in matrix.adapters:
            case = matrix.cell(fixture, adapter)
            if case is None:
                cells.append(
                    f'<td class="cell status-none" data-adapter="{esc(adapter)}" data-status="none">'
                    "<span>—</span></td>"
                )
                continue
            gate = case_gate(case, run)
            status = gate_status(case, gate)
            anchor = case_ids[index_of[id(case)]]
            count = len(case.get("differences") or [])
            label = esc(STATUS_LABELS.get(status, status)) + (f" <small>({count})</small>" if count else "")
            title = known_failure_note(case) if status in ("known_failure", "fixed") else ""
            title = title or (gate.reason if status in ("not_gating", "policy") else "")
            title = title or ("" if status == "pass" else case_headline(case))
            replayed = is_replayed(case)
            if replayed:
                label += " <small>replayed</small>"
                title = f"replayed: {REPLAYED_NOTE}" + (f"; {title}" if title else "")
            cells.append(
                f'<td class="cell status-{esc(status)}" data-adapter="{esc(adapter)}" '
                f'data-status="{esc(display_status(case))}" data-gate="{esc(gate.kind)}"'
                + (' data-replayed="true"' if replayed else "")
                + f'><a href="#{anchor}" title="{esc(title)}">{label}</a></td>'
            )
        rows.append(
            f'<tr data-fixture="{esc(fixture)}"><th scope="row" class="fixture">{esc(fixture)}'
            f'<small class="muted"><code>{esc(matrix.operations[fixture])}</code></small></th>'
            f"{''.join(cells)}</tr>"
        )
    legend = " ".join(
        f'<span class="status-{s}">■ {esc(STATUS_LABELS[s])}</span>'
        for s in (*STATUSES, "not_gating", "policy")
    )
    if not matrix.fixtures:
        body = '<p class="empty">No case ran.</p>'
    else:
        body = (
            '<table class="matrix" id="matrix-table"><thead><tr><th scope="col">fixture / operation</th>'
            f"{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
            f'<p class="legend muted">{legend} · click a cell for '
            'its detail · <a href="#cases">show every case</a></p>'
        )
    return (
        f'<section id="matrix"><h2>Operation {TIMES} client</h2>'
        '<p class="muted" id="how-to-read">Each row is one fixture (one operation), each column one client. '
        "A cell opens what that client sent, what the fixture says it should have sent, and every "
        "difference by JSON pointer into the request.</p>"
        f"{body}</section>"
    )


def _compatibility_section(document: Mapping[str, Any]) -> str:
    """The version matrix: per adapter run as several instances, operations x versions (oldest first)."""
    parts = []
    for entry in document.get("compatibility") or []:
        instances = entry.get("instances") or []
        head = "".join(
            f'<th scope="col" data-adapter="{esc(i["adapter"])}">{esc(i["adapter"])}<br>'
            f'<small class="muted">{esc(i.get("version") or "?")}</small></th>'
            for i in instances
        )
        rows = []
        for operation in entry.get("operations") or []:
            statuses = {
                adapter: ("none" if status == "—" else status)
                for adapter, status in (operation.get("statuses") or {}).items()
            }
            cells = "".join(
                f'<td class="cell status-{esc(statuses.get(i["adapter"], "none"))}">'
                f"<span>{esc(STATUS_LABELS.get(str(statuses.get(i['adapter'])), '—'))}</span></td>"
                for i in instances
            )
            rows.append(
                f'<tr data-operation="{esc(operation["operation"])}"><th scope="row">'
                f"<code>{esc(operation['operation'])}</code></th>{cells}"
                f"<td>{esc(since_text(entry, operation))}</td></tr>"
            )
        parts.append(
            f"<h3>{esc(entry['adapter'])}</h3>"
            f'<table class="matrix compatibility" data-adapter="{esc(entry["adapter"])}"><thead><tr>'
            f'<th scope="col">operation</th>{head}<th scope="col">conforming</th></tr></thead>'
            f"<tbody>{''.join(rows)}</tbody></table>"
        )
    if not parts:
        return ""
    return (
        '<section id="compatibility"><h2>Version matrix</h2><p class="muted">Several versions of one client '
        "in one run, oldest first: which conform, operation by operation, and since which version.</p>"
        + "".join(parts)
        + "</section>"
    )


def _gate_list(
    ident: str,
    title: str,
    intro: str,
    entries: list[tuple[Mapping[str, Any], Gate]],
    link: Any,
    with_headline: bool,
) -> str:
    if not entries:
        return ""
    items = "".join(
        f"<li>{link(case)}{_badge(str(case['status']))} "
        + (f"{esc(case_headline(case))} " if with_headline else "")
        + (f'<span class="gate-reason">({esc(gate.reason)})</span>' if gate.kind != "gating" else "")
        + "</li>"
        for case, gate in entries
    )
    return (
        f'<h3>{esc(title)}</h3><p class="muted">{esc(intro)}</p><ul class="notes" id="{ident}">{items}</ul>'
    )


def _not_passing_list(document: Mapping[str, Any], case_ids: Mapping[int, str]) -> str:
    """Gating failures, failures that do not gate (why), policy exceptions, skips, then known failures."""
    index_of = {id(case): index for index, case in enumerate(document.get("cases") or [])}

    def link(case: Mapping[str, Any]) -> str:
        anchor = case_ids[index_of[id(case)]]
        return f'<a href="#{anchor}">{esc(case["fixture"])} {TIMES} {esc(case["adapter"])}</a> '

    grouped = run_gates(document)
    not_gating = [(case, gate) for case, gate in grouped["not_gating"] if gate.why != "policy"]
    waived = [(case, gate) for case, gate in grouped["not_gating"] if gate.why == "policy"]
    skipped = [(case, gate) for case, gate in grouped["skipped"] if gate.why == "skipped"]
    policy = (document.get("run") or {}).get("policy") or "the policy file"
    html_parts = [
        _gate_list(
            "not-passing", "Gating failures", "These set the exit code.", grouped["gating"], link, True
        ),
        _gate_list(
            "not-gating",
            "Failures that do not gate",
            "Reported; the exit code ignores them, for the reason given.",
            not_gating,
            link,
            True,
        ),
        _gate_list(
            "policy-exceptions",
            "Declared policy exceptions",
            f"Passed because {policy} declares these differences deliberate.",
            waived,
            link,
            False,
        ),
        _gate_list("skipped", "Skipped", "Not exercised; no part in the level.", skipped, link, False),
    ]
    listed = [
        f"<li>{link(case)}{_badge(display_status(case))} {esc(known_failure_note(case))}</li>"
        for case in document.get("cases") or []
        if display_status(case) in ("known_failure", "fixed")
    ]
    if listed:
        source = (document.get("known_failures") or {}).get("source", "")
        html_parts.append(
            f'<h3>Known failures</h3><p class="muted">Listed in <code>{esc(source)}</code>; a known failure '
            "failing as described does not count against the level.</p>"
            f'<ul class="notes" id="known-failures">{"".join(listed)}</ul>'
        )
    return "".join(html_parts)


def _unasserted_list(document: Mapping[str, Any]) -> str:
    groups = unasserted_groups(document)
    if not groups:
        return ""
    items = "".join(
        f"<li><strong>{esc(part)}</strong>: {len(cases)} case{'s' if len(cases) != 1 else ''} "
        f'<span class="muted">({esc(", ".join(cases[:8]))}{" …" if len(cases) > 8 else ""})</span></li>'
        for part, cases in groups
    )
    universal = esc(", ".join(sorted(UNIVERSAL_UNASSERTED)))
    return (
        '<h3>Not asserted</h3><p class="muted">What nobody checked: parts of the requests the fixtures '
        "do not pin, and answers no client surfaced.</p>"
        f'<ul class="notes" id="not-asserted">{items}<li>in every case: {universal} '
        "(only x-namespace, authorization and the version header are asserted)</li></ul>"
    )


def _attention_section(document: Mapping[str, Any], case_ids: Mapping[int, str]) -> str:
    """What a reader must see first: failures and errors, failing parity, then what went unasserted."""
    warnings = environment_warnings(document)
    parts = [
        '<ul class="notes" id="environment-warnings">'
        + "".join(f"<li><strong>Environment:</strong> {esc(line)}</li>" for line in warnings)
        + "</ul>"
        if warnings
        else "",
        _not_passing_list(document, case_ids),
    ]
    parity = failing_parity(document)
    if parity:
        parts.append(
            f'<p><a href="#parity">{len(parity)} client-versus-client difference'
            f"{'s' if len(parity) != 1 else ''}</a> failed.</p>"
        )
    parts.append(_unasserted_list(document))
    body = "".join(part for part in parts if part)
    if not body:
        return ""
    return f'<section id="attention"><h2>Needs attention</h2>{body}</section>'


def _differences_table(case: Mapping[str, Any]) -> str:
    differences = [*(case.get("differences") or []), *(case.get("diagnostic_diff") or [])]
    if not differences:
        return ""
    rows = []
    for difference in differences:
        severity = str(difference.get("severity", "failure"))
        rows.append(
            f'<tr class="sev-{esc(severity)}" data-pointer="{esc(difference.get("pointer", ""))}">'
            f'<td><code class="pointer">{esc(difference.get("pointer") or "(whole request)")}</code></td>'
            f"<td>{esc(difference.get('kind', ''))}</td>"
            f"<td><code>{esc(short_value(difference.get('expected'), 200))}</code></td>"
            f"<td><code>{esc(short_value(difference.get('actual'), 200))}</code></td>"
            f"<td>{esc(severity)}</td><td>{esc(difference.get('message', ''))}</td></tr>"
        )
    return (
        '<table class="differences"><thead><tr><th>pointer</th><th>kind</th><th>expected</th><th>sent</th>'
        f"<th>severity</th><th>why</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def _why(case: Mapping[str, Any]) -> str:
    status = str(case.get("status"))
    failures = len(case.get("differences") or [])
    diagnostics = len(case.get("diagnostic_diff") or [])
    tolerated = f" {diagnostics} tolerated difference(s) are listed as diagnostics." if diagnostics else ""
    response = case.get("response") if isinstance(case.get("response"), Mapping) else {}
    response_failed = isinstance(response, Mapping) and response.get("status") == "fail"
    if status == "pass":
        text = "The client sent what the fixture asks for." + tolerated
    elif status == "fail" and failures:
        text = (
            f"The request the client sent differs from the fixture at {failures} place(s) "
            "(pointers below address the normalized request)." + tolerated
        )
        if response_failed:
            text += " Its handling of the answer failed too (see the response side)."
    elif status == "fail" and response_failed:
        text = (
            "The client sent what the fixture asks for, but did not handle the answer right: "
            "see the response side below (pointers address the client's output)." + tolerated
        )
    elif status == "error":
        text = f"The client could not be exercised: {case.get('reason', '')}"
    else:
        text = f"Skipped: {case.get('reason', '')}"
    return f'<p class="why">{esc(text)}</p>'


def _avro_section(request: Any) -> str:
    envelopes = envelope_values(request)
    if not envelopes:
        return ""
    parts = []
    for envelope, value, has_value in envelopes:
        extra = {k: v for k, v in envelope.items() if k not in ("pointer", "codec", "decoded")}
        decoded = (
            json_pane(value, [], side="sent")
            if has_value
            else '<p class="status-fail">this envelope did not decode</p>'
        )
        facts = (
            _facts((esc(k), f"<code>{esc(short_value(v, 300))}</code>") for k, v in extra.items())
            if extra
            else ""
        )
        parts.append(
            f"<h4><code>{esc(envelope.get('pointer', ''))}</code> · "
            f"codec <code>{esc(envelope.get('codec', ''))}</code></h4>{decoded}{facts}"
        )
    return '<h3>Decoded payload envelopes</h3><div class="avro">' + "".join(parts) + "</div>"


def _ancillary_section(case: Mapping[str, Any]) -> str:
    ancillary = case.get("ancillary") or []
    if not ancillary:
        return '<h3>Handshake and other requests</h3><p class="muted">none recorded</p>'
    rows = "".join(
        f"<tr><td>{esc(a.get('method', ''))}</td><td><code>{esc(a.get('path', ''))}</code></td>"
        f"<td>{esc(a.get('status', ''))}</td><td>{esc(a.get('route') or '')}</td></tr>"
        for a in ancillary
    )
    return (
        '<h3>Handshake and other requests</h3><p class="muted">Answered by the server profile; '
        "kept out of the "
        "operation diff.</p><table><thead><tr><th>method</th><th>path</th><th>status</th><th>route</th></tr>"
        f"</thead><tbody>{rows}</tbody></table>"
    )


def _stream(label: str, text: Any) -> str:
    if not text:
        return f'<h4>{esc(label)}</h4><p class="muted">(empty)</p>'
    shown, cut = truncate(str(text), MAX_STREAM_CHARS)
    note = '<p class="muted">cut; the whole output is in result.json</p>' if cut else ""
    return f"<h4>{esc(label)}</h4><pre>{esc(shown)}</pre>{note}"


def _client_section(case: Mapping[str, Any]) -> str:
    client = case.get("client")
    notes = case.get("response_diagnostics") or []
    parts = ["<h3>The client's side</h3>"]
    if notes:
        parts.append(
            "<p>After its request went out, the client reported a problem with the <em>response</em> "
            '(this does not change the request verdict):</p><ul class="notes response-diagnostics">'
            + "".join(f"<li>{esc(note)}</li>" for note in notes)
            + "</ul>"
        )
    if not isinstance(client, Mapping):
        parts.append('<p class="muted">no client outcome recorded</p>')
        return "".join(parts)
    pairs: list[tuple[str, Any]] = [
        ("status", f"<code>{esc(client.get('status', ''))}</code>"),
        ("exit code", esc(client.get("exit_code") if client.get("exit_code") is not None else "—")),
        ("duration", _seconds(client.get("duration_seconds", ""))),
        ("exception", f"<code>{esc(client['exception'])}</code>" if client.get("exception") else "—"),
    ]
    if client.get("detail"):
        pairs.append(("detail", esc(client["detail"])))
    if client.get("drift"):
        pairs.append(
            ("drift", '<ul class="notes">' + "".join(f"<li>{esc(d)}</li>" for d in client["drift"]) + "</ul>")
        )
    parts.append(_facts(pairs))
    parts.append(_stream("stdout", client.get("stdout")))
    parts.append(_stream("stderr", client.get("stderr")))
    if client.get("output") is not None:
        parts.append(
            "<details><summary>parsed output</summary>"
            + json_pane(client["output"], [], side="sent")
            + "</details>"
        )
    return "".join(parts)


def _response_section(case: Mapping[str, Any]) -> str:
    """What the client did with the answer: the response verdict, its checks and differences."""
    response = case.get("response")
    if not isinstance(response, Mapping):
        return ""
    status = str(response.get("status", ""))
    items = [f"<li>checked: {esc(line)}</li>" for line in response.get("asserted") or []]
    items += [
        f'<li class="muted">not asserted: {esc(line)}</li>' for line in response.get("not_asserted") or []
    ]
    if response.get("refusal"):
        items.append(f"<li>the client said: <code>{esc(response['refusal'])}</code></li>")
    rows = "".join(
        f"<tr><td><code>{esc(item.get('pointer', ''))}</code></td><td>{esc(item.get('kind', ''))}</td>"
        f"<td><code>{esc(short_value(item.get('expected')))}</code></td>"
        f"<td><code>{esc(short_value(item.get('actual')))}</code></td>"
        f"<td>{esc(item.get('message', ''))}</td></tr>"
        for item in [*(response.get("differences") or []), *(response.get("diagnostic_diff") or [])]
    )
    table = (
        '<table class="response-differences"><thead><tr><th>pointer</th><th>kind</th><th>expected</th>'
        f"<th>surfaced</th><th>why</th></tr></thead><tbody>{rows}</tbody></table>"
        if rows
        else ""
    )
    return (
        f'<section class="response-side" data-response-status="{esc(status)}"><h3>Response side: '
        f'{esc(status.replace("_", " "))}</h3><p class="muted">The answer came from '
        f"{esc(response.get('answer_source', ''))}.</p>"
        f'<ul class="notes">{"".join(items)}</ul>{table}</section>'
    )


_GATE_WORDS = {
    "gating": "Gating: this sets the exit code",
    "not_gating": "Does not gate",
    "skipped": "Skipped",
    "pass": "",
}


def _case_article(case: Mapping[str, Any], anchor: str, gate: Gate | None = None) -> str:
    status = str(case.get("status"))
    note = known_failure_note(case)
    note_html = f'<p class="known-failure-note"><strong>{esc(note)}</strong></p>' if note else ""
    gate_html = (
        f'<p class="gate gate-{esc(gate.kind)}"><strong>{esc(_GATE_WORDS[gate.kind])}</strong>'
        + (f": {esc(gate.reason)}" if gate.reason else "")
        + "</p>"
        if gate is not None and gate.kind != "pass"
        else ""
    )
    request = case.get("request")
    expected = case.get("expected")
    differences = [*(case.get("differences") or []), *(case.get("diagnostic_diff") or [])]
    envelope_pointers = [str(record.get("pointer")) for record, _, _ in envelope_values(request)]
    expected_doc, expected_notes = expected_view(expected)
    har = case.get("har")
    href = safe_relative_href(har)
    if href:
        har_html = f'<p>Recorded HTTP traffic: <a class="har" href="{esc(href)}">{esc(har)}</a> (HAR 1.2)</p>'
    elif har:
        har_html = f"<p>Recorded HTTP traffic: <code>{esc(har)}</code></p>"
    else:
        har_html = '<p class="muted">No HTTP traffic was recorded for this case.</p>'
    notes_html = (
        '<ul class="notes muted expectation-notes">'
        + "".join(f"<li>{esc(note)}</li>" for note in expected_notes)
        + "</ul>"
        if expected_notes
        else ""
    )
    not_asserted = case.get("not_asserted") or []
    not_asserted_html = (
        '<p class="muted">Not compared for this client: '
        + ", ".join(f"<code>{esc(n)}</code>" for n in not_asserted)
        + "</p>"
        if not_asserted
        else ""
    )
    facts = _facts(
        [
            ("operation", f"<code>{esc(case.get('operation', ''))}</code>"),
            (
                "client",
                f"<code>{esc(case['adapter'])}</code> → target <code>{esc(case.get('target', ''))}</code>",
            ),
            ("projection", f"<code>{esc(case.get('projection', ''))}</code>"),
            ("fixture file", f"<code>{esc(case.get('fixture_path') or case['fixture'])}</code>"),
            ("duration", _seconds(case.get("duration_seconds", ""))),
        ]
    )
    return (
        f'<article class="case case-{esc(status)}" id="{anchor}" data-case-id="{esc(case.get("id", ""))}" '
        f'data-status="{esc(status)}"><h2>{esc(case["fixture"])} {TIMES} {esc(case["adapter"])} '
        f"{_badge(display_status(case))}"
        + (' <span class="badge replayed">replayed</span>' if is_replayed(case) else "")
        + f' <small><a href="#matrix">↑ matrix</a></small></h2>{note_html}{gate_html}{facts}{_why(case)}'
        f"{_differences_table(case)}"
        f"{not_asserted_html}"
        '<div class="side-by-side"><div class="pane expected">'
        "<h3>What it should have sent (from the fixture)</h3>"
        + notes_html
        + json_pane(
            expected_doc,
            differences,
            side="expected",
            envelope_pointers=envelope_pointers,
            empty="no expectation (the case did not get that far)",
        )
        + '</div><div class="pane sent"><h3>What the client sent (normalized)</h3>'
        + json_pane(
            request,
            differences,
            side="sent",
            envelope_pointers=envelope_pointers,
            empty="no operation request was captured",
        )
        + "</div></div>"
        + _avro_section(request)
        + _response_section(case)
        + _ancillary_section(case)
        + _client_section(case)
        + har_html
        + "<details><summary>plain-text verdict</summary><pre>"
        + esc(case_text(case))
        + "</pre></details></article>"
    )


def _parity_section(document: Mapping[str, Any]) -> str:
    rows = []
    for entry in document.get("parity") or []:
        adapters = [str(a) for a in entry.get("adapters") or []]
        left = adapters[0] if adapters else ""
        right = adapters[1] if len(adapters) > 1 else ""
        for finding in entry.get("findings") or []:
            severity = str(finding.get("severity", ""))
            rows.append(
                f'<tr class="sev-{esc(severity)}"><td>{esc(entry.get("fixture", ""))}</td>'
                f"<td>{esc(' vs '.join(adapters))}</td>"
                f"<td><code>{esc(finding.get('pointer') or '/')}</code></td>"
                f"<td>{esc(finding.get('kind', ''))}</td>"
                f"<td>{esc(left)}: <code>{esc(short_value(finding.get('expected'), 200))}</code></td>"
                f"<td>{esc(right)}: <code>{esc(short_value(finding.get('actual'), 200))}</code></td>"
                f"<td>{esc(severity)}</td><td>{esc(finding.get('message', ''))}</td></tr>"
            )
    if not rows:
        body = '<p class="muted">No difference between clients.</p>'
    else:
        body = (
            '<table class="parity"><thead><tr><th>fixture</th><th>clients</th><th>pointer</th><th>kind</th>'
            "<th>first client sent</th><th>second client sent</th><th>severity</th><th>why</th></tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>"
        )
    return f'<section id="parity"><h2>Client versus client</h2>{body}</section>'


def _scenarios_section(document: Mapping[str, Any]) -> str:
    """What each client did with each sequence of answers (walks, error answers, retries)."""
    rows = scenario_rows(document)
    absent = scenarios_not_applicable(document)
    if not rows and not absent:
        return ""
    notes = "".join(f"<li>{esc(line)}</li>" for line in absent)
    missing = ""
    if notes:
        missing = f'<p>Not played on this corpus (no part in the level):</p><ul class="notes">{notes}</ul>'
    run = RunGates.of(document)
    scenario_cases = [
        case for case in document.get("cases") or [] if isinstance(case.get("scenario"), Mapping)
    ]
    shown = [gate_status(case, case_gate(case, run)) for case in scenario_cases]
    body = "".join(
        f'<tr class="status-{esc(status)}"><td>{esc(row.scenario)}</td><td>{esc(row.client)}</td>'
        f"<td>{esc(STATUS_LABELS.get(status, status))}</td><td>{row.requests}</td><td>{esc(row.retried)}</td>"
        f"<td>{esc(row.retry_after)}</td><td>{esc(row.outcome)}</td><td>{esc(row.surfaced)}</td>"
        f'<td class="category">{esc(row.category)}</td></tr>'
        for row, status in zip(rows, shown, strict=True)
    )
    return (
        '<section id="scenarios"><h2>Scenarios: sequences of answers</h2>'
        '<table class="scenarios"><thead><tr><th>scenario</th><th>client</th><th>status</th>'
        "<th>requests</th><th>retried after</th><th>Retry-After</th><th>client ended</th>"
        f"<th>surfaced</th><th>gates</th></tr></thead><tbody>{body}</tbody></table>{missing}</section>"
    )


def _problems_section(document: Mapping[str, Any]) -> str:
    problems = document.get("input_problems") or []
    if not problems:
        return ""
    items = "".join(f"<li><code>{esc(p)}</code></li>" for p in problems)
    return (
        '<section id="input-problems"><h2>Fixture files that could not be used</h2>'
        f'<ul class="notes">{items}</ul></section>'
    )


def render_html(document: Mapping[str, Any]) -> str:
    """The whole page as a string."""
    return "".join(page_parts(document))


def page_parts(document: Mapping[str, Any]) -> Iterator[str]:
    """The page in pieces, in order (one per case article): :func:`write_html` writes them as they come,
    so a run of thousands of cases never holds its tens of megabytes of HTML in memory at once."""
    css, script = _template("report.css"), _template("report.js")
    csp = (
        f"default-src 'none'; style-src {_csp_hash(css)}; script-src {_csp_hash(script)}; "
        "img-src data:; base-uri 'none'; form-action 'none'"
    )
    cases = document.get("cases") or []
    case_ids = {index: f"case-{index}" for index in range(len(cases))}
    level = (document.get("conformance") or {}).get("level", "")
    suite = document.get("suite") or {}
    yield (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{esc(csp)}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>dw-conformance: {esc(level)}</title><style>{css}</style></head><body><main>"
    )
    yield _header(document)
    yield _attention_section(document, case_ids)
    yield _problems_section(document)
    yield _matrix_section(document, case_ids)
    yield _compatibility_section(document)
    yield (
        '<section id="cases"><p class="hint">Click a cell of the matrix to see what the client sent, '
        "what it should have sent, and why.</p>"
    )
    gates = RunGates.of(document)
    for index, case in enumerate(cases):
        yield _case_article(case, case_ids[index], case_gate(case, gates))
    yield "</section>"
    yield _parity_section(document)
    yield _scenarios_section(document)
    yield _implementations_section(document)
    yield _run_section(document)
    yield (
        f'<footer class="muted"><p>{esc(suite.get("name", "dw-conformance"))} '
        f"{esc(suite.get('version', ''))} · "
        f"result schema {esc(document.get('schema', ''))} v{esc(document.get('version', ''))} · "
        '<a href="result.json">result.json</a> · <a href="junit.xml">junit.xml</a> · '
        '<a href="summary.md">summary.md</a></p></footer>'
        f"</main><script>{script}</script></body></html>\n"
    )


def write_html(document: Mapping[str, Any], path: Path) -> Path:
    with path.open("w", encoding="utf-8") as stream:
        for part in page_parts(document):
            stream.write(part)
    return path
