"""Known failures: living with a failing case without turning the gate off.

``--known-failures FILE`` names cases the team knows fail, with the reason
and, optionally, the pointers the failure is expected at::

    known_failures:
      - case: workflow-repair-parity.json::cli
        reason: PHP encodes an empty array as a JSON list (cli#123)
        pointers: [/body]

Decisions:

- **What a case fails at.** Its *failure points*: the pointer of every
  request difference of severity failure (``/body``, ``/query/limit``), and
  for the response side ``response:<pointer>`` for each surfaced-value
  difference and ``response:refusal`` when the client refused the answer.
  A listed pointer covers itself and everything below it (``/body`` covers
  ``/body/input/0``); ``response:`` pointers likewise.
- **Outcomes** of a listed case (its ``known_failure.outcome`` in
  ``result.json``):

  - ``known``: it failed, and every failure point is covered by the listed
    pointers (any failure matches when the entry lists none). It does not
    count against the level; every report shows it as a known failure.
  - ``other_pointers``: it failed somewhere the entry does not cover. That is
    a new failure and counts like any failure; the uncovered points are named.
  - ``fixed``: it passed. Reported as fixed so the entry can be removed; with
    ``--strict-known-failures`` the run's level is ``nonconforming`` (like
    pytest's strict xfail), whatever else happened.
  - ``error``: the client could not be exercised (time limit, drift, a harness
    error). An error is never "the failure we know": it counts.
  - ``skipped`` / ``interrupted``: nothing was learnt; nothing changes.

- **Listed but absent.** An entry whose case the run did not have (another
  selection, a shard, a renamed fixture) is listed under
  ``known_failures.not_in_run``; it never fails a run, since a shard or ``-k``
  legitimately runs fewer cases.
- **Placeholder reasons.** ``known-failures --from`` writes
  :data:`PLACEHOLDER_REASON` (it starts with ``TODO``) for every case nobody
  explained yet: a reviewer must replace it. A file still holding a reason
  that starts with ``TODO`` (:func:`placeholder_problems`) loads, so a team
  can adopt the gate at once, but every run warns, naming the file and the
  entry's pointer, until the reason is written.
- The annotation of each case is *derived* from the document's
  ``known_failures`` section whenever the document is built, like the summary
  and the level, so the three can never disagree (and ``merge`` recomputes it).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from conformance import jsonpointer
from conformance.problems import InputError, Problem, unknown_key_problems
from conformance.strict_yaml import load_yaml_file

__all__ = [
    "KnownFailure",
    "KnownFailures",
    "annotate_cases",
    "covers",
    "failure_points",
    "file_text_from_document",
    "load_known_failures",
    "parse_known_failures",
    "placeholder_problems",
]

MAX_KNOWN_FAILURES_BYTES = 1024 * 1024
RESPONSE_PREFIX = "response:"
REFUSAL_POINT = "response:refusal"
_ENTRY_KEYS = ("case", "reason", "pointers")
#: Outcomes that leave the level untouched (``fixed`` too, unless strict).
EXCUSED = "known"
#: What ``known-failures --from`` writes for a case nobody explained yet; a reviewer replaces it.
PLACEHOLDER_REASON = (
    "TODO: a reviewer must replace this line with why the case fails and the issue that tracks it"
)
#: A reason starting with this is a placeholder (case-insensitive).
PLACEHOLDER_PREFIX = "todo"


@dataclass(frozen=True)
class KnownFailure:
    """One listed case: ``<fixture file>::<adapter label>``, why, and where it may fail."""

    case: str
    reason: str
    pointers: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {"case": self.case, "reason": self.reason, "pointers": list(self.pointers)}


@dataclass(frozen=True)
class KnownFailures:
    """The whole file, and whether a fixed entry fails the gate."""

    source: str
    entries: tuple[KnownFailure, ...]
    strict: bool = False

    def to_json(self) -> dict[str, Any]:
        """The document's ``known_failures`` section (``not_in_run`` is added when the document is built)."""
        return {
            "source": self.source,
            "strict": self.strict,
            "entries": [entry.to_json() for entry in self.entries],
        }


def _check_point(value: Any, file: str, where: str, problems: list[Problem]) -> str | None:
    if not isinstance(value, str):
        problems.append(Problem(file, where, "a JSON pointer string", repr(value)[:80]))
        return None
    pointer = value[len(RESPONSE_PREFIX) :] if value.startswith(RESPONSE_PREFIX) else value
    if value == REFUSAL_POINT or pointer == "" or pointer.startswith("/"):
        return value
    problems.append(
        Problem(
            file,
            where,
            "a JSON pointer ('/body/x'), 'response:/pointer' or 'response:refusal'",
            repr(value)[:80],
        )
    )
    return None


