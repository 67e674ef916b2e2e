"""Running mitmproxy in-process: a Master on its own asyncio loop in a background thread.

:class:`MitmEngine` owns the mitmproxy life cycle and nothing else (recording
and answering are addons handed in by the caller):

- The master, its addons and its options are created *inside* the loop
  thread (addons may create tasks while being configured). Options of an
  addon exist only once the addon is added, so the listen modes and the
  other options are set after ``addons.add``.
- One ``reverse:`` listen mode per listener, each on its own loopback port.
  Ports are picked free beforehand (:mod:`conformance.proxy.ports`); a
  listener that fails to bind (someone took the port meanwhile) gets a fresh
  port, up to :data:`BIND_ATTEMPTS` times, while the listeners that did bind
  are kept.
- mitmproxy keeps its master and options in module globals
  (``mitmproxy.ctx``), and a new connection is handed to whatever master is
  there. Two running masters in one process would mix their flows, so only
  one engine may run per process at a time; a second ``start()`` raises
  :class:`ProxyStartError` instead of misrecording.
- Stopping is clean: every open client connection is cancelled, every
  listener closed (ports released), leftover tasks cancelled, the loop
  closed and the thread joined.
- Import cost. The engine needs five of mitmproxy's addons (``core``,
  ``proxyserver``, ``next_layer``, ``tlsconfig``, and ``termlog`` through
  ``mitmproxy.master``), but ``mitmproxy/addons/__init__.py`` imports all
  thirty-odd of them (flask for the onboarding app, ldap3 and passlib for
  proxy authentication...): about 40 % of the harness's start-up. Unless
  something imported ``mitmproxy.addons`` already, the package is set up
  *without running its* ``__init__`` for the time of the engine's imports and
  removed from ``sys.modules`` afterwards, so a later ``import
  mitmproxy.addons`` elsewhere still gets the complete package (its
  submodules already loaded are reused). When the package cannot be found
  that way, the plain import runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import logging
import sys
import threading
import warnings
from collections.abc import Callable, Coroutine, Iterator
from typing import Any, TypeVar

from conformance.proxy.ports import free_ports

_ADDONS_PACKAGE = "mitmproxy.addons"


@contextlib.contextmanager
def _addons_package_without_catalogue() -> Iterator[None]:
    """``mitmproxy.addons`` importable without its ``__init__`` (the catalogue of every addon), meanwhile."""
    if _ADDONS_PACKAGE in sys.modules:
        yield
        return
    try:
        spec = importlib.util.find_spec(_ADDONS_PACKAGE)
    except (ImportError, ValueError):
        spec = None
    if spec is None or spec.submodule_search_locations is None:
        yield
        return
    shell = importlib.util.module_from_spec(spec)
    sys.modules[_ADDONS_PACKAGE] = shell
    try:
        yield
    finally:
        if sys.modules.get(_ADDONS_PACKAGE) is shell:
            del sys.modules[_ADDONS_PACKAGE]


with warnings.catch_warnings(), _addons_package_without_catalogue():
    # mitmproxy.addons (imported by mitmproxy.master too) imports every addon,
    # among them proxyauth -> ldap3 and passlib, which raise
    # DeprecationWarnings (pyasn1 names, the crypt module) at import time; not ours to fix.
    warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"(ldap3|passlib)(\.|$)")
    from mitmproxy import options
    from mitmproxy.addons import core, next_layer, proxyserver, tlsconfig
    from mitmproxy.master import Master

__all__ = ["BIND_ATTEMPTS", "MitmEngine", "ProxyStartError"]

BIND_ATTEMPTS = 5
T = TypeVar("T")
logger = logging.getLogger(__name__)

#: Held while an engine runs (see the module docstring: one master per process).
_PROCESS_SLOT = threading.Lock()


class ProxyStartError(RuntimeError):
    """The recording proxy could not start (ports, options, another proxy running)."""


class MitmEngine:
    """A mitmproxy master with ``listeners`` reverse-proxy listeners on ``host``.

    ``reverse_target`` is where flows that no addon answered are forwarded
    (``http://127.0.0.1:9`` in stub mode, where every flow is answered in the
    ``request`` hook and nothing is ever forwarded). ``mitm_options`` are
    extra mitmproxy options set together with the modes.
    """

    def __init__(
        self,
        addons: Callable[[], list[Any]],
        *,
        listeners: int,
        reverse_target: str,
        host: str = "127.0.0.1",
        mitm_options: dict[str, Any] | None = None,
        with_tls: bool = False,
        start_timeout: float = 15.0,
    ) -> None:
        if listeners < 1:
            raise ValueError("at least one listener is needed")
        self._addons = addons
        self.listeners = listeners
        self.reverse_target = reverse_target
        self.host = host
        self.mitm_options = dict(mitm_options or {})
        self.with_tls = with_tls
        self.start_timeout = start_timeout
        self.ports: list[int] = []
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._master: Master | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._holds_process_slot = False
        self._stopped = False

    # ------------------------------------------------------------ life cycle
    @property
    def running(self) -> bool:
        return (
            self._thread is not None
            and self._thread.is_alive()
            and self._ready.is_set()
            and not self._stopped
        )

    def start(self) -> list[int]:
        """Start the master and its listeners; returns the bound ports (in listener order)."""
        if self._thread is not None:
            raise ProxyStartError("this proxy was already started (start it once per run)")
        if not _PROCESS_SLOT.acquire(blocking=False):
            raise ProxyStartError(
                "another recording proxy is already running in this process "
                "(mitmproxy supports one at a time); stop it first"
            )
        self._holds_process_slot = True
        self._thread = threading.Thread(target=self._thread_main, name="dw-conformance-proxy", daemon=True)
        self._thread.start()
        if not self._ready.wait(self.start_timeout):
            self.stop()
            raise ProxyStartError(f"the proxy did not start within {self.start_timeout:g} s")
        if self._error is not None:
            error = self._error
            self.stop()
            if isinstance(error, ProxyStartError):
                raise error
            raise ProxyStartError(f"{type(error).__name__}: {error}") from error
        return list(self.ports)

    def stop(self, timeout: float = 10.0) -> None:
        """Stop everything; safe to call twice and after a failed start."""
        if self._stopped:
            return
        self._stopped = True
        master, loop, thread = self._master, self._loop, self._thread
        try:
            if master is not None and loop is not None and not loop.is_closed():
                with contextlib.suppress(RuntimeError):  # loop closed meanwhile
                    loop.call_soon_threadsafe(master.should_exit.set)
            if thread is not None:
                thread.join(timeout)
                if thread.is_alive():
                    logger.error("the proxy thread did not stop within %.1f s", timeout)
        finally:
            if self._holds_process_slot:
                self._holds_process_slot = False
                _PROCESS_SLOT.release()

    # ------------------------------------------------------------ loop thread
    def _thread_main(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(self._serve())
        except BaseException as error:  # reported to start(); never escapes the thread
            if self._error is None:
                self._error = error
        finally:
            try:
                _cancel_leftovers(loop)
            finally:
                loop.close()
                self._ready.set()

    def _mode(self, port: int) -> str:
        return f"reverse:{self.reverse_target}@{self.host}:{port}"

    async def _bind(self, master: Master, opts: options.Options) -> list[int]:
        server = _addon(master, "proxyserver")
        ports = free_ports(self.listeners, self.host)
        _set_options(opts, **self.mitm_options, mode=[self._mode(port) for port in ports])
        for _attempt in range(BIND_ATTEMPTS):
            await server.setup_servers()
            failed = [
                index for index, port in enumerate(ports) if not server.servers[self._mode(port)].is_running
            ]
            if not failed:
                return ports
            fresh = iter(free_ports(len(failed), self.host))
            ports = [next(fresh) if index in failed else port for index, port in enumerate(ports)]
            _set_options(opts, mode=[self._mode(port) for port in ports])
        raise ProxyStartError(
            f"could not bind {self.listeners} listener(s) on {self.host} after {BIND_ATTEMPTS} attempts"
        )

    async def _serve(self) -> None:
        loop = asyncio.get_running_loop()
        opts = options.Options()
        master = Master(opts, event_loop=loop)
        self._master = master
        untyped_proxyserver: Any = proxyserver.Proxyserver
        addons: list[Any] = [core.Core(), untyped_proxyserver(), next_layer.NextLayer()]
        if self.with_tls:
            addons.append(tlsconfig.TlsConfig())
        manager: Any = master.addons
        manager.add(*addons, *self._addons())
        previous_handler = loop.get_exception_handler()
        loop.set_exception_handler(_log_loop_exception)
        try:
            self.ports = await self._bind(master, opts)
            await master.running()
            self._ready.set()
            await master.should_exit.wait()
        finally:
            try:
                await self._close_everything(master)
                await master.done()
            finally:
                loop.set_exception_handler(previous_handler)

    async def _close_everything(self, master: Master) -> None:
        server = _addon(master, "proxyserver")
        if server is None:
            return
        with contextlib.suppress(Exception):
            await server.servers.update([])  # closes every listener: ports are released
        await self.cancel_connections(None)

    async def cancel_connections(self, port: int | None) -> int:
        """Cancel the client connections on ``port`` (all when None); returns how many.

        A coroutine for the proxy loop (see :meth:`run_in_loop`).
        """
        master = self._master
        server = _addon(master, "proxyserver") if master is not None else None
        if server is None:
            return 0
        waiters = []
        for handler in list(server.connections.values()):
            client = handler.client
            if port is not None and (client.sockname is None or client.sockname[1] != port):
                continue
            io = handler.transports.get(client)
            if io is not None and io.handler is not None and not io.handler.done():
                io.handler.cancel("case ended")
                waiters.append(io.handler)
        if waiters:
            await asyncio.wait(waiters, timeout=2.0)
        return len(waiters)

    # ------------------------------------------------------------ cross-thread calls
    def run_in_loop(self, make: Callable[[], Coroutine[Any, Any, T]], timeout: float = 5.0) -> T | None:
        """Run a coroutine on the proxy loop and wait for it; None when the loop is gone."""
        loop = self._loop
        if loop is None or loop.is_closed() or not self.running:
            return None
        try:
            future = asyncio.run_coroutine_threadsafe(make(), loop)
        except RuntimeError:
            return None
        try:
            return future.result(timeout)
        except Exception:
            logger.exception("a call on the proxy loop failed")
            future.cancel()
            return None

    def close_connections(self, port: int, timeout: float = 5.0) -> int:
        """Close every client connection that arrived on ``port``; returns how many were open."""
        return self.run_in_loop(lambda: self.cancel_connections(port), timeout) or 0


def _addon(master: Master, name: str) -> Any:
    """An addon of ``master`` by name (mitmproxy's addon manager is untyped)."""
    manager: Any = master.addons
    return manager.get(name)


def _set_options(opts: options.Options, **values: Any) -> None:
    updater: Any = opts
    updater.update(**values)


def _log_loop_exception(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    error = context.get("exception")
    if error is None:
        logger.error("proxy loop: %s", context.get("message"))
    else:
        logger.error("proxy loop: %s", context.get("message"), exc_info=error)


def _cancel_leftovers(loop: asyncio.AbstractEventLoop) -> None:
    tasks = [task for task in asyncio.all_tasks(loop) if not task.done()]
    for task in tasks:
        task.cancel()
    if tasks:
        loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))
    loop.run_until_complete(loop.shutdown_asyncgens())
