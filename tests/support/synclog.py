"""The sync log's test data: a customers flow between the two in-memory systems
(``synclog_memory`` fixture) and real engine runs that fill the run log."""

from __future__ import annotations

import pytest

from app.store import Store
from app.sync.engine import RunSummary, SyncEngine
from tests.support.memory_connector import World
from tests.support.memory_flow import customer

BLOCKED = "blocked@example.com"


def run_with_one_reject(store: Store, world: type[World], flow: str) -> RunSummary:
    """Five customers; C00002's e-mail is refused by the destination (parked)."""
    world.source = [customer(n, f"2026-01-01T00:00:0{n}Z") for n in range(1, 6)]
    world.source[1] = customer(2, "2026-01-01T00:00:02Z", email=BLOCKED)
    world.reject_if = {BLOCKED: f"email: '{BLOCKED}' is on the block list"}
    return SyncEngine(store).run(flow, trigger="manual", triggered_by="jsmith")


FLOW = "customers-test"


@pytest.fixture
def synclog_memory(world: type[World], memory_flow: str) -> type[World]:
    """Memory DMS -> memory CRM customers flow (``FLOW``) on ``store``; use with
    ``pytestmark = pytest.mark.usefixtures("synclog_memory")``."""
    assert memory_flow == FLOW
    return world
