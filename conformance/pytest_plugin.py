"""pytest plugin: ``pytest --conformance`` collects one test per fixture x adapter.

Registered through the ``pytest11`` entry point, so it is active wherever
dw-conformance is installed, and does nothing unless ``--conformance`` is
given.

Decisions (so that the ordinary pytest habits work):

- **Fixture files are collected like test files.** Each fixture file of the
  corpus is a collector (``pytest.File``) and each adapter of the run one
  test in it, so a node id is ``<path to the fixture file>::<adapter>``
  (``…/workflow-repair-parity.json::cli``) and can be rerun as printed
  (``pytest --conformance "…/workflow-repair-parity.json::cli"``, with the
  same ``--conformance-*`` options). ``--lf``, ``--ff``, ``-x``, ``-k`` and
  the collection counts are pytest's own. ``-k`` sees the fixture file name,
  the adapter label and the operation id (``-k "workflow.start and cli"``).
- **What is collected.** ``pytest --conformance`` with no paths collects the
  conformance cases only: the fixture directories replace the paths pytest
  would have collected (``testpaths`` or the current directory), so the
  project's own tests do not run in that session and are not "deselected"
  either; the report header says so. Run them in a separate pytest call, or
  name both: with explicit paths (``pytest --conformance tests/
  path/to/fixtures``) pytest collects exactly what was named, the fixture
  files among it as conformance cases. A fixture file of the corpus that
  could not be loaded is listed in the header and the reports.
- **The same options as ``dw-conformance run``.** Every run option is there
  with a ``--conformance-`` prefix (``--conformance-overlay``,
  ``--conformance-cli-output-schemas``, ``--conformance-policy``...), from
  the one table of :mod:`conformance.run_options`; pytest's own ``-k`` and
  ``-n`` take the place of ``-k`` and ``--jobs``.
- **Scenarios are collected too**, as ``dw-conformance run`` plays them:
  each scenario file (``*.scenario.yaml``, ``docs/scenarios.md``) is a
  collector with one test per real client
  (``…/schedule-history-walk.scenario.yaml::cli``);
  ``--conformance-no-scenarios`` leaves them out and
  ``--conformance-scenarios DIR`` adds more.
- **Parallel runs.** With pytest-xdist (``-n auto``) each worker runs its
  share of the cases through its own recording proxy. xdist's default
  ``load`` scheduling becomes ``loadfile`` (a file's cases go to one worker):
  the clients of one fixture or scenario must meet in one worker to be
  compared with each other (``--dist`` given otherwise is kept). At the end every
  worker hands its result to the controller, which joins them with
  :func:`conformance.merge.merge_documents` (the same merge as
  ``dw-conformance merge``) and writes one complete ``result.json`` and one
  set of reports, equal to a serial run's apart from ``run``.
- **Failures read like assertion diffs**: the case id, then per difference
  the pointer and kind, ``- expected`` and ``+ sent`` lines, the response
  side's refusal or surfaced values, and the error reason for an error.
- ``result.json`` is complete only when every collected (selected) case ran:
  ``-x``, ``--maxfail`` and Ctrl-C leave it incomplete, level ``incomplete``.
- The session's exit status is pytest's (any failing case fails it); use
  ``dw-conformance run`` where the gate should follow the conformance level.
  Input problems (fixture or scenario files that could not be used, listed in
  the header as ``not loaded``) fail the session too, as they fail ``run``
  (docs/bad-input.md): a session whose every collected case passed exits 1.
- **The root directory, and with it ``.pytest_cache``, is not taken from a
  ``--conformance-*`` value.** pytest chooses its root before it loads this
  plugin, so in ``--conformance-fixtures DIR`` it reads ``DIR`` as a path to
  collect and roots the session at the common ancestor of DIR and the current
  directory: run outside the repository, ``.pytest_cache`` landed beside (or
  in) someone else's corpus. :func:`pytest_load_initial_conftests` puts the
  root back where pytest would have put it without those values: the common
  ancestor of the current directory and the paths really named, unless a
  configuration file found at or above that directory decided it (as in a
  checkout with its own ``pyproject.toml``). ``--rootdir`` always wins.
"""

from __future__ import annotations

import itertools
import os
from pathlib import Path
from typing import Any

import pytest

from conformance.merge import ShardResult, merge_documents
from conformance.reporting import write_reports
from conformance.reporting.common import known_failure_note, response_lines, short_value
from conformance.result import rebuild_document
from conformance.run_options import PYTEST_PREFIX, RUN_OPTIONS, add_to_pytest, settings_from
from conformance.runner import (
    CasePlan,
    ConfigurationError,
    RunSettings,
    Session,
)
from conformance.scenarios.model import SCENARIO_SUFFIXES
from conformance.sharding import corpus_identity

