"""The JSON Schema of fixture format version 1, and schema problems as :class:`Problem`."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from conformance import jsonpointer
from conformance.problems import Problem
from conformance.schema_files import checked_validator, packaged_schema

SCHEMA_RESOURCE = "schemas/fixture-v1.schema.json"


def fixture_schema() -> dict[str, Any]:
    return packaged_schema(SCHEMA_RESOURCE)


@cache
def _validator() -> Draft202012Validator:
    return checked_validator(fixture_schema())


def _short(value: Any) -> str:
    if isinstance(value, str):
        return repr(value) if len(value) <= 78 else repr(value[:75]) + "..."
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return text if len(text) <= 80 else text[:77] + "..."


def _expected(error: ValidationError) -> str:
    keyword = error.validator
    wanted: Any = error.validator_value
    hint = error.schema.get("x-expected") if isinstance(error.schema, dict) else None
    if isinstance(hint, str):
        return hint
    if keyword == "const":
        return f"the value {_short(wanted)}"
    if keyword == "enum":
        return "one of " + ", ".join(_short(item) for item in wanted)
    if keyword == "type":
        kinds = wanted if isinstance(wanted, list) else [wanted]
        return "a value of type " + " or ".join(kinds)
    if keyword == "required":
        missing = error.message.split("'")[1] if "'" in error.message else str(wanted)
        return f"the required key {missing!r}"
    if keyword == "pattern":
        return f"a string matching {wanted}"
    if keyword == "additionalProperties":
        if error.absolute_path and error.absolute_path[-1] == "argv":
            return "argv keys that are positional names (no leading '-') or --options"
        return "no other keys"
    if keyword == "oneOf":
        return error.message
    return f"{keyword} {_short(wanted)}"


def _found(error: ValidationError) -> str:
    if error.validator == "required":
        return "it is missing"
    if error.validator == "additionalProperties":
        return error.message
    return _short(error.instance)


def schema_problems(document: Any, file: str) -> list[Problem]:
    """Every schema violation of ``document``, one :class:`Problem` each, in pointer order."""
    problems: list[Problem] = []
    version = document.get("version", 1) if isinstance(document, dict) else 1
    # type() and not ==: JSON Schema (and Python) treat 1.0 and True as equal to 1.
    if type(version) is not int or version != 1:
        return [
            Problem(
                file,
                "/version",
                "fixture format version 1 (the only version this harness knows)",
                _short(document["version"]),
            )
        ]
    for error in _validator().iter_errors(document):
        pointer = jsonpointer.from_tokens(error.absolute_path)
        if error.validator == "required" and "'" in error.message:
            pointer = jsonpointer.join(pointer, error.message.split("'")[1])
        problems.append(Problem(file, pointer, _expected(error), _found(error)))
    return sorted(set(problems))
