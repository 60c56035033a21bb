"""Scheduling fixtures: the in-memory flow of tests/sync."""

from tests.sync.conftest import memory_flow, world

__all__ = ["memory_flow", "world"]
