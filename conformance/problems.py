"""Problems found in input files: one shape for every "this file is wrong" message."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from conformance import jsonpointer
from conformance.textsafe import printable


@dataclass(frozen=True, order=True)
class Problem:
    """One problem in one input file.

    ``pointer`` is an RFC 6901 pointer into the file's JSON (``""`` for the
    file as a whole); ``expected`` says what should be there and ``found``
    what is there instead.
    """

    file: str
    pointer: str
    expected: str
    found: str

    def render(self) -> str:
        """One line; the file's name, keys and values are :func:`~conformance.textsafe.printable`."""
        where = self.pointer or "(file)"
        return printable(f"{self.file}: {where}: expected {self.expected}; found {self.found}")

    @classmethod
    def for_path(cls, path: Path | str, pointer: str, expected: str, found: str) -> Problem:
        return cls(str(path), pointer, expected, found)


def decode_utf8(raw: bytes, file: str) -> str:
    """``raw`` as UTF-8 text; an :class:`InputError` naming the first bad byte otherwise."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        found = f"byte 0x{raw[error.start]:02x} at offset {error.start} is not UTF-8"
        raise InputError([Problem(file, "", "UTF-8 text", found)]) from None


class InputError(Exception):
    """Raised when an input file cannot be used at all; carries its problems."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(problem.render() for problem in problems))


def unknown_key_problems(
    mapping: dict[str, Any], allowed: Sequence[str], file: str, where: str
) -> list[Problem]:
    """One problem per key of ``mapping`` not in ``allowed`` (a typo must never silently disable an entry)."""
    return [
        Problem(file, jsonpointer.join(where, str(key)), "only " + ", ".join(allowed), f"key {key!r}")
        for key in mapping
        if key not in allowed
    ]
