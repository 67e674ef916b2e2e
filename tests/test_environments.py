"""The run's Python environments: pip check per interpreter, recorded and warned about in every report."""

from __future__ import annotations

import sys
import xml.etree.ElementTree as ET
from pathlib import Path

from conformance.environments import EnvironmentChecks, pip_check, planned_environments
from conformance.reporting import write_reports
from conformance.reporting.common import environment_warnings
from conformance.reporting.console import closing_sections
from conformance.result import validate_result
from support.results import ResultBuilder

CONFLICT = "httpcore 1.0.9 has requirement h11>=0.16, but you have h11 0.14.0."


def _fake_python(tmp_path: Path, name: str, output: str, code: int) -> Path:
    """An "interpreter" answering ``-m pip check`` with ``output`` and exit ``code``."""
    script = tmp_path / name
    script.write_text(f"#!/bin/sh\nprintf '%s\\n' '{output}'\nexit {code}\n", encoding="utf-8")
    script.chmod(0o755)
    return script


def test_pip_check_reads_clean_conflicts_and_unavailable(tmp_path: Path) -> None:
    assert pip_check(str(_fake_python(tmp_path, "clean", "No broken requirements found.", 0))) == (
        "clean",
        (),
    )
    status, problems = pip_check(str(_fake_python(tmp_path, "broken", CONFLICT, 1)))
    assert (status, problems) == ("conflicts", (CONFLICT,))
    status, problems = pip_check(str(tmp_path / "no-such-python"))
    assert status == "unavailable" and problems
    status, problems = pip_check(str(_fake_python(tmp_path, "nopip", "No module named pip", 1)))
    assert (status, problems) == ("unavailable", ("No module named pip",))


def test_the_harness_and_each_python_client_are_checked_once_per_interpreter(tmp_path: Path) -> None:
    own = _fake_python(tmp_path, "sdk-python", CONFLICT, 1)
    planned = planned_environments([("python-sdk", str(own)), ("python-sdk@inside", None)])
    assert planned == [
        ("harness", sys.executable, True),
        ("python-sdk", str(own), False),
        ("python-sdk@inside", sys.executable, True),
    ]
    checks = EnvironmentChecks(planned)
    found = {environment.role: environment for environment in checks.results()}
    assert found["python-sdk"].pip_check == "conflicts" and not found["python-sdk"].shared_with_harness
    assert found["python-sdk@inside"].shared_with_harness  # the SDK imported into the harness
    assert not found["harness"].shared_with_harness
    assert found["harness"].pip_check == found["python-sdk@inside"].pip_check  # one check, one interpreter


def test_every_report_warns_on_conflicts_and_on_a_shared_environment(tmp_path: Path) -> None:
    environments = [
        {
            "role": "harness",
            "python": "/venv/h/bin/python",
            "shared_with_harness": False,
            "pip_check": "clean",
            "problems": [],
        },
        {
            "role": "python-sdk",
            "python": "/venv/h/bin/python",
            "shared_with_harness": True,
            "pip_check": "conflicts",
            "problems": [CONFLICT],
        },
    ]
    builder = ResultBuilder(environments=environments)
    builder.case("workflow-signal-parity.json", "python-sdk")
    document = builder.build()
    assert validate_result(document) == []
    warnings = environment_warnings(document)
    assert len(warnings) == 2
    assert warnings[0].startswith("python-sdk ran inside the harness's own environment (/venv/h/bin/python)")
    assert (
        warnings[1]
        == f"pip check found conflicts in the python-sdk environment (/venv/h/bin/python): {CONFLICT}"
    )
    paths = write_reports(document, tmp_path)
    assert f"  WARNING: {warnings[1]}" in closing_sections(document)
    markdown = paths["markdown"].read_text(encoding="utf-8")
    assert "> ⚠️ pip check found conflicts in the python-sdk environment" in markdown
    properties = [
        p.get("value")
        for p in ET.parse(paths["junit"]).iter("property")
        if p.get("name") == "environment.warning"
    ]
    assert properties == warnings
    page = paths["html"].read_text(encoding="utf-8")
    assert 'id="environment-warnings"' in page and "h11&gt;=0.16" in page


def test_a_run_records_the_environments(tmp_path: Path) -> None:
    from support.harness_run import run_command

    done = run_command(tmp_path / "reports", "--adapter", "canonical", "-k", "workflow-signal")
    assert done.code == 0, done.stderr
    assert done.document is not None
    (harness,) = done.document["run"]["environments"]  # no Python client: the harness alone
    assert harness["role"] == "harness"
    assert Path(harness["python"]).parent == Path(sys.executable).parent  # python or python3 of this venv
    assert harness["pip_check"] in ("clean", "conflicts")
    assert "environments:" in done.stdout and f"harness: {harness['python']}" in done.stdout
