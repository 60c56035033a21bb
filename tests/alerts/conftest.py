"""Alert fixtures: a memory flow whose runs give the monitor something to report."""

from tests.sync.conftest import memory_flow, world

__all__ = ["memory_flow", "world"]
