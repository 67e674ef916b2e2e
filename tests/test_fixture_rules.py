"""The semantic rules of a fixture apply when a run loads it (``discover``, overlays), not only in
``validate``; the typed projection view beside the raw data."""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from conformance.avro_codec import encode_blob, make_envelope
from conformance.fixture import EnvelopeCompanion, Fixture, PayloadEnvelope
from conformance.fixture_discovery import discover
from conformance.fixture_rules import semantic_problems
from conformance.overlay import apply_overlays, load_overlays
from conformance.problems import InputError
from conformance.validate import validate_paths
from support.harness_run import run_command
from support.judging import CORPUS, minimal
from support.real_clients import shared_upstream

START = "workflow-start-parity.json"


def _contradicting_copy(tmp_path: Path) -> Path:
    """The shipped corpus with a workflow.start whose payload_envelope.decoded disagrees with its blob."""
    target = tmp_path / "control-plane"
    shutil.copytree(CORPUS, target)
    path = target / START
    document = json.loads(path.read_text(encoding="utf-8"))
    document["sdk_python"]["payload_envelope"]["decoded"][0]["order_id"] = 43
    path.write_text(json.dumps(document, indent=2), encoding="utf-8")
    return target


def test_a_self_contradicting_fixture_is_an_input_problem_and_the_rest_loads(tmp_path: Path) -> None:
    corpus = _contradicting_copy(tmp_path)
    found = discover([corpus])
    assert sorted(fixture.name for fixture in found.fixtures) == sorted(
        path.name for path in CORPUS.glob("*.json") if path.name != START
    )
    (problem,) = found.problems
    assert (Path(problem.file).name, problem.pointer) == (START, "/sdk_python/payload_envelope/decoded")
    assert problem.expected.startswith("the value the blob decodes to: ")
    assert '"order_id": 42' in problem.expected
    assert '"order_id": 43' in problem.found and "(first difference at /0/order_id)" in problem.found
    # validate says the same thing, at the same pointer (one rule).
    assert problem in validate_paths([corpus]).problems


def test_the_shipped_corpus_loads_without_a_problem() -> None:
    found = discover([CORPUS])
    assert found.problems == []
    assert len(found.fixtures) == len(list(CORPUS.glob("*.json"))) == 9


def test_the_upstream_corpus_loads_without_a_problem() -> None:
    upstream = shared_upstream()
    if upstream is None:
        pytest.skip("no ../shared/upstream: the 60-file upstream corpus is not on this machine")
    corpus = upstream / "cli" / "tests" / "fixtures" / "control-plane"
    found = discover([corpus])
    assert found.problems == []
    assert len(found.fixtures) == 60


def test_a_contradiction_between_request_body_and_a_projection_is_found_at_load(tmp_path: Path) -> None:
    data = minimal(
        request={"method": "POST", "path": "/x", "body": {"input": [1]}},
        sdk_python={"request_body": {"input": [2]}},
    )
    (tmp_path / "x-parity.json").write_text(json.dumps(data), encoding="utf-8")
    found = discover([tmp_path], check_schema=False)  # the raw loader (schema off) applies no rule
    assert len(found.fixtures) == 1
    problems = semantic_problems(found.fixtures[0])
    assert [(problem.pointer, problem.found) for problem in problems] == [
        ("/sdk_python/request_body/input", "a different value")
    ]


def test_an_overlay_that_makes_a_fixture_contradict_itself_keeps_its_cases_out(tmp_path: Path) -> None:
    overlay_dir = tmp_path / "overlay"
    overlay_dir.mkdir()
    spec = {"field": "input", "codec": "avro", "blob": encode_blob([1]), "decoded": [2]}
    (overlay_dir / START).write_text(json.dumps({"sdk_go": {"payload_envelope": spec}}), encoding="utf-8")
    found = discover([CORPUS])
    overlays, problems = load_overlays([overlay_dir])
    assert problems == []
    applied = apply_overlays(found.fixtures, overlays)
    assert START not in {fixture.name for fixture in applied.fixtures}
    assert len(applied.fixtures) == len(found.fixtures) - 1
    (problem,) = applied.problems
    assert (problem.file, problem.pointer) == (str(overlay_dir / START), "/sdk_go/payload_envelope/decoded")


def test_a_sound_overlay_still_merges(tmp_path: Path) -> None:
    overlay_dir = tmp_path / "overlay"
    overlay_dir.mkdir()
    (overlay_dir / START).write_text(json.dumps({"sdk_go": {"call": "StartWorkflow"}}), encoding="utf-8")
    applied = apply_overlays(discover([CORPUS]).fixtures, load_overlays([overlay_dir])[0])
    assert applied.problems == []
    (merged,) = [fixture for fixture in applied.fixtures if fixture.name == START]
    assert merged.typed_projection("sdk_go") is not None


def test_typed_projections_resolve_payload_envelopes_and_companions() -> None:
    value: Any = [{"order_id": 42}]
    data = minimal(
        sdk_python={
            "payload_envelope": {"field": "action.input", "codec": "avro", "decoded": value},
            "request_body": {
                "input": value,
                "input_envelope": make_envelope(copy.deepcopy(value)),
                "nested": {"args": [1], "args_envelope": make_envelope([1])},
                "result_envelope": make_envelope(1),  # no plain twin: a literal key, not a companion
            },
        }
    )
    fixture = Fixture(Path("t-parity.json"), data)
    projection = fixture.typed_projection("sdk_python")
    assert projection is not None and fixture.data["sdk_python"] is projection.data
    assert projection.payload_envelope == PayloadEnvelope(
        "action.input", "avro", value, None, "/sdk_python/payload_envelope"
    )
    assert projection.payload_envelope.tokens == ("action", "input")
    assert [(item.tokens, item.pointer, item.plain_pointer) for item in projection.companions] == [
        (("input_envelope",), "/sdk_python/request_body/input_envelope", "/sdk_python/request_body/input"),
        (
            ("nested", "args_envelope"),
            "/sdk_python/request_body/nested/args_envelope",
            "/sdk_python/request_body/nested/args",
        ),
    ]
    assert all(isinstance(item, EnvelopeCompanion) and item.codec == "avro" for item in projection.companions)
    assert fixture.typed_projection("cli") is None


def test_a_malformed_payload_envelope_is_an_input_error_with_its_pointer() -> None:
    fixture = Fixture(
        Path("t-parity.json"), minimal(sdk_python={"payload_envelope": {"field": "a..b", "decoded": 1}})
    )
    with pytest.raises(InputError) as caught:
        fixture.typed_projection("sdk_python")
    assert caught.value.problems[0].pointer == "/sdk_python/payload_envelope/field"


def test_run_reports_the_contradiction_before_any_client_runs(tmp_path: Path) -> None:
    corpus = _contradicting_copy(tmp_path)
    completed = run_command(tmp_path / "reports", "--adapter", "canonical", "--fixtures", str(corpus))
    document = completed.document
    assert document is not None, completed
    assert not any(case["fixture"] == START for case in document["cases"])
    assert {case["status"] for case in document["cases"]} == {"pass"}
    assert len(document["cases"]) == 8
    (problem,) = document["input_problems"]
    assert START in problem and "/sdk_python/payload_envelope/decoded" in problem
