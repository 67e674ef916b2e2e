"""Which operations a run knows, and the input problem of a fixture whose operation it does not.

A fixture names its operation (``workflow.cancel``). An operation nobody has
heard of (a typo, a name from another product) used to give a quiet
``skipped`` for the SDK ("no SDK method known") and whatever the CLI's naming
rule made of it, so a corpus could lose a fixture without anyone noticing.
Now such a fixture is an input problem at ``/operation``, and none of its
cases runs.

An operation is known when any of these names it:

- the operation tables (``data/operations.yaml``, extended by
  ``--operations FILE``): a CLI command or an SDK method;
- the server profile's ``operation_defaults`` (the stub's default reply);
- the fixture itself: a projection that says how its client performs the
  operation (a ``method`` or a ``command`` key), as the SDK's projections do
  for the operations the tables leave out.

A new operation is made known by any of the three; the cheapest is a line
in an ``--operations`` file.
"""

from __future__ import annotations

from collections.abc import Iterable

from conformance.fixture import Fixture
from conformance.operations import OperationTables
from conformance.problems import Problem
from conformance.proxy.profile import ServerProfile

__all__ = ["is_known", "unknown_operation_problems"]

#: Projection keys that say how a client performs the operation.
DECLARING_KEYS = ("method", "command")


def is_known(fixture: Fixture, tables: OperationTables, profile: ServerProfile) -> bool:
    """Whether the tables, the profile or the fixture's own projections know the fixture's operation."""
    operation = fixture.operation
    if operation in tables.cli_commands or operation in tables.sdk_methods:
        return True
    if operation in profile.operation_defaults:
        return True
    return any(
        any(key in (fixture.projection(name) or {}) for key in DECLARING_KEYS)
        for name in fixture.projection_keys
    )


def unknown_operation_problems(
    fixtures: Iterable[Fixture], tables: OperationTables, profile: ServerProfile
) -> list[Problem]:
    """One problem at ``/operation`` per fixture whose operation is not known (module docstring)."""
    return [
        Problem(
            str(fixture.path),
            "/operation",
            "an operation the operation tables (--operations FILE), the server profile or one of the "
            "fixture's projections (method, command) knows",
            repr(fixture.operation),
        )
        for fixture in fixtures
        if not is_known(fixture, tables, profile)
    ]
