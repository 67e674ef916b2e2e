"""What gates: for each case, whether its failure sets the exit code, and if not, why not.

Every report (console, ``summary.md``, ``junit.xml``, ``index.html``, the CI
annotations) sorts the cases of a run into the same kinds, from
:func:`case_gate` alone, so no two reports can disagree about what turned a
job red:

- ``gating``: a failure or error that sets the exit code. The run's level is
  ``nonconforming`` (the only level that exits 1, :func:`conformance.result.exit_code_for`)
  and this case is one it counts: a case of a deciding adapter, in a required
  category, not excused by the known-failures file; or a listed known failure
  that now passes under ``--strict-known-failures``.
- ``not_gating``: a failure reported but not setting the exit code, and why:
  a known failure failing where it is listed, a case of a provisional
  category, a self-check adapter that does not decide the level because a
  real client ran, a required failure while the level is ``partial`` (another
  target passed everything required, which exits 0), or a run that did not
  finish. A case that passed only because a policy declared its differences
  deliberate is ``not_gating`` too, with the policy's reasons: a declared
  exception is shown beside the failures, never as a plain pass.
- ``skipped``: the client was not exercised (its reason), or the case was cut
  short by an interruption.
- ``pass``: everything else.

Decisions: the categories, the known-failures outcomes and the policy are
read as the run recorded them; this module assigns none of them. A run whose
level is ``nonconforming`` because nothing ran at all has no gating case:
its reports say so through the level's explanation.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from conformance.known_failures import EXCUSED, known_outcome
from conformance.result import (
    CATEGORY_STABILITY,
    DEFAULT_CATEGORY,
    deciding_adapters,
    input_problems_allowed,
    is_required,
)

__all__ = [
    "GATE_KINDS",
    "Gate",
    "GateKind",
    "RunGates",
    "case_gate",
    "case_gates",
    "gate_headline",
    "policy_pointers",
    "policy_reasons",
    "run_gates",
]

GateKind = Literal["gating", "not_gating", "skipped", "pass"]
GATE_KINDS: tuple[GateKind, ...] = ("gating", "not_gating", "skipped", "pass")
_WORDS = {"fail": "failures", "error": "errors"}
#: The message prefix of a difference a policy declared deliberate (:mod:`conformance.policy`).
POLICY_PREFIX = "policy: "


@dataclass(frozen=True)
class Gate:
    """One case's part in the gate.

    ``why`` is a short tag (``required``, ``strict_fixed``, ``known_failure``,
    ``provisional``, ``self_check``, ``partial``, ``incomplete``, ``policy``,
    ``skipped``, ``interrupted``, ``pass``) and ``reason`` the sentence the
    reports print.
    """

    kind: GateKind
    why: str
    reason: str


def _policy_reason(difference: Any) -> str | None:
    """The policy reason a diagnostic carries (``policy: R`` or ``<message> (policy: R)``), else None."""
    if not isinstance(difference, Mapping) or difference.get("severity") != "diagnostic":
        return None
    message = str(difference.get("message") or "")
    if message.startswith(POLICY_PREFIX):
        return message[len(POLICY_PREFIX) :]
    marker = f" ({POLICY_PREFIX}"
    if marker in message and message.endswith(")"):
        return message.split(marker, 1)[1][:-1]
    return None


def policy_reasons(case: Mapping[str, Any]) -> list[str]:
    """The reasons of the policy entries that lowered some of the case's failures (each once)."""
    found = (_policy_reason(item) for item in case.get("diagnostic_diff") or [])
    return list(dict.fromkeys(reason for reason in found if reason is not None))


def policy_pointers(case: Mapping[str, Any]) -> list[str]:
    """The pointers of the case's differences a policy declared deliberate (each once)."""
    found = [
        str(item.get("pointer") or "/")
        for item in case.get("diagnostic_diff") or []
        if _policy_reason(item) is not None
    ]
    return list(dict.fromkeys(found))


@dataclass(frozen=True)
class RunGates:
    """What :func:`case_gate` needs to know about the whole run, read once from the document."""

    level: str
    explanation: str
    categories: Mapping[str, str]
    deciding: frozenset[str]
    strict_known_failures: bool
    #: Input problems that set the exit code themselves (not allowed by ``--allow-input-problems``).
    gating_input_problems: int = 0

    @classmethod
    def of(cls, document: Mapping[str, Any]) -> RunGates:
        cases: Sequence[Mapping[str, Any]] = document.get("cases") or []
        deciding, _only_self_checks = deciding_adapters(cases, document.get("implementations") or [])
        conformance = document.get("conformance") or {}
        return cls(
            level=str(conformance.get("level", "")),
            explanation=str(conformance.get("explanation", "")),
            categories=dict(document.get("categories") or CATEGORY_STABILITY),
            deciding=frozenset(deciding),
            strict_known_failures=bool((document.get("known_failures") or {}).get("strict")),
            gating_input_problems=(
                0
                if input_problems_allowed(document.get("run") or {})
                else len(document.get("input_problems") or [])
            ),
        )


