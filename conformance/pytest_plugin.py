"""pytest plugin: ``pytest --conformance`` collects one test per fixture x adapter.

Registered through the ``pytest11`` entry point, so it is active wherever
dw-conformance is installed, and does nothing unless ``--conformance`` is
given. With ``--conformance`` the run is the conformance suite only: the
other tests pytest collected are deselected (run them in a separate pytest
call), so that a client repository's CI step means exactly one thing.

Each test's failure message is the rendered verdict (expected vs sent, the
differences by pointer). Cases run one after another in the pytest process
(use ``dw-conformance run --jobs N`` for parallel runs); at the end the same
reports as ``dw-conformance run`` are written to ``--conformance-report-dir``.
pytest's own ``-k`` selects cases by their id (``<fixture file>::<adapter>``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from conformance.commands.run import positive_float
from conformance.runner import (
    DEFAULT_NAMESPACE,
    DEFAULT_TIMEOUT,
    DEFAULT_TOKEN,
    CasePlan,
    ConfigurationError,
    RunSettings,
    Session,
)

_SESSION_KEY = pytest.StashKey[Session]()
_STARTED_KEY = pytest.StashKey[bool]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("dw-conformance", "Durable Workflow parity conformance")
    group.addoption("--conformance", action="store_true", help="run the conformance suite as tests")
    group.addoption(
        "--conformance-fixtures",
        action="append",
        default=[],
        metavar="DIR",
        help="fixture directory (repeatable; default: the shipped corpus)",
    )
    group.addoption(
        "--conformance-adapter",
        action="append",
        default=[],
        metavar="NAME[=ARG]",
        help="adapter (repeatable; default: every available one)",
    )
    group.addoption("--conformance-dw", metavar="PATH", help="dw executable for the cli adapter")
    group.addoption("--conformance-upstream", metavar="URL", help="live mode: forward to this server")
    group.addoption("--conformance-server-profile", metavar="FILE", help="server profile YAML")
    group.addoption("--conformance-policy", metavar="FILE", help="declared deliberate differences")
    group.addoption("--conformance-namespace", default=DEFAULT_NAMESPACE)
    group.addoption("--conformance-token", default=DEFAULT_TOKEN)
    group.addoption("--conformance-timeout", type=positive_float, default=DEFAULT_TIMEOUT)
    group.addoption("--conformance-report-dir", default="reports", metavar="DIR")


def _settings(config: pytest.Config) -> RunSettings:
    def path(option: str) -> Path | None:
        value = config.getoption(option)
        return Path(value) if value else None

    return RunSettings(
        fixtures_dirs=[Path(item) for item in config.getoption("conformance_fixtures")],
        adapter_specs=list(config.getoption("conformance_adapter")),
        dw_path=config.getoption("conformance_dw"),
        upstream=config.getoption("conformance_upstream"),
        profile_path=path("conformance_server_profile"),
        policy_path=path("conformance_policy"),
        namespace=config.getoption("conformance_namespace"),
        token=config.getoption("conformance_token"),
        report_dir=Path(config.getoption("conformance_report_dir")),
        jobs=1,
        timeout=config.getoption("conformance_timeout"),
    )


class ConformanceFailure(Exception):
    """A case that did not pass; its message is the rendered verdict."""


class ConformanceItem(pytest.Item):
    def __init__(self, *, plan: CasePlan, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.plan = plan
        self.add_marker(pytest.mark.conformance)

    def runtest(self) -> None:
        session = self.config.stash[_SESSION_KEY]
        if not self.config.stash.get(_STARTED_KEY, False):
            session.start()
            self.config.stash[_STARTED_KEY] = True
        run = session.run_case(self.plan)
        status = run.status
        if status == "skipped":
            pytest.skip(run.result["reason"] or "skipped")
        if status in ("fail", "error"):
            text = run.result["rendered"] or ""
            reason = run.result["reason"]
            raise ConformanceFailure("\n".join(part for part in (reason, text) if part))

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, ConformanceFailure):
            return f"{self.plan.case_id}\n{excinfo.value}"
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.plan.fixture.path, None, f"conformance: {self.plan.case_id}"


class ConformanceCollector(pytest.Collector):
    def collect(self) -> list[pytest.Item]:
        session = self.config.stash[_SESSION_KEY]
        return [ConformanceItem.from_parent(self, name=plan.case_id, plan=plan) for plan in session.plans]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "conformance: a dw-conformance case (fixture x adapter)")
    if not config.getoption("conformance", default=False):
        return
    session = Session(_settings(config), notify=lambda message: print(message))
    try:
        session.prepare()
    except ConfigurationError as error:
        raise pytest.UsageError(f"dw-conformance: {error}") from error
    config.stash[_SESSION_KEY] = session


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    if _SESSION_KEY not in config.stash:
        return
    collector = ConformanceCollector.from_parent(session, name="dw-conformance")
    conformance_items = collector.collect()
    if items:
        config.hook.pytest_deselected(items=list(items))
    items[:] = conformance_items


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    config = session.config
    if _SESSION_KEY not in config.stash:
        return
    conformance_session = config.stash[_SESSION_KEY]
    conformance_session.close()
    if not conformance_session.runs:
        return
    from conformance.reporting import write_reports

    # Complete only when every selected case ran: ``-x``/``--maxfail`` and Ctrl-C stop the session early.
    selected = [item.plan.case_id for item in session.items if isinstance(item, ConformanceItem)]
    complete = exitstatus != pytest.ExitCode.INTERRUPTED and all(
        case_id in conformance_session.runs for case_id in selected
    )
    document = conformance_session.document(complete=complete)
    write_reports(document, conformance_session.settings.report_dir)
