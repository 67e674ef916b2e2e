"""``--shard I/N``: a deterministic, balanced share of a run's cases, and the corpus identity.

Decisions:

- **A fixture's cases stay together.** Shards are made of fixtures, never of
  single cases, so every shard has all clients of its fixtures and computes
  their client-versus-client parity itself; ``merge`` only concatenates.
- **Deterministic.** The fixtures that have at least one case after ``-k``
  (the same on every CI runner given the same corpus, selection and
  adapters) are taken in file-name order and dealt round-robin: fixture *k*
  (0-based) goes to shard ``k mod N + 1``. No clock, no randomness, no
  dependence on the machine: two runners computing shard 2/3 pick the same
  fixtures.
- **Balanced.** Round-robin gives every shard the same number of fixtures
  give or take one, so the same number of cases give or take one fixture's
  worth.
- **The corpus identity** (``run.corpus`` in ``result.json``: fixture count
  and a SHA-256 over every loaded fixture's name and content, overlays
  applied) is what ``merge`` compares to refuse results of different corpora.
  Every run records it, sharded or not.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

__all__ = ["Shard", "corpus_identity", "parse_shard", "shard_fixtures"]

_SPEC = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")


@dataclass(frozen=True)
class Shard:
    """Shard ``index`` (1-based) of ``count``."""

    index: int
    count: int

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"


def parse_shard(text: str) -> Shard:
    """``"2/4"`` -> ``Shard(2, 4)``; an ``argparse.ArgumentTypeError`` saying what is wrong otherwise."""
    match = _SPEC.match(text)
    if match is None:
        raise argparse.ArgumentTypeError(f"expected I/N (e.g. 1/4); found {text!r}")
    index, count = int(match.group(1)), int(match.group(2))
    if count < 1 or not 1 <= index <= count:
        raise argparse.ArgumentTypeError(f"expected 1 <= I <= N with N >= 1; found {text!r}")
    return Shard(index, count)


def shard_fixtures(names: Iterable[str], shard: Shard) -> list[str]:
    """The fixture names (of those given) that belong to ``shard``, in name order."""
    ordered = sorted(set(names))
    return [name for position, name in enumerate(ordered) if position % shard.count == shard.index - 1]


class _FixtureLike(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def data(self) -> Any: ...


def corpus_identity(fixtures: Sequence[_FixtureLike], scenarios: Sequence[Path] = ()) -> dict[str, Any]:
    """``{"fixtures": count, "digest": "sha256:..."}`` over the names and contents of ``fixtures``.

    With ``scenarios`` (the scenario files the run loaded), ``scenarios`` and
    ``scenario_digest`` are added over their names and bytes: shards that
    played different scenarios are different corpora and are not merged.
    """
    digest = hashlib.sha256()
    for fixture in sorted(fixtures, key=lambda item: item.name):
        digest.update(fixture.name.encode("utf-8", errors="surrogateescape") + b"\0")
        content = json.dumps(fixture.data, sort_keys=True, ensure_ascii=True, separators=(",", ":"))
        digest.update(hashlib.sha256(content.encode("ascii")).digest())
    identity: dict[str, Any] = {"fixtures": len(fixtures), "digest": "sha256:" + digest.hexdigest()}
    if scenarios:
        played = hashlib.sha256()
        for path in sorted(scenarios, key=lambda item: item.name):
            played.update(path.name.encode("utf-8", errors="surrogateescape") + b"\0")
            played.update(hashlib.sha256(path.read_bytes()).digest())
        identity.update({"scenarios": len(scenarios), "scenario_digest": "sha256:" + played.hexdigest()})
    return identity
