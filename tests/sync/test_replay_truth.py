"""A record whose last attempt failed is never skipped as unchanged: replay and the next
run send it, it stays parked (with the reason) until the destination accepts it, and a
replay that delivers nothing says so."""

from __future__ import annotations

from sqlalchemy import select

from app.store import Store
from app.store.models import DeliveryState, ParkedRecord
from app.sync.engine import SyncEngine
from app.sync.log_replay import ReplayReport
from tests.support.memory_connector import World
from tests.support.memory_flow import customer


def _queue(store: Store) -> list[tuple[str, str, int]]:
    with store.session() as s:
        rows = s.scalars(select(ParkedRecord).order_by(ParkedRecord.id)).all()
        return [(r.record_key, r.status, r.attempts) for r in rows]


def test_refused_after_an_earlier_delivery_stays_parked_until_accepted(
    store: Store, world: type[World], memory_flow: str
) -> None:
    world.source = [customer(n, last_name="Walker" if n == 2 else f"last{n}") for n in (1, 2, 3)]
    engine = SyncEngine(store)
    assert engine.run(memory_flow).counts["created"] == 3

    # the destination now refuses record 2 (same payload as its last delivery)
    world.reject_if = {"Walker": "no contact 'K002414'"}
    resync = engine.run(memory_flow, keys=["C00002"])
    assert resync.status == "completed_with_errors" and resync.counts["parked"] == 1
    writes = len(world.writes)

    replay = engine.replay(memory_flow)
    assert len(world.writes) > writes, "the replay sent nothing"
    assert replay.counts["skipped"] == 0 and replay.counts["unchanged"] == 0
    assert replay.status == "completed_with_errors" and replay.exit_code == 1
    assert _queue(store) == [("C00002", "open", 2)]
    report = ReplayReport(runs=[replay], replayed=1)
    assert not report.all_delivered
    assert report.message().startswith("Not delivered")

    # the next full run sends it too (the others, unchanged, are skipped) and parks it again
    full = engine.run(memory_flow, full=True)
    assert full.counts["skipped"] == 2 and full.counts["parked"] == 1
    assert _queue(store) == [("C00002", "open", 3)]

    world.reject_if = {}
    fixed = engine.replay(memory_flow)
    assert fixed.status == "succeeded"
    assert ReplayReport(runs=[fixed], replayed=1).all_delivered
    assert _queue(store) == [("C00002", "resolved", 3)]
    with store.session() as s:
        assert all(d.failed_at is None for d in s.scalars(select(DeliveryState)))
    # delivered again: now it may be skipped as unchanged
    assert engine.run(memory_flow, full=True).counts["skipped"] == 3


def test_lost_in_transit_after_an_earlier_delivery_is_sent_by_the_next_run(
    store: Store, world: type[World], memory_flow: str
) -> None:
    world.source = [customer(n) for n in (1, 2)]
    engine = SyncEngine(store)
    engine.run(memory_flow)
    world.fail_batches = 1
    lost = engine.run(memory_flow, keys=["C00001"])
    assert lost.status == "failed" and lost.counts["failed"] == 1
    with store.session() as s:
        marked = {d.record_key for d in s.scalars(select(DeliveryState)) if d.failed_at}
    assert marked == {"C00001"}
    again = engine.run(memory_flow, full=True)
    assert again.counts["skipped"] == 1  # C00002 only
    assert again.counts["unchanged"] == 2  # C00001 was sent; the sink says it holds it


def test_a_replay_that_sends_nothing_says_not_sent(
    store: Store, world: type[World], memory_flow: str
) -> None:
    world.source = [customer(1)]
    summary = SyncEngine(store).run(memory_flow)
    summary.counts.update(created=0, unchanged=1, skipped=1)  # as if it had been skipped
    report = ReplayReport(runs=[summary], replayed=1)
    assert not report.all_delivered and report.undelivered == 1
    assert report.message().startswith("Not sent")
