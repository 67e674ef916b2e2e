"""Client adapters (installed as ``conformance.adapters``).

An adapter makes one client perform one fixture's operation against a server
URL the harness gives it, and reports what the client did. Adapters never
compare anything: comparison is the engine's job. See ``README.md`` beside
this file for the ``exec`` protocol that clients in other languages use.
"""

from conformance.adapters.base import (
    Adapter,
    AdapterError,
    Availability,
    CaseInput,
    ClientIdentity,
    ClientOutcome,
)

__all__ = ["Adapter", "AdapterError", "Availability", "CaseInput", "ClientIdentity", "ClientOutcome"]
