"""Retention of the sync log on a real store: payloads cleared after N days, events
deleted after M days, archived to .jsonl.gz first, retry-queue records kept."""

from __future__ import annotations

import gzip
import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from app.services import retention
from app.services.errors import ValidationError
from app.services.retention import RetentionPolicy
from app.store import Store
from app.store.models import RecordOutcome, utcnow
from app.sync.engine import SyncEngine
from tests.support.memory_connector import World
from tests.support.synclog import FLOW, run_with_one_reject

pytestmark = pytest.mark.usefixtures("synclog_memory")


def _age(store: Store, keys: list[str], days: int) -> None:
    with store.session() as s:
        s.execute(
            update(RecordOutcome)
            .where(RecordOutcome.record_key.in_(keys))
            .values(started_at=utcnow() - timedelta(days=days))
        )


def _outcomes(store: Store) -> list[RecordOutcome]:
    with store.session() as s:
        return list(s.scalars(select(RecordOutcome).order_by(RecordOutcome.id)).all())


@pytest.fixture
def aged(store: Store) -> Store:
    """C00001 and the parked C00002 are 400 days old, C00003 40 days, the rest new."""
    run_with_one_reject(store, World, FLOW)
    _age(store, ["C00001", "C00002"], 400)
    _age(store, ["C00003"], 40)
    return store


def test_prune_archives_then_deletes_and_clears(aged: Store) -> None:
    policy = RetentionPolicy(payload_days=30, event_days=365, archive=True)
    seen: list[tuple[int, int, str]] = []
    report = retention.prune(aged, policy, progress=lambda d, t, m: seen.append((d, t, m)))
    assert report.events_deleted == 1  # C00001; the parked C00002 waits in the retry queue
    assert report.payloads_cleared == 2  # C00002 (kept event) and C00003
    rows = {o.record_key: o for o in _outcomes(aged)}
    assert "C00001" not in rows and "C00002" in rows
    assert rows["C00003"].source_payload is None and rows["C00003"].sent_payload is None
    assert rows["C00004"].source_payload is not None  # new: untouched
    assert report.archive_path and seen
    with gzip.open(report.archive_path, "rt", encoding="utf-8") as fh:
        lines = [json.loads(line) for line in fh]
    assert {(x["kind"], x["record_key"]) for x in lines} == {
        ("event", "C00001"),
        ("payloads", "C00002"),
        ("payloads", "C00003"),
    }
    assert all(x["source_payload"] for x in lines)  # what was removed is in the archive
    again = retention.prune(aged, policy)
    assert (again.events_deleted, again.payloads_cleared) == (0, 0)
    assert "Nothing to clean up" in again.message()
    when, message = retention.last_run(aged)
    assert when is not None and "Nothing" in message


def test_prune_without_archive_writes_no_file(aged: Store) -> None:
    report = retention.prune(aged, RetentionPolicy(payload_days=10, event_days=20, archive=False))
    assert report.archive_path is None
    assert report.events_deleted == 2  # C00001 and C00003
    assert not (aged.paths.data_dir / "archive").exists()


def test_cancel_stops_between_batches(aged: Store) -> None:
    report = retention.prune(aged, RetentionPolicy(), cancelled=lambda: True)
    assert report.cancelled and report.events_deleted == 0
    with aged.session() as s:
        assert s.scalar(select(func.count(RecordOutcome.id))) == 5


def test_policy_is_saved_validated_and_due_daily(
    store: Store,
) -> None:
    assert retention.load_policy(store) == RetentionPolicy()
    with pytest.raises(ValidationError):
        retention.save_policy(store, RetentionPolicy(payload_days=90, event_days=30))
    with pytest.raises(ValidationError):
        RetentionPolicy(payload_days=0).validate()
    retention.save_policy(store, RetentionPolicy(payload_days=14, event_days=90, archive=False))
    assert retention.load_policy(store).payload_days == 14
    assert retention.due(store)
    retention.prune(store)
    assert not retention.due(store)
    assert retention.due(store, now=utcnow() + timedelta(hours=25))
    retention.save_policy(store, RetentionPolicy(enabled=False))
    assert not retention.due(store, now=utcnow() + timedelta(days=3))
    SyncEngine(store)  # the store stays usable for the engine after retention ran
