"""Sync log queries against real engine runs (memory systems) in a real SQLite store."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from app.services.profiles import ProfileService
from app.store import Store
from app.store.log_queries import EventFilter, count_events, filter_options, list_events
from app.store.log_runs import RunFilter, list_runs
from app.store.log_search import find_records
from app.store.log_timeline import open_parked_for_events, payloads, record_story
from app.store.models import RecordOutcome, utcnow
from app.sync.engine import SyncEngine
from tests.support.memory_connector import World
from tests.support.synclog import BLOCKED, FLOW, run_with_one_reject

pytestmark = pytest.mark.usefixtures("synclog_memory")


def _events(store: Store, f: EventFilter, **kw: object) -> list:  # type: ignore[type-arg]
    with store.session() as s:
        return list_events(s, f, **kw)  # type: ignore[arg-type]


def test_runs_list_newest_first_with_counts_and_trigger(store: Store) -> None:
    first = run_with_one_reject(store, World, FLOW)
    second = SyncEngine(store).run(FLOW, trigger="schedule")
    with store.session() as s:
        runs = list_runs(s, RunFilter())
        assert [r.id for r in runs] == [second.run_id, first.run_id]
        older = runs[1]
        assert older.flow_name == "Customers (test)"
        assert (older.trigger, older.triggered_by) == ("manual", "jsmith")
        assert older.status == "completed_with_errors"
        assert older.counts["read"] == 5 and older.counts["parked"] == 1
        assert older.counts["created"] == 4 and older.duration_s is not None
        only_manual = list_runs(s, RunFilter(triggers=("manual",)))
        assert [r.id for r in only_manual] == [first.run_id]
        assert list_runs(s, RunFilter(statuses=("failed",))) == []


def test_event_filters_status_flow_entity_system_and_time(store: Store) -> None:
    summary = run_with_one_reject(store, World, FLOW)
    everything = _events(store, EventFilter())
    assert len(everything) == 5 and [e.id for e in everything] == sorted(
        (e.id for e in everything), reverse=True
    )
    parked = _events(store, EventFilter(statuses=("parked",)))
    assert [(e.record_key, e.status) for e in parked] == [("C00002", "parked")]
    assert "block list" in (parked[0].error or "") and parked[0].in_queue
    assert parked[0].name == "first2 last2"  # from the search index
    problems = _events(store, EventFilter(statuses=("parked", "failed")))
    assert [e.record_key for e in problems] == ["C00002"]
    flow_id = everything[0].flow_id
    assert flow_id is not None
    assert len(_events(store, EventFilter(flow_ids=(flow_id,)))) == 5
    assert _events(store, EventFilter(flow_ids=(flow_id + 99,))) == []
    assert len(_events(store, EventFilter(entity="customer"))) == 5
    assert _events(store, EventFilter(entity="vehicle")) == []
    crm = ProfileService(store).get_by_name("Memory CRM")
    assert len(_events(store, EventFilter(system=crm.uid))) == 5
    assert _events(store, EventFilter(system="no-such-system")) == []
    assert len(_events(store, EventFilter(run_id=summary.run_id))) == 5
    now = utcnow()
    assert len(_events(store, EventFilter(since=now - timedelta(hours=1)))) == 5
    assert _events(store, EventFilter(since=now + timedelta(hours=1))) == []
    assert _events(store, EventFilter(until=now - timedelta(hours=1))) == []
    # a time window that excludes older events even though their run overlaps it
    with store.session() as s:
        s.execute(
            update(RecordOutcome)
            .where(RecordOutcome.record_key == "C00001")
            .values(started_at=now - timedelta(days=10))
        )
    recent = _events(store, EventFilter(since=now - timedelta(days=1), statuses=("delivered",)))
    assert "C00001" not in {e.record_key for e in recent} and len(recent) == 3


def test_paging_walks_every_event_once(store: Store) -> None:
    run_with_one_reject(store, World, FLOW)
    SyncEngine(store).run(FLOW, full=True)
    for f in (EventFilter(), EventFilter(statuses=("delivered", "unchanged", "parked"))):
        seen: list[int] = []
        before = None
        while True:
            page = _events(store, f, before_id=before, limit=2)
            if not page:
                break
            assert len(page) <= 2
            seen += [e.id for e in page]
            before = page[-1].id
        assert seen == sorted(set(seen), reverse=True)
        assert len(seen) == len(_events(store, f, limit=1000))
    with store.session() as s:
        assert count_events(s, EventFilter()) == (10, False)
        assert count_events(s, EventFilter(), cap=3) == (3, True)


def test_search_by_business_keys_finds_the_record_events(store: Store) -> None:
    run_with_one_reject(store, World, FLOW)
    for query in ("(313) 555-0002", "+1 313 555 0002", BLOCKED, "C00002", "first2", "FIRST2 la"):
        found = _events(store, EventFilter(search=query))
        assert {e.record_key for e in found} == {"C00002"}, query
    assert _events(store, EventFilter(search="nobody-like-this")) == []
    combined = _events(store, EventFilter(search="C00002", statuses=("delivered",)))
    assert combined == []
    with store.session() as s:
        hits = find_records(s, "313-555-0004")
        assert [h.record_key for h in hits] == ["C00004"]


def test_replay_links_to_the_original_whose_error_stays_visible(store: Store) -> None:
    run_with_one_reject(store, World, FLOW)
    original = _events(store, EventFilter(statuses=("parked",)))[0]
    with store.session() as s:
        queue = open_parked_for_events(s, [original.id])
    assert list(queue) == [original.flow_id] and len(queue[original.flow_id]) == 1
    World.reject_if = {}
    SyncEngine(store).replay(FLOW, parked_ids=queue[original.flow_id])
    again = _events(store, EventFilter(statuses=("parked",)))[0]
    assert again.id == original.id and again.error == original.error
    assert again.replay_status == "delivered" and again.replayed_by and not again.in_queue
    with store.session() as s:
        story = record_story(s, original.id)
        assert story is not None and story.record_key == "C00002"
        assert [a.status for a in story.attempts] == ["parked", "delivered"]
        assert story.attempts[1].replay_of == original.id
        assert story.attempts[1].trigger == "replay"
        assert story.parked == []  # resolved by the replay
        assert {i.system_name for i in story.identities} == {"Memory DMS"}
        sent = payloads(s, story.attempts[1].id)
        assert sent.source and sent.source["email"] == BLOCKED
        assert sent.sent and sent.sent["external_id"] == "C00002"
        assert open_parked_for_events(s, [original.id]) == {}
        ids = s.scalars(select(RecordOutcome.id)).all()
        assert len(ids) == 6


def test_filter_options_list_flows_systems_and_entities(store: Store) -> None:
    run_with_one_reject(store, World, FLOW)
    with store.session() as s:
        options = filter_options(s)
    assert [name for _i, name in options.flows] == ["Customers (test)"]
    assert [name for _u, name in options.systems] == ["Memory CRM", "Memory DMS"]
    assert options.entities == ["customer"]
