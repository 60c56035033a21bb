"""Two flow options: ``source_filter`` (only the source records a flow is about) and
``update_only`` (never create at the destination, only keep what it has up to date)."""

from __future__ import annotations

from app.store import Store
from app.store.models import Flow
from app.sync.engine import SyncEngine
from tests.support.memory_connector import World
from tests.support.memory_flow import customer


def _options(store: Store, slug: str, **options: object) -> None:
    with store.session() as s:
        flow = s.query(Flow).filter(Flow.slug == slug).one()
        flow.options = {**(flow.options or {}), **options}


def test_source_filter_takes_only_the_wanted_rows(
    store: Store, world: type[World], memory_flow: str
) -> None:
    world.source = [
        customer(1, last_name="Keep"),
        customer(2, last_name="drop"),
        customer(3, last_name="KEEP", email=""),
        customer(4, last_name="keep"),
    ]
    _options(store, memory_flow, source_filter={"last_name": ["keep"], "email": "*"})
    summary = SyncEngine(store).run(memory_flow)
    assert summary.status == "succeeded"
    assert summary.counts["read"] == 2 and summary.counts["created"] == 2
    assert sorted(r["external_id"] for r in world.sink.values()) == ["C00001", "C00004"]
    _options(store, memory_flow, source_filter={"no_such_field": "*"})
    again = SyncEngine(store).run(memory_flow, full=True)
    assert again.counts["read"] == 0 and len(world.sink) == 2


def test_update_only_never_creates(store: Store, world: type[World], memory_flow: str) -> None:
    world.source = [customer(1), customer(2)]
    assert SyncEngine(store).run(memory_flow).counts["created"] == 2
    _options(store, memory_flow, update_only=True)
    world.source = [
        customer(1, "2026-02-01T00:00:00Z", first_name="Changed"),
        customer(3, "2026-02-01T00:00:00Z"),
    ]
    summary = SyncEngine(store).run(memory_flow)
    assert summary.status == "succeeded", summary.error
    assert summary.counts["updated"] == 1 and summary.counts["created"] == 0
    assert summary.counts["skipped"] == 1
    assert len(world.sink) == 2
    assert any(r["first_name"] == "Changed" for r in world.sink.values())
