"""Surfaced facts by meaning: where each client surfaces each fact of ``semantic_body``.

Key names are not meanings: the SDK returns ``executions`` where the answer
holds ``workflows``, and ``dw --json`` prints ``workflows``. So the map of
where each client surfaces each fact is **data**, beside the operation
tables: ``data/surfaced-facts.yaml`` (a user's ``--surfaced-facts`` file of
the same shape extends it, entry by entry), loaded strictly by
:mod:`conformance.response.facts_map`. Per operation:

* ``facts``: a pointer into ``semantic_body`` (``/workflow_ids``) -> per
  projection key (``cli``, ``sdk_python``, an exec client's key) a *path* in
  that client's surfaced output: a JSON pointer whose ``*`` segments walk
  every item of a list (``/executions/*/workflow_id``) and whose ``{key}``
  segments turn a list of objects into an object keyed by each item's
  member ``key`` (``/namespaces/{name}/retention_days`` reads
  ``{"orders": 30, ...}``; ``{key|label}`` names a null key ``label``),
  whose ``[name=value]`` / ``[name!=null]`` segments keep the items of a
  list that match (``/results/[outcome=pruned]/*/run_id``), whose ``(a,b)``
  segment keeps those members of an object, and whose last segment may be
  ``#`` (a list's length) or ``~keys`` (an object's member names, compared
  sorted with the fact: JSON objects have no order); or ``~text`` for a
  client that prints human text (``dw`` without ``--json``): the fact, a
  string or a number, must appear in what it printed; or
  ``null`` when the
  client does not surface that fact (it is then listed as "not asserted",
  with the reason);
* ``containers``: per projection key, an output pointer -> the answer
  pointer it is a renamed copy of (``/executions: /workflows``). The
  surfaced-values comparison (:mod:`conformance.response.surfaced`) then
  compares the renamed container item by item instead of skipping it;
* ``answer``: per projection key, the members of the answer (pointers, the
  anchor's member for an anchored output: ``/task/workflow_id``) that client
  surfaces. The comparison by shared keys cannot see a member a client
  stops surfacing; with this list, a member that is no longer compared is a
  ``missing`` failure at ``/response_body/<member>``.

Judging (:func:`judge_facts`), every difference points at the fact
(``/semantic_body/workflow_ids``) and says where the client surfaced it:

* a path with ``*`` yields a list: compared with the fact for **length**,
  **order** and **identity** (each item equal and of one JSON type);
* a path that leads nowhere in the output (a renamed or dropped container)
  is a ``missing`` failure, never a silent skip;
* a scalar is equal and of one JSON type (``42`` is not ``"42"``).

Surfaced scalars that neither the answer comparison nor a fact covers are
listed by :func:`unmapped_paths` so the verdict can show them as "not
asserted" with their paths.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from conformance import jsonpointer
from conformance.findings import Difference
from conformance.normalize import decoded_copy
from conformance.response.facts_map import OperationFacts
from conformance.textsafe import json_type

__all__ = [
    "COUNT",
    "KEYS",
    "TEXT",
    "WILDCARD",
    "FactsJudgement",
    "answer_member",
    "client_pointer",
    "is_missing",
    "judge_facts",
    "missing_members",
    "rename_containers",
    "resolve_path",
    "unmapped_paths",
]

WILDCARD = "*"
#: A path's last token: the length of the list there.
COUNT = "#"
#: A path's last token: the names of the object's members, sorted.
KEYS = "~keys"
#: A whole path: the fact must appear in the client's printed text (``dw`` without ``--json``).
TEXT = "~text"
_MISSING = object()


# ------------------------------------------------------------------ reading paths
def resolve_path(document: Any, path: str) -> Any:
    """The value at ``path`` (``*`` walks a list and yields a list), or a sentinel when absent."""
    tokens = jsonpointer.parse(path)
    return _walk(document, tokens)


def _keyed(token: str) -> tuple[str, str | None] | None:
    """``{name}`` or ``{name|default}``: the member and the key for a null member (else ``None``)."""
    if len(token) > 2 and token.startswith("{") and token.endswith("}"):
        name, _, default = token[1:-1].partition("|")
        return name, default or None
    return None


def _filter(token: str) -> tuple[str, str, str] | None:
    """``[name=value]`` / ``[name!=value]`` (``null``: JSON null): (name, operator, value), else ``None``."""
    if len(token) > 2 and token.startswith("[") and token.endswith("]"):
        inner = token[1:-1]
        operator = "!=" if "!=" in inner else "="
        name, _, value = inner.partition(operator)
        return name, operator, value
    return None


def _matches(item: Any, name: str, operator: str, value: str) -> bool:
    member = item.get(name) if isinstance(item, dict) else None
    same = member is None if value == "null" else str(member) == value and member is not None
    return same if operator == "=" else not same


def _picked(token: str) -> list[str] | None:
    """``(a,b)``: the members to keep of an object (``None``: another token)."""
    if len(token) > 2 and token.startswith("(") and token.endswith(")"):
        return [name.strip() for name in token[1:-1].split(",")]
    return None


def _walk(node: Any, tokens: list[str]) -> Any:
    for index, token in enumerate(tokens):
        keyed = _keyed(token)
        if keyed is not None:
            key, default = keyed
            if not isinstance(node, list) or not all(isinstance(item, dict) and key in item for item in node):
                return _MISSING
            found = {
                (default if item[key] is None and default else str(item[key])): _walk(
                    item, tokens[index + 1 :]
                )
                for item in node
            }
            return _MISSING if any(value is _MISSING for value in found.values()) else found
        selection = _filter(token)
        if selection is not None:
            if not isinstance(node, list):
                return _MISSING
            node = [item for item in node if _matches(item, *selection)]
            continue
        picked = _picked(token)
        if picked is not None:
            if not isinstance(node, dict):
                return _MISSING
            node = {name: node[name] for name in picked if name in node}
            continue
        if token == COUNT and index == len(tokens) - 1:
            return len(node) if isinstance(node, list) else _MISSING
        if token == KEYS and index == len(tokens) - 1:
            return sorted(node) if isinstance(node, dict) else _MISSING
        if token == WILDCARD:
            if not isinstance(node, list):
                return _MISSING
            items = [_walk(item, tokens[index + 1 :]) for item in node]
            return (
                [item for item in items if item is not _MISSING]
                if all(item is not _MISSING for item in items)
                else _MISSING
            )
        if isinstance(node, dict) and token in node:
            node = node[token]
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            return _MISSING
    return node


def is_missing(value: Any) -> bool:
    return value is _MISSING


def rename_containers(output: Any, renames: Mapping[str, str]) -> tuple[Any, list[str]]:
    """``output`` with each renamed container moved to the answer's name; the moves that happened.

    A container the map names but the output does not hold is left alone
    here: the facts that read it report it missing.
    """
    if not isinstance(output, dict) or not renames:
        return output, []
    moved: list[str] = []
    result = dict(output)
    for source, target in renames.items():
        source_tokens, target_tokens = jsonpointer.parse(source), jsonpointer.parse(target)
        if len(source_tokens) != 1 or len(target_tokens) != 1:
            continue  # only top-level members are renamed; deeper paths are facts' business
        if source_tokens[0] in result and target_tokens[0] not in result:
            result[target_tokens[0]] = result.pop(source_tokens[0])
            moved.append(f"{source} -> {target}")
    return result, moved


def client_pointer(pointer: str, moved: Iterable[str], base: str = "/output") -> str:
    """``pointer`` (into the renamed output) as it reads in the client's own output: a renamed
    container's answer name (``/output/workflows/1``) back to the client's (``/output/runs/1``)."""
    for move in moved:
        source, target = move.split(" -> ")
        prefix = base + target
        if pointer == prefix or pointer.startswith(prefix + "/"):
            return base + source + pointer[len(prefix) :]
    return pointer


# ------------------------------------------------------------------ judging
@dataclass
class FactsJudgement:
    """What :func:`judge_facts` found for one case."""

    asserted: list[str] = field(default_factory=list)
    not_asserted: list[str] = field(default_factory=list)
    differences: list[Difference] = field(default_factory=list)
    #: Output pointers (``*`` for list items) the facts read.
    read_paths: list[str] = field(default_factory=list)


def _same(want: Any, got: Any) -> bool:
    return json_type(want) == json_type(got) and want == got


def _compare_fact(fact: str, path: str, want: Any, got: Any) -> list[Difference]:
    pointer = jsonpointer.join("/semantic_body", *jsonpointer.parse(fact))
    where = f"surfaced at /output{path}"
    if got is _MISSING:
        return [
            Difference(
                pointer, "missing", want, None, "failure", f"{where}: the client's output has nothing there"
            )
        ]
    if isinstance(want, list) and isinstance(got, list):
        found: list[Difference] = []
        if len(want) != len(got):
            message = f"{where}: the fixture holds {len(want)} items, the client surfaced {len(got)}"
            found.append(Difference(pointer, "changed", want, got, "failure", message))
        elif not all(_same(a, b) for a, b in zip(want, got, strict=True)):
            order = sorted(map(repr, want)) == sorted(map(repr, got))
            message = f"{where}: " + ("the same items in another order" if order else "other items")
            found.append(Difference(pointer, "changed", want, got, "failure", message))
        return found
    if json_type(want) != json_type(got):
        message = f"{where}: the fixture holds {json_type(want)}, the client surfaced {json_type(got)}"
        return [Difference(pointer, "type_changed", want, got, "failure", message)]
    if want != got:
        return [
            Difference(
                pointer, "changed", want, got, "failure", f"{where}: the client surfaced another value"
            )
        ]
    return []


def _judge_text(fact: str, want: Any, text: str) -> list[Difference]:
    pointer = jsonpointer.join("/semantic_body", *jsonpointer.parse(fact))
    if isinstance(want, bool) or not isinstance(want, str | int):
        return [
            Difference(
                pointer, "type_changed", want, None, "failure", "a ~text fact must be a string or an integer"
            )
        ]
    if str(want) in text:
        return []
    return [
        Difference(pointer, "missing", want, None, "failure", "the client's printed text does not contain it")
    ]


def judge_facts(
    entry: OperationFacts, projection_key: str, semantic_body: Any, output: Any, text: str = ""
) -> FactsJudgement:
    """Hold one client's ``output`` (and, for ``~text`` facts, its printed ``text``) to ``semantic_body``."""
    judgement = FactsJudgement()
    semantic = decoded_copy(semantic_body)
    plain = decoded_copy(output)
    paths = entry.paths_for(projection_key)
    for fact, path in sorted(paths.items()):
        want = resolve_path(semantic, fact)
        if path != "/" + TEXT or want is _MISSING:
            continue
        found = _judge_text(fact, want, text)
        judgement.differences.extend(found)
        if not found:
            judgement.asserted.append(f"semantic_body{fact} printed in the client's text output")
    if output is None:
        if any(path != "/" + TEXT for path in paths.values()):
            judgement.not_asserted.append("semantic_body facts (the client surfaced nothing)")
        return judgement
    for fact, path in sorted(paths.items()):
        want = resolve_path(semantic, fact)
        if path == "/" + TEXT:
            continue
        if want is _MISSING:
            continue  # the fixture does not state this fact: nothing to hold the client to
        if path is None:
            judgement.not_asserted.append(f"semantic_body{fact} ({projection_key} does not surface it)")
            continue
        if (
            path.endswith("/" + KEYS)
            and isinstance(want, list)
            and all(isinstance(item, str) for item in want)
        ):
            want = sorted(want)  # an object's members have no order: its names are compared sorted
        judgement.read_paths.append(path)
        found = _compare_fact(fact, path, want, resolve_path(plain, path))
        judgement.differences.extend(found)
        if not found:
            judgement.asserted.append(f"semantic_body{fact} surfaced at /output{path}")
    return judgement


