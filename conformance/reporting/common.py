"""What the three report writers share: the fixture x adapter matrix and plain-text snippets.

The writers read the result document (plain JSON, see :mod:`conformance.result`),
never the engine's objects, so a report can be rebuilt from a saved
``result.json``. Every string in the document may come from a client
(output, sent values, even pointers built from sent keys): these helpers
produce *plain text*; each writer escapes it for its own format.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from conformance.result import CATEGORY_STABILITY, is_required

#: The multiplication sign of "fixture x adapter" in titles.
TIMES = "\u00d7"
STATUSES = ("pass", "fail", "error", "skipped")
#: How a status reads in a sentence.
STATUS_WORDS = {
    "pass": "passed",
    "fail": "failed",
    "error": "error",
    "skipped": "skipped",
    "interrupted": "interrupted",
}


#: What a replayed case (:mod:`conformance.replays`) means, in every report.
REPLAYED_NOTE = (
    "the client program replayed the fixture's canonical request instead of performing the operation "
    "with its client, so these cases show nothing of the client, and the run cannot read 'full'"
)


#: Display statuses of listed known failures (:mod:`conformance.known_failures`), beside the case statuses.
KNOWN_STATUSES = ("known_failure", "fixed")
#: How each display status reads in a sentence.
DISPLAY_WORDS = {**STATUS_WORDS, "known_failure": "known failure", "fixed": "fixed (listed as known failure)"}


def display_status(case: Mapping[str, Any]) -> str:
    """What a report shows for a case: its status, or ``known_failure`` / ``fixed`` for a listed case.

    A listed case failing exactly as its entry says shows as ``known_failure``;
    a listed case that passed shows as ``fixed``; anything else (a listed case
    failing elsewhere, an error) shows its own status, since it counts.
    """
    annotation = case.get("known_failure")
    if isinstance(annotation, Mapping):
        if annotation.get("outcome") == "known":
            return "known_failure"
        if annotation.get("outcome") == "fixed":
            return "fixed"
    return str(case.get("status"))


def counts_against(case: Mapping[str, Any]) -> bool:
    """Whether a case is a failure or error that counts (known failures failing as described do not)."""
    return case.get("status") in ("fail", "error") and display_status(case) != "known_failure"


def is_provisional(case: Mapping[str, Any], document: Mapping[str, Any]) -> bool:
    """Whether ``case`` belongs to a provisional category of ``document`` (its failure does not gate).

    The document's own ``categories`` table decides (an older document keeps
    its own reading); a category the table does not know is required, as in
    :func:`conformance.result.conformance_level`.
    """
    return not is_required(case, document.get("categories") or CATEGORY_STABILITY)


def category_note(case: Mapping[str, Any], document: Mapping[str, Any]) -> str:
    """``"provisional, does not gate: <reason>"`` for a provisional case; ``""`` for a required one."""
    if not is_provisional(case, document):
        return ""
    reason = str(case.get("provisional_reason") or "").strip()
    category = str(case.get("category", ""))
    return f"provisional, does not gate: {reason or f'the category {category} is provisional'}"


def known_failure_note(case: Mapping[str, Any]) -> str:
    """One line on a listed case: why it is listed, and what this run made of the listing ("" if unlisted)."""
    annotation = case.get("known_failure")
    if not isinstance(annotation, Mapping):
        return ""
    reason = str(annotation.get("reason", ""))
    outcome = annotation.get("outcome")
    if outcome == "known":
        return f"known failure: {reason}"
    if outcome == "fixed":
        return f"listed as a known failure ({reason}) but passed: remove it from the known-failures file"
    if outcome == "other_pointers":
        where = ", ".join(str(p) for p in annotation.get("unexpected_pointers") or [])
        return f"listed as a known failure ({reason}), but it now also fails at {where}: this counts"
    return f"listed as a known failure ({reason}); this run: {outcome}"


def short_value(value: Any, limit: int = 80) -> str:
    """Compact JSON of ``value`` cut to ``limit`` characters (``…`` marks a cut)."""
    try:
        text = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ": "))
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= limit else text[: max(1, limit - 1)] + "…"


def truncate(text: str, limit: int) -> tuple[str, bool]:
    """``text`` cut to ``limit`` characters, and whether it was cut."""
    return (text, False) if len(text) <= limit else (text[:limit], True)


def difference_line(difference: Mapping[str, Any], *, sent_word: str = "sent") -> str:
    """One difference as one line: ``/body/x: changed: expected 42, sent 43 (why)``."""
    pointer = difference.get("pointer") or "(whole request)"
    kind = str(difference.get("kind", ""))
    expected, actual = difference.get("expected"), difference.get("actual")
    if kind == "missing":
        detail = f"expected {short_value(expected)}, not {sent_word}"
    elif kind == "unexpected":
        detail = f"{sent_word} {short_value(actual)}, not expected"
    else:
        detail = f"expected {short_value(expected)}, {sent_word} {short_value(actual)}"
    message = str(difference.get("message") or "")
    return f"{pointer}: {kind}: {detail}" + (f" ({message})" if message else "")


def case_text(case: Mapping[str, Any]) -> str:
    """The case's verdict as plain text: the runner's rendering, or one built from the fields."""
    rendered = str(case.get("rendered") or "")
    lines: list[str] = []
    if case.get("reason"):
        lines.append(f"{case.get('status')}: {case['reason']}")
    if rendered:
        lines.append(rendered)
    else:
        lines.extend(difference_line(d) for d in case.get("differences") or [])
        lines.extend(difference_line(d) + " [diagnostic]" for d in case.get("diagnostic_diff") or [])
    lines.extend(f"response: {note}" for note in case.get("response_diagnostics") or [])
    return "\n".join(lines)


def case_headline(case: Mapping[str, Any]) -> str:
    """A one-line reason for a non-passing case.

    An error or a skip is explained by its reason (an error may also carry
    differences, but what matters first is that the client could not be
    exercised); a failure by its first difference.
    """
    if case.get("status") in ("error", "skipped", "interrupted") and case.get("reason"):
        return str(case["reason"])
    differences = case.get("differences") or []
    if differences:
        more = len(differences) - 1
        return difference_line(differences[0]) + (f" (+{more} more)" if more > 0 else "")
    response = case.get("response")
    if isinstance(response, Mapping) and response.get("status") in ("fail", "error"):
        surfaced = response.get("differences") or []
        if surfaced:
            more = len(surfaced) - 1
            line = difference_line(surfaced[0], sent_word="surfaced")
            return "response: " + line + (f" (+{more} more)" if more > 0 else "")
        if response.get("refusal"):
            return f"response: the client refused the answer: {response['refusal']}"
    return str(case.get("reason") or STATUS_WORDS.get(str(case.get("status")), ""))


@dataclass(frozen=True)
class Matrix:
    """Rows are fixtures (file name order), columns adapters (the run's order)."""

    fixtures: list[str]
    operations: dict[str, str]
    adapters: list[str]
    cells: dict[tuple[str, str], Mapping[str, Any]]

    def cell(self, fixture: str, adapter: str) -> Mapping[str, Any] | None:
        return self.cells.get((fixture, adapter))


def build_matrix(document: Mapping[str, Any]) -> Matrix:
    cases: Sequence[Mapping[str, Any]] = document.get("cases") or []
    adapters = [str(impl["adapter"]) for impl in document.get("implementations") or []]
    for case in cases:
        if str(case["adapter"]) not in adapters:
            adapters.append(str(case["adapter"]))
    operations: dict[str, str] = {}
    cells: dict[tuple[str, str], Mapping[str, Any]] = {}
    for case in cases:
        fixture = str(case["fixture"])
        operations.setdefault(fixture, str(case.get("operation", "")))
        cells[(fixture, str(case["adapter"]))] = case
    return Matrix(sorted(operations), operations, adapters, cells)


def failing_parity(document: Mapping[str, Any]) -> list[tuple[Mapping[str, Any], Mapping[str, Any]]]:
    """``(parity entry, finding)`` for every parity finding of severity ``failure``."""
    found: list[tuple[Mapping[str, Any], Mapping[str, Any]]] = []
    for entry in document.get("parity") or []:
        for finding in entry.get("findings") or []:
            if finding.get("severity") == "failure":
                found.append((entry, finding))
    return found


def identity_text(implementation: Mapping[str, Any]) -> str:
    identity = implementation.get("identity") or {}
    name, version = identity.get("name", ""), identity.get("version", "")
    installed = identity.get("installed", "")
    text = f"{name} {version}".strip()
    return f"{text} ({installed})" if installed else text


#: ``not_asserted`` entries every judged case carries (a fixture never pins other headers):
#: stated once per report instead of once per case.
UNIVERSAL_UNASSERTED = frozenset({"other headers"})


def unasserted_part(entry: str) -> str:
    """The part an entry of ``not_asserted`` names: ``"body (no request.body...)"`` -> ``"body"``."""
    return entry.split(" (", 1)[0].strip()


def unasserted_groups(document: Mapping[str, Any]) -> list[tuple[str, list[str]]]:
    """``(part, case ids)`` for every part some judged case left unasserted, most cases first.

    Only cases that were judged (pass or fail) count; the universal entries
    (:data:`UNIVERSAL_UNASSERTED`) are left out. A pass with its body unasserted
    is still a pass, but every report names it, so it never passes unnoticed.
    """
    groups: dict[str, list[str]] = {}
    for case in document.get("cases") or []:
        if case.get("status") not in ("pass", "fail"):
            continue
        for part in case_unasserted(case):
            groups.setdefault(part, []).append(str(case.get("id", "")))
    return sorted(groups.items(), key=lambda item: (-len(item[1]), item[0]))


#: The part named when a case's response side checked nothing at all.
RESPONSE_UNASSERTED = "response (nothing the client surfaced could be checked)"


def case_unasserted(case: Mapping[str, Any]) -> list[str]:
    """The parts of one case nobody checked, universal ones left out.

    Request parts come from ``not_asserted``; a response side whose status is
    ``not_asserted`` adds :data:`RESPONSE_UNASSERTED`.
    """
    parts: list[str] = []
    for entry in case.get("not_asserted") or []:
        if str(entry) not in UNIVERSAL_UNASSERTED and unasserted_part(str(entry)) not in parts:
            parts.append(unasserted_part(str(entry)))
    response = case.get("response")
    scenario = "scenario" in case  # its verdict judged the answers' side: outcome, items, error surface
    if isinstance(response, Mapping) and response.get("status") == "not_asserted" and not scenario:
        parts.append(RESPONSE_UNASSERTED)
    return parts


def response_lines(case: Mapping[str, Any]) -> list[str]:
    """The response side of a non-passing case as plain lines (refusal, then differences)."""
    response = case.get("response")
    if not isinstance(response, Mapping) or response.get("status") not in ("fail", "error"):
        return []
    lines = [f"response {response.get('status')} (answer: {response.get('answer_source', '')})"]
    if response.get("refusal"):
        lines.append(f"the client said: {response['refusal']}")
    lines.extend(difference_line(item, sent_word="surfaced") for item in response.get("differences") or [])
    return lines


@dataclass(frozen=True)
class ScenarioRow:
    """One scenario case as the reports show it: the sequence, the retries, what the client surfaced."""

    scenario: str
    client: str
    status: str
    requests: int
    retried: str
    retry_after: str
    outcome: str
    surfaced: str
    #: "required" (its failure gates) or "provisional: <reason>".
    category: str = "required"


def scenario_rows(document: Mapping[str, Any]) -> list[ScenarioRow]:
    """Every scenario case of the document, in case order (cases without a scenario verdict left out)."""
    rows: list[ScenarioRow] = []
    for case in document.get("cases") or []:
        verdict = case.get("scenario")
        if not isinstance(verdict, Mapping):
            continue
        retry = verdict.get("retry") or {}
        honoured = retry.get("honoured_retry_after")
        summary = verdict.get("error_summary") or {}
        surfaced = ", ".join(
            f"{name} {str(summary[name])[:40]}"
            for name in ("status", "code", "category")
            if summary.get(name) is not None
        )
        rows.append(
            ScenarioRow(
                scenario=str(verdict.get("scenario", case.get("fixture", ""))),
                client=str(case.get("adapter", "")),
                status=display_status(case),
                requests=len(verdict.get("requests") or []),
                retried=", ".join(str(item) for item in retry.get("retried") or []) or "nothing",
                retry_after="—" if honoured is None else ("honoured" if honoured else "ignored"),
                outcome=str(verdict.get("outcome_status", "")),
                surfaced=surfaced or "—",
                category=_category_cell(case, document),
            )
        )
    return rows


def _category_cell(case: Mapping[str, Any], document: Mapping[str, Any]) -> str:
    if not is_provisional(case, document):
        return "required"
    reason = str(case.get("provisional_reason") or "").strip()
    return f"provisional: {reason}" if reason else "provisional"


def scenarios_not_applicable(document: Mapping[str, Any]) -> list[str]:
    """``"<scenario>: <reason>"`` for each scenario the run loaded but could not play on its corpus."""
    section = document.get("scenarios") or {}
    absent = section.get("not_applicable") or []
    return [f"{item.get('scenario', '')}: {item.get('reason', '')}" for item in absent]


def environment_warnings(document: Mapping[str, Any]) -> list[str]:
    """What every report must say about the run's environments (plain text; empty when all is well)."""
    warnings: list[str] = []
    for entry in (document.get("run") or {}).get("environments") or []:
        role, python = str(entry.get("role", "")), str(entry.get("python", ""))
        if entry.get("shared_with_harness"):
            warnings.append(
                f"{role} ran inside the harness's own environment ({python}): the client was tested on the "
                "harness's packages, not on its users' stack; give it its own interpreter "
                f"(--adapter {role}=PATH)"
            )
        status = entry.get("pip_check")
        problems = [str(item) for item in entry.get("problems") or []]
        if status == "conflicts":
            warnings.append(
                f"pip check found conflicts in the {role} environment ({python}): " + "; ".join(problems[:5])
            )
        elif status == "unavailable":
            warnings.append(
                f"pip check could not run in the {role} environment ({python}): " + "; ".join(problems[:2])
            )
    return warnings


def environment_summary(document: Mapping[str, Any]) -> list[str]:
    """One plain line per environment: ``role: python (pip check clean)``."""
    lines = []
    for entry in (document.get("run") or {}).get("environments") or []:
        shared = ", inside the harness" if entry.get("shared_with_harness") else ""
        lines.append(
            f"{entry.get('role')}: {entry.get('python')} (pip check {entry.get('pip_check')}{shared})"
        )
    return lines
