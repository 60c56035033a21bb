"""Retention for everything (issue 24, item 7): the search index, last-sent state, the
duplicate finder, merge history, drift samples, settled events, archives and database
backups age out under one policy; the Retention screen's figures say what each holds."""

from __future__ import annotations

import gzip
import json
from datetime import timedelta
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import select, text

from app.services import retention
from app.services.matching_queue import MatchingQueue, QueueFilter
from app.services.merging import MergeService
from app.services.profiles import ProfileService
from app.services.retention import RetentionPolicy
from app.store import Store, retailing_inbox
from app.store.mapping_models import SchemaSnapshot
from app.store.matching_models import MatchRecord, Merge
from app.store.migrations import LATEST_VERSION, MIGRATIONS, migrate
from app.store.models import DeliveryState, RecordIndex, utcnow
from app.sync.engine import SyncEngine
from app.sync.search import search
from tests.support.memory_connector import World
from tests.support.memory_flow import customer

OLD = 2000  # days


@pytest.fixture
def everything(store: Store, memory_flow: str, world: type[World]) -> Store:
    """Three customers synced (index, last sent, drift samples), matched and merged."""
    world.source = [customer(1, last_name="Oldfellow"), customer(2), customer(3)]
    assert SyncEngine(store).run(memory_flow).status == "succeeded"
    uid = ProfileService(store).get_by_name("Memory DMS").uid
    q = MatchingQueue(store)
    twin = {**customer(1, last_name="Oldfellow"), "customer_id": "C00001-B"}
    q.load_records(uid, "Memory DMS", pd.DataFrame([customer(1, last_name="Oldfellow"), twin]),
                   "customer_id", kind="test_memory")  # fmt: skip
    assert q.scan() == 1
    candidate = q.page(QueueFilter(status="open"), 0, 1)[0]
    MergeService(store, mergers=lambda _s: None).merge(candidate.id)
    return store


def _age_all_but(store: Store, keep: str) -> None:
    old = (utcnow() - timedelta(days=OLD)).replace(tzinfo=None)
    with store.session() as s:
        s.execute(text("UPDATE record_index SET updated_at = :o WHERE record_key != :k"),
                  {"o": old, "k": keep})  # fmt: skip
        s.execute(text("UPDATE delivery_state SET delivered_at = :o WHERE record_key != :k"),
                  {"o": old, "k": keep})  # fmt: skip
        for sql in (
            "UPDATE match_records SET loaded_at = :o",
            "UPDATE match_candidates SET decided_at = :o, created_at = :o",
            "UPDATE merges SET merged_at = :o",
            "UPDATE schema_snapshots SET last_seen_at = :o, taken_at = :o",
        ):
            s.execute(text(sql), {"o": old})


def test_every_place_that_keeps_people_ages_out(everything: Store) -> None:
    store = everything
    with store.session() as s:
        samples = json.dumps([x.fields for x in s.scalars(select(SchemaSnapshot))])
    assert "person1@example.com" in samples and search(store, "Oldfellow")
    _age_all_but(store, keep="C00003")
    report = retention.prune(store, RetentionPolicy())
    assert report.removed["search index rows"] == 4  # two index rows, two last-sent rows
    with store.session() as s:
        assert [r.record_key for r in s.scalars(select(RecordIndex))] == ["C00003"]
        assert [d.record_key for d in s.scalars(select(DeliveryState))] == ["C00003"]
        assert s.scalars(select(MatchRecord)).all() == []
        merge = s.scalars(select(Merge)).one()
        assert merge.status == "expired" and merge.before == {} and "Oldfellow" not in merge.title
        samples = json.dumps([x.fields for x in s.scalars(select(SchemaSnapshot))])
        assert "@example.com" not in samples and '"email"' in samples  # field list kept
    assert search(store, "Oldfellow") == []  # gone from the full-text index too
    assert "search index rows" in report.message()


def test_nothing_young_is_touched(everything: Store) -> None:
    report = retention.prune(everything, RetentionPolicy())
    assert not any(report.removed.values()), report.removed
    with everything.session() as s:
        assert len(s.scalars(select(RecordIndex)).all()) == 3
        assert s.scalars(select(Merge)).one().status == "merged"


