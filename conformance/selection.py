"""``-k EXPRESSION``: which cases of a run are selected, in pytest's ``-k`` language.

The expression is the one ``pytest -k`` takes: names combined with ``and``,
``or``, ``not`` and parentheses (``-k "workflow-list or schedule"``,
``-k "not scenario"``, ``-k "(signal or query) and cli"``). A name matches a
case when it is a case-insensitive substring of one of the case's names:

- the fixture (or scenario) file name, ``workflow-start-parity.json``;
- the adapter label, ``cli``;
- the operation id, ``workflow.start``;
- the case id, ``workflow-start-parity.json::cli``.

These are the names ``pytest --conformance -k`` matches for the same test
(its file, its item name, and the keywords the plugin adds), so one
expression selects the same cases in both. pytest also matches the names of
the directories between its root and the file, and the ``conformance``
marker; ``dw-conformance run`` has no root directory and does not. Decisions
beyond pytest's language, documented in ``docs/reference.md``:

- **Globs.** A name holding ``*`` or ``?`` is a shell-style glob matched
  against a whole name (``-k 'schedule-*'``, ``-k '*::cli'``); pytest's own
  ``-k`` refuses these characters, so the extension changes no pytest
  expression.
- **Commas**, the spelling of earlier releases, still work: ``a, b`` selects
  what ``a or b`` does, and a part starting with ``not`` deselects from the
  others (``a, not b`` is ``a and not b``).
- A blank expression selects everything; anything else that is not an
  expression is a :class:`SelectionError` (a usage error, exit 2) saying at
  which column what was expected, as pytest does.

pytest is not a runtime dependency, so this is a small parser of its own,
with pytest's grammar::

    expr:     and_expr ('or' and_expr)*
    and_expr: not_expr ('and' not_expr)*
    not_expr: 'not' not_expr | '(' expr ')' | name
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from fnmatch import fnmatchcase

from conformance.errors import UsageError

#: pytest's identifier characters, plus the glob characters ``*`` and ``?`` (see the module docstring).
_NAME = re.compile(r"(?:\w|[:+\-.\[\]\\/*?])+")
_KEYWORDS = ("and", "or", "not")

#: A compiled expression: the names of one case (lower case) -> selected or not.
Matcher = Callable[[tuple[str, ...]], bool]


class SelectionError(UsageError):
    """``-k`` was given something that is not an expression (exit 2)."""


@dataclass(frozen=True)
class _Token:
    kind: str  # "name", "and", "or", "not", "(", ")", "end"
    value: str
    column: int  # 1-based, as pytest counts


_DESCRIPTIONS = {"name": "a name", "and": "and", "or": "or", "not": "not", "(": "(", ")": ")"}


def _tokens(text: str, error: Callable[[int, str], SelectionError]) -> list[_Token]:
    tokens: list[_Token] = []
    position = 0
    while position < len(text):
        char = text[position]
        if char in " \t":
            position += 1
        elif char in "()":
            tokens.append(_Token(char, char, position + 1))
            position += 1
        else:
            match = _NAME.match(text, position)
            if match is None:
                raise error(position + 1, f'unexpected character "{char}"')
            value = match.group(0)
            kind = value if value in _KEYWORDS else "name"
            tokens.append(_Token(kind, value, position + 1))
            position = match.end()
    tokens.append(_Token("end", "", len(text) + 1))
    return tokens


def _name_matcher(name: str) -> Matcher:
    term = name.lower()
    if "*" in term or "?" in term:
        return lambda names: any(fnmatchcase(subject, term) for subject in names)
    return lambda names: any(term in subject for subject in names)


class _Parser:
    """Recursive descent over pytest's grammar (module docstring); each rule returns a matcher."""

    def __init__(self, text: str, error: Callable[[int, str], SelectionError]) -> None:
        self.error = error
        self.tokens = _tokens(text, error)
        self.index = 0

    @property
    def current(self) -> _Token:
        return self.tokens[self.index]

    def accept(self, kind: str) -> _Token | None:
        token = self.current
        if token.kind != kind:
            return None
        self.index += 1
        return token

    def fail(self, *expected: str) -> SelectionError:
        token = self.current
        found = "end of input" if token.kind == "end" else f'"{token.value}"'
        wanted = " or ".join(_DESCRIPTIONS[kind] for kind in expected)
        return self.error(token.column, f"expected {wanted}; got {found}")

    def whole(self) -> Matcher:
        matcher = self.expr()
        if self.current.kind != "end":
            raise self.fail("and", "or")
        return matcher

    def expr(self) -> Matcher:
        parts = [self.and_expr()]
        while self.accept("or"):
            parts.append(self.and_expr())
        if len(parts) == 1:
            return parts[0]
        return lambda names: any(part(names) for part in parts)

    def and_expr(self) -> Matcher:
        parts = [self.not_expr()]
        while self.accept("and"):
            parts.append(self.not_expr())
        if len(parts) == 1:
            return parts[0]
        return lambda names: all(part(names) for part in parts)

    def not_expr(self) -> Matcher:
        if self.accept("not"):
            inner = self.not_expr()
            return lambda names: not inner(names)
        if self.accept("("):
            inner = self.expr()
            if not self.accept(")"):
                raise self.fail(")", "and", "or")
            return inner
        token = self.accept("name")
        if token is None:
            raise self.fail("not", "(", "name")
        return _name_matcher(token.value)


def _compile(text: str) -> Matcher:
    def error(column: int, message: str) -> SelectionError:
        return SelectionError(f"-k {text!r}: at column {column}: {message}")

    if "," not in text:
        return _Parser(text, error).whole()
    # the comma form of earlier releases: positive parts are alternatives, 'not' parts deselect
    include: list[Matcher] = []
    exclude: list[Matcher] = []
    offset = 0
    for part in text.split(","):
        start = offset
        offset += len(part) + 1
        if not part.strip():
            continue

        def part_error(column: int, message: str, start: int = start) -> SelectionError:
            return error(start + column, message)

        matcher = _Parser(part, part_error).whole()
        (exclude if part.split()[0] == "not" else include).append(matcher)
    if not include and not exclude:
        raise error(1, "expected a name; got only commas")
    return lambda names: (not include or any(m(names) for m in include)) and all(m(names) for m in exclude)


@dataclass(frozen=True)
class Selection:
    """A parsed ``-k`` expression; :meth:`selects` asks it about one case."""

    text: str
    matcher: Matcher

    @classmethod
    def parse(cls, pattern: str | None) -> Selection | None:
        """The selection of ``pattern`` (``None`` when blank); :class:`SelectionError` if malformed."""
        if pattern is None or not pattern.strip():
            return None
        return cls(pattern, _compile(pattern))

    def selects(self, fixture_name: str, operation: str, case_id: str) -> bool:
        """Whether the case ``case_id`` (``<file>::<adapter label>``) of ``fixture_name`` is selected."""
        label = case_id.rpartition("::")[2]
        names = (fixture_name.lower(), label.lower(), operation.lower(), case_id.lower())
        return self.matcher(names)
