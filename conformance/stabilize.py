"""Run-independent text in the result document.

The same inputs must give a byte-identical ``result.json`` apart from its
timestamps and durations (``duration_seconds``, and in a scenario case the
measured delays ``requests/*/delay_seconds`` and ``retry/delays_seconds``),
whatever ``--jobs`` is, so that two runs (or a run and a baseline) can be
compared with ``diff``. A few values that reach a
case's result change at every run although nothing the user controls did;
:class:`Stabilizer` replaces each with a stable placeholder:

- **the proxy's listener address** (ports are picked free at every start,
  and a case gets whichever slot is free): ``127.0.0.1:41873`` becomes
  ``127.0.0.1:<proxy-port>`` wherever it appears (the ``Host`` header of the
  captured request, a client's output or exception text, a URL);
- **the case's scratch directory** (a fresh temporary directory): its path
  becomes ``<scratch-dir>``;
- **identifiers a client draws at random for each call**, such as the Python
  SDK's command key ``request_id = "sdk-python-signal-<uuid4 hex>"``: every
  UUID-shaped token (32 hex digits, with or without dashes) that the fixture
  itself does not contain becomes ``<random-N>``, numbered per case in order
  of first appearance, so one value keeps one name throughout the case
  (body, differences, rendered text, client output);
- **object addresses in Python reprs** (``<Foo object at 0x7f3a...>``) become
  ``at 0x?``.

Nothing else is touched: a value the fixture contains is never replaced, so
expected and sent values stay comparable. The HAR files keep the raw values:
they are the evidence of what went over the wire, ``result.json`` is what runs
are compared by.

Placeholders in a parity finding name the client they come from
(``<random-1 of python-sdk>``): two clients' random values must not look
alike just because each was the first of its case.
"""

from __future__ import annotations

import json
import re
from typing import Any

from conformance.textsafe import map_tree

__all__ = ["PROXY_PORT_PLACEHOLDER", "SCRATCH_PLACEHOLDER", "Stabilizer"]

PROXY_PORT_PLACEHOLDER = "<proxy-port>"
SCRATCH_PLACEHOLDER = "<scratch-dir>"
_UUID = re.compile(
    r"(?<![0-9A-Fa-f])[0-9A-Fa-f]{8}(-?)[0-9A-Fa-f]{4}\1[0-9A-Fa-f]{4}\1[0-9A-Fa-f]{4}\1[0-9A-Fa-f]{12}(?![0-9A-Fa-f])"
)
_ADDRESS = re.compile(r"\bat 0x[0-9A-Fa-f]{6,16}\b")


class Stabilizer:
    """Replaces one case's run-dependent values; call :meth:`value` on anything going into the result."""

    def __init__(self, fixture_data: Any = None, *, label: str = "") -> None:
        self.label = label
        self._literals: list[tuple[str, str]] = []
        self._randoms: dict[str, int] = {}
        # default=repr: an in-memory fixture (fuzz variants) may hold bytes in the SDK's arguments
        text = json.dumps(fixture_data, ensure_ascii=False, default=repr) if fixture_data is not None else ""
        self._known = {match.group(0).lower() for match in _UUID.finditer(text)}

    def add_server_url(self, server_url: str) -> None:
        """The proxy URL handed to the client (``http://127.0.0.1:41873``): its port is per run."""
        authority = server_url.split("://", 1)[-1].split("/", 1)[0]
        host, _, port = authority.rpartition(":")
        if host and port.isdigit():
            self._add_literal(authority, f"{host}:{PROXY_PORT_PLACEHOLDER}")

    def add_scratch_dir(self, path: str) -> None:
        self._add_literal(path, SCRATCH_PLACEHOLDER)

    def _add_literal(self, literal: str, placeholder: str) -> None:
        if literal and all(literal != known for known, _ in self._literals):
            self._literals.append((literal, placeholder))
            self._literals.sort(key=lambda item: len(item[0]), reverse=True)

    def _random(self, match: re.Match[str], qualified: bool) -> str:
        token = match.group(0)
        if token.lower() in self._known:
            return token
        number = self._randoms.setdefault(token.lower(), len(self._randoms) + 1)
        suffix = f" of {self.label}" if qualified and self.label else ""
        return f"<random-{number}{suffix}>"

    def text(self, text: str, *, qualified: bool = False) -> str:
        for literal, placeholder in self._literals:
            if literal in text:
                text = text.replace(literal, placeholder)
        if "0x" in text:
            text = _ADDRESS.sub("at 0x?", text)
        return _UUID.sub(lambda match: self._random(match, qualified), text)

    def value(self, value: Any, *, qualified: bool = False) -> Any:
        """A copy of a JSON-like value (dict keys included) with every string stabilized."""

        def leaf(item: Any) -> Any:
            return self.text(item, qualified=qualified) if isinstance(item, str) else item

        return map_tree(value, leaf, leaf)
