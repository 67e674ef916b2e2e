"""The one base class of usage errors, and the exit codes every sub-command shares.

A usage error means the command cannot do its job with what it was given: an
unknown adapter, an unreadable fixtures directory, a bad server profile,
mismatched shard results, a report directory that cannot be written. Every
such error of every sub-command derives from :class:`UsageError`;
:func:`conformance.cli.main` turns it into its message on stderr and
:data:`EXIT_USAGE`, in one place. (Problems *in the inputs being checked*, a
fixture that contradicts itself for instance, are not usage errors: they are
reported as input problems and the other inputs go on.)
"""

from __future__ import annotations

#: The command did its job and found nothing wrong.
EXIT_OK = 0
#: The thing checked is wrong (invalid fixtures, drift, nonconforming clients).
EXIT_FAILED = 1
#: The exit code of every usage or configuration error.
EXIT_USAGE = 2


class UsageError(Exception):
    """The command cannot run with these arguments or inputs (exit code 2, message on stderr)."""

    exit_code = EXIT_USAGE
