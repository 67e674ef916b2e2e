"""The JSON Schemas the harness ships, and validators for them.

Every shipped schema (fixture format, result document, server profile, exec
adapter request and result) must itself be valid draft 2020-12, or it would
silently accept everything. That is proven by the test suite
(``tests/test_schema_files.py`` checks each one against the meta-schema), not
on every start: checking them at run time cost about half a second of each
run's start-up. :data:`CHECK_AT_RUNTIME` turns the run-time check back on
(``DW_CONFORMANCE_CHECK_SCHEMAS=1``), for a schema edited in a checkout.
"""

from __future__ import annotations

import json
import os
from functools import cache
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator


@cache
def packaged_schema(resource: str) -> dict[str, Any]:
    """A schema shipped inside the package, e.g. ``schemas/result-v1.schema.json``."""
    text = resources.files("conformance").joinpath(resource).read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


#: Check shipped schemas against the meta-schema when their validator is built (off: the tests do it).
CHECK_AT_RUNTIME = os.environ.get("DW_CONFORMANCE_CHECK_SCHEMAS", "") == "1"


def checked_validator(schema: dict[str, Any]) -> Draft202012Validator:
    """A draft 2020-12 validator for a *shipped* ``schema`` (see the module docstring)."""
    if CHECK_AT_RUNTIME:
        Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)
