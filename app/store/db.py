"""One SQLAlchemy engine per process over the SQLite file; each thread opens its own Session."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from app.paths import AppPaths
from app.store.errors import StoreError
from app.store.migrations import migrate


def _on_connect(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA cache_size=-65536")
    cur.execute("PRAGMA temp_store=MEMORY")
    cur.close()


@dataclass
class Store:
    """The open local store: engine plus a session factory."""

    paths: AppPaths
    engine: Engine
    sessions: sessionmaker[Session]

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A unit of work: commits on success, rolls back on error."""
        with self.sessions() as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    def dispose(self) -> None:
        self.engine.dispose()


def open_store(paths: AppPaths) -> Store:
    """Open (creating and migrating as needed) the SQLite store under ``paths``."""
    paths.ensure()
    try:
        migrate(paths.database, paths.backups_dir)
    except sqlite3.DatabaseError as exc:
        raise StoreError(
            f"The database file {paths.database} cannot be opened: {exc}",
            hint="If it was damaged, restore a copy from the backups folder.",
        ) from exc
    engine = create_engine(f"sqlite:///{paths.database}", future=True)
    event.listen(engine, "connect", _on_connect)
    return Store(paths, engine, sessionmaker(engine, expire_on_commit=False))
