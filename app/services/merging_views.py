"""What the merge service hands to the UI and CLI: plain, immutable views, and how they
are read from the store's rows."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.matching.survivorship import SourceRecord, canonical
from app.services.golden_links import ENTITY
from app.store.matching_models import MatchRecord, Merge
from app.store.models import Link

# Record order in a cluster's detail: the DMS first, it is the system of record.
_PRIORITY = {"dms": 0, "crm": 1, "marketing": 2}


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

    @property
    def partial(self) -> bool:
        """Merged here, but a system refused to merge its copies (see ``not_followed``)."""
        return self.status == "partial"

    @property
    def not_followed(self) -> dict[str, str]:
        """System label -> why it has not followed the merge (its refusal)."""
        return {
            label: str(v.get("message") or "refused")
            for label, v in self.propagation.items()
            if v.get("status") == "failed"
        }

    @property
    def active(self) -> bool:
        """Not undone (merged, or partially merged)."""
        return self.status in ("merged", "partial")


def source_records(records: Sequence[RecordView]) -> list[SourceRecord]:
    return [
        SourceRecord(
            str(r.id), r.system_kind, r.system_label, r.external_id, r.fields, r.updated_at
        )
        for r in records
    ]


def merge_view(m: Merge) -> MergeView:
    """The view of one merge row."""
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


def record_views(s: Session, ids: Sequence[int]) -> list[RecordView]:
    """The records ``ids`` with their current golden ids, DMS first, then oldest first."""
    rows = s.scalars(select(MatchRecord).where(MatchRecord.id.in_(list(ids)))).all()
    links = {
        (sys_, ext): gold
        for sys_, ext, gold in s.execute(
            select(Link.system, Link.external_id, Link.golden_id).where(
                Link.entity == ENTITY, Link.external_id.in_([r.external_id for r in rows])
            )
        )
    }
    out = [
        RecordView(
            r.id,
            r.system,
            r.system_label,
            r.system_kind,
            r.external_id,
            r.display_name,
            dict(r.payload),
            canonical(r.payload),
            r.source_updated_at,
            links.get((r.system, r.external_id)),
        )
        for r in rows
    ]
    return sorted(out, key=lambda r: (_PRIORITY.get(r.system_kind, 9), r.updated_at, r.id))
