"""The ``canonical`` replay as a check of a fixture itself, for ``fuzz`` and ``selftest``.

The canonical adapter sends exactly what a fixture pins, so its verdict says
whether the fixture (and the judge) agree with themselves. ``fuzz`` replays
every variant with it before any client is judged on that variant, and
``selftest`` uses it to tell a real client difference from a false alarm.
Both need it whether or not the user named ``--adapter canonical``:
:func:`canonical_slot` returns the session's own canonical slot when there is
one, else a private one that is never listed among the run's adapters.
"""

from __future__ import annotations

from conformance.adapters.registry import create
from conformance.expectations import CANONICAL
from conformance.fixture import Fixture
from conformance.runner import AdapterSlot, CasePlan, CaseRun, Session

__all__ = ["canonical_slot", "replay"]


def canonical_slot(session: Session) -> AdapterSlot:
    """The session's available canonical slot, or a private one."""
    for slot in session.slots:
        if slot.available and slot.adapter.projection_key == CANONICAL:
            return slot
    adapter = create("canonical")
    identity = {"name": adapter.label, "version": "built in", "installed": "built in"}
    return AdapterSlot(adapter, True, "", identity)


def replay(session: Session, fixture: Fixture, slot: AdapterSlot, *, keep: bool = False) -> CaseRun:
    """Run the canonical case of ``fixture``; it is kept among the session's cases only with ``keep``.

    A fixture that contradicts itself (its expectation cannot be built) is
    an ``error`` of the replay, naming the problem, never a skip: the plan
    goes without an expectation, and the executor, failing to build it,
    ends the case before any request is sent.
    """
    plan = CasePlan(fixture, slot)
    return session.run_case(plan) if keep else session.execute(plan)
