"""Outcome check: values a client surfaces that nobody gave it.

A client may reshape an answer (typed objects, renamed fields, defaults for
what is absent), so a key of its output that the answer lacks is not wrong by
itself. A *value* that appears nowhere is: a client that prints an id, a
status or a number that neither the server's answer nor the client's own
request held has made it up (or mixed up cases), and a user would act on it.

Where a surfaced value may come from (its *sources*): every value of the
answer the client was given (decoded, its status code and headers
included), every value of the
request it sent (body, query, path segments, header values), and the run's
namespace. Values too common to carry meaning are never flagged: ``null``,
booleans, ``0``, ``1`` and ``""``. Keys of the output that start with ``$``
(an adapter's type markers) are skipped. At most :data:`MAX_FINDINGS` are
reported.

It has no mutants: its sources are the captured exchange, not an expectation
of the fixture.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any, ClassVar
from urllib.parse import parse_qsl, unquote

from conformance import jsonpointer
from conformance.capture import CapturedExchange
from conformance.checks.base import Subject
from conformance.checks.subjects import OutcomeJudgement, OutcomeMutant, OutcomeSubject
from conformance.findings import Difference
from conformance.normalize import decoded_copy

__all__ = ["MAX_FINDINGS", "InventedValuesCheck", "invented_values"]

MAX_FINDINGS = 20
_MEANINGLESS = (None, 0, 1, "")


def _leaves(value: Any, pointer: str = "") -> Iterator[tuple[str, Any]]:
    stack: list[tuple[str, Any]] = [(pointer, value)]
    while stack:
        where, node = stack.pop()
        if isinstance(node, dict):
            stack.extend(
                (jsonpointer.join(where, key), item)
                for key, item in node.items()
                if not str(key).startswith("$")
            )
        elif isinstance(node, list):
            stack.extend((jsonpointer.join(where, index), item) for index, item in enumerate(node))
        else:
            yield where, node


def _key(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


def _json(raw: bytes) -> Any:
    try:
        return json.loads(raw.decode("utf-8")) if raw else None
    except (UnicodeDecodeError, ValueError):
        return None


def _sources(operation: CapturedExchange, answer: Any, namespace: str) -> set[str]:
    values: list[Any] = [value for _pointer, value in _leaves(decoded_copy(answer))]
    values += [value for _pointer, value in _leaves(decoded_copy(_json(operation.request_body)))]
    values += [unquote(segment) for segment in operation.path.split("/")]
    values += [value for _name, value in parse_qsl(operation.query_string, keep_blank_values=True)]
    headers: Iterable[tuple[str, str]] = [*operation.request_headers, *operation.response_headers]
    values += [value for _name, value in headers]
    values += [operation.response_status, namespace]
    keys = {_key(value) for value in values}
    # a header or query value is text: a number printed from it may have been parsed
    keys |= {_key(int(value)) for value in values if isinstance(value, str) and value.isdigit()}
    return keys


def invented_values(
    output: Any, answer: Any, operation: CapturedExchange, namespace: str, *, base: str = "/output"
) -> list[Difference]:
    """A failure for each surfaced scalar that no source holds (see the module docstring)."""
    sources = _sources(operation, answer, namespace)
    found: list[Difference] = []
    for pointer, value in sorted(_leaves(decoded_copy(output), base), key=lambda item: item[0]):
        if isinstance(value, bool) or any(
            value == common and type(value) is type(common) for common in _MEANINGLESS
        ):
            continue
        if _key(value) not in sources:
            found.append(
                Difference(
                    pointer,
                    "unexpected",
                    None,
                    value,
                    "failure",
                    "the client surfaced a value that neither the answer nor its own request held",
                )
            )
            if len(found) == MAX_FINDINGS:
                break
    return found


class InventedValuesCheck:
    """No surfaced value that neither the answer nor the client's own request held."""

    name: ClassVar[str] = "invented_values"
    subject: ClassVar[Subject] = "outcome"
    mutation_kinds: ClassVar[tuple[str, ...]] = ()
    listing_rank: ClassVar[int] = 100

    def judge(self, subject: OutcomeSubject, judgement: OutcomeJudgement) -> None:
        output, operation = subject.outcome.output, subject.operation
        if output is None or operation is None:
            return
        answers = [judgement.served, judgement.expected]
        judgement.differences.extend(invented_values(output, answers, operation, subject.namespace))
        judgement.asserted.append("no surfaced value that neither the answer nor the request held")

    def mutants(self, subject: OutcomeSubject, judgement: OutcomeJudgement) -> list[OutcomeMutant]:
        return []