_SESSION_KEY = pytest.StashKey[Session]()
_STARTED_KEY = pytest.StashKey[bool]()
_FIXTURES_KEY = pytest.StashKey[dict[Path, list[CasePlan]]]()
_WORKER_RESULTS_KEY = pytest.StashKey[list[tuple[str, dict[str, Any]]]]()
_REPLACED_ARGS_KEY = pytest.StashKey[bool]()
_WANTED_KEY = pytest.StashKey[set[tuple[Path, str | None]]]()
#: Key of a worker's result document in xdist's ``workeroutput``.
WORKER_OUTPUT_KEY = "dw_conformance_result"
_SHOWN_DIFFERENCES = 10
#: The ``--conformance-*`` options that take a value (a flag such as ``--conformance-no-scenarios`` does not).
VALUE_OPTIONS = frozenset(
    {f"--{PYTEST_PREFIX}{option.name}" for option in RUN_OPTIONS if option.in_pytest and not option.is_flag}
    | {"--conformance-report-dir"}
)


def pytest_addoption(parser: pytest.Parser) -> None:
    """``--conformance`` and the run options as ``--conformance-<name>`` (see ``conformance.run_options``)."""
    group = parser.getgroup("dw-conformance", "Durable Workflow parity conformance")
    group.addoption("--conformance", action="store_true", help="run the conformance suite as tests")
    add_to_pytest(group)
    group.addoption("--conformance-report-dir", default="reports", metavar="DIR")


def _settings(config: pytest.Config) -> RunSettings:
    return settings_from(
        lambda dest: config.getoption("conformance_" + dest, default=None),
        Path(config.getoption("conformance_report_dir")),
        jobs=1,  # one client at a time per pytest process; pytest-xdist's -n runs processes side by side
    )


class ConformanceFailure(Exception):
    """A case that did not pass; carries its result entry for :meth:`ConformanceItem.repr_failure`."""

    def __init__(self, result: dict[str, Any]) -> None:
        super().__init__(str(result.get("id", "")))
        self.result = result


def _short(value: Any) -> str:
    return short_value(value, 200)


def failure_text(result: dict[str, Any]) -> str:
    """A case's failure as an assertion-style diff (see the module docstring)."""
    differences = list(result.get("differences") or [])
    status = result.get("status")
    head = f"{result.get('id', '')}: {status}"
    if differences:
        head += f", {len(differences)} difference{'s' if len(differences) != 1 else ''} (- expected by the "
        head += "fixture, + sent by the client)"
    lines = [head]
    if result.get("reason"):
        lines.append(f"reason: {result['reason']}")
    note = known_failure_note(result)
    if note:
        lines.append(note)
    for difference in differences[:_SHOWN_DIFFERENCES]:
        kind = str(difference.get("kind", ""))
        lines.append(f"  {difference.get('pointer') or '(whole request)'}  [{kind}]")
        if kind != "unexpected":
            lines.append(f"    - {_short(difference.get('expected'))}")
        if kind != "missing":
            lines.append(f"    + {_short(difference.get('actual'))}")
        if difference.get("message"):
            lines.append(f"    ({difference['message']})")
    if len(differences) > _SHOWN_DIFFERENCES:
        lines.append(f"  ... and {len(differences) - _SHOWN_DIFFERENCES} more (see the reports)")
    lines.extend(f"  {line}" for line in response_lines(result))
    for note_line in result.get("response_diagnostics") or []:
        lines.append(f"  response: {note_line}")
    return "\n".join(lines)


class ConformanceItem(pytest.Item):
    def __init__(self, *, plan: CasePlan, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.plan = plan
        self.add_marker(pytest.mark.conformance)
        self.extra_keyword_matches.update({plan.fixture.operation, plan.case_id})

    def runtest(self) -> None:
        session = self.config.stash[_SESSION_KEY]
        if not self.config.stash.get(_STARTED_KEY, False):
            session.start()
            self.config.stash[_STARTED_KEY] = True
        run = session.run_case(self.plan)
        status = run.status
        if run.result.get("replayed") is True:  # pytest's own --junitxml shows it too (conformance.replays)
            self.user_properties.append(("replayed", "true"))
        if status == "skipped":
            pytest.skip(run.result["reason"] or "skipped")
        if status in ("fail", "error", "interrupted"):
            raise ConformanceFailure(run.result)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, ConformanceFailure):
            return failure_text(excinfo.value.result)
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return plan_file(self.plan), None, f"conformance: {self.plan.case_id}"


def plan_file(plan: CasePlan) -> Path:
    """The file a case is collected from: its scenario file, else its fixture file."""
    return plan.scenario.path if plan.scenario is not None else plan.fixture.path


