"""WAL checkpoints off a bulk writer's path.

SQLite copies the write-ahead log back into the database file (a checkpoint) at the
commit that finds the log past ``wal_autocheckpoint`` pages. On a large sync that commit
is the engine's store writer, whose work every record waits on: on 100,000 customers the
checkpoints took about a sixth of its time. A run's writer therefore commits through
:func:`writer_session`, whose connection leaves checkpoints out, while
:func:`background_checkpoints` makes them on a thread of its own (SQLite lets a passive
checkpoint run beside a writer, and the driver lets go of the GIL while it does).

Nothing about durability changes: a committed transaction is in the log either way, and
a process killed with an unmerged log has it replayed when the store next opens."""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from app.store.db import Store
from app.store.faults import storage_problem

log = logging.getLogger(__name__)
AUTOCHECKPOINT_PAGES = 1000  # SQLite's default, given back to the connection after
EVERY_S = 0.25


@contextmanager
def writer_session(store: Store) -> Iterator[Session]:
    """:meth:`Store.session` on a connection whose commits make no checkpoint (for a
    writer inside :func:`background_checkpoints`); the connection gets them back after."""
    try:
        with store.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_autocheckpoint=0")
            conn.commit()
            try:
                with store.sessions(bind=conn) as session:
                    try:
                        yield session
                        session.commit()
                    except BaseException:
                        session.rollback()
                        raise
            finally:
                conn.exec_driver_sql(f"PRAGMA wal_autocheckpoint={AUTOCHECKPOINT_PAGES}")
                conn.commit()
    except (DBAPIError, sqlite3.Error) as exc:
        problem = storage_problem(exc, store.paths.database)
        if problem is None:
            raise
        raise problem from exc


def checkpoint(store: Store) -> None:
    """Copy what the log holds into the database file, as far as no reader needs it
    (PASSIVE: never waits for, nor blocks, a reader or the writer)."""
    with store.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")


@contextmanager
def background_checkpoints(store: Store, every_s: float = EVERY_S) -> Iterator[None]:
    """Checkpoint every ``every_s`` on a thread of its own while the block runs."""
    stop = threading.Event()

    def loop() -> None:
        while not stop.wait(every_s):
            try:
                checkpoint(store)
            except (DBAPIError, sqlite3.Error) as exc:  # housekeeping: the next one tries again
                log.debug("WAL checkpoint skipped: %s", exc)

    thread = threading.Thread(target=loop, name="wal-checkpoint", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
