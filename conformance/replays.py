"""Replayed cases: a client program that sent the fixture's canonical request instead of its client's.

A starter from ``init-adapter`` (and any exec program that does the same)
answers an operation its client does not have yet by replaying the
``canonical_request`` the harness hands it. Such a case passes on the wire,
but it says nothing about the client: without a mark, a starter's first run
read ``full`` and looked like a conforming client. The rules, in one place:

- **Who says so.** The program: its exec result carries ``"replayed": true``
  (``adapters/README.md``, section 6). The harness cannot tell a replay from
  a client that gets everything right, so it believes the program, as it
  believes ``completed``. The outcome keeps it (``client.replayed``) and the
  case entry says it once more at its top (``"replayed": true``); both keys
  are written only when true, so a result without replays keeps its bytes.
- **The ``canonical`` adapter is not "replayed".** It *is* the replay, by
  nature and by name: it is the harness's self-check (``self_check: true`` in
  ``implementations``), claims no conformance target and is left out of the
  level as soon as a real client ran. Reports show it as the self-check, and
  its cases carry no replay mark; marking all of them would only repeat what
  the column already says.
- **The level.** Replayed cases keep their status (a replay that failed is a
  broken fixture or harness, and says so) and their counts. But a run in
  which any case of a real client was replayed (not skipped, not cut short)
  cannot read ``full``: it reads ``replayed`` instead, between ``full`` and
  ``provisional``, and the exit code stays 0 (a starter's first run must not
  fail a gate). Any other level keeps its value and its explanation says how
  many cases were replayed and which. ``replayed`` appears only where the
  level would otherwise be ``full``.
- **Counts.** ``summary.replayed`` (and the per-adapter count) is there only
  when some case was replayed; it is part of the status counts, not beside
  them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

#: The level of a run that would be ``full`` but for its replayed cases, and the key of the mark.
REPLAYED = "replayed"
#: Case ids named in an explanation.
NAMED = 5


def is_replayed(case: Mapping[str, Any]) -> bool:
    """Whether a case entry (JSON) is marked replayed."""
    return case.get(REPLAYED) is True


def count(cases: Iterable[Mapping[str, Any]]) -> int:
    return sum(1 for case in cases if is_replayed(case))


def deciding_replays(
    cases: Sequence[Mapping[str, Any]], implementations: Sequence[Mapping[str, Any]]
) -> list[str]:
    """Ids of the replayed cases of real clients that ran (no self-check, skipped or cut-short case)."""
    self_checks = {str(impl.get("adapter")) for impl in implementations if impl.get("self_check")}
    return [
        str(case.get("id", ""))
        for case in cases
        if is_replayed(case)
        and str(case.get("adapter")) not in self_checks
        and case.get("status") not in ("skipped", "interrupted")
    ]


def level_with_replays(level: str, explanation: str, replayed: Sequence[str]) -> tuple[str, str]:
    """The level and explanation of a run whose real clients replayed the cases ``replayed``."""
    if not replayed:
        return level, explanation
    named = ", ".join(replayed[:NAMED]) + (" ..." if len(replayed) > NAMED else "")
    cases = f"{len(replayed)} case{'' if len(replayed) == 1 else 's'}"
    why = (
        f"{cases} replayed the fixture's canonical request instead of performing the operation with the "
        f"client ({named}): they show the harness's request, not the client's"
    )
    if level == "full":
        return REPLAYED, f"{explanation.rstrip('.')}, but {why}. 'full' needs every case done by the client."
    return level, f"{explanation.rstrip('.')}; {why}."
