"""Feeds tests: the whole demo inventory (about 130 units from 20,000 customers), one set
of simulated servers for the session, and a store with the demo connections and feeds.

Tests that sell units pick their own VINs (``tests.support.feeds.available_vin``) and
never rely on counts they did not take themselves.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from app.feeds.inventory import InventorySnapshot, prepare
from app.sandbox.demo import install_demo
from app.sandbox.demo_feeds import install_demo_feeds
from app.sandbox.generator import build_dataset
from app.sandbox.servers import SandboxServers
from app.store import Store

CUSTOMERS = 20_000
SEED = 7


@pytest.fixture(scope="session")
def dataset() -> Any:
    return build_dataset(CUSTOMERS, seed=SEED)


@pytest.fixture(scope="session")
def inventory_rows(dataset: Any) -> list[dict[str, str]]:
    frame = dataset.tables["dms_inventory"]
    return frame.astype(object).fillna("").astype(str).to_dict("records")


@pytest.fixture
def snapshot(inventory_rows: list[dict[str, str]]) -> InventorySnapshot:
    return prepare(inventory_rows)


@pytest.fixture(scope="session")
def sandbox(dataset: Any) -> Iterator[SandboxServers]:
    with SandboxServers(dataset, seed=SEED) as servers:
        yield servers


@pytest.fixture
def demo_store(store: Store, sandbox: SandboxServers) -> Store:
    payload = sandbox.port_file_payload()
    install_demo(store, payload)
    install_demo_feeds(store, payload)
    return store