def _failure_gate(case: Mapping[str, Any], run: RunGates) -> Gate:
    """The gate of a case whose status is ``fail`` or ``error``."""
    status = str(case.get("status"))
    outcome = known_outcome(case)
    if outcome == EXCUSED:
        reason = str((case.get("known_failure") or {}).get("reason", ""))
        return Gate("not_gating", "known_failure", f"known failure, listed with the reason: {reason}")
    adapter = str(case.get("adapter", ""))
    if adapter not in run.deciding:
        return Gate(
            "not_gating",
            "self_check",
            f"{adapter} is a self-check (it replays the fixture itself): a real client ran, so its cases "
            "do not decide the level",
        )
    if not is_required(case, run.categories):
        category = str(case.get("category", DEFAULT_CATEGORY))
        reason = str(case.get("provisional_reason") or "").strip()
        why = f"provisional: {reason}" if reason else f"category {category} is provisional"
        return Gate(
            "not_gating",
            "provisional",
            f"{why}: its {_WORDS[status]} are reported and do not fail the gate",
        )
    if run.level == "incomplete" and run.gating_input_problems:
        return Gate(
            "not_gating",
            "incomplete",
            "part of the corpus could not be used (input problems), so the level is incomplete: the input "
            "problems set the exit code, and no case's verdict decides it",
        )
    if run.level == "incomplete":
        return Gate("not_gating", "incomplete", "the run did not finish: an incomplete run claims nothing")
    if run.level == "nonconforming":
        word = "failed" if status == "fail" else "could not be exercised (error)"
        return Gate("gating", "required", f"a required case {word}: it sets the exit code")
    return Gate(
        "not_gating",
        run.level or "level",
        f"the level is {run.level}, which does not fail the gate: {run.explanation}",
    )


def case_gate(case: Mapping[str, Any], run: RunGates) -> Gate:
    """Whether ``case`` (its JSON form) gates the run ``run`` describes, and why (module docstring)."""
    status = str(case.get("status"))
    if status in ("fail", "error"):
        return _failure_gate(case, run)
    if status == "skipped":
        return Gate("skipped", "skipped", str(case.get("reason") or "the client was not exercised"))
    if status == "interrupted":
        return Gate("skipped", "interrupted", "cut short by the interruption: no verdict on its client")
    if known_outcome(case) == "fixed" and run.strict_known_failures and run.level == "nonconforming":
        return Gate(
            "gating",
            "strict_fixed",
            "listed as a known failure but passed, and --strict-known-failures is set: update the file",
        )
    reasons = policy_reasons(case)
    if reasons:
        return Gate("not_gating", "policy", "waived by policy: " + "; ".join(reasons))
    return Gate("pass", "pass", "")


def case_gates(document: Mapping[str, Any]) -> list[tuple[Mapping[str, Any], Gate]]:
    """Every case of ``document`` with its gate, in case order."""
    run = RunGates.of(document)
    return [(case, case_gate(case, run)) for case in document.get("cases") or []]


def run_gates(document: Mapping[str, Any]) -> dict[GateKind, list[tuple[Mapping[str, Any], Gate]]]:
    """The cases of ``document`` by gate kind (every kind present, possibly empty), in case order."""
    grouped: dict[GateKind, list[tuple[Mapping[str, Any], Gate]]] = {kind: [] for kind in GATE_KINDS}
    for case, gate in case_gates(document):
        grouped[gate.kind].append((case, gate))
    return grouped


def gate_headline(document: Mapping[str, Any]) -> str:
    """One sentence: how many failures set the exit code, how many do not, how many cases were skipped."""
    grouped = run_gates(document)
    problems = RunGates.of(document).gating_input_problems
    gating, not_gating, skipped = (len(grouped[k]) for k in ("gating", "not_gating", "skipped"))
    waived = sum(1 for _case, gate in grouped["not_gating"] if gate.why == "policy")
    other = not_gating - waived
    parts = [
        f"{gating} failure{' sets' if gating == 1 else 's set'} the exit code",
        f"{other} failure{' does' if other == 1 else 's do'} not gate",
    ]
    if waived:
        parts.append(f"{waived} waived by policy")
    parts.append(f"{skipped} skipped")
    if problems:
        parts.insert(0, f"{problems} input problem{' sets' if problems == 1 else 's set'} the exit code")
    return ", ".join(parts)
