"""Helpers shared by tests of several packages (instead of importing another package's
conftest)."""