def _entry(item: Any, file: str, where: str, problems: list[Problem]) -> KnownFailure | None:
    if not isinstance(item, dict):
        problems.append(
            Problem(file, where, "a mapping with case, reason and optional pointers", repr(item)[:80])
        )
        return None
    before = len(problems)
    problems.extend(unknown_key_problems(item, _ENTRY_KEYS, file, where))
    case, reason = item.get("case"), item.get("reason")
    if not isinstance(case, str) or "::" not in case or not all(part.strip() for part in case.split("::", 1)):
        found = "nothing" if case is None else repr(case)[:80]
        problems.append(
            Problem(file, jsonpointer.join(where, "case"), "a case id '<fixture file>::<adapter>'", found)
        )
    if not isinstance(reason, str) or not reason.strip():
        found = "nothing" if reason is None else repr(reason)[:80]
        problems.append(Problem(file, jsonpointer.join(where, "reason"), "a non-empty explanation", found))
    raw = item.get("pointers", [])
    if isinstance(raw, str):
        raw = [raw]
    pointers: list[str] = []
    if not isinstance(raw, list):
        problems.append(
            Problem(file, jsonpointer.join(where, "pointers"), "a list of JSON pointers", repr(raw)[:80])
        )
    else:
        for index, value in enumerate(raw):
            checked = _check_point(value, file, jsonpointer.join(where, "pointers", index), problems)
            if checked is not None:
                pointers.append(checked)
    if len(problems) != before:
        return None
    assert isinstance(case, str) and isinstance(reason, str)
    return KnownFailure(case.strip(), reason.strip(), tuple(pointers))


def parse_known_failures(document: Any, file: str, *, strict: bool = False) -> KnownFailures:
    """A :class:`KnownFailures` from a parsed YAML document; :class:`InputError` lists every problem."""
    if document is None:
        return KnownFailures(file, (), strict)
    if not isinstance(document, dict):
        raise InputError([Problem(file, "", "a mapping with known_failures", type(document).__name__)])
    unknown = [key for key in document if key != "known_failures"]
    if unknown:
        raise InputError(
            [Problem(file, jsonpointer.join("", str(unknown[0])), "only known_failures", repr(unknown[0]))]
        )
    items = document.get("known_failures") or []
    if not isinstance(items, list):
        raise InputError([Problem(file, "/known_failures", "a list of cases", type(items).__name__)])
    problems: list[Problem] = []
    entries: list[KnownFailure] = []
    seen: dict[str, int] = {}
    for index, item in enumerate(items):
        where = jsonpointer.join("/known_failures", index)
        entry = _entry(item, file, where, problems)
        if entry is None:
            continue
        if entry.case in seen:
            problems.append(
                Problem(
                    file,
                    jsonpointer.join(where, "case"),
                    "each case listed once",
                    f"{entry.case!r} again (first at /known_failures/{seen[entry.case]})",
                )
            )
            continue
        seen[entry.case] = index
        entries.append(entry)
    if problems:
        raise InputError(problems)
    return KnownFailures(file, tuple(entries), strict)


def placeholder_problems(known: KnownFailures) -> list[Problem]:
    """One problem per entry whose reason is still a placeholder (it starts with ``TODO``)."""
    return [
        Problem(
            known.source,
            f"/known_failures/{index}/reason",
            f"why {entry.case} fails and the issue that tracks it",
            f"the placeholder {entry.reason[:60]!r}",
        )
        for index, entry in enumerate(known.entries)
        if entry.reason.strip().lower().startswith(PLACEHOLDER_PREFIX)
    ]


def load_known_failures(path: Path, *, strict: bool = False) -> KnownFailures:
    """Read and parse a known-failures file; every problem is an :class:`InputError`."""
    return parse_known_failures(
        load_yaml_file(path, max_bytes=MAX_KNOWN_FAILURES_BYTES), str(path), strict=strict
    )


# ------------------------------------------------------------------ judging
def failure_points(case: Mapping[str, Any]) -> list[str]:
    """Where a case fails (see the module docstring), in report order, each once."""
    points: list[str] = []
    for difference in case.get("differences") or []:
        if difference.get("severity", "failure") == "failure":
            points.append(str(difference.get("pointer", "")))
    response = case.get("response")
    if isinstance(response, Mapping) and response.get("status") == "fail":
        for difference in response.get("differences") or []:
            if difference.get("severity", "failure") == "failure":
                points.append(RESPONSE_PREFIX + str(difference.get("pointer", "")))
        if response.get("refusal"):
            points.append(REFUSAL_POINT)
    return list(dict.fromkeys(points))


