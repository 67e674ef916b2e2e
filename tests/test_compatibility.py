"""The version matrix: several instances of one adapter, per operation, in every report format."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from conformance.compatibility import compatibility, since_text, version_key
from conformance.reporting import write_reports
from conformance.reporting.console import closing_sections
from conformance.result import validate_result
from support.harness_run import run_command
from support.real_clients import upstream_corpus
from support.results import ResultBuilder

SDK = {"name": "durable-workflow", "installed": "venv"}


def _three_versions() -> ResultBuilder:
    builder = ResultBuilder()
    # run order differs from version order on purpose
    for label, version in (("head", "2.13.0rc1"), ("old", "2.9.0"), ("new", "2.12.0")):
        builder.implementation(
            f"python-sdk@{label}",
            projection="sdk_python",
            target="official_sdk",
            identity={**SDK, "version": version},
        )
    builder.case("workflow-start-parity.json", "python-sdk@old", "fail")
    builder.case("workflow-start-parity.json", "python-sdk@new")
    builder.case("workflow-start-parity.json", "python-sdk@head")
    for label in ("old", "new", "head"):
        builder.case("workflow-signal-parity.json", f"python-sdk@{label}")
    builder.case("workflow-query-parity.json", "python-sdk@old")
    builder.case("workflow-query-parity.json", "python-sdk@new")
    builder.case("workflow-query-parity.json", "python-sdk@head", "error")
    builder.case("workflow-cancel-parity.json", "cli")
    return builder


def test_version_order_reads_releases_and_pre_releases() -> None:
    versions = ["2.12.0", "2.0.0-rc.35", "2.9.1", "2.0.0rc1", "2.0.0", "2.13.0.dev2"]
    ordered = sorted(versions, key=lambda v: version_key(v) or ((), 0, 0))
    assert ordered == ["2.0.0rc1", "2.0.0-rc.35", "2.0.0", "2.9.1", "2.12.0", "2.13.0.dev2"]
    assert version_key("unknown") is None


def test_the_matrix_orders_versions_and_says_since_when() -> None:
    document = _three_versions().build()
    assert validate_result(document) == []
    [entry] = document["compatibility"]  # cli has one instance: no matrix for it
    assert entry["adapter"] == "python-sdk"
    assert [(i["label"], i["version"]) for i in entry["instances"]] == [
        ("old", "2.9.0"),
        ("new", "2.12.0"),
        ("head", "2.13.0rc1"),
    ]
    rows = {row["operation"]: row for row in entry["operations"]}
    start = rows["workflow.start"]
    assert start["statuses"] == {
        "python-sdk@old": "fail",
        "python-sdk@new": "pass",
        "python-sdk@head": "pass",
    }
    assert start["conforming"] == ["python-sdk@new", "python-sdk@head"] and start["since"] == "python-sdk@new"
    assert since_text(entry, start) == "since python-sdk@new (2.12.0)"
    assert since_text(entry, rows["workflow.signal"]) == "all versions"
    assert rows["workflow.query"]["since"] is None
    assert since_text(entry, rows["workflow.query"]) == "not in the newest (python-sdk@head)"


def test_a_tampered_matrix_is_caught() -> None:
    document = _three_versions().build()
    document["compatibility"][0]["operations"][0]["since"] = "python-sdk@old"
    assert "/compatibility: does not follow from /cases and /implementations" in validate_result(document)


def test_no_matrix_without_two_instances() -> None:
    builder = ResultBuilder()
    builder.case("workflow-start-parity.json", "python-sdk")
    builder.case("workflow-start-parity.json", "cli")
    document = builder.build()
    assert "compatibility" not in document
    assert compatibility(document["cases"], document["implementations"]) == []


def test_every_report_format_shows_the_matrix(tmp_path: Path) -> None:
    document = _three_versions().build()
    paths = write_reports(document, tmp_path)
    markdown = paths["markdown"].read_text(encoding="utf-8")
    assert "### Version matrix: python-sdk" in markdown
    assert (
        "| <code>workflow.start</code> | ❌ fail | ✅ pass | ✅ pass | since python-sdk&#64;new (2.12.0) |"
        in markdown
    )
    html = paths["html"].read_text(encoding="utf-8")
    assert '<section id="compatibility">' in html and 'data-operation="workflow.start"' in html
    assert "since python-sdk@new (2.12.0)" in html
    console = closing_sections(document)
    assert "version matrix of python-sdk (oldest first):" in console
    assert "1 of 3 operations conform in every version" in console
    suite = ET.parse(paths["junit"]).getroot().find("testsuite[@name='python-sdk@old']")
    assert suite is not None
    properties = {prop.get("name"): prop.get("value") for prop in suite.iter("property")}
    assert properties["compatibility.workflow.start"] == "fail; since python-sdk@new (2.12.0)"
    assert properties["client.version"]


def test_two_real_sdk_builds_give_the_matrix_in_every_format(
    tmp_path: Path, sdk_pypi_python: Path, sdk_head_python: Path
) -> None:
    corpus = upstream_corpus()
    done = run_command(
        tmp_path / "reports",
        "--fixtures",
        str(corpus),
        "--adapter",
        f"python-sdk@pypi={sdk_pypi_python}",
        "--adapter",
        f"python-sdk@head={sdk_head_python}",
        "-k",
        "workflow-start,workflow-signal,workflow-query,query-task-complete,workflow-cancel",
        "--jobs",
        "2",
        timeout=900,
    )
    document = done.document
    assert document is not None, done.stderr
    versions = {impl["adapter"]: impl["identity"]["version"] for impl in document["implementations"]}
    [entry] = document["compatibility"]
    assert entry["adapter"] == "python-sdk"
    assert {(i["adapter"], i["version"]) for i in entry["instances"]} == set(versions.items())
    operations = {row["operation"] for row in entry["operations"]}
    assert {"workflow.start", "workflow.signal", "workflow.query", "workflow.cancel"} <= operations
    for row in entry["operations"]:  # both builds pass these in docs/real-client-verdicts.md
        assert row["statuses"] == {"python-sdk@pypi": "pass", "python-sdk@head": "pass"}, row
    newest = entry["instances"][-1]
    assert newest["version"] == max(versions.values(), key=lambda v: version_key(v) or ((), 0, 0))
    assert "version matrix of python-sdk (oldest first):" in done.stdout
    summary = (done.report_dir / "summary.md").read_text(encoding="utf-8")
    assert "### Version matrix: python-sdk" in summary and versions["python-sdk@head"] in summary
    html = (done.report_dir / "index.html").read_text(encoding="utf-8")
    assert '<section id="compatibility">' in html and versions["python-sdk@pypi"] in html
    assert validate_result(document) == []


@pytest.mark.parametrize("missing", ["—", "skipped"])
def test_an_operation_no_version_ran_says_not_run(missing: str) -> None:
    entry = {"instances": [{"adapter": "a@1", "version": "1"}, {"adapter": "a@2", "version": "2"}]}
    assert since_text(entry, {"statuses": {"a@1": missing, "a@2": "skipped"}, "since": None}) == "not run"


def test_a_provisional_scenario_failure_leaves_the_matrix_and_the_document_stays_valid() -> None:
    """Scenarios are provisional: they take no part in the matrix, and such a document validates."""
    builder = _three_versions()
    builder.case(
        "rate-limited-429.scenario.yaml", "python-sdk@new", "fail", category="scenario_provisional",
        operation="workflow.query",
    )
    document = builder.build()
    assert validate_result(document) == []
    [entry] = document["compatibility"]
    rows = {row["operation"]: row for row in entry["operations"]}
    assert "rate-limited-429.scenario.yaml" not in rows["workflow.query"]["fixtures"]
    assert rows["workflow.query"]["statuses"]["python-sdk@new"] == "pass"


def test_a_document_of_the_earlier_provisional_wording_stays_valid() -> None:
    builder = ResultBuilder()
    builder.case("rate-limited-429.scenario.yaml", "python-sdk", "fail", category="scenario_provisional")
    builder.case("workflow-query-parity.json", "python-sdk")
    document = builder.build()
    explanation = document["conformance"]["explanation"]
    assert document["conformance"]["level"] == "provisional"
    assert explanation.startswith("Only cases of provisional categories (such as scenarios) failed")
    earlier = explanation.replace(
        "Only cases of provisional categories (such as scenarios) failed",
        "Only fixtures of provisional categories failed",
    )
    document["conformance"]["explanation"] = earlier  # as a release before scenarios wrote it
    assert validate_result(document) == []
    document["conformance"]["explanation"] = "Something else."
    assert validate_result(document) == [
        f"/conformance/explanation: says 'Something else.', expected {explanation!r}"
    ]