class ConformanceFile(pytest.File):
    """One fixture (or scenario) file: one test per adapter of the run."""

    def collect(self) -> list[pytest.Item]:
        plans = self.config.stash[_FIXTURES_KEY].get(self.path.resolve(), [])
        return [ConformanceItem.from_parent(self, name=plan.slot.label, plan=plan) for plan in plans]


def _values_read_as_paths(config: pytest.Config) -> bool:
    """Whether a ``--conformance-*`` option's value was given as a separate word pytest took for a path."""
    return any(
        word in VALUE_OPTIONS and not value.startswith("-") and Path(value).exists()
        for word, value in itertools.pairwise(config.invocation_params.args)
    )


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config: pytest.Config, args: list[str]) -> None:
    """Root the session where pytest would have without the option values (module docstring)."""
    namespace = early_config.known_args_namespace
    if not getattr(namespace, "conformance", False) or getattr(namespace, "rootdir", None):
        return
    if not _values_read_as_paths(early_config):
        return
    invocation = early_config.invocation_params.dir.resolve()
    named = [Path(arg.partition("::")[0]) for arg in getattr(namespace, "file_or_dir", None) or []]
    existing = [invocation, *(path.resolve() for path in named if path.exists())]
    wanted = Path(os.path.commonpath([str(path if path.is_dir() else path.parent) for path in existing]))
    inipath = early_config.inipath
    if inipath is not None and wanted.is_relative_to(inipath.parent):
        return  # a configuration file above the paths really named decided the root: pytest's own choice
    if wanted != early_config.rootpath:
        # pytest has no public way to set the root after its first look at the arguments
        early_config._rootpath = wanted


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "conformance: a dw-conformance case (fixture x adapter)")
    if not config.getoption("conformance", default=False):
        return
    if getattr(config.option, "dist", "no") == "load":
        # a file's clients must meet in one worker, or their parity is never compared (module docstring)
        config.option.dist = "loadfile"
    session = Session(_settings(config), notify=lambda message: print(message))
    try:
        session.prepare()
    except ConfigurationError as error:
        raise pytest.UsageError(f"dw-conformance: {error}") from error
    config.stash[_SESSION_KEY] = session
    by_file: dict[Path, list[CasePlan]] = {}
    for plan in session.plans:
        by_file.setdefault(plan_file(plan).resolve(), []).append(plan)
    config.stash[_FIXTURES_KEY] = by_file
    config.stash[_WORKER_RESULTS_KEY] = []
    replaced = config.args_source != pytest.Config.ArgsSource.ARGS
    config.stash[_REPLACED_ARGS_KEY] = replaced
    if replaced:  # no paths named: the conformance cases only (module docstring)
        directories = [str(directory) for directory in session.settings.effective_fixture_dirs()]
        played = {str(scenario.path.parent) for scenario in session.scenarios if scenario.applicable}
        config.args = directories + sorted(played - set(directories))
    else:
        config.args, wanted = _fixture_arguments(config.args, session)
        if wanted:
            config.stash[_WANTED_KEY] = wanted


def _fixture_arguments(args: list[str], session: Session) -> tuple[list[str], set[tuple[Path, str | None]]]:
    """Arguments naming fixture files or cases -> their fixture directories, and the cases wanted.

    A node id as printed (``workflow-start-parity.json::cli``, or the fixture
    file's path with ``::cli``) is collected through its fixture directory,
    then every other case is deselected: the node ids stay those of a full
    run (so ``--lf`` and ``--ff`` find them), whatever the current directory.
    """
    wanted: set[tuple[Path, str | None]] = set()
    kept: list[str] = []
    directories: list[str] = []
    for arg in args:
        path, _, tail = arg.partition("::")
        named = _file_named(path, session)
        if named is None:
            kept.append(arg)
            continue
        wanted.add((named.resolve(), tail or None))
        directory = str(named.parent)
        if directory not in directories:
            directories.append(directory)
    return kept + [d for d in directories if d not in kept], wanted