def covers(listed: str, point: str) -> bool:
    """Whether the listed pointer ``listed`` covers the failure point ``point`` (itself or below it)."""
    if listed == point:
        return True
    listed_body, point_body = listed, point
    if listed.startswith(RESPONSE_PREFIX) != point.startswith(RESPONSE_PREFIX):
        return False
    if listed.startswith(RESPONSE_PREFIX):
        listed_body, point_body = listed[len(RESPONSE_PREFIX) :], point[len(RESPONSE_PREFIX) :]
    if listed_body == "":
        return True
    return point_body.startswith(listed_body + "/")


def _outcome(case: Mapping[str, Any], entry: KnownFailure) -> dict[str, Any]:
    status = str(case.get("status"))
    annotation: dict[str, Any] = {"reason": entry.reason, "pointers": list(entry.pointers)}
    if status == "pass":
        annotation["outcome"] = "fixed"
    elif status == "fail":
        points = failure_points(case)
        uncovered = (
            [point for point in points if not any(covers(listed, point) for listed in entry.pointers)]
            if entry.pointers
            else []
        )
        annotation["outcome"] = "other_pointers" if uncovered else EXCUSED
        if uncovered:
            annotation["unexpected_pointers"] = uncovered
    else:
        annotation["outcome"] = status if status in ("error", "skipped", "interrupted") else "error"
    return annotation


def annotate_cases(cases: Sequence[dict[str, Any]], section: Mapping[str, Any] | None) -> list[str]:
    """Set (or clear) every case's ``known_failure`` from ``section``; the listed case ids not in ``cases``.

    ``section`` is the document's ``known_failures`` section (or None: no file).
    """
    entries = {
        str(item["case"]): KnownFailure(
            str(item["case"]), str(item["reason"]), tuple(item.get("pointers") or ())
        )
        for item in ((section or {}).get("entries") or [])
    }
    present: set[str] = set()
    for case in cases:
        case_id = str(case.get("id") or f"{case['fixture']}::{case['adapter']}")
        entry = entries.get(case_id)
        case.pop("known_failure", None)
        if entry is not None:
            present.add(case_id)
            case["known_failure"] = _outcome(case, entry)
    return [case_id for case_id in entries if case_id not in present]


def known_outcome(case: Mapping[str, Any]) -> str | None:
    """The case's known-failure outcome, or None when the case is not listed."""
    annotation = case.get("known_failure")
    return str(annotation.get("outcome")) if isinstance(annotation, Mapping) else None


# ------------------------------------------------------------------ writing
def _yaml_string(text: str) -> str:
    """A double-quoted YAML scalar (JSON string syntax is valid YAML)."""
    return json.dumps(text, ensure_ascii=False)


def entries_from_document(document: Mapping[str, Any], *, reason: str) -> list[KnownFailure]:
    """One entry per failing case of ``document``, pinned to its failure points.

    A case the document already lists keeps its reason. Errors are not
    written: an error says the client could not be exercised, which is
    never a failure a team should learn to live with. Failures of a
    provisional category (the document's ``categories``, such as a scenario
    whose file gives a provisional reason) are not written either: they
    never gate, and every report already shows them with their reason.
    """
    previous = {str(case.get("id")): case.get("known_failure") for case in document.get("cases") or []}
    categories = document.get("categories") or {}
    found: list[KnownFailure] = []
    for case in document.get("cases") or []:
        if case.get("status") != "fail" or categories.get(str(case.get("category", ""))) == "provisional":
            continue
        case_id = str(case.get("id") or f"{case['fixture']}::{case['adapter']}")
        annotation = previous.get(case_id)
        why = (
            str(annotation["reason"])
            if isinstance(annotation, Mapping) and annotation.get("reason")
            else reason
        )
        found.append(KnownFailure(case_id, why, tuple(failure_points(case))))
    return found


def file_text(entries: Iterable[KnownFailure], *, header: str = "") -> str:
    """The YAML text of a known-failures file holding ``entries``."""
    lines = [f"# {line}".rstrip() for line in header.splitlines()] if header else []
    items = list(entries)
    if not items:
        lines.append("known_failures: []")
        return "\n".join(lines) + "\n"
    lines.append("known_failures:")
    for entry in items:
        lines.append(f"  - case: {_yaml_string(entry.case)}")
        lines.append(f"    reason: {_yaml_string(entry.reason)}")
        if entry.pointers:
            lines.append("    pointers: [" + ", ".join(_yaml_string(p) for p in entry.pointers) + "]")
    return "\n".join(lines) + "\n"


def file_text_from_document(document: Mapping[str, Any], *, reason: str, header: str = "") -> str:
    """The known-failures file that makes every current failure of ``document`` known."""
    return file_text(entries_from_document(document, reason=reason), header=header)