def test_backups_are_named_with_the_day_they_age_out_and_go_then(
    store: Store, tmp_path: Path
) -> None:
    retention.save_policy(store, RetentionPolicy(backup_days=30))
    store.dispose()
    upgrade = [*MIGRATIONS, ["CREATE TABLE later_feature (x INTEGER)"]]  # a newer build
    migrate(store.paths.database, store.paths.backups_dir, upgrade)
    [backup] = list(store.paths.backups_dir.glob(f"rooftop-v{LATEST_VERSION}-*.db"))
    until = (utcnow() + timedelta(days=30)).strftime("%Y-%m-%d")
    assert backup.name.endswith(f"-until-{until}.db")
    aged = store.paths.backups_dir / "rooftop-v9-20200101-000000-000000-until-2020-03-31.db"
    legacy = store.paths.backups_dir / "rooftop-v8-20200101-000000-000000.db"
    for path in (aged, legacy):
        path.write_bytes(b"old")
    archive = store.paths.data_dir / "archive" / "sync-log-20200101-000000.jsonl.gz"
    archive.parent.mkdir()
    archive.write_bytes(gzip.compress(b"{}\n"))
    report = retention.prune(store, retention.load_policy(store))
    assert report.removed["backups"] == 2 and report.removed["archives"] == 1
    assert [p.name for p in store.paths.backups_dir.iterdir()] == [backup.name]


def test_the_screen_figures_say_what_each_place_holds(everything: Store) -> None:
    areas = {a.area: a for a in retention.usage(everything)}
    assert {"Sync log", "Search index", "Duplicate finder", "Merge history", "Drift samples",
            "Archives", "Database backups", "Log files"} <= set(areas)  # fmt: skip
    assert areas["Sync log"].rows > 0 and areas["Sync log"].bytes > 0
    assert areas["Search index"].rows == 3 and areas["Search index"].bytes > 0
    assert areas["Merge history"].rows == 1
    assert "1095 d" in areas["Search index"].kept


def test_every_day_count_is_checked() -> None:
    with pytest.raises(Exception, match="search index"):
        RetentionPolicy(index_days=0).validate()
    with pytest.raises(Exception, match="database backups"):
        RetentionPolicy(backup_days=5000).validate()


def test_deal_jackets_age_out_after_their_last_version(store: Store) -> None:
    """The digital-retailing inbox holds shoppers: a deal no new version came for in the
    index retention is removed, a recent one stays."""
    with store.session() as s:
        for key in ("D-OLD", "D-NEW"):
            body = {"vehicle_invoice": {"vehicle_invoice_key": key}}
            assert retailing_inbox.offer(s, "tool", key, (1, ""), body) == "stored"
    old = (utcnow() - timedelta(days=OLD)).replace(tzinfo=None)
    with store.session() as s:
        s.execute(text("UPDATE retailing_jackets SET updated_at = :o WHERE deal_key = 'D-OLD'"),
                  {"o": old})  # fmt: skip
    report = retention.prune(store, RetentionPolicy())
    assert report.removed["deal jackets"] == 1
    with store.session() as s:
        assert [k.deal_key for k in retailing_inbox.since(s, "tool", 0)] == ["D-NEW"]
    areas = {a.area: a for a in retention.usage(store)}
    assert areas["Digital-retailing inbox"].rows == 1


def test_read_leads_received_by_post_age_out_with_the_payloads(
    store: Store, tmp_path: Path
) -> None:
    """An ADF inbox keeps each POSTed lead as XML: read ones older than the payload days
    go (with the note beside each); a young one and one still waiting stay; the screen
    counts them."""
    import os

    from app.connectors.adf_http import Spool

    spool_dir = tmp_path / "lead-spool"
    ProfileService(store).create(
        "Website leads", "adf_inbox",
        {"imap_host": "mail.example.com", "username": "leads", "listen": True,
         "spool_folder": str(spool_dir)},
        require_secrets=False,
    )  # fmt: skip
    spool = Spool(spool_dir)
    old, young = (spool.put(b"<adf/>", charset=None, remote="x") for _ in range(2))
    spool.mark_processed([old, young])
    waiting = spool.put(b"<adf/>", charset=None, remote="x")
    month_ago = (utcnow() - timedelta(days=45)).timestamp()
    for name in (old,):
        os.utime(spool.processed / f"{name}.xml", (month_ago, month_ago))
    os.utime(spool.incoming / f"{waiting}.xml", (month_ago, month_ago))
    usage = {a.area: a for a in retention.usage(store)}
    assert usage["Received leads"].rows == 3
    report = retention.prune(store, RetentionPolicy(payload_days=30))
    assert report.removed["received leads"] == 1
    left = sorted(p.name for p in spool_dir.rglob("*.xml"))
    assert left == sorted([f"{young}.xml", f"{waiting}.xml"])
    assert not (spool.processed / f"{old}.json").exists()