def answer_member(there: str, anchor: str) -> str:
    """The answer member a compared pointer ``there`` belongs to: the anchor plus one token."""
    tokens, base = jsonpointer.parse(there), jsonpointer.parse(anchor)
    return jsonpointer.from_tokens(tokens[: len(base) + 1])


def missing_members(
    entry: OperationFacts, projection_key: str, pairs: Iterable[tuple[str, str]], anchor: str
) -> list[Difference]:
    """A ``missing`` failure for every answer member the map says this client surfaces and it did not."""
    compared = {answer_member(there, anchor) for _where, there in pairs}
    return [
        Difference(
            jsonpointer.join("/response_body", *jsonpointer.parse(member)),
            "missing",
            None,
            None,
            "failure",
            f"{projection_key} surfaces this member of the answer (data/surfaced-facts.yaml); "
            "nothing the client surfaced was compared with it",
        )
        for member in entry.answer.get(projection_key, ())
        if member not in compared
    ]


def _leaves(node: Any, pointer: str, depth: int = 0) -> Iterable[str]:
    if depth > 32:
        return
    if isinstance(node, dict):
        for key, value in node.items():
            if not str(key).startswith("$"):
                yield from _leaves(value, jsonpointer.join(pointer, str(key)), depth + 1)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _leaves(value, jsonpointer.join(pointer, index), depth + 1)
    else:
        yield pointer


def _covered(pointer: str, patterns: Iterable[str]) -> bool:
    tokens = jsonpointer.parse(pointer)
    for pattern in patterns:
        wanted = [token for token in jsonpointer.parse(pattern) if _filter(token) is None]
        if wanted and wanted[-1] in (COUNT, KEYS):
            wanted = [*wanted[:-1], WILDCARD]
        if len(wanted) == len(tokens) and all(
            w in (t, WILDCARD) or _keyed(w) is not None or _picked(w) is not None
            for w, t in zip(wanted, tokens, strict=True)
        ):
            return True
    return False


def unmapped_paths(output: Any, compared: Iterable[str], fact_paths: Iterable[str]) -> list[str]:
    """Surfaced scalars (``/output/...``) that neither the answer comparison nor a fact reads."""
    seen = set(compared)
    patterns = [jsonpointer.join("/output", *jsonpointer.parse(path)) for path in fact_paths]
    return [
        pointer
        for pointer in _leaves(decoded_copy(output), "/output")
        if pointer not in seen and not _covered(pointer, patterns)
    ]
