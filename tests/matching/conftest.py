"""Fixtures for matching: a small labelled demo dataset and a store with the matching
tables (installed from ``app.store.schema_matching`` until the lead adds the migration)."""

from __future__ import annotations

from collections.abc import Iterator

import pandas as pd
import pytest
from sqlalchemy import text

from app.paths import AppPaths
from app.sandbox.generator import Dataset, build_dataset
from app.store import Store, open_store
from app.store.schema_matching import STATEMENTS


def install_matching_schema(store: Store) -> None:
    with store.engine.begin() as conn:
        have = {
            r[0] for r in conn.execute(text("SELECT name FROM sqlite_master WHERE type='table'"))
        }
        if "match_records" in have:
            return
        for stmt in STATEMENTS:
            conn.execute(text(stmt))


@pytest.fixture
def mstore(paths: AppPaths) -> Iterator[Store]:
    s = open_store(paths)
    install_matching_schema(s)
    yield s
    s.dispose()


@pytest.fixture(scope="session")
def small_ds() -> Dataset:
    return build_dataset(1_500, seed=5)


def people_frames(ds: Dataset) -> list[tuple[str, str, str, pd.DataFrame, str]]:
    """(system, label, kind, frame, id column) of the three customer tables."""
    return [
        ("sys-dms", "Demo DMS", "dms_rest", ds["dms_customers"], "customer_id"),
        ("sys-crm", "Demo CRM", "crm_rest", ds["crm_contacts"], "contact_id"),
        ("sys-mkt", "Demo marketing", "marketing", ds["marketing_contacts"], "subscriber_id"),
    ]
