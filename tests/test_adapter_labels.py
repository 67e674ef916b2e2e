"""Several instances of one adapter in one run: ``--adapter NAME@LABEL[=ARG]``."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from conformance.adapters.base import AdapterError
from conformance.adapters.registry import create
from support.harness_run import run_command


def test_a_label_names_the_instance_and_keeps_the_argument() -> None:
    adapter = create(f"python-sdk@2.12={sys.executable}")
    assert adapter.case_label() == "python-sdk@2.12"
    assert adapter.arg == sys.executable
    plain = create("canonical")
    assert plain.case_label() == plain.label == "canonical"


@pytest.mark.parametrize("spec", ["python-sdk@", "python-sdk@a/b", "canonical@" + "x" * 41, "cli@has space"])
def test_a_bad_label_is_refused_with_what_was_expected(spec: str) -> None:
    with pytest.raises(AdapterError, match="expected an instance label"):
        create(spec)


def test_two_instances_of_one_adapter_share_a_run(tmp_path: Path) -> None:
    done = run_command(
        tmp_path / "reports",
        "--adapter",
        "canonical@one",
        "--adapter",
        "canonical@two",
        "-k",
        "workflow-signal",
    )
    assert done.code == 0, done.stdout + done.stderr
    assert sorted(done.cases()) == [
        "workflow-signal-parity.json::canonical@one",
        "workflow-signal-parity.json::canonical@two",
    ]
    document = done.document
    assert document is not None
    assert [impl["adapter"] for impl in document["implementations"]] == ["canonical@one", "canonical@two"]


def test_the_same_label_twice_is_a_usage_error(tmp_path: Path) -> None:
    done = run_command(tmp_path / "reports", "--adapter", "canonical@x", "--adapter", "canonical@x")
    assert done.code == 2 and "named twice" in done.stderr
