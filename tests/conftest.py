"""Shared pytest configuration. Area-specific helpers live in tests/support/."""

# The recording proxy fixtures (recording_proxy, proxy_factory) for every test module.
pytest_plugins = ["support.proxy"]
