"""Feeds tests: the demo inventory as its DMS rows and as a prepared snapshot.

The data set, its simulated servers and the store with the demo feeds come from
``tests.support.feeds``.
"""

from __future__ import annotations

from typing import Any

import pytest

from app.feeds.inventory import InventorySnapshot, prepare


@pytest.fixture(scope="session")
def inventory_rows(feeds_dataset: Any) -> list[dict[str, str]]:
    frame = feeds_dataset.tables["dms_inventory"]
    return frame.astype(object).fillna("").astype(str).to_dict("records")


@pytest.fixture
def snapshot(inventory_rows: list[dict[str, str]]) -> InventorySnapshot:
    return prepare(inventory_rows)
