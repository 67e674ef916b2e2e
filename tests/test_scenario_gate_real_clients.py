"""The gate goes red on faults planted in copies of the real clients, and stays green on the real ones.

Each fault is planted at test time in a scratch copy of a real client from
``../shared/upstream`` (the snapshots are never touched):

- ``dw`` whose error handler exits 0 after printing its error envelope;
- ``dw`` whose ``schedule:history --all`` stops after the first page;
- the SDK (HEAD) whose transport retry policy retries every 4xx;
- the SDK (HEAD) whose ``iter_schedule_history`` stops after the first page.

Each client runs alone through ``dw-conformance run`` on the upstream corpus
with the shipped scenarios (``-k scenario``), as a client repository's gate
runs it. The unmutated ``dw`` needs one known failure (``non-json-body``,
``docs/real-client-verdicts.md``); with that file it exits 0, and the same
file does not excuse a planted fault: the run exits 1 and the level's
explanation names the required scenarios that failed. The unmutated SDK
exits 0 with no file: its only scenario failures are provisional.

Skipped with the reason when ``../shared`` or PHP is absent (failing instead
in CI, :mod:`support.real_clients`).
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from support.harness_run import Completed, run_command
from support.real_clients import real_dw, upstream_corpus, upstream_sdk, writable_copy

#: What the current real dw needs to keep its gate green on the shipped scenarios
#: (docs/real-client-verdicts.md).
DW_KNOWN_FAILURES = """\
known_failures:
  - case: non-json-body.scenario.yaml::cli
    reason: dw --json exits 0 and prints an empty history for a 200 HTML page (it must report an error)
    pointers: [/outcome]
"""

#: The cases a fault must break (the case id's scenario, and the pointers each fails at).
ERROR_SCENARIOS_4XX = (
    "unauthorized-401.scenario.yaml",
    "forbidden-403.scenario.yaml",
    "workflow-not-found-404.scenario.yaml",
    "schedule-not-found-404.scenario.yaml",
    "duplicate-start-409.scenario.yaml",
    "validation-422.scenario.yaml",
)


def _patch(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{path}: the text to plant the fault at changed upstream: {old!r}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def _dw_exit_zero(checkout: Path) -> None:
    _patch(
        checkout / "src" / "Commands" / "BaseCommand.php",
        "            $output->writeln($this->encodeErrorEnvelope($e, $exitCode, $input));\n\n"
        "            return $exitCode;",
        "            $output->writeln($this->encodeErrorEnvelope($e, $exitCode, $input));\n\n"
        "            return 0;",
    )


def _dw_first_page_only(checkout: Path) -> None:
    _patch(
        checkout / "src" / "Commands" / "ScheduleCommand" / "HistoryCommand.php",
        "} while ($fetchAll && $hasMore && $cursor !== null);",
        "} while (false);",
    )


def _sdk_retries_4xx(source: Path) -> None:
    _patch(
        source / "durable_workflow" / "retry_policy.py",
        "return exc.response.status_code >= 500 or exc.response.status_code == 429",
        "return exc.response.status_code >= 400",
    )


def _sdk_first_page_only(source: Path) -> None:
    _patch(
        source / "durable_workflow" / "client.py",
        "            if not page.has_more or page.next_cursor is None:\n                return",
        "            return",
    )


def mutated_dw(root: Path, plant: Callable[[Path], None]) -> Path:
    """A runnable ``dw`` built from a scratch copy of the CLI snapshot, with ``plant`` applied to it."""
    wrapper = real_dw(root)
    plant(root / "dw-cli")
    return wrapper


def mutated_sdk(root: Path, base_python: Path, plant: Callable[[Path], None]) -> Path:
    """An interpreter whose ``durable_workflow`` is a scratch copy of the SDK HEAD with ``plant`` applied.

    A new virtualenv (no pip) whose ``.pth`` puts the copy first and the HEAD
    virtualenv's site-packages (its dependencies) after it; ``python -I``
    still reads ``.pth`` files of site-packages.
    """
    source = writable_copy(upstream_sdk() / "src", root / "sdk-src")
    plant(source)
    venv = root / "venv"
    subprocess.run([str(base_python), "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout.strip()
    dependencies = subprocess.run(
        [str(base_python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout.strip()
    Path(purelib, "planted-fault.pth").write_text(f"{source}\n{dependencies}\n", encoding="utf-8")
    where = subprocess.run(
        [str(python), "-I", "-c", "import durable_workflow; print(durable_workflow.__file__)"],
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout.strip()
    assert where.startswith(str(source)), where
    return python


def gate_run(report_dir: Path, adapter: str, *extra: str) -> Completed:
    """``dw-conformance run`` of one client on the upstream corpus's scenarios, as a gate runs it."""
    return run_command(
        report_dir,
        "--fixtures",
        str(upstream_corpus()),
        "--adapter",
        adapter,
        "-k",
        "scenario",
        *extra,
        timeout=600,
        scenarios=True,
    )


