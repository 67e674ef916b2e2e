"""The JSON Schemas the harness ships, and checked validators for them.

Every schema (fixture format, result document, server profile, exec adapter
result) is checked against draft 2020-12 once, when its validator is first
built, so a broken schema fails loudly instead of accepting everything.
"""

from __future__ import annotations

import json
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


def checked_validator(schema: dict[str, Any]) -> Draft202012Validator:
    """A draft 2020-12 validator for ``schema``, after checking the schema itself."""
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)
