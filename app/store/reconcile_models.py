"""ORM class of reconciliation and shadow reports (DDL in ``schema_reconcile``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.store.models import Base, UTCDateTime, utcnow


class ReconcileReport(Base):
    """One comparison of a flow's two systems (``kind`` reconcile | shadow | feed)."""

    __tablename__ = "reconcile_reports"
    __table_args__ = (Index("ix_reconcile_flow", "flow_id", "kind", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    flow_id: Mapped[int | None] = mapped_column(ForeignKey("flows.id", ondelete="CASCADE"))
    run_id: Mapped[int | None] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20), default="reconcile")
    status: Mapped[str] = mapped_column(String(20), default="running")  # agree|differ|failed
    method: Mapped[str] = mapped_column(String(20), default="list")  # list | lookup
    trigger: Mapped[str] = mapped_column(String(20), default="manual")
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    source_count: Mapped[int] = mapped_column(Integer, default=0)
    dest_count: Mapped[int] = mapped_column(Integer, default=0)
    only_in_source: Mapped[int] = mapped_column(Integer, default=0)
    only_in_destination: Mapped[int] = mapped_column(Integer, default=0)
    different: Mapped[int] = mapped_column(Integer, default=0)
    same: Mapped[int] = mapped_column(Integer, default=0)
    field_counts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    notes: Mapped[list[Any]] = mapped_column(JSON, default=list)
    error: Mapped[str | None] = mapped_column(Text)
