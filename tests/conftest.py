"""Shared pytest configuration. Area-specific helpers live in tests/support/."""

from pathlib import Path

import pytest

from support import real_clients

# The recording proxy fixtures (recording_proxy, proxy_factory) for every test module.
pytest_plugins = ["support.proxy"]


# ---------------------------------------------- the real clients (tests/support/real_clients.py)
@pytest.fixture(scope="session")
def real_dw_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real ``dw`` built from ``../shared/upstream/cli`` on Debian's PHP (skips when it cannot be)."""
    return real_clients.real_dw(tmp_path_factory.mktemp("real-dw"))


@pytest.fixture(scope="session")
def sdk_pypi_python() -> Path:
    """A cached interpreter with the newest PyPI ``durable-workflow`` (skips when pip cannot install it)."""
    return real_clients.sdk_interpreter("pypi", real_clients.cache_root())


@pytest.fixture(scope="session")
def sdk_head_python() -> Path:
    """A cached interpreter with the SDK HEAD from ``../shared/upstream/sdk-python``."""
    return real_clients.sdk_interpreter("head", real_clients.cache_root())
