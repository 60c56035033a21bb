"""Flow options that shape what a run writes: ``omit_blank`` (a blank leaves the
destination's value alone) and ``update_only`` (records the destination does not have are
not created) — together, a flow that only ever lowers a value (consent going back) — the
link a refused record gets when the destination says it holds it, and ``source_filter``
(only the source records a flow is about)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
from sqlalchemy import select

from app.connectors.streams import WriteAction, WriteRecord, WriteResult
from app.mapping.model import Mapping, Step, rule
from app.services.flows import FlowDefinition, FlowService
from app.services.profiles import ProfileService
from app.store import Store
from app.store.models import Flow, Link, ParkedRecord, RecordOutcome
from app.sync.engine import SyncEngine
from app.sync.flow_options import NOT_IN_DESTINATION, NOTHING_TO_SEND
from tests.support import memory_connector
from tests.support.memory_connector import World
from tests.support.memory_flow import customer

# "first_name" stands in for a consent state: an opt-out gives N, anything else nothing
OPT_OUTS = Mapping(
    (
        rule(
            "phone",
            "first_name",
            steps=[Step("lookup", {"table": {"unsubscribed": "N"}, "default": ""})],
        ),
    )
)


def _lowering_flow(store: Store, **options: object) -> str:
    profiles = ProfileService(store)
    FlowService(store).upsert(
        FlowDefinition(
            slug="opt-outs-test",
            name="Opt-outs (test)",
            source_profile_id=profiles.get_by_name("Memory DMS").id,
            source_stream="customers",
            dest_profile_id=profiles.get_by_name("Memory CRM").id,
            dest_stream="contacts",
            mapping=OPT_OUTS,
            options={"omit_blank": ["phone"], "update_only": True, **options},
        )
    )
    return "opt-outs-test"


def _notes(store: Store, run_id: int) -> dict[str, str | None]:
    with store.session() as s:
        rows = s.scalars(select(RecordOutcome).where(RecordOutcome.run_id == run_id))
        return {o.record_key: o.error for o in rows}


def test_a_flow_that_only_lowers_sends_opt_outs_to_linked_records_only(
    store: Store, world: type[World], memory_flow: str
) -> None:
    world.source = [customer(n, f"2026-01-01T00:00:0{n}Z") for n in range(1, 5)]
    engine = SyncEngine(store)
    assert engine.run(memory_flow).counts["created"] == 4  # links: C0000n <-> Sn
    lowering = _lowering_flow(store)
    by_key = world.by_external
    phones = {k: world.sink[by_key[k]]["phone"] for k in by_key}

    # nobody opted out: nothing is sent at all, the destination keeps its phones
    writes = len(world.writes)
    quiet = engine.run(lowering)
    assert quiet.status == "succeeded"
    assert (quiet.counts["read"], quiet.counts["unchanged"], quiet.counts["updated"]) == (4, 4, 0)
    assert len(world.writes) == writes
    assert set(_notes(store, quiet.run_id).values()) == {NOTHING_TO_SEND}

    # C2 opts out; C5, whom the destination has never seen, opts out too
    world.source[1] = customer(2, "2026-02-01T00:00:00Z", first_name="unsubscribed")
    world.source.append(customer(5, "2026-02-01T00:00:01Z", first_name="unsubscribed"))
    lowered = engine.run(lowering)
    assert lowered.status == "succeeded"
    assert lowered.counts["updated"] == 1 and lowered.counts["created"] == 0
    s2 = world.sink[by_key["C00002"]]
    assert s2["phone"] == "N" and s2["first_name"] == "First2"  # only the opt-out was sent
    assert "C00005" not in by_key and len(world.sink) == 4  # never created
    assert _notes(store, lowered.run_id)["C00005"] == NOT_IN_DESTINATION
    assert [world.sink[by_key[k]]["phone"] for k in ("C00001", "C00003", "C00004")] == [
        phones[k] for k in ("C00001", "C00003", "C00004")
    ]

    # C2 opts in again: a blank is not sent, the destination keeps N
    world.source[1] = customer(2, "2026-03-01T00:00:00Z")
    back = engine.run(lowering)
    assert back.counts["updated"] == 0 and s2["phone"] == "N"

    # the desk sets a value by hand, then C2 opts out again: N is sent again, although it
    # is what was sent the time before (what was last asserted is "nothing")
    s2["phone"] = "+13135550002"
    world.source[1] = customer(2, "2026-04-01T00:00:00Z", first_name="unsubscribed")
    again = engine.run(lowering)
    assert again.counts["updated"] == 1 and s2["phone"] == "N"
    # and the same opt-out read again is skipped as unchanged
    assert engine.run(lowering, full=True).counts["updated"] == 0


def test_without_update_only_a_new_record_is_created_from_what_is_not_blank(
    store: Store, world: type[World], memory_flow: str
) -> None:
    world.source = [customer(1, first_name="unsubscribed"), customer(2)]
    summary = SyncEngine(store).run(_lowering_flow(store, update_only=False))
    assert summary.counts["created"] == 1 and summary.counts["unchanged"] == 1
    assert list(world.sink.values()) == [{"phone": "N"}]


def test_a_refused_record_the_destination_holds_is_linked_and_stays_parked(
    store: Store, world: type[World], memory_flow: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Klaviyo saves a profile and refuses only its re-subscribe: the answer names the
    profile, so it is linked (a flow back from the destination knows whose it is) while
    the record waits in the retry queue."""
    real = memory_connector.SinkStream.write

    def keeps_but_refuses(self: Any, batch: Sequence[WriteRecord]) -> list[WriteResult]:
        out = real(self, batch)
        return [
            WriteResult(WriteAction.REJECTED, r.dest_id, error="saved, but not re-subscribed")
            if rec.key == "C00002"
            else r
            for rec, r in zip(batch, out, strict=True)
        ]

    monkeypatch.setattr(memory_connector.SinkStream, "write", keeps_but_refuses)
    world.source = [customer(1), customer(2)]
    summary = SyncEngine(store).run(memory_flow)
    assert summary.counts["parked"] == 1 and summary.counts["created"] == 1
    crm = ProfileService(store).get_by_name("Memory CRM").uid
    with store.session() as s:
        gold = s.scalar(select(Link.golden_id).where(Link.external_id == "C00002"))
        held = s.scalars(select(Link.external_id).where(Link.system == crm)).all()
        parked = s.scalars(select(ParkedRecord.record_key)).all()
    assert world.by_external["C00002"] in held and len(held) == 2 and gold
    assert parked == ["C00002"]


