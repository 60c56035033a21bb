"""The wizard's dry run of a flow that is not saved yet: planned exactly as a run would,
nothing written, stopped after the first planned changes."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import func, select

from app.mapping.model import Mapping, rule
from app.services.flows import FlowService
from app.store import Store
from app.store.mapping_models import SchemaSnapshot
from app.store.models import Link, RecordOutcome, Run
from app.sync.engine import SyncEngine
from app.sync.preview import preview_flow
from tests.support.memory_connector import World
from tests.support.memory_flow import customer


def _count(store: Store, model: type) -> int:
    with store.session() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def test_a_new_flow_is_planned_and_nothing_is_written(
    store: Store, world: type[World], memory_flow: str
) -> None:
    world.source = [customer(n) for n in range(1, 6)]
    new = replace(FlowService(store).get(memory_flow), id=0, slug="not-saved")
    summary = preview_flow(store, new)
    assert summary.status == "dry_run" and summary.complete
    assert [p.action for p in summary.plan] == ["create"] * 5
    assert summary.plan[0].diff["last_name"] == (None, "Last1")
    assert world.writes == []
    for model in (Run, RecordOutcome, Link, SchemaSnapshot):
        assert _count(store, model) == 0, model


def test_an_edited_flow_is_planned_against_what_it_delivered(
    store: Store, world: type[World], memory_flow: str
) -> None:
    world.source = [customer(1), customer(2)]
    SyncEngine(store).run(memory_flow)
    runs = _count(store, Run)
    flow = FlowService(store).get(memory_flow)
    edited = replace(
        flow, mapping=Mapping((*flow.mapping.rules[:3], rule("phone", "email")))
    )  # the phone now gets the e-mail (a mistake the preview shows)
    summary = preview_flow(store, edited)
    assert {p.action for p in summary.plan} == {"update"}
    assert summary.plan[0].diff["phone"] == ("+13135550001", "person1@example.com")
    assert _count(store, Run) == runs


def test_records_that_would_be_refused_are_listed_with_the_reason(
    store: Store, world: type[World], memory_flow: str
) -> None:
    world.source = [customer(1), customer(2, last_name="")]
    flow = replace(FlowService(store).get(memory_flow), id=0)
    summary = preview_flow(store, flow)
    assert summary.rejects == [("C00002", "last_name: required but empty")]
    assert summary.counts["parked"] == 1


def test_it_stops_after_the_first_planned_changes(
    store: Store, world: type[World], memory_flow: str
) -> None:
    world.page_size = 500
    world.source = [customer(n) for n in range(1, 3001)]
    flow = replace(FlowService(store).get(memory_flow), id=0)
    summary = preview_flow(store, flow, limit=50)
    assert not summary.complete
    assert summary.counts["read"] == 500  # one page read, not the whole source
    assert len([p for p in summary.plan if p.action == "create"]) == 500
