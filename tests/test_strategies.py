"""Strategies and variants: every Avro branch is generated; every variant is a consistent, valid fixture."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

import pytest
from hypothesis import HealthCheck, find, given, settings
from hypothesis import strategies as st

from conformance.canonical_request import canonical_request
from conformance.expectations import JudgeSettings, build_expectation, values_equal
from conformance.fixture import Fixture, load_fixture
from conformance.problems import InputError
from conformance.strategies import (
    INT64_EDGES,
    avro_values,
    doubles,
    handler_names,
    identifiers,
    texts,
    variants,
)
from conformance.validate import validate_document
from conformance.variants import (
    Place,
    Variant,
    build_variant,
    load_field_map,
    plan_seed,
    read_place,
    variant_document,
)

CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "control-plane"
SHIPPED = sorted(CORPUS.glob("*.json"))
SETTINGS = JudgeSettings(namespace="default", token="strategy-test-token")
QUIET = settings(database=None, deadline=None, suppress_health_check=list(HealthCheck))


def _depth(value: Any) -> int:
    depth = 0
    while isinstance(value, list | dict) and value:
        value = value[0] if isinstance(value, list) else next(iter(value.values()))
        depth += 1
    return depth


@pytest.mark.parametrize(
    ("what", "condition"),
    [
        ("null", lambda v: v is None),
        ("boolean", lambda v: v is False),
        ("64-bit edge", lambda v: v == 2**63 - 1 and not isinstance(v, bool)),
        ("negative 64-bit edge", lambda v: v == -(2**63)),
        ("non-integral double", lambda v: isinstance(v, float)),
        ("bytes", lambda v: isinstance(v, bytes) and len(v) > 0),
        ("control character", lambda v: isinstance(v, str) and any(ord(c) < 0x20 for c in v)),
        ("non-ASCII text", lambda v: isinstance(v, str) and any(ord(c) > 0xFFFF for c in v)),
        ("empty list", lambda v: v == []),
        ("empty map", lambda v: v == {}),
        (
            "map of lists",
            lambda v: isinstance(v, dict) and any(isinstance(i, list) and i for i in v.values()),
        ),
        ("deep nesting", lambda v: _depth(v) >= 8),
    ],
)
def test_every_branch_of_the_value_union_is_generated(what: str, condition: Callable[[Any], bool]) -> None:
    """Somewhere in a generated value (payloads are lists: scalars live inside containers)."""

    def anywhere(value: Any) -> bool:
        return any(condition(node) for node in _nodes(value))

    found = find(avro_values(), anywhere, settings=settings(QUIET, max_examples=3000))
    assert anywhere(found), what


def _nodes(value: Any) -> list[Any]:
    nodes, stack = [], [value]
    while stack:
        node = stack.pop()
        nodes.append(node)
        if isinstance(node, list):
            stack.extend(node)
        elif isinstance(node, dict):
            stack.extend(node.values())
    return nodes


@QUIET
@given(doubles(), texts(), identifiers(), handler_names())
def test_generated_scalars_keep_their_promises(number: float, text: str, identifier: str, name: str) -> None:
    assert not number.is_integer()
    assert not any(0xD800 <= ord(char) <= 0xDFFF for char in text)
    assert identifier and identifier not in (".", "..")
    encoded = quote(identifier, safe="")
    assert "/" not in encoded and unquote(encoded) == identifier
    assert name[0].isalpha() or name[0] == "_"
    assert set(name) <= set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-")


def test_integer_edges_are_within_a_signed_long() -> None:
    assert all(-(2**63) <= edge <= 2**63 - 1 for edge in INT64_EDGES)


# --------------------------------------------------------------------------- variants of the shipped corpus

FIELD_MAP = load_field_map()


def _written_places(variant: Variant) -> list[tuple[str, Place, Any]]:
    """(field, place, value) for each place a variant must hold its new value at: not in a dropped
    projection, and not inside the place of a field that changed (a new ``input`` replaces its
    leaves)."""
    plan = plan_seed(variant.seed, FIELD_MAP)
    changed: list[tuple[str, ...]] = []
    written = []
    for variable in sorted(plan.fields, key=lambda v: min(len(p.location) for p in v.places)):
        value = variant.values[variable.spec.name]
        if values_equal(value, variable.seed_value):
            continue
        for place in variable.places:
            inside = any(
                place.location[: len(outer)] == outer and place.location != outer for outer in changed
            )
            if place.projection not in variant.dropped and not inside:
                written.append((variable.spec.name, place, value))
        changed.extend(place.location for place in variable.places)
    return written


def _check_variant(variant: Variant) -> None:
    document, replayable = variant_document(variant)
    json.dumps(document, allow_nan=False)
    problems = [
        problem
        for problem in validate_document(document, Path(variant.fixture.name))
        if "a file named" not in problem.expected  # fuzz files carry a hash in their name
    ]
    assert problems == [], problems
    for projection in ["canonical", *variant.fixture.projection_keys]:
        build_expectation(variant.fixture, projection, SETTINGS)
    for projection in variant.dropped:
        assert projection not in variant.fixture.data
    for name, place, value in _written_places(variant):
        if place.render == "flag" and value is False:
            with pytest.raises(KeyError):
                read_place(variant.fixture.data, place)
        else:
            assert values_equal(read_place(variant.fixture.data, place), value), (name, place)
    if "bytes" not in json.dumps(variant.dropped):
        request = canonical_request(variant.fixture)
        assert request.body_bytes() is not None or not request.has_body
    assert replayable or "sdk_python" in variant.fixture.data


@pytest.mark.parametrize("path", SHIPPED, ids=lambda path: path.name)
def test_variants_of_shipped_fixtures_are_valid_and_consistent(path: Path) -> None:
    plan = plan_seed(load_fixture(path), FIELD_MAP)
    assert plan.fields and plan.notes == []

    @settings(QUIET, max_examples=25)
    @given(variants(plan))
    def run(variant: Variant) -> None:
        _check_variant(variant)

    run()


def test_a_value_the_cli_cannot_carry_drops_its_projection() -> None:
    plan = plan_seed(load_fixture(CORPUS / "workflow-signal-parity.json"), FIELD_MAP)
    with_bytes = build_variant(plan, {"input": [b"\x00\xff"], "workflow_id": "-x"})
    assert set(with_bytes.dropped) == {"cli"}
    assert "bytes have no JSON form" in with_bytes.dropped["cli"] or "option" in with_bytes.dropped["cli"]
    data = with_bytes.fixture.data
    assert "cli" not in data
    assert data["sdk_python"]["args"]["args"] == [b"\x00\xff"]
    assert "blob" not in data["sdk_python"]["payload_envelope"]  # decoded itself is the envelope
    document, replayable = variant_document(with_bytes)
    assert not replayable
    assert document["sdk_python"]["args"]["args"] == [{"$bytes": "AP8="}]
    assert "does not replay as-is" in document["description"]
    positional = build_variant(plan, {"workflow_id": "-starts-with-dash"})
    assert "read as an option" in positional.dropped["cli"]
    assert positional.fixture.data["request"]["path"].startswith("/workflows/-starts-with-dash/")


def test_an_empty_search_attribute_map_is_not_a_cli_option() -> None:
    plan = plan_seed(load_fixture(CORPUS / "workflow-start-parity.json"), FIELD_MAP)
    variant = build_variant(plan, {"search_attributes": {}})
    assert "empty map" in variant.dropped["cli"]
    assert variant.fixture.data["sdk_python"]["expected_body"]["search_attributes"] == {}


def test_path_ids_are_percent_encoded_as_one_segment() -> None:
    plan = plan_seed(load_fixture(CORPUS / "workflow-update-parity.json"), FIELD_MAP)
    variant = build_variant(plan, {"workflow_id": "a/b?c#d %é", "update_name": "x.y-z"})
    assert variant.fixture.data["request"]["path"] == "/workflows/a%2Fb%3Fc%23d%20%25%C3%A9/update/x.y-z"
    assert variant.fixture.data["cli"]["argv"]["workflow-id"] == "a/b?c#d %é"
    assert variant.fixture.data["sdk_python"]["args"]["workflow_id"] == "a/b?c#d %é"
    assert variant.fixture.name.startswith("workflow-update-") and variant.fixture.name.endswith(
        "-parity.json"
    )
    assert build_variant(plan, {"workflow_id": "a/b?c#d %é", "update_name": "x.y-z"}).fixture.name == (
        variant.fixture.name
    )


def test_a_value_a_client_has_no_input_for_is_not_varied() -> None:
    """The CLI's argv no longer holds the id its expected body pins: changing the id would blame it."""
    data = copy.deepcopy(load_fixture(CORPUS / "workflow-start-parity.json").data)
    data["cli"]["argv"]["--workflow-id"] = "something-else"
    plan = plan_seed(Fixture(Path("x-parity.json"), data), FIELD_MAP)
    assert "workflow_id" not in [variable.spec.name for variable in plan.fields]
    assert any(
        line.startswith('workflow_id ("wf-polyglot-231")')
        and "cli is judged on /cli/expected_body/workflow_id but has no input holding it" in line
        for line in plan.refused
    )


