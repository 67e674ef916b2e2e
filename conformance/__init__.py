"""dw-conformance: wire-level parity conformance harness for Durable Workflow v2 clients."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("dw-conformance")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+source"

#: Version of the conformance suite (the shipped corpus and the verdict rules).
SUITE_VERSION = "1"
