"""Joining shard results into the document one unsharded run gives (``dw-conformance merge``).

Each input is a ``result.json`` of ``run --shard I/N`` (or of any runs over
disjoint cases of one corpus, such as pytest-xdist workers). The merged
document has the cases in the order an unsharded run gives them (fixture
file name, then the adapters' order), the parity entries in fixture order,
and every derived part (summary, level, known-failure outcomes, version
matrix) recomputed by :func:`conformance.result.rebuild_document`. Only
``run`` differs from an unsharded run: ``started_at`` is the earliest start,
``finished_at`` the latest end, ``duration_seconds`` the longest shard (the
shards ran side by side), ``merged_from`` names the inputs, and ``shard`` is
gone. The merged run is complete only when every input is.

Refused, with a message naming the files (:class:`MergeError`):

- results of different corpora (``run.corpus`` digests differ), different
  selections (``-k``), modes or namespaces, different clients
  (``implementations``), different known-failures files, different input
  problems;
- overlapping results: one case id in two inputs, or one shard index twice;
- an incomplete set of shards (``--shard 1/3`` and ``3/3`` without ``2/3``),
  or shards of different counts.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from conformance.errors import UsageError
from conformance.result import SCENARIO_CATEGORIES, rebuild_document

__all__ = ["MergeError", "ShardResult", "copy_har_files", "merge_documents"]


class MergeError(UsageError):
    """The inputs cannot be merged; the message says which files and why."""


@dataclass(frozen=True)
class ShardResult:
    path: Path
    document: Mapping[str, Any]

    @property
    def shard(self) -> Mapping[str, Any] | None:
        shard = self.document["run"].get("shard")
        return shard if isinstance(shard, Mapping) else None

    @property
    def shard_text(self) -> str | None:
        shard = self.shard
        return f"{shard['index']}/{shard['count']}" if shard else None


def _implementation_key(impl: Mapping[str, Any]) -> tuple[Any, ...]:
    identity = impl.get("identity") or {}
    return (
        impl.get("adapter"),
        impl.get("projection"),
        impl.get("target"),
        bool(impl.get("self_check")),
        bool(impl.get("available", True)),
        identity.get("name"),
        identity.get("version"),
    )


def _same(results: Sequence[ShardResult], what: str, value: Any) -> None:
    first = results[0]
    for other in results[1:]:
        if value(other) != value(first):
            raise MergeError(
                f"{first.path} and {other.path} differ in {what}: {value(first)!r} against {value(other)!r}; "
                "only results of one run configuration can be merged"
            )


def _check_inputs(results: Sequence[ShardResult]) -> None:
    if not results:
        raise MergeError("nothing to merge: name at least one result.json")
    corpus = [(result, result.document["run"].get("corpus")) for result in results]
    missing = [str(result.path) for result, value in corpus if not value]
    if missing and len(results) > 1:
        raise MergeError(
            f"{', '.join(missing)}: /run/corpus: expected the corpus identity every run records; found none "
            "(a result of an older dw-conformance): run the shards again"
        )
    first = results[0]
    for other in results[1:]:
        if other.document["run"].get("corpus") != first.document["run"].get("corpus"):
            raise MergeError(
                f"{first.path} and {other.path} are results of different corpora "
                f"({first.document['run']['corpus']} against {other.document['run']['corpus']}); "
                "merge only the shards of one run"
            )
    _same(results, "the selection (-k)", lambda r: r.document["run"].get("selection"))
    _same(results, "the mode", lambda r: (r.document["run"].get("mode"), r.document["run"].get("upstream")))
    _same(results, "the namespace", lambda r: r.document["run"].get("namespace"))
    _same(results, "the clients", lambda r: [_implementation_key(i) for i in r.document["implementations"]])
    _same(results, "the fixture categories", lambda r: r.document.get("categories"))
    _same(results, "the input problems", lambda r: r.document.get("input_problems") or [])
    _same(
        results,
        "the known-failures file",
        lambda r: {k: v for k, v in (r.document.get("known_failures") or {}).items() if k != "not_in_run"},
    )
    _check_shards(results)
    seen: dict[str, Path] = {}
    for result in results:
        for case in result.document["cases"]:
            earlier = seen.get(case["id"])
            if earlier is not None:
                raise MergeError(
                    f"{earlier} and {result.path} overlap: both hold case {case['id']!r}; "
                    "merge results of disjoint shards"
                )
            seen[case["id"]] = result.path


def _check_shards(results: Sequence[ShardResult]) -> None:
    sharded = [result for result in results if result.shard is not None]
    if not sharded:
        return
    if len(sharded) != len(results):
        plain = next(result for result in results if result.shard is None)
        raise MergeError(f"{plain.path} is not a shard result (no /run/shard) but {sharded[0].path} is")
    counts = {int(result.shard["count"]) for result in sharded if result.shard}
    if len(counts) != 1:
        raise MergeError(
            "the results are shards of different splits: "
            + ", ".join(f"{result.path} is {result.shard_text}" for result in sharded)
        )
    by_index: dict[int, Path] = {}
    for result in sharded:
        assert result.shard is not None
        index = int(result.shard["index"])
        if index in by_index:
            raise MergeError(
                f"{by_index[index]} and {result.path} overlap: both are shard {result.shard_text}"
            )
        by_index[index] = result.path
    count = counts.pop()
    missing = [f"{index}/{count}" for index in range(1, count + 1) if index not in by_index]
    if missing:
        raise MergeError(f"shard(s) {', '.join(missing)} missing: merge every shard of the run")


def merge_documents(results: Sequence[ShardResult]) -> dict[str, Any]:
    """One document from ``results`` (see the module docstring); :class:`MergeError` when refused."""
    _check_inputs(results)
    first = results[0].document
    adapters = [str(impl["adapter"]) for impl in first["implementations"]]
    position = {adapter: index for index, adapter in enumerate(adapters)}
    cases = [case for result in results for case in result.document["cases"]]
    # the run's plan order: fixtures by name, then scenarios by name (a case's adapters in run order)
    scenarios = {str(case["fixture"]) for case in cases if case.get("category") in SCENARIO_CATEGORIES}
    cases.sort(
        key=lambda case: (
            case["fixture"] in scenarios,
            case["fixture"],
            position.get(case["adapter"], len(position)),
            case["id"],
        )
    )
    parity = [entry for result in results for entry in result.document.get("parity") or []]
    # stable: the pairs of a fixture (or scenario) keep their order
    parity.sort(key=lambda entry: (entry["fixture"] in scenarios, entry["fixture"]))
    runs = [result.document["run"] for result in results]
    run = {key: value for key, value in first["run"].items() if key != "shard"}
    run.update(
        {
            "started_at": min(str(item["started_at"]) for item in runs),
            "finished_at": max(str(item["finished_at"]) for item in runs),
            "duration_seconds": max(float(item["duration_seconds"]) for item in runs),
            "jobs": max(int(item.get("jobs", 1)) for item in runs),
            "complete": all(bool(item.get("complete", True)) for item in runs),
            "interrupted": any(bool(item.get("interrupted", False)) for item in runs),
            "merged_from": [{"path": str(result.path), "shard": result.shard_text} for result in results],
        }
    )
    # each shard ran in environments of its own: every distinct one is kept, in shard order
    environments = [entry for item in runs for entry in item.get("environments") or []]
    if environments:
        distinct = {json.dumps(entry, sort_keys=True): entry for entry in environments}
        run["environments"] = list(distinct.values())
    run.pop("allow_input_problems", None)  # allowed for the merge only when every shard allowed them
    if all(item.get("allow_input_problems") for item in runs):
        run["allow_input_problems"] = True
    return rebuild_document(first, run=run, cases=cases, parity=parity)


def copy_har_files(results: Sequence[ShardResult], report_dir: Path) -> int:
    """Copy each case's HAR file from beside its ``result.json`` into ``report_dir``; how many were copied."""
    copied = 0
    for result in results:
        source_dir = result.path.parent
        for case in result.document["cases"]:
            har = case.get("har")
            if not har:
                continue
            source, target = source_dir / har, report_dir / har
            if not source.is_file() or source.resolve() == target.resolve():
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
            copied += 1
    return copied
