"""A new-language client with no projection of its own runs the corpus unmodified (issue 12, item 3).

The client double (``support/canonical_exec_client.py``) knows only the
``canonical_request`` the exec protocol hands it. It runs through the real
harness (a subprocess), the real proxy and real sockets.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from conformance.fixture import shipped_corpus_dir
from support.harness_run import ROOT, Completed, run_command
from support.real_clients import upstream_corpus

CLIENT = ROOT / "tests" / "support" / "canonical_exec_client.py"
SEED = ("workflow-start-parity.json", "storage-test-parity.json", "namespace-set-storage-driver-parity.json")


def manifest(tmp_path: Path, projection: str = "sdk_zig") -> Path:
    path = tmp_path / "client" / "adapter.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        "adapter_protocol: 1\n"
        "name: zig-client\n"
        f"projection: {projection}\n"
        "target: official_sdk\n"
        f"command: [{json.dumps(sys.executable)}, {json.dumps(str(CLIENT))}]\n"
        "client:\n  name: zig-client\n  version: '0.0.1'\n",
        encoding="utf-8",
    )
    return path


def select(names: tuple[str, ...]) -> str:
    return ",".join(names)


def run_upstream(tmp_path: Path, selection: str, **env: str) -> Completed:
    """The canonical-only client on the upstream corpus (skips without ../shared), fixtures ``selection``."""
    corpus = upstream_corpus()
    adapter = f"exec={manifest(tmp_path)}"
    return run_command(
        tmp_path / "reports", "--adapter", adapter, "--fixtures", str(corpus), "-k", selection, **env
    )


def test_a_client_without_projections_passes_the_upstream_seed_fixtures(tmp_path: Path) -> None:
    done = run_upstream(tmp_path, select(SEED))
    assert done.code == 0, done.stdout + done.stderr
    cases = done.cases()
    assert sorted(cases) == sorted(f"{name}::zig-client" for name in SEED)
    for case in cases.values():
        assert case["status"] == "pass", case["rendered"]
        # judged against the canonical body, not skipped and not "body not asserted"
        source = case["expected"]["body"]["source"]
        assert source == "request.body" or source.startswith("canonical: "), case["expected"]["body"]
        assert not any(entry.startswith("body") for entry in case["not_asserted"])
    # the level is earned by the judged cases
    assert done.document is not None and done.document["conformance"]["level"] == "full"


def test_one_integer_sent_as_a_string_fails_with_the_pointer_on_the_console(tmp_path: Path) -> None:
    done = run_upstream(tmp_path, "workflow-start-parity.json", CANONICAL_CLIENT_DEFECT="int-as-string")
    assert done.code == 1, done.stdout + done.stderr
    case = done.cases()["workflow-start-parity.json::zig-client"]
    assert case["status"] == "fail"
    assert [d["pointer"] for d in case["differences"]] == ["/body/input/0/order_id"]
    # the console says why, right under the case line, with expected and sent values
    lines = done.stdout.splitlines()
    where = next(i for i, line in enumerate(lines) if "FAIL" in line and "workflow-start-parity.json" in line)
    assert lines[where + 1].strip().startswith('/body/input/0/order_id: type_changed: expected 42, sent "42"')


def test_the_whole_shipped_corpus_runs_for_a_client_without_projections(tmp_path: Path) -> None:
    done = run_command(tmp_path / "reports", "--adapter", f"exec={manifest(tmp_path)}")
    assert done.code == 0, done.stdout + done.stderr
    cases = done.cases()
    names = sorted(path.name for path in shipped_corpus_dir().glob("*.json"))
    assert sorted(cases) == [f"{name}::zig-client" for name in names]
    assert {case["status"] for case in cases.values()} == {"pass"}


def test_an_overlay_projection_is_what_the_client_is_held_to(tmp_path: Path) -> None:
    """A projection from an overlay directory replaces the canonical fallback for that fixture."""
    overlay = tmp_path / "overlay"
    overlay.mkdir()
    # The overlay pins a body the canonical-only client does not send: the case must fail on it.
    (overlay / "workflow-cancel-parity.json").write_text(
        json.dumps({"sdk_zig": {"expected_body": {"extra_knob": True}, "body_match": "subset"}}),
        encoding="utf-8",
    )
    done = run_command(
        tmp_path / "reports",
        "--adapter",
        f"exec={manifest(tmp_path)}",
        "--overlay",
        str(overlay),
        "-k",
        "storage-test,workflow-cancel",
    )
    cases = done.cases()
    cancel = cases["workflow-cancel-parity.json::zig-client"]
    assert cancel["expected"]["body"]["source"] == "sdk_zig.expected_body"
    assert cancel["status"] == "fail"
    assert [d["pointer"] for d in cancel["differences"]] == ["/body/extra_knob"]
    assert cases["storage-test-parity.json::zig-client"]["status"] == "pass"
    assert done.document is not None and done.document["run"]["overlay_dirs"] == [str(overlay)]


@pytest.mark.parametrize(
    ("name", "content", "pointer", "expected"),
    [
        ("storage-test-parity.json", {"request": {"method": "GET"}}, "/request", "a projection key"),
        ("storage-test-parity.json", {"sdk_zig": [1, 2]}, "/sdk_zig", "a projection object"),
        ("storage-test-parity.json", {"cli": {"argv": {}}}, "/cli", "does not already have"),
        ("no-such-operation-parity.json", {"sdk_zig": {}}, "", "a fixture of the same name"),
    ],
)
def test_a_bad_overlay_is_an_input_problem_and_the_run_goes_on(
    tmp_path: Path, name: str, content: object, pointer: str, expected: str
) -> None:
    overlay = tmp_path / "overlay"
    overlay.mkdir()
    (overlay / name).write_text(json.dumps(content), encoding="utf-8")
    done = run_command(
        tmp_path / "reports", "--adapter", "canonical", "--overlay", str(overlay), "-k", "storage-test"
    )
    assert done.code == 1, done.stdout + done.stderr  # an input problem fails the run, which still goes on
    document = done.document
    assert document is not None
    assert document["conformance"]["level"] == "incomplete"
    (problem,) = document["input_problems"]
    assert problem.startswith(f"{overlay / name}: {pointer}".rstrip()) and expected in problem
    assert [case["status"] for case in document["cases"]] == ["pass"]


def test_a_missing_overlay_directory_is_a_usage_error(tmp_path: Path) -> None:
    done = run_command(tmp_path / "reports", "--adapter", "canonical", "--overlay", str(tmp_path / "nope"))
    assert done.code == 2
    assert "expected a readable overlay directory" in done.stderr
