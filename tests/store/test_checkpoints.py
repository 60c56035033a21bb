"""WAL checkpoints off the store writer's path: its commits make none, a thread beside
it makes them, and nothing committed is lost either way."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.store import Store, checkpoints
from app.store.models import Setting


def _autocheckpoint(session: Session) -> int:
    return int(session.connection().exec_driver_sql("PRAGMA wal_autocheckpoint").scalar_one())


def test_the_writer_commits_without_checkpoints_and_gives_them_back(store: Store) -> None:
    with checkpoints.writer_session(store) as s:
        assert _autocheckpoint(s) == 0
        s.add(Setting(key="k1", value={"n": 1}))
        connection = s.connection().connection.dbapi_connection
    with store.session() as s:  # committed, seen by every other session
        assert s.scalar(select(Setting.value).where(Setting.key == "k1")) == {"n": 1}
    # the pooled connection is handed back as SQLite made it
    assert connection is not None
    assert connection.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 1000


def test_a_failed_writer_transaction_writes_nothing(store: Store) -> None:
    with pytest.raises(RuntimeError), checkpoints.writer_session(store) as s:
        s.add(Setting(key="k2", value=1))
        s.flush()
        raise RuntimeError("stop")
    with store.session() as s:
        assert s.scalar(select(Setting.value).where(Setting.key == "k2")) is None


def test_a_checkpoint_copies_the_whole_log_back(store: Store) -> None:
    with checkpoints.writer_session(store) as s:
        s.add_all(Setting(key=f"c{n}", value="x" * 500) for n in range(500))
    wal = store.paths.database.with_name(store.paths.database.name + "-wal")
    assert wal.stat().st_size > 500 * 500  # the writer left its pages in the log
    checkpoints.checkpoint(store)
    with store.engine.connect() as conn:
        busy, frames, done = conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)").one()
        assert busy == 0 and done == frames


def test_checkpoints_run_on_their_own_thread_while_the_block_runs(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    ran: list[str] = []
    twice = threading.Event()

    def counting(s: Store) -> None:
        ran.append(threading.current_thread().name)
        if len(ran) >= 2:
            twice.set()

    monkeypatch.setattr(checkpoints, "checkpoint", counting)
    with checkpoints.background_checkpoints(store, every_s=0.001):
        assert twice.wait(60)
    after = len(ran)
    assert set(ran) == {"wal-checkpoint"}
    twice.clear()
    assert not twice.wait(0.05) and len(ran) == after  # stopped with the block
