"""Shared pytest configuration. Area-specific helpers live in tests/support/."""
