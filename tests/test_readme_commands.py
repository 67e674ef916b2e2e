"""The README's commands stay runnable, and its first failure stays what the real ``dw`` prints.

* The README starts with exactly the two commands CI runs (``.ci/run``): the
  conformance suite and the tests, each a tox environment that exists, and
  the conformance environment's commands parse with the real CLI.
* Every ``dw-conformance ...`` command the README shows parses with the real
  argument parser (options renamed or removed fail here, not for a reader).
* The commands that need no client are run: ``init-adapter`` writes its
  starter, ``handbook`` writes its site.
* "A first failure" is run with the real ``dw`` from ``../shared`` (a
  real-client test: it skips with the reason where ``../shared`` is absent),
  and every line the README shows is in what the harness printed.
"""

from __future__ import annotations

import configparser
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from conformance.cli import build_parser, main
from support.judging import REPO
from support.real_clients import real_dw, upstream_corpus

README = REPO / "README.md"


def _blocks(language: str) -> list[str]:
    text = README.read_text(encoding="utf-8")
    return re.findall(rf"^ *```{language}\n(.*?)^ *```", text, re.DOTALL | re.MULTILINE)


def _commands(block: str) -> list[str]:
    """The block's commands, continuation lines joined, comments and prompts dropped."""
    joined = re.sub(r"\\\n\s*", " ", block)
    commands = []
    for line in joined.splitlines():
        line = line.strip()
        if line.startswith("$ "):
            line = line[2:]
        elif not line.startswith(("dw-conformance", "python3", "pytest", "tox")):
            continue  # a comment, or what a command printed
        commands.append(line.split("  #", 1)[0].strip())
    return [command for command in commands if command]


def _dw_conformance_commands() -> list[list[str]]:
    found = []
    for block in _blocks("sh") + _blocks("console"):
        for command in _commands(block):
            words = shlex.split(command)
            if words and words[0] == "dw-conformance":
                found.append(words[1:])
    return found


def test_the_readme_starts_with_the_two_commands_ci_runs() -> None:
    text = README.read_text(encoding="utf-8")
    first = _blocks("sh")[0]
    assert text.index("```sh") < 200, "the two commands open the README"
    commands = _commands(first)
    assert [command.rsplit("&&", 1)[1].strip() for command in commands] == [
        "python3 -m tox -e conformance",
        "python3 -m tox -e py",
    ]
    tox = configparser.ConfigParser(interpolation=None)
    tox.read(REPO / "tox.ini", encoding="utf-8")
    assert {"testenv:conformance", "testenv:py"} <= set(tox.sections())
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert "tox -e py" in ci and "tox -e conformance" in ci
    # the conformance environment's own commands parse with the real CLI
    lines = [line.strip() for line in tox["testenv:conformance"]["commands"].splitlines()]
    harness = [line for line in lines if line.startswith("dw-conformance ")]
    assert harness, "the conformance environment runs dw-conformance"
    for line in harness:
        build_parser().parse_args(shlex.split(line.replace("{posargs}", ""))[1:])


def test_every_dw_conformance_command_of_the_readme_parses() -> None:
    commands = _dw_conformance_commands()
    assert {words[0] for words in commands} >= {"run", "init-adapter"}
    for words in commands:
        try:
            build_parser().parse_args(words)
        except SystemExit as error:  # argparse's way of refusing
            pytest.fail(f"the README's `dw-conformance {shlex.join(words)}` does not parse ({error})")


def test_the_readme_s_init_adapter_and_handbook_commands_run(tmp_path: Path) -> None:
    (init,) = [words for words in _dw_conformance_commands() if words[0] == "init-adapter"]
    out = tmp_path / "my-client"
    words = [word if word != "my-client" else str(out) for word in init]
    assert main(words) == 0
    assert (out / "manifest.json").is_file() or any(out.iterdir())
    site = tmp_path / "handbook"
    completed = subprocess.run(
        [sys.executable, "-m", "conformance", "handbook", "--out", str(site)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        cwd=tmp_path,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert (site / "index.html").is_file()


def test_the_first_failure_is_what_the_real_dw_prints(tmp_path: Path) -> None:
    dw = real_dw(tmp_path / "dw")
    corpus = upstream_corpus()
    block = _blocks("console")[0]
    command, shown = _commands(block)[0], block.splitlines()[2:]
    words = shlex.split(command)[1:]
    words = [
        f"cli={dw}" if word == "cli=./build/dw" else str(corpus) if word.endswith("control-plane") else word
        for word in words
    ]
    completed = subprocess.run(
        [sys.executable, "-m", "conformance", *words, "--report-dir", str(tmp_path / "reports")],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        cwd=tmp_path,
    )
    assert completed.returncode == 1, completed.stdout + completed.stderr
    # cases are listed as they finish: the [k/N] counter is not part of what a line says
    counter = re.compile(r"^\[\d+/\d+\] ")
    printed = [counter.sub("", line) for line in (completed.stdout + completed.stderr).splitlines()]
    for line in shown:
        if line.strip() in ("", "..."):
            continue
        assert counter.sub("", line) in printed, (
            f"the README shows a line the real dw run does not print:\n{line}\n\n" + "\n".join(printed)
        )
