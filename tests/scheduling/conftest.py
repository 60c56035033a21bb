"""Scheduling fixtures. Until the lead appends the feature DDL modules
(``app/store/schema_*.py``, ours is ``schema_scheduling``) as migrations, every test store
here gets them applied — other helpers' engine changes need theirs too."""

from __future__ import annotations

import importlib
import pkgutil
import sqlite3
from collections.abc import Iterator

import pytest
from sqlalchemy.exc import OperationalError

import app.store
from app.store import Store
from app.store.migrations import MIGRATIONS
from tests.sync.conftest import customer, memory_flow, world  # noqa: F401 — fixtures

__all__ = ["apply_pending_schema", "customer"]


def apply_pending_schema(store: Store) -> None:
    modules = [
        m.name for m in pkgutil.iter_modules(app.store.__path__) if m.name.startswith("schema_")
    ]
    migrated = {id(version) for version in MIGRATIONS}
    for name in sorted(modules):
        statements = importlib.import_module(f"app.store.{name}").STATEMENTS
        if id(statements) in migrated:
            continue  # already applied by open_store, and not every version re-runs
        with store.engine.connect() as conn:
            for statement in statements:
                try:
                    conn.exec_driver_sql(statement)
                    conn.commit()
                except (OperationalError, sqlite3.OperationalError) as exc:
                    if "already exists" not in str(exc) and "duplicate column" not in str(exc):
                        raise
                    conn.rollback()


@pytest.fixture(autouse=True)
def _pending_schema(store: Store) -> None:
    apply_pending_schema(store)


@pytest.fixture
def sched_store(store: Store) -> Iterator[Store]:
    yield store
