"""Reading one input file's bytes, bounded: only regular files, a size cap, a time limit.

Every file a user hands the harness (fixtures, overlays, scenario, policy,
known-failures and profile files, exec manifests, the CLI's output-schema
manifest) is read through :func:`read_input_bytes`, by way of
:func:`conformance.fixture.read_json_file` and
:func:`conformance.strict_yaml.load_yaml_file`. The decisions:

- **Only regular files.** A FIFO named ``*.json`` would block ``open()``
  until some writer appears, a character device such as ``/dev/zero`` never
  ends, a socket cannot be opened at all. Each is an
  :class:`~conformance.problems.InputError` naming the kind of file found. The
  type is checked on the path, then again on the opened descriptor (opened
  with ``O_NONBLOCK``, so opening a FIFO that appeared in between cannot
  block either).
- **A size cap** from the file's own size, before a byte is read, and again
  on the bytes read (a file that grows while it is read).
- **A time limit as the last guard** (:data:`READ_TIMEOUT_SECONDS`): a
  regular file on a hung network or FUSE mount can still block in the
  kernel. The read runs in a daemon thread; when it has not finished in time
  the file is an input problem and the thread is abandoned (it cannot keep
  the process alive, so SIGTERM and the end of the run still work).
"""

from __future__ import annotations

import os
import stat
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from conformance.problems import InputError, Problem

__all__ = ["READ_TIMEOUT_SECONDS", "ReadTimeout", "file_kind", "read_input_bytes", "within_time"]

#: How long reading one input file may take before it is given up.
READ_TIMEOUT_SECONDS = 10.0
_T = TypeVar("_T")


class ReadTimeout(Exception):
    """Raised by :func:`within_time` when the work did not finish in time."""


def file_kind(mode: int) -> str:
    """What a ``st_mode`` says the file is, in the words of a problem's ``found``."""
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    return "not a regular file"


def within_time(work: Callable[[], _T], seconds: float) -> _T:
    """``work()`` run in a daemon thread; :class:`ReadTimeout` when it takes longer than ``seconds``.

    Whatever ``work`` raises is raised here. A thread that is still blocked
    when time runs out is left behind as a daemon: it cannot hold the process.
    """
    outcome: dict[str, object] = {}

    def target() -> None:
        try:
            outcome["value"] = work()
        except BaseException as error:  # handed to the caller below
            outcome["error"] = error

    thread = threading.Thread(target=target, name="dw-input-read", daemon=True)
    thread.start()
    thread.join(seconds)
    if thread.is_alive():
        raise ReadTimeout(f"not read within {seconds:g} seconds")
    if "error" in outcome:
        raise outcome["error"]  # type: ignore[misc]
    return outcome["value"]  # type: ignore[return-value]


def _read(path: Path, max_bytes: int) -> bytes:
    file = str(path)
    try:
        mode = os.stat(path).st_mode
    except OSError as error:
        raise InputError([Problem(file, "", "a readable file", error.strerror or str(error))]) from None
    if stat.S_ISDIR(mode):
        raise InputError([Problem(file, "", "a file", "a directory")])
    if not stat.S_ISREG(mode):
        raise InputError([Problem(file, "", "a regular file", file_kind(mode))])
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC | getattr(os, "O_NOCTTY", 0))
    except OSError as error:
        raise InputError([Problem(file, "", "a readable file", error.strerror or str(error))]) from None
    with os.fdopen(descriptor, "rb") as handle:
        status = os.fstat(descriptor)
        if not stat.S_ISREG(status.st_mode):  # replaced between the two looks
            raise InputError([Problem(file, "", "a regular file", file_kind(status.st_mode))])
        if status.st_size > max_bytes:
            raise InputError(
                [Problem(file, "", f"a file of at most {max_bytes} bytes", f"{status.st_size} bytes")]
            )
        try:
            raw = handle.read(max_bytes + 1)
        except OSError as error:
            raise InputError([Problem(file, "", "a readable file", error.strerror or str(error))]) from None
    if len(raw) > max_bytes:
        raise InputError([Problem(file, "", f"a file of at most {max_bytes} bytes", "a larger file")])
    return raw


def read_input_bytes(path: Path, *, max_bytes: int, timeout: float = READ_TIMEOUT_SECONDS) -> bytes:
    """The bytes of one regular input file; anything else is an :class:`InputError` (module docstring)."""
    try:
        return within_time(lambda: _read(path, max_bytes), timeout)
    except ReadTimeout as error:
        raise InputError([Problem(str(path), "", "a file that can be read", str(error))]) from None
