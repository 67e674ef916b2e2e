"""Which operations a client can walk page by page, and how: ``walks.yaml`` as typed data.

A *walk* reads a paged resource to its end in one drive of the client
(:class:`conformance.adapters.base.Drive` with ``walk=True``). Per operation
and client the table says how:

- ``cli.flag``: the flag ``dw`` needs to walk (``--all`` for
  ``schedule:history``), or ``null`` when the command always walks
  (``workflow:history``);
- ``sdk_python.iterator``: an async-iterator method of ``Client`` whose items
  are collected (``iter_schedule_history``);
- or ``sdk_python.pages`` with ``token_argument``, ``token_field`` and
  ``items_field``: no iterator exists, so the adapter calls the one-page
  method again and again, passing the answer's ``token_field`` back as
  ``token_argument``, until the token is empty; the items are the pages'
  ``items_field`` lists, joined. What is judged then is the SDK's paging
  parameters, not an iterator of its own: the adapter's ``detail`` says so.

A missing entry means "this client cannot walk this operation": the adapter
returns ``skipped`` with that reason. The file is strictly parsed; a bad entry
is an :class:`~conformance.problems.InputError` naming the file and pointer.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from conformance import jsonpointer
from conformance.problems import InputError, Problem
from conformance.strict_yaml import load_yaml_file

WALKS_FILE = Path(__file__).with_name("walks.yaml")
#: Pages the adapter-driven SDK walk (``sdk_python.pages``) reads at most before it stops and says so.
MAX_DRIVEN_PAGES = 100


@dataclass(frozen=True)
class CliWalk:
    #: The flag that makes ``dw`` walk; ``None`` when the command walks by itself.
    flag: str | None


@dataclass(frozen=True)
class SdkWalk:
    #: An async-iterator method of ``Client`` (``iter_schedule_history``), or ``None``.
    iterator: str | None = None
    #: A one-page method the adapter calls repeatedly (``get_history``), or ``None``.
    pages: str | None = None
    token_argument: str = ""
    token_field: str = ""
    items_field: str = ""

    def to_request(self) -> dict[str, Any]:
        """The walk as plain JSON for :mod:`conformance.adapters.sdk_python_call`."""
        if self.iterator is not None:
            return {"kind": "iterator", "method": self.iterator}
        return {
            "kind": "pages",
            "method": self.pages,
            "token_argument": self.token_argument,
            "token_field": self.token_field,
            "items_field": self.items_field,
            "max_pages": MAX_DRIVEN_PAGES,
        }


@dataclass(frozen=True)
class Walk:
    operation: str
    cli: CliWalk | None
    sdk_python: SdkWalk | None


def _text(
    value: Any, file: str, pointer: str, problems: list[Problem], *, nullable: bool = False
) -> str | None:
    if value is None and nullable:
        return None
    if isinstance(value, str) and value.strip():
        return value
    expected = "a non-empty string" + (" or null" if nullable else "")
    problems.append(Problem(file, pointer, expected, repr(value)[:80]))
    return None


def _only(
    section: dict[str, Any], allowed: tuple[str, ...], file: str, base: str, problems: list[Problem]
) -> None:
    problems.extend(
        Problem(file, jsonpointer.join(base, str(key)), "only " + ", ".join(allowed), f"key {key!r}")
        for key in section
        if key not in allowed
    )


def _cli(section: Any, file: str, base: str, problems: list[Problem]) -> CliWalk | None:
    if not isinstance(section, dict) or "flag" not in section:
        problems.append(Problem(file, base, "a mapping with 'flag' (a string, or null)", repr(section)[:80]))
        return None
    _only(section, ("flag",), file, base, problems)
    return CliWalk(_text(section["flag"], file, jsonpointer.join(base, "flag"), problems, nullable=True))


def _sdk(section: Any, file: str, base: str, problems: list[Problem]) -> SdkWalk | None:
    if not isinstance(section, dict):
        problems.append(Problem(file, base, "a mapping with 'iterator' or 'pages'", repr(section)[:80]))
        return None
    if "iterator" in section:
        _only(section, ("iterator",), file, base, problems)
        iterator = _text(section["iterator"], file, jsonpointer.join(base, "iterator"), problems)
        return SdkWalk(iterator=iterator)
    keys = ("pages", "token_argument", "token_field", "items_field")
    missing = [key for key in keys if key not in section]
    if missing:
        expected = "either 'iterator', or all of " + ", ".join(keys)
        problems.append(Problem(file, base, expected, "missing " + ", ".join(missing)))
        return None
    _only(section, keys, file, base, problems)
    values = [_text(section[key], file, jsonpointer.join(base, key), problems) or "" for key in keys]
    return SdkWalk(pages=values[0], token_argument=values[1], token_field=values[2], items_field=values[3])


def parse_walks(document: Any, file: str) -> dict[str, Walk]:
    """The walks table of a loaded ``walks.yaml``; :class:`InputError` lists every problem."""
    problems: list[Problem] = []
    if not isinstance(document, dict) or not isinstance(document.get("walks"), dict):
        raise InputError([Problem(file, "/walks", "a mapping of operation -> walk", "nothing usable")])
    _only(document, ("walks",), file, "", problems)
    walks: dict[str, Walk] = {}
    for operation, entry in document["walks"].items():
        base = jsonpointer.join("/walks", str(operation))
        if not isinstance(entry, dict):
            problems.append(Problem(file, base, "a mapping with cli and/or sdk_python", repr(entry)[:80]))
            continue
        _only(entry, ("cli", "sdk_python"), file, base, problems)
        cli = _cli(entry["cli"], file, jsonpointer.join(base, "cli"), problems) if "cli" in entry else None
        sdk = (
            _sdk(entry["sdk_python"], file, jsonpointer.join(base, "sdk_python"), problems)
            if "sdk_python" in entry
            else None
        )
        walks[str(operation)] = Walk(str(operation), cli, sdk)
    if problems:
        raise InputError(problems)
    return walks


@cache
def default_walks() -> dict[str, Walk]:
    """The shipped table (read once)."""
    return parse_walks(load_yaml_file(WALKS_FILE), str(WALKS_FILE))


def walk_for(operation: str) -> Walk | None:
    """The shipped walk of ``operation`` (``None`` when no client walks it)."""
    return default_walks().get(operation)


def no_walk_reason(operation: str, client: str) -> str:
    """The ``skipped`` reason of a client asked to walk an operation it cannot walk."""
    return (
        f"{client} cannot walk operation {operation!r}: no walk for it in "
        f"conformance/adapters/walks.yaml"
    )
