"""One reading of a finished child process, shared by the three subprocess adapters.

``cli`` (``dw``), ``exec`` (a program speaking the exec protocol) and
``python-sdk`` under another interpreter all run one process per case with
:func:`conformance.processes.run_process`, and all read its end the same way:

- it could not be started -> ``harness_error`` (the adapter's wording, the reason);
- the time limit killed its group -> ``timeout``, with what it printed so far;
- it ran to its end -> whatever the adapter's own ``finished`` reading says
  (the exit code for ``dw``, the JSON result for the other two).

Only the wording and the ``finished`` reading differ per adapter, so they are
the parameters; the order of the checks and the fields kept are here once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from conformance.adapters.base import ClientOutcome
from conformance.processes import ProcessResult


@dataclass(frozen=True)
class ProcessWording:
    """How one adapter names its child process in an outcome's ``detail``.

    ``start_failed`` is a template with ``{error}`` (why it could not start);
    ``timed_out`` a template with ``{timeout}`` (the limit shown, in seconds).
    """

    start_failed: str
    timed_out: str


def process_outcome(
    result: ProcessResult,
    *,
    wording: ProcessWording,
    shown_timeout: float,
    finished: Callable[[ProcessResult], ClientOutcome],
) -> ClientOutcome:
    """The outcome of a finished process: start failure, time-out, or ``finished(result)``.

    The start-failure and time-out outcomes carry the process's duration; a
    time-out keeps the partial stdout and stderr. ``finished`` sets the
    duration of its own outcome (the SDK script reports the call's own).
    """
    if result.start_error is not None:
        detail = wording.start_failed.format(error=result.start_error)
        return ClientOutcome("harness_error", duration=result.duration, detail=detail)
    if result.timed_out:
        return ClientOutcome(
            "timeout",
            duration=result.duration,
            stdout=result.stdout,
            stderr=result.stderr,
            detail=wording.timed_out.format(timeout=format(shown_timeout, "g")),
        )
    return finished(result)
