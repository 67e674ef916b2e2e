"""Query parameters that are one client's own spelling: the declared exceptions to "one wire request".

The data is ``data/client-own-query.yaml`` (operation -> projection key ->
parameter names). :func:`conformance.expectations.query_expectation` leaves
these parameters out when it holds a client to another client's
``expected_query``; the client that pins them is still held to them.
"""

from __future__ import annotations

import functools
from importlib import resources
from typing import Any

from conformance import jsonpointer
from conformance.problems import InputError, Problem
from conformance.strict_yaml import load_shipped_yaml

__all__ = ["OWN_QUERY_FILE", "own_query_parameters", "parse_own_query"]

OWN_QUERY_FILE = "conformance/data/client-own-query.yaml"

OwnQuery = dict[str, dict[str, frozenset[str]]]


def parse_own_query(document: Any, source: str) -> OwnQuery:
    """The declarations of ``document``; every problem names ``source`` and its JSON pointer."""
    if document is None:
        return {}
    if not isinstance(document, dict):
        raise InputError(
            [Problem(source, "", "a mapping of operation id to projections", type(document).__name__)]
        )
    problems: list[Problem] = []
    parsed: OwnQuery = {}
    for operation, projections in document.items():
        if not isinstance(projections, dict):
            problems.append(
                Problem(
                    source,
                    jsonpointer.join("", str(operation)),
                    "a mapping of projection key to names",
                    repr(projections)[:80],
                )
            )
            continue
        parsed[str(operation)] = {}
        for key, names in projections.items():
            if not isinstance(names, list) or not all(isinstance(name, str) and name for name in names):
                problems.append(
                    Problem(
                        source,
                        jsonpointer.join("", str(operation), str(key)),
                        "a list of query parameter names",
                        repr(names)[:80],
                    )
                )
                continue
            parsed[str(operation)][str(key)] = frozenset(names)
    if problems:
        raise InputError(problems)
    return parsed


@functools.cache
def _shipped() -> OwnQuery:
    text = resources.files("conformance").joinpath("data/client-own-query.yaml").read_text(encoding="utf-8")
    return parse_own_query(load_shipped_yaml(text, OWN_QUERY_FILE), OWN_QUERY_FILE)


def own_query_parameters(operation: str, projection_key: str) -> frozenset[str]:
    """The parameters ``projection_key`` pins for ``operation`` as its own spelling (empty: none)."""
    return _shipped().get(operation, {}).get(projection_key, frozenset())
