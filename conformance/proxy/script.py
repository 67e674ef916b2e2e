"""Scripted answers: the stub answers a case's operation requests from a list, in order.

A scenario (``conformance.scenarios``) plays one operation of a fixture
against a *sequence* of server answers. The proxy knows nothing of scenario
files; it is handed an :class:`AnswerScript` (plain data) when the case is
opened, and each operation request of the case takes the next answer from a
per-case :class:`ScriptCursor`.

Rules (the stub applies them in :meth:`StubServer.scripted_answer`):

- Only the fixture's *operation requests* (same method, same decoded path
  segments; the query is ignored) consume answers. Ancillary requests (the
  handshake and the profile's other canned routes) are answered as always
  and consume nothing; any other request gets the stub's ``404``.
- Answer ``n`` goes to the ``n``-th operation request. When the list is used
  up, ``after_last`` decides: ``"repeat_last"`` (the default) serves the last
  answer again, ``"stop"`` goes straight to the bound answer.
- **The bound.** At most ``max_requests`` operation requests are answered
  from the script. Every request past it gets :data:`BOUND_STATUS` with a
  JSON body whose ``reason`` is :data:`BOUND_REASON`, and the cursor records
  that the bound was reached, so a walk that never ends (or a client that
  retries forever) stops, and the judge says so. A ``4xx`` that is not
  ``408``/``425``/``429`` is what every client treats as final.
- **Dropping the connection.** ``drop="after_headers"`` sends the status
  line, the headers (with a ``Content-Length`` larger than what follows) and
  half of the body, then closes the connection (``Connection: close`` makes
  mitmproxy close it right after the bytes it has): the client sees a
  response cut short. ``drop="before_response"`` kills the flow: the
  connection closes with no response byte at all.
- **Holding the answer.** ``hold_seconds`` sends nothing: the stub keeps the
  request open until the client closes the connection (its own timeout ended
  the wait) or the hold runs out, whichever comes first, checking every
  :data:`HOLD_POLL_SECONDS`. When the hold runs out with the client still
  waiting, the stub closes the connection with no response byte, so a client
  without a timeout cannot hang the case; the exchange's error says which
  end gave up (:data:`HELD_BY_CLIENT`, :data:`HELD_TO_THE_END`).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any, Literal

__all__ = [
    "AFTER_LAST_RULES",
    "BOUND_REASON",
    "BOUND_STATUS",
    "DROP_MODES",
    "HELD_BY_CLIENT",
    "HELD_TO_THE_END",
    "HOLD_POLL_SECONDS",
    "HOLD_RAN_OUT",
    "AnswerScript",
    "ScriptCursor",
    "ScriptedAnswer",
    "retry_after_seconds",
]

DropMode = Literal["after_headers", "before_response"]
AfterLast = Literal["repeat_last", "stop"]
DROP_MODES: tuple[str, ...] = ("after_headers", "before_response")
AFTER_LAST_RULES: tuple[str, ...] = ("repeat_last", "stop")
#: The status of every answer past the script's bound (final for every client: not retried).
BOUND_STATUS = 400
BOUND_REASON = "dw_conformance_request_bound"
#: The most operation requests a script may allow (a bound, after all).
MAX_REQUESTS_CAP = 100
#: How often a held answer checks whether the client closed its connection.
HOLD_POLL_SECONDS = 0.05
#: How the error of a held exchange starts: the client gave up first (its own timeout), or the hold ran out.
HELD_BY_CLIENT = "the scenario held the answer; the client closed the connection"
HELD_TO_THE_END = "the scenario held the answer"
#: How the error of a held exchange ends when the hold ran out with the client still waiting.
HOLD_RAN_OUT = "the client was still waiting"


def retry_after_seconds(value: str | None) -> float | None:
    """``Retry-After`` in seconds when it is a number of seconds (HTTP dates are not judged)."""
    if value is None:
        return None
    try:
        seconds = float(value.strip())
    except ValueError:
        return None
    return seconds if seconds >= 0 else None


@dataclass(frozen=True)
class ScriptedAnswer:
    """One answer of a script.

    Exactly one body source: ``from_fixture`` (the answer the stub gives
    without a script: the fixture's ``response_body`` or the profile's default
    reply, dressed; ``status`` then overrides only when ``status_given``),
    ``json_body`` (a JSON document, dressed as the server dresses it unless
    ``dress`` is False) or ``text`` (sent as it is, UTF-8). ``headers``
    override the stub's headers by name; ``protocol_headers=False`` leaves
    out the profile's plane header (``X-Durable-Workflow-Control-Plane-Version``
    or the worker-protocol one), as a server's uncaught-exception page does.
    """

    status: int = 200
    status_given: bool = False
    json_body: Any = None
    has_json_body: bool = False
    text: str | None = None
    from_fixture: bool = False
    dress: bool = True
    headers: tuple[tuple[str, str], ...] = ()
    protocol_headers: bool = True
    drop: DropMode | None = None
    #: Seconds to hold the request without any answer (a server that never answers), else None.
    hold_seconds: float | None = None
    #: Where the answer was written (``file#/answers/2``), for reports.
    source: str = ""

    def retry_after(self) -> str | None:
        """The ``Retry-After`` header value this answer carries, if any."""
        return next((value for name, value in self.headers if name.lower() == "retry-after"), None)


@dataclass(frozen=True)
class AnswerScript:
    """The answers of one case, in order, and the rule once they are used up."""

    answers: tuple[ScriptedAnswer, ...]
    after_last: AfterLast = "repeat_last"
    max_requests: int = 10
    #: A name for reports and the bound answer's message (the scenario file name).
    name: str = ""

    def __post_init__(self) -> None:
        if not self.answers:
            raise ValueError("a script needs at least one answer")
        if not 1 <= self.max_requests <= MAX_REQUESTS_CAP:
            raise ValueError(f"max_requests must be between 1 and {MAX_REQUESTS_CAP}")

    def held_seconds(self) -> float:
        """The longest the answers can keep a client waiting in all: every hold the bound lets through.

        A case playing this script needs this much time on top of its usual
        time limit, so that the client's own timeout, not the harness's, ends
        each held request.
        """
        total = 0.0
        for ordinal in range(self.max_requests):
            if ordinal < len(self.answers):
                answer = self.answers[ordinal]
            elif self.after_last == "repeat_last":
                answer = self.answers[-1]
            else:
                break
            total += answer.hold_seconds or 0.0
        return total
        if self.after_last not in AFTER_LAST_RULES:
            raise ValueError(f"after_last must be one of {', '.join(AFTER_LAST_RULES)}")

    def answer_for(self, ordinal: int) -> tuple[int, ScriptedAnswer] | None:
        """(answer index, answer) for the ``ordinal``-th operation request (0-based); None past the bound."""
        if ordinal >= self.max_requests:
            return None
        if ordinal < len(self.answers):
            return ordinal, self.answers[ordinal]
        if self.after_last == "stop":
            return None
        last = len(self.answers) - 1
        return last, self.answers[last]

    def bound_body(self) -> dict[str, Any]:
        return {
            "reason": BOUND_REASON,
            "message": (
                f"dw-conformance: scenario {self.name or '(unnamed)'} answers at most "
                f"{self.max_requests if self.after_last == 'repeat_last' else len(self.answers)} "
                "operation requests; this one was refused to stop the sequence"
            ),
        }


class ScriptCursor:
    """Per-case position in a script (thread-safe: the proxy loop takes from it, tests read it)."""

    def __init__(self, script: AnswerScript) -> None:
        self.script = script
        self._lock = threading.Lock()
        self._served = 0
        self._bound_reached = False

    def take(self) -> tuple[int, int, ScriptedAnswer | None]:
        """(request ordinal, answer index or -1, answer or None past the bound) for the next request."""
        with self._lock:
            ordinal = self._served
            self._served += 1
            picked = self.script.answer_for(ordinal)
            if picked is None:
                self._bound_reached = True
                return ordinal, -1, None
            return ordinal, picked[0], picked[1]

    @property
    def served(self) -> int:
        """How many operation requests took an answer (or the bound answer)."""
        with self._lock:
            return self._served

    @property
    def bound_reached(self) -> bool:
        with self._lock:
            return self._bound_reached
