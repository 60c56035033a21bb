"""Matching input: a small labelled demo dataset (``small_ds`` fixture) and the customer
tables of a dataset's three systems."""

from __future__ import annotations

import pandas as pd
import pytest

from app.sandbox.generator import Dataset, build_dataset


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
