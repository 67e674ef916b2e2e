"""``-k PATTERN``: which cases of a run are selected.

A pattern is a comma-separated list of terms; a case is selected when any term
matches. A term containing ``*``, ``?`` or ``[`` is a shell-style glob,
otherwise a substring; both are case-insensitive. A term is tried against the
fixture's file name, its operation id and the case id
(``<fixture file>::<adapter>``), so ``-k workflow.start``, ``-k signal``,
``-k 'schedule-*'`` and ``-k '*::cli'`` all do what they look like. A term
starting with ``not `` deselects what it matches.
"""

from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatchcase


@dataclass(frozen=True)
class Selection:
    include: tuple[str, ...]
    exclude: tuple[str, ...]
    text: str

    @classmethod
    def parse(cls, pattern: str | None) -> Selection | None:
        if pattern is None or not pattern.strip():
            return None
        include: list[str] = []
        exclude: list[str] = []
        for raw in pattern.split(","):
            term = raw.strip().lower()
            if not term:
                continue
            if term.startswith("not "):
                exclude.append(term[4:].strip())
            else:
                include.append(term)
        return cls(tuple(include), tuple(exclude), pattern)

    @staticmethod
    def _matches(term: str, subjects: tuple[str, ...]) -> bool:
        if any(ch in term for ch in "*?["):
            return any(fnmatchcase(subject, term) for subject in subjects)
        return any(term in subject for subject in subjects)

    def selects(self, fixture_name: str, operation: str, case_id: str) -> bool:
        subjects = (fixture_name.lower(), operation.lower(), case_id.lower())
        if any(self._matches(term, subjects) for term in self.exclude):
            return False
        if not self.include:
            return True
        return any(self._matches(term, subjects) for term in self.include)
