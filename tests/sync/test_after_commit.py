"""``Stream.after_commit``: the engine tells the source stream its run is committed --
only after a committed run that read the source, never after one that failed, was
cancelled, was a dry run, a re-sync of some keys or a replay."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.store import Store
from app.store.models import Run
from app.sync.engine import SyncEngine
from app.sync.progress import CancelToken
from tests.support import memory_connector
from tests.support.memory_connector import World
from tests.support.memory_flow import customer


@pytest.fixture
def committed(store: Store, monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, str]]:
    """(run id, its status in the store) at each call of the source's ``after_commit``."""
    calls: list[tuple[int, str]] = []

    def after_commit(_stream: memory_connector.SourceStream) -> None:
        with store.session() as s:
            run = s.scalars(select(Run).order_by(Run.id.desc())).first()
            assert run is not None and run.finished_at is not None
            calls.append((run.id, run.status))

    monkeypatch.setattr(memory_connector.SourceStream, "after_commit", after_commit, raising=False)
    return calls


def test_called_once_after_a_committed_run(
    store: Store, world: type[World], memory_flow: str, committed: list[tuple[int, str]]
) -> None:
    world.source = [customer(1), customer(2)]
    engine = SyncEngine(store)
    ok = engine.run(memory_flow)
    assert committed == [(ok.run_id, "succeeded")]
    world.source.append(customer(3, email="refuse@example.com"))
    world.reject_if = {"refuse@example.com": "refused"}
    parked = engine.run(memory_flow, full=True)
    assert parked.status == "completed_with_errors"  # the refused record is parked
    assert committed[-1] == (parked.run_id, "completed_with_errors")


def test_not_called_when_the_run_did_not_take_its_input(
    store: Store,
    world: type[World],
    memory_flow: str,
    committed: list[tuple[int, str]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    world.source = [customer(1), customer(2), customer(3, email="refuse@example.com")]
    engine = SyncEngine(store)
    world.fail_batches = 100
    assert engine.run(memory_flow).status == "failed"
    world.fail_batches = 0
    assert engine.run(memory_flow, dry_run=True).status == "dry_run"
    token = CancelToken()
    token.cancel()
    assert engine.run(memory_flow, cancel=token).status == "cancelled"
    assert engine.run(memory_flow, keys=["C00001"]).status == "succeeded"
    assert committed == []
    world.reject_if = {"refuse@example.com": "refused"}
    assert engine.run(memory_flow).status == "completed_with_errors"
    committed.clear()
    world.reject_if = {}
    assert engine.replay(memory_flow).status == "succeeded"
    assert committed == []
