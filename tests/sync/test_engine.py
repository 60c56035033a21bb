"""The engine's guarantees, against an in-memory pair of systems (fast, exact). The same
guarantees are proven against the sandbox servers in test_flows_sandbox.py."""

import pandas as pd
import pytest
from sqlalchemy import func, select

from app.services.flows import FlowService
from app.store import Store
from app.store.models import Conflict, DeliveryState, Link, ParkedRecord, RecordOutcome, Run
from app.sync import source_chunks
from app.sync.engine import SyncEngine
from app.sync.hashing import idempotency_key
from app.sync.progress import CancelToken, Progress
from tests.support import memory_connector
from tests.support.memory_connector import World
from tests.support.memory_flow import customer


def _count(store: Store, model: type, *where: object) -> int:
    with store.session() as s:
        return int(s.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def test_first_run_creates_then_incremental_sends_only_changes(
    store: Store, world: type[World], memory_flow: str
) -> None:
    world.source = [customer(n, f"2026-01-01T00:00:0{n}Z") for n in range(1, 8)]
    seen: list[Progress] = []
    engine = SyncEngine(store, progress=lambda p: seen.append(p))
    first = engine.run(memory_flow)
    assert first.status == "succeeded" and first.exit_code == 0
    assert first.counts["created"] == 7 and len(world.sink) == 7
    assert world.sink["S1"]["first_name"] == "First1"
    assert world.sink["S1"]["phone"] == "+13135550001"
    assert all(size <= 2 for size in world.writes)  # batches honour max_batch
    assert seen and seen[-1].phase == "done" and seen[-1].done == 7
    assert FlowService(store).get(memory_flow).cursor == "2026-01-01T00:00:07Z"

    writes_before = len(world.writes)
    second = engine.run(memory_flow)
    # the inclusive cursor re-reads the boundary record; it is skipped, not re-sent
    assert second.counts["read"] == 1 and second.counts["unchanged"] == 1
    assert len(world.writes) == writes_before

    world.source[2] = customer(3, "2026-02-01T00:00:00Z", first_name="Robert")
    third = engine.run(memory_flow)
    assert third.counts["updated"] == 1 and third.counts["created"] == 0
    assert world.sink["S3"]["first_name"] == "Robert" and len(world.sink) == 7


def test_every_record_has_an_outcome_and_links_share_a_golden_id(
    store: Store, world: type[World], memory_flow: str
) -> None:
    world.source = [customer(1), customer(2)]
    summary = SyncEngine(store).run(memory_flow)
    with store.session() as s:
        outcomes = s.scalars(
            select(RecordOutcome).where(RecordOutcome.run_id == summary.run_id)
        ).all()
        assert sorted(o.record_key for o in outcomes) == ["C00001", "C00002"]
        o = outcomes[0]
        assert o.status == "delivered" and o.action == "create"
        # the run log keeps the hash as the idempotency key carried it (issue 27: bytes)
        delivered = s.get(DeliveryState, (o.flow_id, o.golden_id))
        assert delivered is not None
        assert idempotency_key(o.golden_id, delivered.payload_hash).endswith(":" + o.payload_hash)
        assert len(o.payload_hash) == 32
        assert o.destination_id and o.golden_id and o.sent_payload and o.duration_ms is not None
        links = s.execute(select(Link.system, Link.external_id, Link.golden_id)).all()
    golden_by_ext = {ext: gold for _sys, ext, gold in links}
    assert golden_by_ext["C00001"] == golden_by_ext[world.by_external["C00001"]]
    assert len({sys for sys, _e, _g in links}) == 2  # one link per system


def test_rejected_record_is_parked_then_replayed_after_a_fix(
    store: Store, world: type[World], memory_flow: str
) -> None:
    world.source = [customer(1), customer(2, email="blocked@example.com"), customer(3)]
    world.reject_if = {"blocked@example.com": "email: domain is on the block list"}
    engine = SyncEngine(store)
    summary = engine.run(memory_flow)
    assert summary.status == "completed_with_errors" and summary.exit_code == 1
    assert summary.counts["parked"] == 1 and summary.counts["created"] == 2
    with store.session() as s:
        parked = s.scalars(select(ParkedRecord)).one()
        assert parked.record_key == "C00002" and "block list" in parked.reason
        assert parked.source_payload["email"] == "blocked@example.com"
    world.reject_if = {}
    replay = engine.replay(memory_flow)
    assert replay.status == "succeeded" and replay.counts["created"] == 1
    assert len(world.sink) == 3
    assert _count(store, ParkedRecord, ParkedRecord.status == "open") == 0


def test_bad_values_fail_one_record_with_a_reason_not_the_run(
    store: Store, world: type[World], memory_flow: str
) -> None:
    world.source = [
        customer(1, last_name="   "),  # required target empty -> parked
        customer(2, mobile_phone="12"),  # optional field invalid -> sent blank
        customer(3),
    ]
    summary = SyncEngine(store).run(memory_flow)
    assert summary.counts == {**summary.counts, "parked": 1, "created": 2}
    with store.session() as s:
        reason = s.scalar(select(ParkedRecord.reason))
    assert reason == "last_name: required but empty"
    assert world.sink[world.by_external["C00002"]]["phone"] == ""


def test_delivery_failure_keeps_cursor_and_rerun_loses_and_duplicates_nothing(
    store: Store, world: type[World], memory_flow: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(source_chunks, "CHUNK_ROWS", 3)  # one checkpoint per 3-row page
    world.source = [customer(n, f"2026-01-0{n}T00:00:00Z") for n in range(1, 10)]
    world.fail_batches = 0
    engine = SyncEngine(store)
    # let the first chunk through, then the sink goes down
    original = world.page_size
    world.page_size = 3
    calls = {"n": 0}

    real_write = memory_connector.SinkStream.write

    def flaky(self, batch):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 3:
            world.fail_batches = 1
        return real_write(self, batch)

    memory_connector.SinkStream.write = flaky  # type: ignore[method-assign]
    try:
        failed = engine.run(memory_flow)
    finally:
        memory_connector.SinkStream.write = real_write  # type: ignore[method-assign]
    assert failed.status == "failed" and failed.exit_code == 2
    assert "sink unreachable" in (failed.error or "")
    cursor = FlowService(store).get(memory_flow).cursor
    assert cursor == "2026-01-03T00:00:00Z"  # only the fully acknowledged chunk
    world.page_size = original
    again = engine.run(memory_flow)
    assert again.status == "succeeded"
    assert len(world.sink) == 9 and len(world.by_external) == 9  # nothing missing, no dupes
    assert sorted(world.by_external) == [f"C0000{n}" for n in range(1, 10)]


def test_small_pages_are_joined_into_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(source_chunks, "CHUNK_ROWS", 4)
    pages = [pd.DataFrame({"k": [n, n + 1]}) for n in range(0, 10, 2)]
    chunks = list(source_chunks.coalesced(iter(pages)))
    assert [len(c) for c in chunks] == [4, 4, 2]
    assert pd.concat(chunks)["k"].tolist() == list(range(10))


def test_dry_run_plans_without_writing(store: Store, world: type[World], memory_flow: str) -> None:
    world.source = [customer(1), customer(2)]
    engine = SyncEngine(store)
    engine.run(memory_flow)
    world.source[0] = customer(1, "2026-03-01T00:00:00Z", last_name="Smith-Jones")
    world.source.append(customer(3, "2026-03-01T00:00:00Z"))
    writes = len(world.writes)
    plan = engine.run(memory_flow, dry_run=True)
    assert plan.status == "dry_run" and len(world.writes) == writes
    actions = {p.key: p.action for p in plan.plan}
    assert actions["C00001"] == "update" and actions["C00003"] == "create"
    diff = next(p.diff for p in plan.plan if p.key == "C00001")
    assert diff == {"last_name": ("Last1", "Smith-Jones")}
    assert _count(store, Link, Link.external_id == "C00003") == 0
    assert FlowService(store).get(memory_flow).cursor != "2026-03-01T00:00:00Z"


def test_destination_owned_field_is_not_overwritten_and_conflict_recorded(
    store: Store, world: type[World], memory_flow: str
) -> None:
    world.source = [customer(1)]
    engine = SyncEngine(store)
    engine.run(memory_flow)  # create sends everything, email included
    assert world.sink["S1"]["email"] == "person1@example.com"
    world.sink["S1"]["email"] = "changed.in.crm@example.com"
    world.source[0] = customer(1, "2026-05-01T00:00:00Z", email="new@example.com", first_name="Al")
    summary = engine.run(memory_flow)
    assert summary.counts["updated"] == 1 and summary.counts["conflicts"] == 1
    assert world.sink["S1"]["email"] == "changed.in.crm@example.com"  # the owner wins
    assert world.sink["S1"]["first_name"] == "Al"
    with store.session() as s:
        c = s.scalars(select(Conflict)).one()
    assert (c.field, c.source_value, c.winner) == ("email", "new@example.com", "destination")


def test_resync_of_one_record_resends_it_and_leaves_the_cursor(
    store: Store, world: type[World], memory_flow: str
) -> None:
    world.source = [customer(1), customer(2)]
    engine = SyncEngine(store)
    engine.run(memory_flow)
    cursor = FlowService(store).get(memory_flow).cursor
    world.sink["S2"]["first_name"] = "Tampered"
    summary = engine.run(memory_flow, keys=["C00002"])
    assert summary.counts["updated"] == 1 and summary.counts["read"] == 1
    assert world.sink["S2"]["first_name"] == "First2"
    assert FlowService(store).get(memory_flow).cursor == cursor


def test_cancel_stops_at_a_consistent_point(
    store: Store, world: type[World], memory_flow: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(source_chunks, "CHUNK_ROWS", 3)
    world.source = [customer(n, f"2026-01-01T00:00:{n:02d}Z") for n in range(1, 10)]
    token = CancelToken()

    real_write = memory_connector.SinkStream.write

    def write_then_cancel(self, batch):  # type: ignore[no-untyped-def]
        token.cancel()  # the user presses Cancel while the first batch is on the wire
        return real_write(self, batch)

    monkeypatch.setattr(memory_connector.SinkStream, "write", write_then_cancel)
    summary = SyncEngine(store).run(memory_flow, cancel=token)
    monkeypatch.setattr(memory_connector.SinkStream, "write", real_write)
    assert summary.status == "cancelled"
    assert 0 < len(world.sink) < 9  # the batch on the wire was delivered, the rest was not
    with store.session() as s:
        run = s.get(Run, summary.run_id)
        assert run is not None and run.status == "cancelled" and run.finished_at is not None
        delivered = s.scalar(select(func.count()).select_from(DeliveryState))
    assert delivered == len(world.sink)  # state matches what the sink really has
    assert SyncEngine(store).run(memory_flow).status == "succeeded"
    assert len(world.sink) == 9


def test_replay_links_to_the_original_attempt_whose_error_stays(
    store: Store, world: type[World], memory_flow: str
) -> None:
    world.source = [customer(1, email="blocked@example.com")]
    world.reject_if = {"blocked@example.com": "rejected: blocked domain"}
    engine = SyncEngine(store)
    first = engine.run(memory_flow)
    world.reject_if = {}
    replay = engine.replay(memory_flow)
    with store.session() as s:
        original = s.scalars(
            select(RecordOutcome).where(RecordOutcome.run_id == first.run_id)
        ).one()
        again = s.scalars(select(RecordOutcome).where(RecordOutcome.run_id == replay.run_id)).one()
        run = s.get(Run, replay.run_id)
    assert original.status == "parked" and original.error == "rejected: blocked domain"
    assert again.status == "delivered" and again.replay_of == original.id
    assert run is not None and run.trigger == "replay"


def test_only_a_dry_run_builds_field_diffs(
    store: Store, world: type[World], memory_flow: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A real run never shows a diff, so it does not build one (a tenth of the run's
    thread on a large first load); a dry run still shows it, for creates and updates."""
    from app.sync import chunk, planner

    asked: list[bool] = []

    def spy(*args: object, **kw: object) -> planner.PlanItem:
        asked.append(bool(kw.get("with_diff", True)))
        return planner.plan_record(*args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(chunk, "plan_record", spy)
    world.source = [customer(1), customer(2)]
    engine = SyncEngine(store)
    engine.run(memory_flow)
    assert asked == [False, False]
    with store.session() as s:  # a real run's outcomes carry no diff
        answers = s.scalars(select(RecordOutcome.response_payload)).all()
    assert not any(a and "diff" in a for a in answers)

    asked.clear()
    world.source[0] = customer(1, "2026-03-01T00:00:00Z", last_name="Smith-Jones")
    world.source.append(customer(3, "2026-03-01T00:00:00Z"))
    plan = engine.run(memory_flow, dry_run=True)
    assert asked and all(asked)
    diffs = {p.key: p.diff for p in plan.plan}
    assert diffs["C00001"] == {"last_name": ("Last1", "Smith-Jones")}
    assert diffs["C00003"]["last_name"] == (None, "Last3")


def test_a_run_that_fails_while_setting_up_is_recorded_failed_and_closes_its_connections(
    store: Store, memory_flow: str, world: type[World], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A destination stream the connection does not have (renamed at the vendor, say):
    the run says why it failed, is not left "running", and both connectors are closed."""
    closed: list[str] = []
    monkeypatch.setattr(
        memory_connector.MemoryConnector, "close",
        lambda self: closed.append(str(self.settings.get("name"))),
    )  # fmt: skip
    flow = FlowService(store).get(memory_flow)
    with store.session() as s:
        from app.store.models import Flow

        row = s.get(Flow, flow.id)
        assert row is not None
        row.dest_stream = "contacts_v2"
    with pytest.raises(Exception, match="contacts_v2"):
        SyncEngine(store).run(memory_flow)
    assert sorted(closed) == ["crm", "dms"]
    with store.session() as s:
        run = s.scalars(select(Run).order_by(Run.id.desc())).first()
        assert run is not None and run.status == "failed"
        assert "contacts_v2" in (run.error or "") and run.finished_at is not None
