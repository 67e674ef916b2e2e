"""Deliberate differences of scenario verdicts: the ``scenario_differences`` section of a policy file.

The policy file (``--policy``, :mod:`conformance.policy`) may carry, beside
``deliberate_differences``, a ``scenario_differences`` list::

    scenario_differences:
      - scenario: rate-limited-429.scenario.yaml   # a scenario file name, or "*"
        adapter: python-sdk                        # an adapter label, or "*"
        pointers: [/requests/**, /retry/**]        # exact pointers, or prefixes ending in "/**"
        reason: the SDK retries 429 with its own backoff and ignores Retry-After

An entry turns matching *failures* into diagnostics carrying ``policy:
<reason>``, for the verdict of one client (pointers into its sequence:
``/requests/2/delay_seconds``, ``/outcome``, ``/items``...) and for the
cross-client findings (``/retry/attempts``, ``/items/3/payload``,
``/error_surface/...``), where ``adapter`` must name one of the two clients
compared (or be ``*``). The pointer patterns follow :mod:`conformance.policy`:
``/a/**`` matches ``/a`` and everything below it, ``/**`` everything.

The same file's ``declared_retries`` section (a client's own retry
behaviour, :mod:`conformance.scenarios.declared_retries`) is read here too:
the scenario side of a policy file is one object.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from conformance import jsonpointer
from conformance.findings import Difference
from conformance.policy import MAX_POLICY_BYTES, check_pointer_pattern, pointer_pattern_matches
from conformance.problems import InputError, Problem, unknown_key_problems
from conformance.scenarios.declared_retries import SECTION as RETRIES_SECTION
from conformance.scenarios.declared_retries import (
    DeclaredRetries,
    declared_retry_differences,
    parse_declared_retries,
)
from conformance.scenarios.sequence import SentRequest
from conformance.strict_yaml import load_yaml_file

if TYPE_CHECKING:
    from conformance.adapters.base import ClientOutcome

__all__ = [
    "SECTION",
    "ScenarioPolicy",
    "ScenarioPolicyEntry",
    "load_scenario_policy",
    "parse_scenario_policy",
]

SECTION = "scenario_differences"
_KEYS = ("scenario", "adapter", "pointers", "reason")
_ANY = "*"


@dataclass(frozen=True)
class ScenarioPolicyEntry:
    scenario: str
    adapter: str
    pointers: tuple[str, ...]
    reason: str

    def applies(self, scenario: str, adapters: Sequence[str]) -> bool:
        return self.scenario in (_ANY, scenario) and (self.adapter == _ANY or self.adapter in adapters)

    def matches(self, pointer: str) -> bool:
        return pointer_pattern_matches(self.pointers, pointer)

    def to_json(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario,
            "adapter": self.adapter,
            "pointers": list(self.pointers),
            "reason": self.reason,
        }


@dataclass(frozen=True)
class ScenarioPolicy:
    """Deliberate scenario differences; the empty policy changes nothing."""

    entries: tuple[ScenarioPolicyEntry, ...] = ()
    source: str = ""
    #: The clients' own retry behaviour, as declared (``declared_retries``).
    retries: tuple[DeclaredRetries, ...] = ()

    def retry_differences(
        self, projection_key: str, sequence: Sequence[SentRequest], outcome: ClientOutcome
    ) -> list[Difference]:
        """Where the client's retries depart from what this policy declares of them (none declared: [])."""
        declared = next((entry for entry in self.retries if entry.projection == projection_key), None)
        if declared is None or not projection_key:
            return []
        return declared_retry_differences(declared, sequence, outcome.status == "client_error")

    def matching(self, scenario: str, adapters: Sequence[str], pointer: str) -> ScenarioPolicyEntry | None:
        return next(
            (entry for entry in self.entries if entry.applies(scenario, adapters) and entry.matches(pointer)),
            None,
        )

    def apply(
        self, scenario: str, adapter: str | Sequence[str], differences: Sequence[Difference]
    ) -> list[Difference]:
        """``differences`` with every failure an entry declares deliberate lowered to a diagnostic."""
        adapters = [adapter] if isinstance(adapter, str) else list(adapter)
        result: list[Difference] = []
        for difference in differences:
            entry = self.matching(scenario, adapters, difference.pointer) if difference.is_failure else None
            result.append(difference.as_diagnostic(f"policy: {entry.reason}") if entry else difference)
        return result

    def to_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "entries": [entry.to_json() for entry in self.entries],
            "declared_retries": [entry.to_json() for entry in self.retries],
        }


def parse_scenario_policy(items: Any, file: str, where: str = f"/{SECTION}") -> ScenarioPolicy:
    """The section's entries (``items`` is the section's value); :class:`InputError` lists every problem."""
    if items is None:
        return ScenarioPolicy((), file)
    if not isinstance(items, list):
        raise InputError([Problem(file, where, "a list of scenario differences", type(items).__name__)])
    problems: list[Problem] = []
    entries: list[ScenarioPolicyEntry] = []
    for index, item in enumerate(items):
        at = jsonpointer.join(where, index)
        if not isinstance(item, dict):
            problems.append(
                Problem(file, at, "a mapping with scenario, adapter, pointers, reason", repr(item)[:80])
            )
            continue
        before = len(problems)
        problems.extend(unknown_key_problems(item, _KEYS, file, at))
        values: dict[str, str] = {}
        for key in ("scenario", "adapter", "reason"):
            value = item.get(key)
            if not isinstance(value, str) or not value.strip():
                expected = "a non-empty explanation" if key == "reason" else f"a {key} name or '*'"
                problems.append(
                    Problem(
                        file,
                        jsonpointer.join(at, key),
                        expected,
                        "nothing" if value is None else repr(value)[:80],
                    )
                )
            else:
                values[key] = value.strip()
        raw = item.get("pointers")
        raw = [raw] if isinstance(raw, str) else raw
        pointers: list[str] = []
        if not isinstance(raw, list) or not raw:
            problems.append(
                Problem(
                    file,
                    jsonpointer.join(at, "pointers"),
                    "a non-empty list of JSON pointers",
                    repr(raw)[:80],
                )
            )
        else:
            for number, pattern in enumerate(raw):
                where_pointer = jsonpointer.join(at, "pointers", number)
                checked = check_pointer_pattern(pattern, file, where_pointer, problems)
                if checked is not None:
                    pointers.append(checked)
        if len(problems) == before:
            entries.append(
                ScenarioPolicyEntry(values["scenario"], values["adapter"], tuple(pointers), values["reason"])
            )
    if problems:
        raise InputError(problems)
    return ScenarioPolicy(tuple(entries), file)


def load_scenario_policy(path: Path) -> ScenarioPolicy:
    """The ``scenario_differences`` and ``declared_retries`` sections of a policy file.

    The rest of the file is :mod:`conformance.policy`'s.
    """
    document = load_yaml_file(path, max_bytes=MAX_POLICY_BYTES)
    section = document.get(SECTION) if isinstance(document, dict) else None
    retries = document.get(RETRIES_SECTION) if isinstance(document, dict) else None
    differences = parse_scenario_policy(section, str(path))
    return ScenarioPolicy(differences.entries, differences.source, parse_declared_retries(retries, str(path)))
