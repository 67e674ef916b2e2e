"""The upstream assertions are the floor: no fixture-and-client row where the clients' own tests assert more.

Runs ``tools/upstream_floor.py`` on the snapshots in ``../shared/upstream``
(skips, saying so, where they are absent) and checks ``docs/upstream-floor.md``
against its output cell by cell.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from conformance.response.facts_map import FactsMap
from support.harness_run import ROOT
from support.real_clients import shared_upstream

sys.path.insert(0, str(ROOT / "tools"))
import upstream_floor


@pytest.fixture(scope="module")
def upstream() -> Path:
    found = shared_upstream()
    if found is None:
        pytest.skip(
            "no upstream snapshots: ../shared/upstream is absent "
            "and $DW_CONFORMANCE_SHARED_UPSTREAM is not set"
        )
    return found


def test_every_fixture_and_client_has_a_row_and_upstream_never_asserts_more(upstream: Path) -> None:
    rows = upstream_floor.floor_rows(upstream)
    corpus = sorted((upstream / "cli" / "tests" / "fixtures" / "control-plane").glob("*-parity.json"))
    assert len(rows) == 2 * len(corpus) and len(corpus) >= 60
    assert sum(len(row.upstream) for row in rows) > 500  # the reader found the upstream assertions
    more = [(row.fixture, row.client, row.upstream_only) for row in rows if row.upstream_only]
    assert more == [], f"upstream asserts more than the harness: {more}"


def test_the_floor_table_in_the_docs_is_the_scripts_output(upstream: Path) -> None:
    table = upstream_floor.render(upstream_floor.floor_rows(upstream))
    assert upstream_floor.documented() == table, (
        "docs/upstream-floor.md is stale: run tools/upstream_floor.py --write"
    )


def test_the_reader_finds_what_the_sdk_test_of_workflow_list_asserts(upstream: Path) -> None:
    """The two facts of issue 21's faults are read from the SDK's own test, and the harness asserts both."""
    rows = {(row.fixture, row.client): row for row in upstream_floor.floor_rows(upstream)}
    row = rows[("workflow-list-parity.json", "sdk")]
    assert {"query/page_size", "semantic_body/workflow_ids"} <= row.upstream
    assert {"query/page_size", "semantic_body/workflow_ids"} <= row.harness


def test_a_harness_that_asserts_less_shows_a_row(upstream: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without the surfaced-facts map, rows where upstream asserts more appear (the check can fail)."""
    monkeypatch.setattr(upstream_floor, "default_facts_map", FactsMap)
    rows = upstream_floor.floor_rows(upstream)
    assert any("semantic_body/workflow_ids" in row.upstream_only for row in rows)
