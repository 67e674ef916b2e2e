"""The rule that an Avro envelope written in a fixture decodes to the plain value stated beside it.

One rule (:func:`envelope_agreement`), one pointer: the stated plain value
(``.../payload_envelope/decoded``, or the ``<name>`` sibling of a
``<name>_envelope``). ``validate`` reports it for files
(:func:`envelope_problems`, one of the semantic rules of
:mod:`conformance.fixture_rules`, which re-exports every name of this module),
and the expectation rules (:mod:`conformance.expectation_rules`) apply it to
the envelopes they meet, so a fixture that contradicts itself gives the same
problem wherever it is found. This module stands below the expectation
builder: it imports neither the builder nor the checks.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from conformance import jsonpointer
from conformance.avro_codec import AVRO_CODEC, AvroCodecError, decode_blob
from conformance.drift import json_differences
from conformance.fixture import ENVELOPE_SUFFIX, KNOWN_TOP_LEVEL_KEYS
from conformance.problems import Problem
from conformance.textsafe import json_safe

__all__ = [
    "companion_agreement",
    "envelope_agreement",
    "envelope_problems",
    "payload_envelope_agreement",
]


def _short(value: Any, limit: int = 80) -> str:
    text = json.dumps(json_safe(value), ensure_ascii=False, sort_keys=True, default=repr)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _walk(node: Any, pointer: str) -> Iterator[tuple[Any, str]]:
    """Every (value, pointer) of a document, iteratively."""
    stack: list[tuple[Any, str]] = [(node, pointer)]
    while stack:
        current, where = stack.pop()
        yield current, where
        if isinstance(current, dict):
            stack.extend((value, jsonpointer.join(where, key)) for key, value in current.items())
        elif isinstance(current, list):
            stack.extend((value, jsonpointer.join(where, i)) for i, value in enumerate(current))


def _is_avro_envelope(node: Any) -> bool:
    return isinstance(node, dict) and node.get("codec") == AVRO_CODEC and "blob" in node


def _decode_problem(file: str, pointer: str, blob: Any) -> tuple[Any, Problem | None]:
    try:
        return json_safe(decode_blob(blob)), None
    except AvroCodecError as error:
        return None, Problem(
            file,
            jsonpointer.join(pointer, "blob"),
            "a blob that decodes as a durable_workflow.protocol.Value",
            f"{error.reason}: {error}",
        )


def _mismatch(file: str, pointer: str, what: str, decoded: Any, stated: Any) -> Problem | None:
    differences = json_differences(stated, decoded)
    if not differences:
        return None
    first = differences[0]
    inner = f" (first difference at {first.pointer})" if first.pointer else ""
    return Problem(file, pointer, f"{what}: {_short(decoded)}", f"{_short(stated)}{inner}")


def envelope_agreement(
    file: str, envelope_pointer: str, envelope: Any, stated_pointer: str, stated: Any, what: str
) -> Problem | None:
    """THE rule: an Avro envelope written in a fixture decodes, to exactly the plain value stated beside it.

    ``envelope`` sits at ``envelope_pointer``; ``stated`` (at ``stated_pointer``)
    is the plain value it must decode to. An undecodable blob is a problem at
    ``<envelope_pointer>/blob``; a disagreement is a problem at the stated value,
    whose ``expected`` shows what the blob decodes to (``what``) and whose
    ``found`` names the first differing pointer. Envelopes of another codec are
    not this rule's business (the builder refuses them where it must decode them).
    """
    if not _is_avro_envelope(envelope):
        return None
    decoded, problem = _decode_problem(file, envelope_pointer, envelope["blob"])
    if problem is not None:
        return problem
    return _mismatch(file, stated_pointer, what, decoded, stated)


def payload_envelope_agreement(file: str, projection_key: str, spec: Any) -> Problem | None:
    """:func:`envelope_agreement` for a projection's ``payload_envelope`` (``blob`` against ``decoded``)."""
    if not isinstance(spec, dict) or "blob" not in spec or spec.get("codec") != AVRO_CODEC:
        return None
    where = jsonpointer.join("", projection_key, "payload_envelope")
    if "decoded" not in spec:
        _decoded, problem = _decode_problem(file, where, spec["blob"])
        return problem
    return envelope_agreement(
        file,
        where,
        spec,
        jsonpointer.join(where, "decoded"),
        spec["decoded"],
        "the value the blob decodes to",
    )


def companion_agreement(file: str, parent_pointer: str, parent: dict[str, Any], name: str) -> Problem | None:
    """:func:`envelope_agreement` for a ``<name>_envelope`` key beside a plain ``<name>`` in ``parent``."""
    sibling = name[: -len(ENVELOPE_SUFFIX)]
    return envelope_agreement(
        file,
        jsonpointer.join(parent_pointer, name),
        parent[name],
        jsonpointer.join(parent_pointer, sibling),
        parent[sibling],
        f"the value {name}'s blob decodes to",
    )


def envelope_problems(document: dict[str, Any], file: str) -> list[Problem]:
    """Blobs that do not decode, or decode to something other than the value stated beside them."""
    problems: list[Problem] = []
    specs: set[str] = set()
    for key, projection in document.items():
        if key in KNOWN_TOP_LEVEL_KEYS or not isinstance(projection, dict):
            continue
        spec = projection.get("payload_envelope")
        if not isinstance(spec, dict) or "blob" not in spec or spec.get("codec") != AVRO_CODEC:
            continue
        specs.add(jsonpointer.join("", key, "payload_envelope"))
        problem = payload_envelope_agreement(file, key, spec)
        if problem is not None:
            problems.append(problem)
    for node, where in _walk(document, ""):
        if where in specs or not _is_avro_envelope(node):
            continue
        parent_pointer, _, last = where.rpartition("/")
        name = jsonpointer.unescape(last)
        parent: Any = None
        if name.endswith(ENVELOPE_SUFFIX) and len(name) > len(ENVELOPE_SUFFIX):
            try:
                parent = jsonpointer.resolve(document, parent_pointer)
            except jsonpointer.PointerError:
                parent = None
        if isinstance(parent, dict) and name[: -len(ENVELOPE_SUFFIX)] in parent:
            problem = companion_agreement(file, parent_pointer, parent, name)
        else:
            _decoded, problem = _decode_problem(file, where, node["blob"])
        if problem is not None:
            problems.append(problem)
    return problems