def test_after_a_cut_off_run_creates_look_first(
    store: Store, world: type[World], memory_flow: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run that failed (or was killed) may have left its last batch at the destination
    with no link here: the next run's creates ask the stream to look before creating."""
    seen: list[tuple[str, bool]] = []
    real = memory_connector.SinkStream.write

    def watching(self: Any, batch: Sequence[WriteRecord]) -> list[WriteResult]:
        seen.extend((r.key, r.look_first) for r in batch)
        return real(self, batch)

    monkeypatch.setattr(memory_connector.SinkStream, "write", watching)
    world.source = [customer(1), customer(2), customer(3)]
    world.fail_batches = 99
    engine = SyncEngine(store)
    assert engine.run(memory_flow).status == "failed"
    assert {look for _k, look in seen} == {False}
    world.fail_batches = 0
    seen.clear()
    assert engine.run(memory_flow).status == "succeeded"
    assert sorted(seen) == [("C00001", True), ("C00002", True), ("C00003", True)]
    # once a run went through, nothing is looked for: an update never was
    world.source[0] = customer(1, "2026-02-01T00:00:00Z", first_name="Bob")
    world.source.append(customer(4, "2026-02-01T00:00:01Z"))
    seen.clear()
    assert engine.run(memory_flow).status == "succeeded"
    assert sorted(seen) == [("C00001", False), ("C00004", False)]


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
