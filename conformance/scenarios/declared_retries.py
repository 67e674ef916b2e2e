"""A client's own retry behaviour, as its policy file declares it, and the check of a sequence against it.

Retrying is not part of the shared contract (``dw`` never retries), so no
scenario requires a retry. A client repository may still *declare* what its
client does, in the policy file it passes with ``--policy``::

    declared_retries:
      - projection: sdk_python        # the client (projection key) the declaration is about
        retries: [429, 5xx]           # the answers it retries: statuses, "5xx", "dropped"
        max_attempts: 3               # attempts in all for one request, the first included
        reason: TransportRetryPolicy retries 429 and 5xx answers, three attempts in all

The scenario judge then holds that client to it (the differences have the
kind ``declared_retry``); any other client is judged as before:

- a run of attempts for one request (a request, and the requests sent after
  each failed answer) that gives up on a declared answer before
  ``max_attempts``: a failure at ``/requests/N``, N being the attempt the
  declaration promises (``the server answered request 1 with 429; the policy
  declares this client retries 429 and 5xx, 3 attempts in all; it gave up
  after 1``);
- a run longer than ``max_attempts``: a failure at ``/requests/<max_attempts>``.

What is not declared is not asserted: whether an undeclared answer is retried,
and how long the client waits (``expect.retry_after`` judges that for every
client).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from conformance import jsonpointer
from conformance.findings import Difference
from conformance.problems import InputError, Problem, unknown_key_problems
from conformance.scenarios.sequence import SentRequest

__all__ = ["SECTION", "DeclaredRetries", "declared_retry_differences", "parse_declared_retries"]

SECTION = "declared_retries"
_KEYS = ("projection", "retries", "max_attempts", "reason")
_CLASSES = ("5xx", "dropped")


@dataclass(frozen=True)
class DeclaredRetries:
    """What one client declares of its retries."""

    projection: str
    #: Answer labels ("429", "503"), "5xx" for any 5xx, "dropped" for an answer that never arrived whole.
    retries: tuple[str, ...]
    max_attempts: int
    reason: str

    def retries_answer(self, request: SentRequest) -> bool:
        label = request.outcome_label()
        return label in self.retries or (label.isdigit() and int(label) >= 500 and "5xx" in self.retries)

    def words(self) -> str:
        return f"retries {' and '.join(self.retries)}, {self.max_attempts} attempts in all"

    def to_json(self) -> dict[str, Any]:
        return {
            "projection": self.projection,
            "retries": list(self.retries),
            "max_attempts": self.max_attempts,
            "reason": self.reason,
        }


def _parse_entry(item: Any, file: str, at: str, problems: list[Problem]) -> DeclaredRetries | None:
    if not isinstance(item, dict):
        problems.append(
            Problem(file, at, "a mapping with projection, retries, max_attempts, reason", repr(item)[:80])
        )
        return None
    before = len(problems)
    problems.extend(unknown_key_problems(item, _KEYS, file, at))
    projection, reason = item.get("projection"), item.get("reason")
    for key, value in (("projection", projection), ("reason", reason)):
        if not isinstance(value, str) or not value.strip():
            expected = (
                "a non-empty explanation" if key == "reason" else "a projection key (sdk_python, cli...)"
            )
            problems.append(Problem(file, jsonpointer.join(at, key), expected, repr(value)[:80]))
    retries = item.get("retries")
    labels: list[str] = []
    if not isinstance(retries, list) or not retries:
        problems.append(
            Problem(
                file,
                jsonpointer.join(at, "retries"),
                "a non-empty list of statuses, 5xx, dropped",
                repr(retries)[:80],
            )
        )
    else:
        for number, value in enumerate(retries):
            text = str(value)
            if isinstance(value, bool) or not (
                text in _CLASSES or (text.isdigit() and 400 <= int(text) < 600)
            ):
                problems.append(
                    Problem(
                        file,
                        jsonpointer.join(at, "retries", number),
                        "an HTTP status, 5xx or dropped",
                        repr(value)[:80],
                    )
                )
            labels.append(text)
    attempts = item.get("max_attempts")
    if not isinstance(attempts, int) or isinstance(attempts, bool) or attempts < 1:
        problems.append(
            Problem(
                file, jsonpointer.join(at, "max_attempts"), "a whole number, 1 or more", repr(attempts)[:80]
            )
        )
    if len(problems) != before:
        return None
    assert isinstance(projection, str) and isinstance(reason, str) and isinstance(attempts, int)
    return DeclaredRetries(projection.strip(), tuple(labels), attempts, reason.strip())


def parse_declared_retries(items: Any, file: str, where: str = f"/{SECTION}") -> tuple[DeclaredRetries, ...]:
    """The section's declarations (``items`` is its value); :class:`InputError` lists every problem."""
    if items is None:
        return ()
    if not isinstance(items, list):
        raise InputError([Problem(file, where, "a list of declared retry behaviours", type(items).__name__)])
    problems: list[Problem] = []
    entries = [
        entry
        for index, item in enumerate(items)
        if (entry := _parse_entry(item, file, jsonpointer.join(where, index), problems)) is not None
    ]
    seen = [entry.projection for entry in entries]
    for index, projection in enumerate(seen):
        if projection in seen[:index]:
            problems.append(
                Problem(
                    file,
                    jsonpointer.join(where, index, "projection"),
                    "one declaration per client",
                    projection,
                )
            )
    if problems:
        raise InputError(problems)
    return tuple(entries)


def _runs(sequence: Sequence[SentRequest]) -> list[list[SentRequest]]:
    """The attempts for each request: a request, then every request sent after a failed answer."""
    runs: list[list[SentRequest]] = []
    for request in sequence:
        if runs and runs[-1][-1].failed:
            runs[-1].append(request)
        else:
            runs.append([request])
    return runs


def declared_retry_differences(
    declared: DeclaredRetries, sequence: Sequence[SentRequest], gave_up: bool
) -> list[Difference]:
    """Failures where ``sequence`` departs from ``declared`` (``gave_up``: the client ended with an error)."""
    differences: list[Difference] = []
    why = f"the policy declares this client {declared.words()} ({declared.reason})"
    for run in _runs(sequence):
        if any(request.bound or request.hold_ran_out for request in run):
            continue  # the bound and the hold have their own failures
        first = run[0].index + 1
        if len(run) > declared.max_attempts:
            over = run[declared.max_attempts]
            differences.append(
                Difference(
                    f"/requests/{over.index}",
                    "declared_retry",
                    declared.max_attempts,
                    len(run),
                    "failure",
                    f"request {over.index + 1}: the client made {len(run)} attempts for request "
                    f"{first}; {why}",
                )
            )
            continue
        last = run[-1]
        gave_up_early = gave_up and last is sequence[-1] and len(run) < declared.max_attempts
        if gave_up_early and last.failed and declared.retries_answer(last):
            differences.append(
                Difference(
                    f"/requests/{last.index + 1}",
                    "declared_retry",
                    declared.max_attempts,
                    len(run),
                    "failure",
                    f"the server answered request {last.index + 1} with {last.outcome_label()} and the "
                    f"client gave up after {len(run)} attempt{'s' if len(run) != 1 else ''} for request "
                    f"{first}; {why}",
                )
            )
    return differences
