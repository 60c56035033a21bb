"""What the merge service hands to the UI and CLI: plain, immutable views."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app.matching.survivorship import SourceRecord
from app.store.matching_models import Merge


@dataclass(frozen=True)
class RecordView:
    id: int
    system: str
    system_label: str
    system_kind: str
    external_id: str
    display_name: str
    payload: dict[str, Any]
    fields: dict[str, str]
    updated_at: str
    golden_id: str | None


@dataclass(frozen=True)
class PairView:
    a: int
    b: int
    score: float
    band: str
    reasons: str


@dataclass(frozen=True)
class ClusterDetail:
    id: int
    score: float
    band: str
    status: str
    records: list[RecordView]
    pairs: list[PairView]


@dataclass(frozen=True)
class MergeView:
    id: int
    golden_id: str
    title: str
    merged_at: datetime
    merged_by: str
    status: str
    size: int
    propagation: dict[str, Any]
    undone_at: datetime | None


def source_records(records: Sequence[RecordView]) -> list[SourceRecord]:
    return [
        SourceRecord(
            str(r.id), r.system_kind, r.system_label, r.external_id, r.fields, r.updated_at
        )
        for r in records
    ]


def _view(m: Merge) -> MergeView:
    return MergeView(
        m.id,
        m.golden_id,
        m.title,
        m.merged_at,
        m.merged_by,
        m.status,
        len(m.record_ids),
        dict(m.propagation),
        m.undone_at,
    )
