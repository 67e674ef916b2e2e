"""write_reports: the four files of a run, and result.json as canonical text."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

from conformance.reporting import REPORT_FILES, write_reports
from conformance.result import validate_result
from support.results import ResultBuilder, sample_document


def test_writes_all_four_reports_into_a_new_directory(tmp_path: Path) -> None:
    document = sample_document()
    report_dir = tmp_path / "nested" / "reports"
    paths = write_reports(document, report_dir)
    assert set(paths) == {"json", "junit", "markdown", "html"}
    assert {path.name for path in paths.values()} == set(REPORT_FILES.values())
    assert all(path.parent == report_dir and path.stat().st_size > 0 for path in paths.values())
    loaded = json.loads(paths["json"].read_text(encoding="utf-8"))
    assert loaded == json.loads(json.dumps(document))
    assert validate_result(loaded) == []
    ET.parse(paths["junit"])
    assert paths["markdown"].read_text(encoding="utf-8").startswith("## dw-conformance")
    assert paths["html"].read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_result_json_is_canonical_so_runs_diff_cleanly(tmp_path: Path) -> None:
    builder = ResultBuilder()
    builder.case("workflow-start-parity.json", "cli", body={"z": 1, "a": "é"})
    document = builder.build()
    path = write_reports(document, tmp_path)["json"]
    text = path.read_text(encoding="utf-8")
    assert text == json.dumps(document, sort_keys=True, indent=2, ensure_ascii=False) + "\n"
    assert '\n  "cases": [\n' in text and '"a": "é"' in text
    reordered = dict(reversed(list(document.items())))
    second = write_reports(reordered, tmp_path / "again")["json"]
    assert second.read_bytes() == path.read_bytes()


def test_text_utf8_cannot_carry_falls_back_to_ascii_escapes(tmp_path: Path) -> None:
    document = sample_document()  # its hostile client output holds a lone surrogate
    path = write_reports(document, tmp_path)["json"]
    raw = path.read_bytes()
    raw.decode("ascii")
    assert json.loads(raw) == document


def test_reports_rebuilt_from_a_saved_result_are_identical(tmp_path: Path) -> None:
    first = write_reports(sample_document(), tmp_path / "one")
    saved = json.loads(first["json"].read_text(encoding="utf-8"))
    second = write_reports(saved, tmp_path / "two")
    for kind in ("junit", "markdown", "html"):
        assert first[kind].read_bytes() == second[kind].read_bytes(), kind