def failing(run: Completed) -> dict[str, set[str]]:
    """Counted failures: case id -> its failing pointers."""
    return {
        case_id: {difference["pointer"] for difference in case["differences"]}
        for case_id, case in run.cases().items()
        if case["status"] in ("fail", "error") and (case.get("known_failure") or {}).get("outcome") != "known"
    }


@pytest.fixture(scope="module")
def known_failures_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("known") / "dw-known-failures.yaml"
    path.write_text(DW_KNOWN_FAILURES, encoding="utf-8")
    return path


def test_the_real_dw_passes_its_gate_with_its_one_known_failure(
    tmp_path: Path, real_dw_path: Path, known_failures_file: Path
) -> None:
    bare = gate_run(tmp_path / "bare", f"cli={real_dw_path}")
    assert bare.code == 1, bare.stdout[-2000:]
    assert failing(bare) == {"non-json-body.scenario.yaml::cli": {"/outcome"}}
    document = bare.document
    assert document is not None
    assert (
        "required scenario failed: non-json-body.scenario.yaml::cli" in document["conformance"]["explanation"]
    )
    listed = gate_run(
        tmp_path / "listed", f"cli={real_dw_path}", "--known-failures", str(known_failures_file)
    )
    assert listed.code == 0, listed.stdout[-2000:]
    assert failing(listed) == {}
    assert listed.cases()["non-json-body.scenario.yaml::cli"]["known_failure"]["outcome"] == "known"


def test_the_real_sdk_passes_its_gate_its_retry_after_failures_are_provisional(
    tmp_path: Path, sdk_head_python: Path
) -> None:
    run = gate_run(tmp_path / "sdk", f"python-sdk={sdk_head_python}")
    assert run.code == 0, run.stdout[-2000:]
    assert run.document is not None and run.document["conformance"]["level"] == "provisional"
    failures = failing(run)
    assert set(failures) == {
        "rate-limited-429.scenario.yaml::python-sdk",
        "unavailable-503.scenario.yaml::python-sdk",
    }
    assert "gating failures (" not in run.stdout
    closing = run.stdout.split("failures that do not gate (", 1)[1].split("\n\n", 1)[0]
    assert "rate-limited-429.scenario.yaml::python-sdk" in closing
    assert "does not gate: provisional: the rule is to wait for Retry-After" in closing


def test_a_dw_that_exits_0_on_server_errors_fails_the_gate(tmp_path: Path, known_failures_file: Path) -> None:
    dw = mutated_dw(tmp_path / "dw", _dw_exit_zero)
    run = gate_run(tmp_path / "run", f"cli={dw}", "--known-failures", str(known_failures_file))
    assert run.code == 1, run.stdout[-2000:]
    failures = failing(run)
    for name in ERROR_SCENARIOS_4XX:
        assert failures.get(f"{name}::cli") == {"/outcome"}, failures
    document = run.document
    assert document is not None and document["conformance"]["level"] == "nonconforming"
    assert "unauthorized-401.scenario.yaml::cli" in document["conformance"]["explanation"]
    assert "gating failures (" in run.stdout and "gate: exit 1:" in run.stdout


def test_a_dw_walk_that_stops_after_page_1_fails_the_gate(tmp_path: Path, known_failures_file: Path) -> None:
    dw = mutated_dw(tmp_path / "dw", _dw_first_page_only)
    run = gate_run(tmp_path / "run", f"cli={dw}", "--known-failures", str(known_failures_file))
    assert run.code == 1, run.stdout[-2000:]
    assert failing(run) == {"schedule-history-walk.scenario.yaml::cli": {"/requests/1", "/items"}}
    document = run.document
    assert document is not None
    assert "schedule-history-walk.scenario.yaml::cli" in document["conformance"]["explanation"]


def test_an_sdk_that_retries_every_4xx_fails_the_gate(tmp_path: Path, sdk_head_python: Path) -> None:
    python = mutated_sdk(tmp_path / "sdk", sdk_head_python, _sdk_retries_4xx)
    run = gate_run(tmp_path / "run", f"python-sdk={python}")
    assert run.code == 1, run.stdout[-2000:]
    failures = failing(run)
    for name in (*ERROR_SCENARIOS_4XX, "worker-poll-unauthorized-401.scenario.yaml"):
        assert "/requests/1" in failures.get(f"{name}::python-sdk", set()), failures
    document = run.document
    assert document is not None and document["conformance"]["level"] == "nonconforming"


def test_an_sdk_walk_that_stops_after_page_1_fails_the_gate(tmp_path: Path, sdk_head_python: Path) -> None:
    python = mutated_sdk(tmp_path / "sdk", sdk_head_python, _sdk_first_page_only)
    run = gate_run(tmp_path / "run", f"python-sdk={python}")
    assert run.code == 1, run.stdout[-2000:]
    failures = failing(run)
    assert failures["schedule-history-walk.scenario.yaml::python-sdk"] == {"/requests/1", "/items"}