def _file_named(path: str, session: Session) -> Path | None:
    """The fixture or scenario file an argument names (a path, or a file name as case ids print it)."""
    if not path.endswith((".json", *SCENARIO_SUFFIXES)):
        return None
    candidate = Path(path)
    files = [fixture.path for fixture in session.fixtures]
    files += [scenario.path for scenario in session.scenarios if scenario.applicable]
    for file in files:
        if candidate.exists():
            if candidate.resolve() == file.resolve():
                return file
        elif file.name == path or file.as_posix().endswith("/" + path):
            return file
    return None


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Keep only the cases named on the command line (see :func:`_fixture_arguments`)."""
    wanted = config.stash.get(_WANTED_KEY, None)
    if not wanted:
        return
    keep: list[pytest.Item] = []
    dropped: list[pytest.Item] = []
    for item in items:
        if isinstance(item, ConformanceItem):
            path = plan_file(item.plan).resolve()
            chosen = (path, None) in wanted or (path, item.plan.slot.label) in wanted
            (keep if chosen else dropped).append(item)
        else:
            keep.append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = keep


def pytest_report_header(config: pytest.Config) -> list[str] | None:
    if _SESSION_KEY not in config.stash:
        return None
    session = config.stash[_SESSION_KEY]
    adapters = [slot.label for slot in session.slots if slot.available]
    played = [scenario for scenario in session.scenarios if scenario.applicable]
    lines = [
        f"dw-conformance: {len(session.fixtures)} fixture file(s) x {len(adapters)} adapter(s) "
        f"({', '.join(adapters)}) from {', '.join(map(str, session.settings.effective_fixture_dirs()))}",
    ]
    if session.scenarios:
        lines.append(
            f"dw-conformance: {len(played)} of {len(session.scenarios)} scenario file(s) played "
            "(with the real clients; see docs/scenarios.md)"
        )
    if config.stash.get(_REPLACED_ARGS_KEY, False):
        lines.append(
            "dw-conformance: collecting the conformance cases only; this project's own tests are not "
            "collected in this session (run them without --conformance, or name their paths and the "
            "fixture directories together)"
        )
    else:
        lines.append(
            "dw-conformance: collecting the paths named; fixture files among them are conformance cases"
        )
    lines.extend(f"dw-conformance: not loaded: {problem.render()}" for problem in session.input_problems)
    return lines


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    config = parent.config
    if _FIXTURES_KEY not in config.stash or not file_path.name.endswith((".json", *SCENARIO_SUFFIXES)):
        return None
    if file_path.resolve() not in config.stash[_FIXTURES_KEY]:
        return None
    collector: ConformanceFile = ConformanceFile.from_parent(parent, path=file_path)
    return collector


def _is_worker(config: pytest.Config) -> bool:
    return hasattr(config, "workerinput")


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: object) -> None:
    """xdist, on the controller: keep what a worker ran."""
    output = getattr(node, "workeroutput", None) or {}
    document = output.get(WORKER_OUTPUT_KEY)
    if document is None:
        return
    config: pytest.Config = node.config
    if _WORKER_RESULTS_KEY in config.stash:
        gateway = getattr(node, "gateway", None)
        worker = str(gateway.id if gateway is not None else "worker")
        config.stash[_WORKER_RESULTS_KEY].append((worker, document))


def _document_of(conformance_session: Session, complete: bool) -> dict[str, Any]:
    document = conformance_session.document(complete=complete)
    scenario_files = [scenario.path for scenario in conformance_session.scenarios]
    run = {**document["run"], "corpus": corpus_identity(conformance_session.fixtures, scenario_files)}
    return rebuild_document(document, run=run)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    config = session.config
    if _SESSION_KEY not in config.stash:
        return
    conformance_session = config.stash[_SESSION_KEY]
    conformance_session.close()
    interrupted = exitstatus == pytest.ExitCode.INTERRUPTED
    selected = [item.plan.case_id for item in session.items if isinstance(item, ConformanceItem)]
    if _is_worker(config):
        document = _document_of(conformance_session, complete=not interrupted)
        document["run"]["selected"] = selected  # the controller checks completeness against these
        config.workeroutput[WORKER_OUTPUT_KEY] = document  # type: ignore[attr-defined]
        return
    workers = config.stash.get(_WORKER_RESULTS_KEY, [])
    if workers:
        document = _merged_worker_results(workers, interrupted)
    else:
        if not conformance_session.runs:
            return
        # Complete only when every selected case ran: ``-x``/``--maxfail`` and Ctrl-C stop the session early.
        complete = not interrupted and all(case_id in conformance_session.runs for case_id in selected)
        document = _document_of(conformance_session, complete)
    write_reports(document, conformance_session.settings.report_dir)
    if document.get("input_problems") and session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED  # a corpus that lost a file is not green


def _merged_worker_results(workers: list[tuple[str, dict[str, Any]]], interrupted: bool) -> dict[str, Any]:
    """The workers' documents joined (:mod:`conformance.merge`); complete iff every selected case ran."""
    selected: set[str] = set()
    results = []
    for worker, document in sorted(workers):
        selected.update(document["run"].pop("selected", []))
        results.append(ShardResult(Path(f"<xdist worker {worker}>"), document))
    merged = merge_documents(results)
    ran = {case["id"] for case in merged["cases"]}
    run = {key: value for key, value in merged["run"].items() if key != "merged_from"}
    run["complete"] = bool(run.get("complete", True)) and not interrupted and selected <= ran
    run["interrupted"] = bool(run.get("interrupted", False)) or interrupted
    return rebuild_document(merged, run=run)
