"""Manual re-sync: a preview of the field changes, then the run; a date range resent."""

from datetime import UTC, datetime

import pytest

from app.scheduling.resync import find_range, preview, run_preview, run_range
from app.store import Store
from app.sync.engine import SyncEngine
from app.sync.errors import SyncError
from app.sync.search import search
from tests.support.memory_connector import World
from tests.support.memory_flow import customer


def test_preview_shows_field_changes_then_the_run_delivers_them(
    store: Store, world: type[World], memory_flow: str
) -> None:
    world.source = [customer(1, first_name="Robert"), customer(2)]
    SyncEngine(store).run(memory_flow)
    world.source[0]["first_name"] = "Bob"
    world.source[0]["mobile_phone"] = "(313) 555-0199"
    hits = search(store, "robert")
    assert [h.record_key for h in hits] == ["C00001"]
    plan = preview(store, hits, triggered_by="manager")
    assert plan.record_count == 1 and not plan.unmatched and not plan.busy
    changed = {c.field: (c.before, c.after) for c in plan.changes}
    assert changed == {"first_name": ("Robert", "Bob"), "phone": ("+13135550001", "+13135550199")}
    assert {c.system for c in plan.changes} == {"Memory CRM"}
    assert [r["first_name"] for r in world.sink.values() if r["external_id"] == "C00001"] == [
        "Robert"
    ]  # the preview sent nothing
    [summary] = run_preview(store, plan, triggered_by="manager")
    assert summary.status == "succeeded" and summary.counts["updated"] == 1
    [rec] = [r for r in world.sink.values() if r["external_id"] == "C00001"]
    assert rec["first_name"] == "Bob" and rec["phone"] == "+13135550199"


def test_date_range_finds_and_resends_only_records_changed_inside_it(
    store: Store, world: type[World], memory_flow: str
) -> None:
    world.source = [customer(n, updated=f"2026-03-{n:02d}T10:00:00Z") for n in range(1, 8)]
    SyncEngine(store).run(memory_flow)
    writes_before = sum(world.writes)
    found = find_range(
        store, memory_flow, datetime(2026, 3, 3, tzinfo=UTC), datetime(2026, 3, 5, 23, tzinfo=UTC)
    )
    assert found.keys == ["C00003", "C00004", "C00005"] and found.cursor_field == "updated_at"
    summaries = run_range(store, found, triggered_by="manager")
    assert [s.status for s in summaries] == ["succeeded"]
    assert sum(world.writes) - writes_before == 3  # forced: sent again though unchanged
    with pytest.raises(SyncError, match="end of the range"):
        find_range(store, memory_flow, datetime(2026, 3, 5, tzinfo=UTC),
                   datetime(2026, 3, 1, tzinfo=UTC))  # fmt: skip


def test_a_range_resync_in_batches_counts_on_instead_of_starting_again(
    store: Store, world: type[World], memory_flow: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 23: the counter reset every batch; now it counts the job, one total."""
    from app.scheduling import resync

    monkeypatch.setattr(resync, "RANGE_BATCH", 3)
    world.source = [customer(n, updated=f"2026-03-{n:02d}T10:00:00Z") for n in range(1, 11)]
    SyncEngine(store).run(memory_flow)
    found = find_range(
        store, memory_flow, datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 3, 31, tzinfo=UTC)
    )
    seen: list[tuple[int, int | None, str]] = []
    summaries = run_range(store, found, progress=lambda p: seen.append((p.done, p.total, p.phase)))
    assert len(summaries) == 4  # 3 + 3 + 3 + 1
    done = [d for d, _t, _p in seen]
    assert done == sorted(done), "the count went back at a batch boundary"
    assert {t for _d, t, _p in seen} == {10}
    assert seen[-1][0] == 10 and seen[-1][2] == "done"
    assert [p for _d, _t, p in seen].count("done") == 1  # the job ends once
