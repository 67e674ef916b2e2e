"""The run's options are declared once and reach argparse and pytest alike."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import pytest

from conformance.run_options import RUN_OPTIONS, add_to_parser, add_to_pytest, pytest_dest, settings_from


class Group:
    """Records pytest ``addoption`` calls, and parses them with argparse as pytest would."""

    def __init__(self) -> None:
        self.parser = argparse.ArgumentParser()

    def addoption(self, *opts: str, **attrs: Any) -> None:
        self.parser.add_argument(*opts, **attrs)


ARGS = ["--fixtures", "a", "--overlay", "o", "--timeout", "7", "--dw", "x"]


def test_every_option_reaches_pytest_except_the_two_pytest_has() -> None:
    group = Group()
    add_to_pytest(group)
    names = {action.option_strings[0] for action in group.parser._actions if action.option_strings[0] != "-h"}
    expected = {f"--conformance-{option.name}" for option in RUN_OPTIONS if option.in_pytest}
    assert names == expected
    assert "--conformance-jobs" not in names and "--conformance-select" not in names
    assert {"--conformance-overlay", "--conformance-cli-output-schemas"} <= names
    assert "--conformance-no-scenarios" in names


def test_argparse_and_pytest_give_the_same_settings(tmp_path: Path) -> None:
    parser = argparse.ArgumentParser()
    add_to_parser(parser)
    parsed = parser.parse_args(ARGS)
    group = Group()
    add_to_pytest(group)
    prefixed = group.parser.parse_args([arg.replace("--", "--conformance-", 1) for arg in ARGS])
    from_run = settings_from(lambda dest: getattr(parsed, dest, None), tmp_path, jobs=1)
    from_pytest = settings_from(
        lambda dest: getattr(prefixed, "conformance_" + dest, None), tmp_path, jobs=1
    )
    assert from_run == from_pytest
    assert from_run.fixtures_dirs == [Path("a")] and from_run.overlay_dirs == [Path("o")]
    assert from_run.timeout == 7.0 and from_run.dw_path == "x"


@pytest.mark.parametrize("text", ["0", "-1", "nan"])
def test_a_bad_timeout_is_refused_by_both(text: str) -> None:
    parser = argparse.ArgumentParser()
    add_to_parser(parser)
    with pytest.raises(SystemExit):
        parser.parse_args(["--timeout", text])
    group = Group()
    add_to_pytest(group)
    with pytest.raises(SystemExit):
        group.parser.parse_args(["--conformance-timeout", text])


def test_selftest_and_fuzz_leave_the_scenario_options_out() -> None:
    run = argparse.ArgumentParser()
    add_to_parser(run)
    parsed = run.parse_args(["--scenarios", "s", "--no-scenarios"])
    settings = settings_from(lambda dest: getattr(parsed, dest, None), Path("r"))
    assert settings.scenario_dirs == [Path("s")] and settings.run_scenarios is False
    others = argparse.ArgumentParser()
    add_to_parser(others, scenarios=False)
    with pytest.raises(SystemExit):
        others.parse_args(["--no-scenarios"])


def test_the_pytest_dest_is_prefixed() -> None:
    overlay = next(option for option in RUN_OPTIONS if option.name == "overlay")
    assert pytest_dest(overlay) == "conformance_overlays"
