"""The "start here" page's steps, followed literally from an empty directory.

The commands are read from the generated ``md/start-here.md`` (its fenced
blocks), not restated here, so the page cannot drift from what works. Each
one runs in a fresh directory with the installed console script; the last
step's handbook must show the new adapter's column with every operation
judged and passing. (How long this takes is measured outside the unit tests.)
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from test_handbook import elements, handbook

from conformance.fixture import shipped_corpus_dir
from support import real_clients

CONSOLE_SCRIPT = Path(sys.executable).parent / "dw-conformance"
FENCE = re.compile(r"^```\n(dw-conformance [^\n]+)\n```$", re.MULTILINE)


def corpus() -> Path:
    upstream = real_clients.shared_upstream()
    candidate = upstream / "cli" / "tests" / "fixtures" / "control-plane" if upstream else None
    return candidate if candidate is not None and candidate.is_dir() else shipped_corpus_dir()


def test_start_here_steps_lead_to_a_judged_run(tmp_path: Path) -> None:
    if shutil.which("node") is None:
        pytest.skip("node is not installed (the steps use the Node.js starter)")
    fixtures = corpus()
    built = handbook(tmp_path / "reference", "--fixtures", str(fixtures))
    assert built.returncode == 0, built.stderr
    page = (tmp_path / "reference" / "md" / "start-here.md").read_text(encoding="utf-8")
    commands = FENCE.findall(page)
    assert [shlex.split(command)[1] for command in commands] == ["init-adapter", "run", "handbook"]
    work = tmp_path / "empty"
    work.mkdir()
    for command in commands:
        argv = [str(CONSOLE_SCRIPT), *shlex.split(command)[1:]]
        completed = subprocess.run(argv, cwd=work, capture_output=True, text=True, timeout=900, check=False)
        assert completed.returncode == 0, (command, completed.stdout[-2000:], completed.stderr[-2000:])
    index = elements(work / "handbook" / "index.html")
    cells = [attrs for attrs in index.with_class("cell") if attrs.get("data-adapter") == "my-node-client"]
    assert len(cells) == len(list(fixtures.glob("*.json")))
    assert {cell["data-status"] for cell in cells} == {"pass"}
