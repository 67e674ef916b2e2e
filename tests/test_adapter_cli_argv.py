"""argv building from ``cli.argv`` and environment scrubbing for client subprocesses."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conformance.adapters.child_env import (
    NAMESPACE_VARIABLE,
    SERVER_URL_VARIABLE,
    TOKEN_VARIABLE,
    client_environment,
    is_scrubbed,
    scrubbed,
)
from conformance.adapters.cli_argv import build_arguments, build_argv
from conformance.problems import InputError

FILE = "fixtures/x-parity.json"


def parsed(text: str) -> object:
    """Parse like fixtures are parsed: object order kept."""
    return json.loads(text)


def test_positionals_keep_object_order_and_options_follow_their_position() -> None:
    spec = parsed('{"workflow-id": "wf-1", "--reason": "r", "signal-name": "go", "--json": true}')
    assert build_arguments(spec, file=FILE) == ["wf-1", "--reason=r", "go", "--json"]


def test_positional_order_is_object_order_not_alphabetical() -> None:
    spec = parsed('{"zeta": "z", "alpha": "a", "mid": "m"}')
    assert build_arguments(spec, file=FILE) == ["z", "a", "m"]


def test_true_is_a_bare_flag_and_nothing_is_added() -> None:
    assert build_arguments({"--disable": True}, file=FILE) == ["--disable"]
    assert build_arguments({}, file=FILE) == []
    assert "--json" not in build_arguments({"--limit": "5"}, file=FILE)


def test_list_repeats_the_option_once_per_item_in_order() -> None:
    spec = {"--search-attr": ["CustomerId=cust-42", "Tier=gold"], "--x": []}
    assert build_arguments(spec, file=FILE) == ["--search-attr=CustomerId=cust-42", "--search-attr=Tier=gold"]


def test_list_of_positionals_gives_one_argument_per_item() -> None:
    assert build_arguments({"ids": ["a", "b"]}, file=FILE) == ["a", "b"]


@pytest.mark.parametrize(
    "value",
    [
        "customer request",
        'say "hi"',
        "it's",
        "a=b=c",
        "",
        "ünïcødé ✓ 日本",
        "$(rm -rf /) `x` ; | & > *",
        "line1\nline2",
        "--not-an-option",
    ],
)
def test_values_pass_through_verbatim_as_one_argument(value: str) -> None:
    assert build_arguments({"--reason": value}, file=FILE) == [f"--reason={value}"]
    assert build_arguments({"name": value}, file=FILE) == [value]


def test_values_reach_a_real_process_unchanged(tmp_path: Path) -> None:
    """No shell is involved: what the fixture says is what the child's argv holds."""
    spec = {"id": "wf 1", "--input": '[{"a":"b c"}]', "--note": "ünï = 'q'", "--f": True, "--m": ["x y", "z"]}
    argv = build_argv(sys.executable, "workflow:start", spec, file=FILE)
    script = "import json,sys; print(json.dumps(sys.argv[1:]))"
    completed = subprocess.run(
        [argv[0], "-c", script, *argv[1:]], capture_output=True, text=True, check=True, cwd=tmp_path
    )
    assert json.loads(completed.stdout) == [
        "workflow:start",
        "wf 1",
        '--input=[{"a":"b c"}]',
        "--note=ünï = 'q'",
        "--f",
        "--m=x y",
        "--m=z",
    ]


def test_build_argv_puts_executable_and_command_first() -> None:
    assert build_argv("/bin/dw", "schedule:history", {"schedule-id": "s"}, file=FILE) == [
        "/bin/dw",
        "schedule:history",
        "s",
    ]


@pytest.mark.parametrize(
    ("spec", "pointer", "expected"),
    [
        ({"--json": False}, "/cli/argv/--json", "a string, true, or a list of strings"),
        ({"--limit": 100}, "/cli/argv/--limit", "a string, true, or a list of strings"),
        ({"--x": None}, "/cli/argv/--x", "a string, true, or a list of strings"),
        ({"name": True}, "/cli/argv/name", "a string or a list of strings"),
        ({"--m": ["a", 2]}, "/cli/argv/--m/1", "a string"),
        ({"a/b": {"x": 1}}, "/cli/argv/a~1b", "a string or a list of strings"),
        ({"": "v"}, "/cli/argv/", "a positional name or an --option"),
    ],
)
def test_malformed_values_name_file_pointer_and_expectation(
    spec: dict[str, object], pointer: str, expected: str
) -> None:
    with pytest.raises(InputError) as caught:
        build_arguments(spec, file=FILE)
    (problem,) = caught.value.problems
    assert (problem.file, problem.pointer, problem.expected) == (FILE, pointer, expected)
    assert FILE in str(caught.value) and pointer in str(caught.value)


def test_argv_that_is_not_an_object_is_refused() -> None:
    with pytest.raises(InputError) as caught:
        build_arguments(["a"], file=FILE)
    assert caught.value.problems[0].pointer == "/cli/argv"


# ------------------------------------------------------------------ environment


def test_scrubbing_removes_every_dw_and_durable_workflow_setting_and_proxies() -> None:
    parent = {
        "PATH": "/usr/bin",
        "HOME": "/root",
        "LANG": "C.UTF-8",
        "DURABLE_WORKFLOW_SERVER_URL": "https://prod.example",
        "DURABLE_WORKFLOW_PROFILE": "prod",
        "DURABLE_WORKFLOW_CONTROL_PLANE_VERSION": "3",
        "DW_CLI": "/usr/local/bin/dw",
        "DW_CONFIG": "/etc/dw.yaml",
        "dw_env": "prod",
        "HTTP_PROXY": "http://corp:3128",
        "https_proxy": "http://corp:3128",
        "NO_PROXY": "x",
        "FAKE_DW_DEFECT": "crash",
        "DWX": "kept",
    }
    kept = scrubbed(parent)
    assert kept == {
        "PATH": "/usr/bin", "HOME": "/root", "LANG": "C.UTF-8", "FAKE_DW_DEFECT": "crash", "DWX": "kept"
    }
    assert not is_scrubbed("FAKE_DW_DEFECT") and is_scrubbed("dw_env")


def test_client_environment_sets_exactly_the_case_connection() -> None:
    parent = {
        "PATH": "/usr/bin", "DURABLE_WORKFLOW_AUTH_TOKEN": "prod-token", "DURABLE_WORKFLOW_NAMESPACE": "prod"
    }
    env = client_environment("http://127.0.0.1:5555", "default", "case-token", parent)
    assert env == {
        "PATH": "/usr/bin",
        SERVER_URL_VARIABLE: "http://127.0.0.1:5555",
        NAMESPACE_VARIABLE: "default",
        TOKEN_VARIABLE: "case-token",
    }


def test_client_environment_defaults_to_this_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DW_SOMETHING", "leak")
    monkeypatch.setenv("KEEP_ME", "yes")
    env = client_environment("http://127.0.0.1:1", "ns", "t")
    assert "DW_SOMETHING" not in env and env["KEEP_ME"] == "yes"
    assert os.environ["DW_SOMETHING"] == "leak"  # the parent's environment is not modified
