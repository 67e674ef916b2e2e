"""Sealing a case: its typed result turned into the JSON entry of the result document.

:func:`seal` is the one step between a finished :class:`~conformance.result.CaseResult`
and what any report or comparison sees: the result becomes JSON
(:meth:`CaseResult.to_json`), every secret of the case is redacted
(:func:`conformance.redact.redact_value`: the token, and every credential a
client sent), and the values that change from run to run without the inputs
changing become stable placeholders (:class:`conformance.stabilize.Stabilizer`),
so that the same inputs give a byte-identical ``result.json``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from conformance.redact import redact_value
from conformance.result import CaseResult
from conformance.stabilize import Stabilizer

__all__ = ["seal"]


def seal(result: CaseResult, stabilizer: Stabilizer, secrets: Sequence[str]) -> dict[str, Any]:
    """The redacted, stabilised JSON entry of ``result``."""
    sealed: dict[str, Any] = stabilizer.value(redact_value(result.to_json(), list(secrets)))
    return sealed
