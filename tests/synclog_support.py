"""Helpers for the sync log tests: a customers flow between two in-memory systems, and
real engine runs that fill the run log."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from app.services.flows import FlowDefinition, FlowService
from app.services.profiles import ProfileService
from app.store import Store
from app.sync.engine import RunSummary, SyncEngine
from tests.support.memory_connector import World
from tests.support.memory_flow import CUSTOMER_MAPPING, customer

BLOCKED = "blocked@example.com"


def run_with_one_reject(store: Store, world: type[World], flow: str) -> RunSummary:
    """Five customers; C00002's e-mail is refused by the destination (parked)."""
    world.source = [customer(n, f"2026-01-01T00:00:0{n}Z") for n in range(1, 6)]
    world.source[1] = customer(2, "2026-01-01T00:00:02Z", email=BLOCKED)
    world.reject_if = {BLOCKED: f"email: '{BLOCKED}' is on the block list"}
    return SyncEngine(store).run(flow, trigger="manual", triggered_by="jsmith")


FLOW = "customers-test"


@pytest.fixture
def synclog_memory(store: Store) -> Iterator[type[World]]:
    """Memory DMS -> memory CRM customers flow (``FLOW``) on ``store``; use with
    ``pytestmark = pytest.mark.usefixtures("synclog_memory")``."""
    World.reset()
    profiles = ProfileService(store)
    src = profiles.create("Memory DMS", "test_memory", {"name": "dms"})
    dst = profiles.create("Memory CRM", "test_memory", {"name": "crm"})
    FlowService(store).upsert(
        FlowDefinition(
            slug=FLOW,
            name="Customers (test)",
            source_profile_id=src.id,
            source_stream="customers",
            dest_profile_id=dst.id,
            dest_stream="contacts",
            mapping=CUSTOMER_MAPPING,
            ownership={"email": "destination"},
        )
    )
    yield World
    World.reset()
