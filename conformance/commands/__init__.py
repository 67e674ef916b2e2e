"""Sub-commands of ``dw-conformance``; each module has ``register`` and ``run``."""
