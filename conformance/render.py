"""Compact text renderings of verdicts and parity findings, for a terminal and pytest messages.

Plain text only (no colour codes: the same text goes into pytest failure
messages and log files), and every line is :func:`~conformance.textsafe.printable`:
a control character a client sent or a file holds (in a pointer's key, a
refusal, a name) is shown escaped, so it can neither start a line of its own
nor steer a terminal. Values are shown as compact JSON, cut to a width so
one huge body cannot bury the differences; every difference is one line that
starts with its pointer. Nothing rendered here holds a credential: header
values come from the normalized request, already redacted.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from conformance.diff import CaseVerdict
from conformance.findings import Difference
from conformance.parity import ParityFinding
from conformance.response.verdict import ResponseVerdict
from conformance.textsafe import json_safe, printable

__all__ = ["render_difference", "render_parity", "render_response", "render_value", "render_verdict"]

_ABSENT = "(absent)"


def _lines(lines: Sequence[str]) -> str:
    """The lines joined; a client's or a file's text inside one line cannot break it or steer a terminal."""
    return "\n".join(printable(line) for line in lines)


def render_value(value: Any, width: int = 100) -> str:
    """Compact JSON of ``value`` cut to ``width`` characters."""
    try:
        text = json.dumps(json_safe(value), ensure_ascii=False, separators=(",", ":"))
    except (TypeError, ValueError):
        text = repr(value)
    if len(text) > width:
        text = text[: max(width - 3, 1)] + "..."
    return text


def _side(value: Any, present: bool, width: int) -> str:
    return render_value(value, width) if present else _ABSENT


def _same(value: Any) -> Any:
    return value


def render_difference(
    difference: Difference, width: int = 100, *, clean: Callable[[Any], Any] = _same
) -> str:
    """``<pointer>  <kind>: expected X, sent Y (message)`` on one line.

    ``clean`` is applied to every value before it is rendered (and cut): the
    runner passes its :class:`~conformance.stabilize.Stabilizer`, so that a
    random value cut in the middle is not left half-replaced.
    """
    pointer = difference.pointer or "(case)"
    expected_value, actual_value = clean(difference.expected), clean(difference.actual)
    if difference.kind == "missing":
        detail = f"expected {render_value(expected_value, width)}, sent {_ABSENT}"
    elif difference.kind == "unexpected":
        detail = f"sent {render_value(actual_value, width)}"
    elif difference.kind == "operation_count":
        seen = actual_value if isinstance(actual_value, list) else [actual_value]
        detail = f"expected {expected_value}; seen: " + ("; ".join(map(str, seen)) if seen else "nothing")
    else:
        expected, actual = render_value(expected_value, width), render_value(actual_value, width)
        detail = f"expected {expected}, sent {actual}"
    message = f" ({clean(difference.message)})" if difference.message else ""
    return printable(f"{pointer}  {difference.kind}: {detail}{message}")


def _section(
    title: str, differences: Sequence[Difference], width: int, clean: Callable[[Any], Any]
) -> list[str]:
    if not differences:
        return []
    lines = [f"    {render_difference(d, width, clean=clean)}" for d in differences]
    return [f"  {title} ({len(differences)}):", *lines]


def render_verdict(
    verdict: CaseVerdict,
    *,
    label: str | None = None,
    width: int = 100,
    clean: Callable[[Any], Any] = _same,
) -> str:
    """A few lines: status, what was expected, what was sent, the differences by pointer.

    ``clean`` is applied to every value and sent text before rendering (see
    :func:`render_difference`).
    """
    expectation = verdict.expectation
    who = verdict.projection_key + (f" ({label})" if label and label != verdict.projection_key else "")
    lines = [f"{verdict.status.upper()} {verdict.fixture_name} [{who}]"]
    lines.append(f"  operation: {verdict.operation}, expected {expectation.method} {expectation.path}")
    if verdict.asserted:
        lines.append("  asserted: " + "; ".join(verdict.asserted))
    if expectation.body is not None:
        lines.append(
            f"  expected body ({expectation.body.source}, {expectation.body.mode}): "
            + render_value(expectation.body.value, width)
        )
    request = verdict.request
    if request is None:
        lines.append("  sent: no operation request")
    else:
        envelope_note = ""
        if request.envelopes:
            envelope_note = "  [envelopes: " + ", ".join(
                f"{record['pointer']} {record.get('codec')}"
                + ("" if record.get("decoded") else " (undecodable)")
                for record in request.envelopes
            )
            envelope_note += "]"
        lines.append(f"  sent: {clean(request.summary())}{envelope_note}")
        if request.body_present:
            shown = request.body if request.body_is_json else request.raw_body.decode("utf-8", "replace")
            lines.append(f"  sent body (decoded): {render_value(clean(shown), width)}")
    lines.extend(_section("failures", verdict.failures, width, clean))
    lines.extend(_section("diagnostics", verdict.diagnostics, width, clean))
    if verdict.not_asserted:
        lines.append("  not asserted by the fixture: " + "; ".join(verdict.not_asserted))
    if verdict.ancillary:
        shown_ancillary = [
            exchange.summary() + (f" ({exchange.route})" if exchange.route else "")
            for exchange in verdict.ancillary
        ]
        lines.append("  ancillary (not judged): " + clean("; ".join(shown_ancillary)))
    return _lines(lines)


def render_response(verdict: ResponseVerdict, *, width: int = 100) -> str:
    """The response side of a case, a few lines under the request verdict."""
    lines = [f"  response: {verdict.status.upper().replace('_', ' ')} (answer: {verdict.answer_source})"]
    if verdict.refusal:
        lines.append(f"    the client said: {verdict.refusal}")
    if verdict.asserted:
        lines.append("    asserted: " + "; ".join(verdict.asserted))
    lines.extend("  " + line for line in _section("response failures", verdict.differences, width, _same))
    lines.extend("  " + line for line in _section("response diagnostics", verdict.diagnostics, width, _same))
    if verdict.not_asserted:
        lines.append("    not asserted: " + "; ".join(verdict.not_asserted))
    return _lines(lines)


def render_parity(
    findings: Sequence[ParityFinding], *, fixture_name: str | None = None, width: int = 80
) -> str:
    """Parity findings grouped by client pair; one line per finding."""
    name = fixture_name or (findings[0].fixture_name if findings else "")
    title = f"parity {name}".rstrip()
    if not findings:
        return f"{title}: no differences"
    failures = sum(1 for item in findings if item.is_failure)
    lines = [f"{title}: {failures} failure(s), {len(findings) - failures} diagnostic(s)"]
    pairs: dict[tuple[str, str], list[ParityFinding]] = {}
    for item in findings:
        pairs.setdefault((item.left, item.right), []).append(item)
    for (left, right), items in pairs.items():
        first = items[0]
        lines.append(f"  {left} [{first.left_projection}] vs {right} [{first.right_projection}]")
        for item in items:
            mark = "FAIL" if item.is_failure else "diag"
            lv = _side(item.left_value, item.kind != "unexpected", width)
            rv = _side(item.right_value, item.kind != "missing", width)
            message = f" ({item.message})" if item.message else ""
            lines.append(f"    {mark} {item.pointer}  {item.kind}: {left} {lv}, {right} {rv}{message}")
    return _lines(lines)
