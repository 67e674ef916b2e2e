"""A check appended to THE registry for one test (as ``docs/architecture.md`` says to register one),
removed afterwards with the example module it came from."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from conformance import checks

__all__ = ["registered_check"]


@contextmanager
def registered_check(check: Any, module_name: str) -> Iterator[Any]:
    checks.CHECKS.append(check)
    try:
        yield check
    finally:
        checks.CHECKS.remove(check)
        sys.modules.pop(module_name, None)
