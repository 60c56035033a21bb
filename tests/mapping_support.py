"""Helpers for the mapping tests: the drift-snapshot table (until the lead wires its
migration in) and a running demo dealership with its profiles and flows installed."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import inspect

from app.sandbox.demo import install_demo
from app.sandbox.servers import SandboxServers
from app.store import Store
from app.store.schema_mapping import STATEMENTS


def ensure_mapping_schema(store: Store) -> None:
    """Run schema_mapping.STATEMENTS unless a migration already created the table."""
    if "schema_snapshots" in inspect(store.engine).get_table_names():
        return
    with store.engine.begin() as conn:
        for statement in STATEMENTS:
            conn.exec_driver_sql(statement)


@contextmanager
def demo_dealership(store: Store, dataset: Any, seed: int = 5) -> Iterator[SandboxServers]:
    """Sandbox servers on 127.0.0.1 with the demo profiles and six demo flows installed."""
    ensure_mapping_schema(store)
    with SandboxServers(dataset, seed=seed) as servers:
        install_demo(store, servers.port_file_payload())
        yield servers
