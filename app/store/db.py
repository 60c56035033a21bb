"""One SQLAlchemy engine per process over the SQLite file; each thread opens its own Session."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from app.paths import AppPaths
from app.store import payload_codec
from app.store.errors import StoreError
from app.store.faults import DamagedDatabaseError, storage_problem
from app.store.migrations import migrate


def _on_connect(database: Path, dbapi_conn: Any, _record: Any) -> None:
    payload_codec.register_sql(dbapi_conn, database)
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA cache_size=-65536")
    cur.execute("PRAGMA temp_store=MEMORY")
    cur.close()


def engine_url(database: os.PathLike[str] | str) -> str:
    """The SQLAlchemy address of the database file (tests open it read-only through
    SQLite's ``mode=ro`` by replacing this)."""
    return f"sqlite:///{database}"


@dataclass
class Store:
    """The open local store: engine plus a session factory."""

    paths: AppPaths
    engine: Engine
    sessions: sessionmaker[Session]

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A unit of work: commits on success, rolls back on error. A storage fault (a
        read-only or damaged database, a full disk) is raised as a ``StorageError`` that
        says so in plain words."""
        try:
            with self.sessions() as session:
                try:
                    yield session
                    session.commit()
                except BaseException:
                    session.rollback()
                    raise
        except (DBAPIError, sqlite3.Error) as exc:
            problem = storage_problem(exc, self.paths.database)
            if problem is None:
                raise
            raise problem from exc

    def dispose(self) -> None:
        self.engine.dispose()


def _create(paths: AppPaths) -> None:
    """Make a new store under a temporary name and rename it into place, so that a
    ``rooftop.db`` is never one we left half made (an empty one is always a damage)."""
    for leftover in ("-wal", "-shm", "-journal"):  # of a database that is gone: never replay
        stale = paths.database.with_name(paths.database.name + leftover)
        if stale.exists():
            stale.replace(stale.with_name(stale.name + ".orphan"))
    fresh = paths.database.with_name(paths.database.name + ".new")
    fresh.unlink(missing_ok=True)
    migrate(fresh, paths.backups_dir)
    os.replace(fresh, paths.database)


def open_store(paths: AppPaths) -> Store:
    """Open (creating and migrating as needed) the SQLite store under ``paths``."""
    try:
        paths.ensure()
        if not paths.database.exists():
            _create(paths)
        elif paths.database.stat().st_size == 0:
            raise DamagedDatabaseError(
                f"The database file {paths.database} is empty (0 bytes): its contents were "
                "lost (a disk fault, or a copy that stopped half way).",
                hint=f"Restore a copy from {paths.backups_dir} (the newest that opens), or "
                "delete rooftop.db to start again with an empty store. Nothing was changed.",
            )
        else:
            migrate(paths.database, paths.backups_dir)
    except (sqlite3.Error, OSError) as exc:
        problem = storage_problem(exc, paths.database)
        if problem is not None:
            raise problem from exc
        raise StoreError(
            f"The database file {paths.database} cannot be opened: {exc}",
            hint="If it was damaged, restore a copy from the backups folder.",
        ) from exc
    engine = create_engine(engine_url(paths.database), future=True)
    event.listen(engine, "connect", partial(_on_connect, paths.database))
    return Store(paths, engine, sessionmaker(engine, expire_on_commit=False))
