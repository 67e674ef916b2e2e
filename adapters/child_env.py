"""The environment a client subprocess runs with.

Design decisions:

- The client must talk to the server URL of *this case* and nothing else, so
  every variable that could point it elsewhere is removed from the parent's
  environment before the case's connection is set: every ``DURABLE_WORKFLOW_*``
  and every ``DW_*`` variable (``DW_CLI`` included: the adapter has already
  read it), and the HTTP proxy variables (``HTTP_PROXY``, ``https_proxy``,
  ``ALL_PROXY``, ``NO_PROXY`` in any letter case). The server URL is always
  the recording proxy on 127.0.0.1; routing it through a corporate proxy
  would either fail or bypass the recording.
- Names are compared in upper case, so ``dw_profile`` goes too.
- Everything else (``PATH``, ``HOME``, locale, ``FAKE_DW_*`` test switches...)
  is kept: a client needs its interpreter, its home and its locale to start.
- The connection is then set in the three variables both shipped clients read:
  ``DURABLE_WORKFLOW_SERVER_URL``, ``DURABLE_WORKFLOW_NAMESPACE`` and
  ``DURABLE_WORKFLOW_AUTH_TOKEN``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

SCRUBBED_PREFIXES = ("DURABLE_WORKFLOW_", "DW_")
PROXY_VARIABLES = frozenset({"HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"})

SERVER_URL_VARIABLE = "DURABLE_WORKFLOW_SERVER_URL"
NAMESPACE_VARIABLE = "DURABLE_WORKFLOW_NAMESPACE"
TOKEN_VARIABLE = "DURABLE_WORKFLOW_AUTH_TOKEN"


def is_scrubbed(name: str) -> bool:
    """True for a variable that never reaches a client subprocess from the parent."""
    upper = name.upper()
    return upper.startswith(SCRUBBED_PREFIXES) or upper in PROXY_VARIABLES


def scrubbed(base: Mapping[str, str] | None = None) -> dict[str, str]:
    """``base`` (default: this process's environment) without the scrubbed variables."""
    source = os.environ if base is None else base
    return {name: value for name, value in source.items() if not is_scrubbed(name)}


def client_environment(
    server_url: str,
    namespace: str,
    token: str,
    base: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The scrubbed environment with the case's connection set."""
    environment = scrubbed(base)
    environment[SERVER_URL_VARIABLE] = server_url
    environment[NAMESPACE_VARIABLE] = namespace
    environment[TOKEN_VARIABLE] = token
    return environment


def harness_settings_seen_by_sdk(base: Mapping[str, str] | None = None) -> list[str]:
    """Names of variables in ``base`` an in-process client would read although a subprocess would not.

    The in-process Python SDK shares the harness's environment (it cannot be
    scrubbed per thread); the adapter mentions these names in its outcome.
    """
    source = os.environ if base is None else base
    return sorted(name for name in source if is_scrubbed(name))
