"""Every JSON Schema the harness ships is valid draft 2020-12 (the run no longer checks them at start-up)."""

from __future__ import annotations

from typing import Any

import pytest
from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

from conformance.adapters.exec_protocol import REQUEST_SCHEMA, RESULT_SCHEMA
from conformance.proxy.profile_schema import PROFILE_SCHEMA
from conformance.schema_files import packaged_schema

SHIPPED: dict[str, Any] = {
    "fixture-v1": packaged_schema("schemas/fixture-v1.schema.json"),
    "result-v1": packaged_schema("schemas/result-v1.schema.json"),
    "server profile": PROFILE_SCHEMA,
    "exec request": REQUEST_SCHEMA,
    "exec result": RESULT_SCHEMA,
}


@pytest.mark.parametrize("name", sorted(SHIPPED))
def test_every_shipped_schema_is_valid_draft_2020_12(name: str) -> None:
    Draft202012Validator.check_schema(SHIPPED[name])


def test_the_check_would_catch_a_broken_schema() -> None:
    with pytest.raises(SchemaError):
        Draft202012Validator.check_schema({"type": "no-such-type"})