def test_a_fixture_without_variable_values_is_said_so() -> None:
    data = copy.deepcopy(load_fixture(CORPUS / "workflow-cancel-parity.json").data)
    data["operation"] = "workflow.terminate"
    data["cli"]["argv"] = {}
    data["sdk_python"]["args"] = {}
    plan = plan_seed(Fixture(Path("workflow-terminate-parity.json"), data), FIELD_MAP)
    assert plan.fields == []
    assert plan.notes[0].startswith("no variable value: no value of this 'workflow.terminate' fixture")


def test_a_user_field_map_extends_the_shipped_one(tmp_path: Path) -> None:
    extra = tmp_path / "fields.yaml"
    extra.write_text(
        "workflow.terminate:\n  reason:\n    kind: text\n    places:\n"
        "      - {at: /semantic_body/reason}\n      - {at: /request/body/reason, as: body}\n",
        encoding="utf-8",
    )
    merged = load_field_map(extra)
    assert [spec.name for spec in merged.fields_for("workflow.terminate")] == ["reason"]
    assert merged.fields_for("workflow.update")
    extra.write_text("workflow.terminate:\n  reason:\n    kind: nonsense\n", encoding="utf-8")
    with pytest.raises(InputError) as raised:
        load_field_map(extra)
    assert "/workflow.terminate/reason/kind" in str(raised.value)


@QUIET
@given(st.data())
def test_values_survive_every_rendering(data: st.DataObject) -> None:
    plan = plan_seed(load_fixture(CORPUS / "workflow-start-parity.json"), FIELD_MAP)
    values = {
        "memo": data.draw(st.dictionaries(texts(max_size=4), st.integers() | texts(), max_size=3)),
        "search_attributes": data.draw(
            st.dictionaries(st.sampled_from(["A", "B"]), texts(max_size=6), min_size=1)
        ),
        "execution_timeout_seconds": data.draw(st.integers(1, 2**31 - 1)),
    }
    variant = build_variant(plan, values)
    for variable in plan.fields:
        if variable.spec.name in values:
            for place in variable.places:
                if place.projection not in variant.dropped:
                    assert read_place(variant.fixture.data, place) == values[variable.spec.name]
