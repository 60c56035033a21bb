"""Seeded generator of a realistic demo dealership: DMS, CRM and marketing records of the
same people (with real-world duplicates and errors), vehicles, deals, service history,
inventory, leads, and the ground truth matching is scored against.

No Qt, no network, no clock: the same arguments always give the same data.
"""

from __future__ import annotations

from app.sandbox.generator.dataset import Dataset, build_dataset
from app.sandbox.generator.extract import write_dms_extract
from app.sandbox.generator.generate import GenerateSummary, generate, write_dataset

__all__ = [
    "Dataset",
    "GenerateSummary",
    "build_dataset",
    "generate",
    "write_dataset",
    "write_dms_extract",
]
