"""Paging and error behaviour of an operation, as far as the corpus defines it.

The corpus has no paging or error scenarios yet: a fixture pins one request
and one successful answer. This module therefore states plainly what is not
specified, and lists only facts the fixture itself shows: the paging
parameters it sends (``limit``, cursors, page tokens) and the paging fields
its answer carries (``has_more``, ``next_cursor``, ``next_page_token``...).
It never invents a rule.
"""

from __future__ import annotations

import json
import re
from typing import Any

from conformance.fixture import Fixture

NOT_SPECIFIED = "Not specified by the corpus yet."
_PAGING_NAME = re.compile(
    r"(^|_)(limit|cursor|page|page_token|page_size|after|before|offset|has_more|next)(_|$)"
)


def _paging_names(mapping: Any) -> list[str]:
    if not isinstance(mapping, dict):
        return []
    return [key for key in mapping if isinstance(key, str) and _PAGING_NAME.search(key)]


def paging_notes(fixture: Fixture, query: dict[str, list[str]], body: Any, response: Any) -> tuple[str, ...]:
    sent = _paging_names(query) + _paging_names(body)
    answered = _paging_names(response)
    notes: list[str] = []
    if sent:
        notes.append(
            "The request carries the paging parameters " + ", ".join(f"`{name}`" for name in sent) + "."
        )
    if answered:
        shown = ", ".join(f"`{name}` = `{_short(response[name])}`" for name in answered)
        notes.append(f"The answer carries {shown}.")
    if sent or answered:
        notes.append(
            "How to follow the next page (which field to send back, when to stop) is "
            + NOT_SPECIFIED[0].lower()
            + NOT_SPECIFIED[1:]
        )
    else:
        notes.append("This operation shows no paging. " + NOT_SPECIFIED)
    return tuple(notes)


def error_notes(fixture: Fixture) -> tuple[str, ...]:
    return (
        f"Error answers (status codes, body shape, retries) for `{fixture.operation}`: {NOT_SPECIFIED} "
        "The fixture pins the request and one successful answer only.",
        "The judge looks at both sides: a client that sends a correct request and then refuses the "
        "fixture's answer fails on the response side (the report quotes its own message); refusing an "
        "answer the harness invented (no response_body) is a harness error, never the client's.",
    )


def _short(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value)
    return text if len(text) <= 40 else text[:37] + "..."
