"""Propose the surfaced-facts map from what the real clients surfaced in one run.

Usage::

    python tools/derive_surfaced_facts.py REPORT_DIR/result.json > conformance/data/surfaced-facts.yaml

The run must be a run of the *unmutated* real clients on the corpus (the
command of ``docs/real-client-verdicts.md``). For each fixture and each
client, every top-level fact of ``semantic_body`` is looked for in the
client's output by value, by these rules (the first that finds it wins):

1. a member of the fact's own name, up to two levels down and not inside a
   list, holding the same value (same JSON type), the shallowest first;
2. for a list fact: a list in the output equal to it, or a list of objects
   whose member ``k`` read item by item gives the fact's list
   (``/executions/*/workflow_id``), preferring a ``k`` the fact's name
   contains;

a fact found by neither is written ``null`` for that client ("not surfaced":
the verdict lists it as not asserted). Labelled instances of one adapter
(``python-sdk@pypi``, ``python-sdk@head``) share a projection key: a path is
kept only when every instance that surfaced something holds it (and an
answer member, ``answer``, only when every instance was compared with it:
the members of the answer each client surfaces). Top-level
output containers absent from the answer are paired with the answer's
container of the same type, length and item keys (``containers``).

A path already in the committed data file that these rules cannot find
(a reviewed, hand-written path using ``[name=value]``, ``{key|label}``,
``(a,b)``, ``#`` or ``~keys``) is kept, and checked against the run like
every other. The output is a proposal a person reviews before it is
committed; the harness only reads the committed data file.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from conformance import jsonpointer
from conformance.normalize import decoded_copy
from conformance.response.facts import (
    answer_member,
    is_missing,
    rename_containers,
    resolve_path,
)
from conformance.response.facts_map import FactsMap, default_facts_map
from conformance.response.surfaced import compare_surfaced
from conformance.textsafe import json_type

PROJECTIONS = {"cli": "cli", "python-sdk": "sdk_python"}


def _same(a: Any, b: Any) -> bool:
    return json_type(a) == json_type(b) and a == b


def _members(node: Any, pointer: str, depth: int) -> Iterator[tuple[str, str, Any]]:
    """(pointer, key, value) of object members, not descending into lists."""
    if depth > 2 or not isinstance(node, dict):
        return
    for key, value in node.items():
        where = jsonpointer.join(pointer, str(key))
        yield where, str(key), value
        yield from _members(value, where, depth + 1)


def _lists(node: Any, pointer: str, depth: int) -> Iterator[tuple[str, list[Any]]]:
    if depth > 3:
        return
    if isinstance(node, list):
        yield pointer, node
        return
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _lists(value, jsonpointer.join(pointer, str(key)), depth + 1)


def find_path(fact: str, value: Any, output: Any) -> str | None:
    named = [where for where, key, member in _members(output, "", 0) if key == fact and _same(member, value)]
    if named:
        return min(named, key=lambda where: (where.count("/"), where))
    if isinstance(value, list) and value:
        candidates: list[tuple[int, str]] = []
        for where, items in _lists(output, "", 0):
            if _same(items, value):
                return where
            if not all(isinstance(item, dict) for item in items) or not items:
                continue
            for key in items[0]:
                if _same([item.get(key) for item in items], value):
                    score = 0 if key.rstrip("s") in fact or fact.rstrip("s") in key else 1
                    candidates.append((score, jsonpointer.join(where, "*", str(key))))
        if candidates:
            return sorted(candidates)[0][1]
    if isinstance(value, dict) and value:
        for where, items in _lists(output, "", 0):
            if not items or not all(isinstance(item, dict) for item in items):
                continue
            for key in items[0]:
                for member in items[0]:
                    if member == key or not all(key in item and member in item for item in items):
                        continue
                    if _same({str(item[key]): item[member] for item in items}, value):
                        return jsonpointer.join(where, "{" + str(key) + "}", str(member))
    return None


def containers(output: Any, answer: Any) -> dict[str, str]:
    if not isinstance(output, dict) or not isinstance(answer, dict):
        return {}
    renames: dict[str, str] = {}
    for key, value in output.items():
        if key in answer or not isinstance(value, list | dict):
            continue
        for other, there in answer.items():
            if other in output or json_type(there) != json_type(value) or other in renames.values():
                continue
            if isinstance(value, list):
                if len(value) != len(there) or not value:
                    continue
                first, theirs = value[0], there[0]
                if not (isinstance(first, dict) and isinstance(theirs, dict) and set(first) & set(theirs)):
                    continue
            elif not set(value) & set(there):
                continue
            renames["/" + jsonpointer.escape(key)] = "/" + jsonpointer.escape(other)
            break
    return renames


def derive(document: dict[str, Any], existing: FactsMap | None = None) -> dict[str, Any]:
    fixtures: dict[str, dict[str, Any]] = {}
    proposals: dict[str, dict[str, dict[str, list[str | None]]]] = {}
    renames: dict[str, dict[str, dict[str, str]]] = {}
    answers: dict[str, dict[str, set[str]]] = {}
    for case in document["cases"]:
        if case["id"].split("::")[0].endswith(".scenario.yaml") or case["status"] == "error":
            continue
        projection = PROJECTIONS.get(case["adapter"].split("@")[0])
        output = (case.get("client") or {}).get("output")
        if projection is None or output is None:
            continue
        path = Path(case["fixture_path"])
        fixture = fixtures.setdefault(case["operation"], json.loads(path.read_text(encoding="utf-8")))
        semantic = decoded_copy(fixture.get("semantic_body") or {})
        plain = decoded_copy(output)
        for fact, value in semantic.items():
            found = find_path(fact, value, plain)
            slot = proposals.setdefault(case["operation"], {}).setdefault("/" + jsonpointer.escape(fact), {})
            slot.setdefault(projection, []).append(found)
        moved = containers(plain, decoded_copy(fixture.get("response_body")))
        if moved:
            renames.setdefault(case["operation"], {}).setdefault(projection, {}).update(moved)
        if "response_body" in fixture:
            renamed, _moves = rename_containers(plain, moved)
            compared = compare_surfaced(renamed, fixture["response_body"])
            members = {answer_member(there, compared.anchor) for _where, there in compared.pairs}
            seen = answers.setdefault(case["operation"], {})
            seen[projection] = members if projection not in seen else seen[projection] & members
    result: dict[str, Any] = {}
    for operation in sorted(proposals):
        facts: dict[str, dict[str, str | None]] = {}
        for fact, by_key in sorted(proposals[operation].items()):
            chosen: dict[str, str | None] = {}
            kept = existing.for_operation(operation).facts.get(fact, {}) if existing is not None else {}
            for key, paths in sorted(by_key.items()):
                unique = set(paths)
                chosen[key] = paths[0] if len(unique) == 1 else None
                if chosen[key] is None and kept.get(key):
                    chosen[key] = kept[key]  # a reviewed path the rules cannot find; _check verifies it
            facts[fact] = chosen
        if existing is not None:  # reviewed "printed in the text" entries of clients without JSON output
            for fact, by_key in existing.for_operation(operation).facts.items():
                for key, path in by_key.items():
                    if path == "/~text":
                        facts.setdefault(fact, {})[key] = path
        entry: dict[str, Any] = {"facts": facts}
        if operation in renames:
            entry["containers"] = renames[operation]
        if answers.get(operation):
            entry["answer"] = {
                key: sorted(members) for key, members in sorted(answers[operation].items()) if members
            }
        result[operation] = entry
    return result


def _check(document: dict[str, Any], proposal: dict[str, Any]) -> None:
    """Every proposed path reads, in the run it came from, the value of its fact (a self-check)."""
    for case in document["cases"]:
        projection = PROJECTIONS.get(case["adapter"].split("@")[0])
        entry = proposal.get(case["operation"])
        output = (case.get("client") or {}).get("output")
        if case["id"].split("::")[0].endswith(".scenario.yaml"):
            continue
        if projection is None or entry is None or output is None or case["status"] == "error":
            continue
        semantic = decoded_copy(
            json.loads(Path(case["fixture_path"]).read_text(encoding="utf-8"))["semantic_body"]
        )
        for fact, by_key in entry["facts"].items():
            path = by_key.get(projection)
            if path is None:
                continue
            got, want = resolve_path(decoded_copy(output), path), resolve_path(semantic, fact)
            if path.endswith("/~keys") and isinstance(want, list):
                want = sorted(want)
            if is_missing(got) or not _same(got, want):
                raise SystemExit(f"{case['id']}: {fact} at {path} does not hold in the run")


HEADER = """\
# Where each client surfaces each fact of an operation's semantic_body,
# and which output containers are renamed copies of the answer's.
# Read by conformance/response/facts.py (the rules are in its docstring and
# docs/surfaced-facts.md); extended by `dw-conformance run --surfaced-facts FILE`.
#
# Proposed by tools/derive_surfaced_facts.py from a run of the unmutated real
# clients on the upstream corpus, then reviewed. A fact written `null` for a
# client is one that client does not surface: the verdict lists it as
# "not asserted". Paths are JSON pointers into the client's output; `*` walks
# every item of a list.
"""


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    document = json.loads(Path(argv[0]).read_text(encoding="utf-8"))
    proposal = derive(document, default_facts_map())
    _check(document, proposal)
    sys.stdout.write(HEADER + yaml.safe_dump(proposal, sort_keys=False, width=120))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
