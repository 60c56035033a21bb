"""Conflicts as the engine records them, and handing a field to the other system: the
next run follows the new owner, including for the records whose conflict the old owner
won (they are read again even though the cursor has passed them)."""

from __future__ import annotations

import pytest

from app.services import audit, conflicts
from app.services.errors import ValidationError
from app.services.flows import FlowService
from app.store import Store
from app.store.models import Setting
from app.sync.engine import SyncEngine
from tests.support.memory_connector import World
from tests.support.memory_flow import customer


def _sink(world: type[World], key: str) -> dict[str, str]:
    return world.sink[world.by_external[key]]


def _seed_conflict(store: Store, world: type[World], flow: str) -> SyncEngine:
    world.source = [customer(1), customer(2)]
    engine = SyncEngine(store)
    engine.run(flow)
    _sink(world, "C00001")["email"] = "kept.by.crm@example.com"  # changed in the CRM
    world.source[0] = customer(1, "2026-05-01T00:00:00Z", email="new@example.com")
    summary = engine.run(flow)
    assert summary.counts["conflicts"] == 1
    return engine


def test_conflicts_are_listed_with_both_values_and_the_winner(
    store: Store, world: type[World], memory_flow: str
) -> None:
    _seed_conflict(store, world, memory_flow)
    [row] = conflicts.conflicts(store, memory_flow)
    assert (row.record_key, row.field, row.source_value, row.kept_value) == (
        "C00001", "email", "new@example.com", "person1@example.com",
    )  # fmt: skip
    assert row.winner == "destination" and row.owner_now == "destination"
    [flow] = conflicts.flows(store)
    assert (flow.count, flow.source_name, flow.dest_name) == (1, "Memory DMS", "Memory CRM")
    assert flow.system("destination") == "Memory CRM"


def test_handing_the_field_to_the_source_applies_to_the_next_run(
    store: Store, world: type[World], memory_flow: str
) -> None:
    engine = _seed_conflict(store, world, memory_flow)
    assert _sink(world, "C00001")["email"] == "kept.by.crm@example.com"

    assert conflicts.set_owner(store, memory_flow, "email", "source") == 1
    assert FlowService(store).get(memory_flow).ownership == {}
    [entry] = [e for e in audit.recent(store) if e.action == "set_owner"]
    assert entry.diff["changes"] == {
        "owner of email": {"before": "Memory CRM", "after": "Memory DMS"}
    }
    dry = engine.run(memory_flow, dry_run=True)  # a dry run shows it and keeps the queue
    assert [(p.key, p.diff["email"][1]) for p in dry.plan if p.action == "update"] == [
        ("C00001", "new@example.com")
    ]
    summary = engine.run(memory_flow)
    assert summary.counts["updated"] == 1, summary.counts
    assert _sink(world, "C00001")["email"] == "new@example.com"
    with store.session() as s:
        assert s.query(Setting).filter(Setting.key.like("flow.reread%")).count() == 0
    again = engine.run(memory_flow)  # nothing is sent twice
    assert again.counts["updated"] == 0 and again.counts["created"] == 0


def test_handing_a_field_to_the_destination_reads_nothing_again(
    store: Store, world: type[World], memory_flow: str
) -> None:
    _seed_conflict(store, world, memory_flow)
    assert conflicts.set_owner(store, memory_flow, "first_name", "destination") == 0
    assert FlowService(store).get(memory_flow).ownership == {
        "email": "destination",
        "first_name": "destination",
    }
    assert conflicts.set_owner(store, memory_flow, "first_name", "destination") == 0
    with pytest.raises(ValidationError, match="not an owner"):
        conflicts.set_owner(store, memory_flow, "email", "nobody")


def test_deleting_the_flow_drops_its_queue(
    store: Store, world: type[World], memory_flow: str
) -> None:
    _seed_conflict(store, world, memory_flow)
    conflicts.set_owner(store, memory_flow, "email", "source")
    FlowService(store).delete(memory_flow)
    with store.session() as s:
        assert s.query(Setting).filter(Setting.key.like("flow.reread%")).count() == 0
