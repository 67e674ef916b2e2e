"""The conformance level: full / partial / provisional / nonconforming, and who decides it."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from conformance.result import conformance_level, exit_code_for, validate_result
from support.results import ResultBuilder


def _level(builder: ResultBuilder) -> dict[str, Any]:
    document = builder.build()
    assert validate_result(document) == []
    conformance: dict[str, Any] = document["conformance"]
    return conformance


def test_full_when_every_claimed_target_passes() -> None:
    builder = ResultBuilder()
    for adapter in ("cli", "python-sdk"):
        builder.case("workflow-start-parity.json", adapter)
        builder.case("workflow-cancel-parity.json", adapter, "skipped")  # skips do not count
    level = _level(builder)
    assert level["level"] == "full"
    assert level["targets"] == {"cli_json_client": "pass", "official_sdk": "pass"}


def test_partial_when_one_target_passes_and_another_fails() -> None:
    builder = ResultBuilder()
    builder.case("workflow-start-parity.json", "cli")
    builder.case("workflow-start-parity.json", "python-sdk", "fail")
    level = _level(builder)
    assert level["level"] == "partial"
    assert level["targets"] == {"cli_json_client": "pass", "official_sdk": "fail"}
    assert "cli_json_client" in level["explanation"] and "official_sdk" in level["explanation"]


def test_error_counts_as_not_passing() -> None:
    builder = ResultBuilder()
    builder.case("workflow-start-parity.json", "python-sdk", "error")
    builder.case("workflow-signal-parity.json", "python-sdk", "pass")
    assert _level(builder)["level"] == "nonconforming"


def test_nonconforming_when_no_claimed_target_passes() -> None:
    builder = ResultBuilder()
    builder.case("workflow-start-parity.json", "cli", "fail")
    builder.case("workflow-signal-parity.json", "python-sdk", "error")
    builder.case("workflow-start-parity.json", "python-sdk", "pass")
    level = _level(builder)
    assert level["level"] == "nonconforming"
    assert level["targets"] == {"cli_json_client": "fail", "official_sdk": "fail"}


def test_provisional_when_only_provisional_categories_failed() -> None:
    builder = ResultBuilder()
    builder.categories = {"control_plane_request_response": "stable", "worker_plane_preview": "provisional"}
    builder.case("workflow-start-parity.json", "cli")
    builder.case("worker-poll-parity.json", "cli", "fail", category="worker_plane_preview")
    builder.case("workflow-start-parity.json", "python-sdk")
    builder.case("worker-poll-parity.json", "python-sdk", "error", category="worker_plane_preview")
    level = _level(builder)
    assert level["level"] == "provisional"
    assert level["targets"] == {"cli_json_client": "fail", "official_sdk": "fail"}


def test_a_target_failing_only_provisional_fixtures_still_passes_what_is_required() -> None:
    builder = ResultBuilder()
    builder.categories = {"preview": "provisional"}
    builder.case("workflow-start-parity.json", "cli")
    builder.case("worker-poll-parity.json", "cli", "fail", category="preview")
    builder.case("workflow-start-parity.json", "python-sdk", "fail")
    assert _level(builder)["level"] == "partial"


def test_an_unknown_category_counts_as_required() -> None:
    builder = ResultBuilder()
    builder.case("workflow-start-parity.json", "cli", "fail", category="something_new")
    assert _level(builder)["level"] == "nonconforming"


def test_self_checks_are_left_out_when_a_real_client_ran() -> None:
    builder = ResultBuilder()
    builder.case("workflow-start-parity.json", "canonical", "fail")  # a broken corpus replay...
    builder.case("workflow-start-parity.json", "cli")  # ...does not decide once a real client ran
    level = _level(builder)
    assert level["level"] == "full"
    assert "canonical_replay" not in level["targets"]


def test_self_checks_decide_when_no_real_client_ran() -> None:
    passing = ResultBuilder()
    passing.case("workflow-start-parity.json", "canonical")
    passing.case("workflow-start-parity.json", "cli", "skipped")
    level = _level(passing)
    assert level["level"] == "full"
    assert level["targets"] == {"canonical_replay": "pass", "cli_json_client": "not_run"}
    assert "self-check" in level["explanation"]

    failing = ResultBuilder()
    failing.case("workflow-start-parity.json", "canonical", "fail")
    failing.implementation("python-sdk", available=False, reason="durable-workflow is not installed")
    document = failing.build()
    assert document["conformance"]["level"] == "nonconforming"
    assert exit_code_for(document) == 1


def test_nothing_ran_is_nonconforming() -> None:
    builder = ResultBuilder()
    builder.case("workflow-start-parity.json", "cli", "skipped")
    builder.case("workflow-start-parity.json", "canonical", "skipped")
    level = _level(builder)
    assert level["level"] == "nonconforming"
    assert "Nothing ran" in level["explanation"]

    empty = ResultBuilder()
    assert _level(empty)["level"] == "nonconforming"


def test_a_target_that_did_not_run_is_listed_and_does_not_block_full() -> None:
    builder = ResultBuilder()
    builder.case("workflow-start-parity.json", "python-sdk")
    builder.implementation("cli", available=False, reason="no dw on PATH")
    level = _level(builder)
    assert level["level"] == "full"
    assert level["targets"] == {"official_sdk": "pass", "cli_json_client": "not_run"}
    assert "not run: cli_json_client" in level["explanation"]


def test_adapters_sharing_a_target_must_all_pass() -> None:
    builder = ResultBuilder()
    builder.implementation("rust-a", target="official_sdk", projection="sdk_rust")
    builder.implementation("rust-b", target="official_sdk", projection="sdk_rust")
    builder.case("workflow-start-parity.json", "rust-a")
    builder.case("workflow-start-parity.json", "rust-b", "fail")
    builder.case("workflow-start-parity.json", "cli")
    level = _level(builder)
    assert level["targets"]["official_sdk"] == "fail"
    assert level["level"] == "partial"


def test_an_interrupted_run_says_so() -> None:
    builder = ResultBuilder(complete=False, interrupted=True)
    builder.case("workflow-start-parity.json", "cli")
    level = _level(builder)
    assert level["level"] == "incomplete"
    assert "interrupted" in level["explanation"] and "would give 'full'" in level["explanation"]


def test_a_case_cut_short_blames_no_client() -> None:
    """An interrupted case is no verdict: the level says incomplete, not nonconforming."""
    builder = ResultBuilder(complete=False, interrupted=True)
    builder.case("workflow-start-parity.json", "cli")
    builder.case("workflow-signal-parity.json", "cli", "interrupted", reason="the run was interrupted")
    document = builder.build()
    level = document["conformance"]
    assert level["level"] == "incomplete" and exit_code_for(document) == 0
    assert level["targets"] == {"cli_json_client": "pass"}
    assert "1 case cut short (workflow-signal-parity.json::cli)" in level["explanation"]
    assert document["summary"]["interrupted"] == 1 and document["summary"]["error"] == 0
    assert document["summary"]["by_adapter"]["cli"]["interrupted"] == 1


def test_an_incomplete_run_with_a_failure_does_not_claim_a_level_either() -> None:
    builder = ResultBuilder(complete=False, interrupted=True)
    builder.case("workflow-start-parity.json", "cli", "fail")
    level = _level(builder)
    assert level["level"] == "incomplete" and "would give 'nonconforming'" in level["explanation"]


_STATUSES = st.sampled_from(["pass", "fail", "error", "skipped"])
_ADAPTERS = st.sampled_from(["canonical", "cli", "python-sdk"])


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(_ADAPTERS, _STATUSES), max_size=12))
def test_exit_code_is_one_exactly_when_no_deciding_target_passes(cases: list[tuple[str, str]]) -> None:
    """Property: with every case required, the run fails iff no deciding target is clean."""
    records = [
        {"adapter": adapter, "status": status, "target": "", "category": "control_plane_request_response"}
        for adapter, status in cases
    ]
    implementations = [
        {"adapter": "canonical", "target": "canonical_replay", "self_check": True},
        {"adapter": "cli", "target": "cli_json_client", "self_check": False},
        {"adapter": "python-sdk", "target": "official_sdk", "self_check": False},
    ]
    level = conformance_level(records, implementations).level
    ran = {adapter for adapter, status in cases if status != "skipped"}
    deciding = (ran - {"canonical"}) or ran
    clean = [a for a in deciding if all(s == "pass" for b, s in cases if b == a and s != "skipped")]
    assert (level == "nonconforming") == (not clean)
    assert (level == "full") == (bool(deciding) and len(clean) == len(deciding))


def test_full_with_a_skipped_case_never_says_every_case_passed() -> None:
    """A skipped case was not exercised: a ``full`` level says what ran passed, and counts the skip."""
    builder = ResultBuilder()
    builder.case("workflow-start-parity.json", "python-sdk")
    builder.case("rate-limited-429.scenario.yaml", "python-sdk", "skipped", reason="waived by policy")
    document = builder.build()
    explanation = document["conformance"]["explanation"]
    assert document["conformance"]["level"] == "full"
    assert explanation.startswith("Every case that ran passed for ")
    assert "1 case skipped (not exercised" in explanation
    assert validate_result(document) == []
    # a document written before said "Every case passed for": still valid, and only that older wording
    earlier = dict(
        document,
        conformance={
            **document["conformance"],
            "explanation": "Every case passed for "
            + explanation.removeprefix("Every case that ran passed for ").split("; 1 case skipped")[0]
            + ".",
        },
    )
    assert validate_result(earlier) == []
    wrong = dict(document, conformance={**document["conformance"], "explanation": "Every case passed."})
    assert validate_result(wrong) != []


def test_full_without_skips_keeps_its_wording() -> None:
    builder = ResultBuilder()
    builder.case("workflow-start-parity.json", "python-sdk")
    assert builder.build()["conformance"]["explanation"].startswith("Every case passed for ")
