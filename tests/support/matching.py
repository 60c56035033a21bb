"""Matching input from a generated dataset: the customer tables of its three systems."""

from __future__ import annotations

import pandas as pd

from app.sandbox.generator import Dataset


def people_frames(ds: Dataset) -> list[tuple[str, str, str, pd.DataFrame, str]]:
    """(system, label, kind, frame, id column) of the three customer tables."""
    return [
        ("sys-dms", "Demo DMS", "dms_rest", ds["dms_customers"], "customer_id"),
        ("sys-crm", "Demo CRM", "crm_rest", ds["crm_contacts"], "contact_id"),
        ("sys-mkt", "Demo marketing", "marketing", ds["marketing_contacts"], "subscriber_id"),
    ]
