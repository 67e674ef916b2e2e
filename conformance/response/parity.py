"""Cross-client output parity: the facts of ``semantic_body`` that two clients both surface must agree.

``semantic_body`` is the language-neutral meaning of an operation (ids,
names, counts, statuses). Two clients may shape their output differently (the
SDK returns typed objects, ``dw --json`` prints an envelope), but a fact both
of them hand their users (``workflow_id``, ``outcome``, ``run_count``...) must
be the same value of the same JSON type in both.

How a fact is found in an output: the first member of that name in a
breadth-first walk of the output's objects (at most :data:`MAX_DEPTH`
levels down; envelopes decoded first). A fact only one client surfaces is
not compared (reshaping is allowed); a fact neither surfaces says nothing.
Scalars must be equal and of one JSON type; an object or list fact is
compared like a surfaced value against an answer (the members both clients
hold, item by item, list lengths equal: :mod:`conformance.response.surfaced`).
Findings point at ``/output/<fact>``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from conformance import jsonpointer
from conformance.normalize import decoded_copy
from conformance.response.surfaced import compare_surfaced
from conformance.textsafe import json_type

__all__ = ["OutputParityFinding", "compare_outputs", "find_fact"]

MAX_DEPTH = 4
_ABSENT = object()


@dataclass(frozen=True)
class OutputParityFinding:
    left: str
    right: str
    pointer: str
    kind: str
    left_value: Any
    right_value: Any
    message: str


def find_fact(output: Any, name: str) -> Any:
    """The first member ``name`` of ``output`` in breadth-first order, or the sentinel for "absent"."""
    level = [output]
    for _depth in range(MAX_DEPTH):
        following: list[Any] = []
        for node in level:
            if isinstance(node, Mapping):
                if name in node:
                    return node[name]
                following.extend(node.values())
            elif isinstance(node, list):
                following.extend(node)
        level = following
        if not level:
            break
    return _ABSENT



def compare_outputs(
    semantic_body: Mapping[str, Any], outputs: Mapping[str, Any]
) -> list[OutputParityFinding]:
    """Findings for every pair of clients (in the order of ``outputs``) and every fact both surface."""
    plain = {label: decoded_copy(output) for label, output in outputs.items() if output is not None}
    labels = list(plain)
    findings: list[OutputParityFinding] = []
    for index, left in enumerate(labels):
        for right in labels[index + 1 :]:
            for fact in semantic_body:
                lv, rv = find_fact(plain[left], fact), find_fact(plain[right], fact)
                if lv is _ABSENT or rv is _ABSENT:
                    continue
                pointer = jsonpointer.join("/output", fact)
                if isinstance(lv, dict | list) and json_type(lv) == json_type(rv):
                    # Containers are reshaped freely: compare the values both hold (as for the answer).
                    for item in compare_surfaced(rv, lv, base=pointer).differences:
                        findings.append(
                            OutputParityFinding(
                                left,
                                right,
                                item.pointer,
                                item.kind,
                                item.expected,
                                item.actual,
                                "the clients surface different values",
                            )
                        )
                elif json_type(lv) != json_type(rv):
                    findings.append(
                        OutputParityFinding(
                            left,
                            right,
                            pointer,
                            "type_changed",
                            lv,
                            rv,
                            f"{left} surfaces {json_type(lv)}, {right} {json_type(rv)}",
                        )
                    )
                elif lv != rv:
                    findings.append(
                        OutputParityFinding(
                            left, right, pointer, "changed", lv, rv, "the clients surface different values"
                        )
                    )
    return findings
